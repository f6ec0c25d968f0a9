"""The living documentation as subjects of an impact (engine/impact.py): each compliant baseline
(features/baselines/*.yaml) and each facility a scenario judges (every `当 进行判定` of a scenario
on the bundled rules, an outline once per example row), its facts built by the scenario's own
steps (hazard_bdd: the step patterns, the Chinese words, the fact tables).

Scenarios on other rules (an edited copy, one standard alone) or that judge nothing are not subjects.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_bdd.parser import FeatureParser

import hazard_bdd as hb
from engine import Bundle
from engine.impact import Subject

# step text -> what it does to the facility; the patterns are the step definitions' own
_DATE, _BASELINE, _SET, _REMOVE, _TABLE = (re.compile(p) for p in (
    hb.DATE_STEP, hb.BASELINE_STEP, hb.SET_FACT_STEP, hb.REMOVE_FACT_STEP, hb.FACT_TABLE_STEP))


class LivingDocumentation:
    description = "活文档的基础事实集与场景 features/ / the living documentation's baselines and scenarios"

    def __init__(self, bundle: Bundle):
        self.words = hb.FactWords(bundle)

    def subjects(self) -> Iterator[Subject]:
        for name in hb.baseline_names():
            yield Subject(key=f"features/baselines/{name}.yaml", label=name, school="基础事实集",
                          source="baseline", facts=hb.load_baseline(self.words, name))
        for path in sorted(hb.FEATURES_DIR.glob("*.feature")):
            feature = FeatureParser(str(hb.FEATURES_DIR), path.name).parse()
            for template in feature.scenarios.values():
                contexts = [c for e in template.examples for c in e.as_contexts()] if template.examples else [{}]
                for context in contexts:
                    shown = "，".join(f"{k}={v}" for k, v in context.items())
                    yield from self._judged(template.render(context), path.name, feature.name, shown)

    def _judged(self, scenario: Any, file: str, feature: str, example: str) -> Iterator[Subject]:
        """The facility at each 进行判定 of a scenario on the bundled rules (none if a step is not
        understood here, or its words are wrong: the scenario itself then fails and says why)."""
        facts: dict[str, Any] = {}
        day: dt.date | None = None
        bundled = False
        try:
            for step in scenario.steps:
                text = step.name.strip()
                if step.type == "given":
                    if text == hb.BUNDLED_RULES_STEP:
                        bundled = True
                    elif m := _DATE.fullmatch(text):
                        day = hb.parse_date(m["day"])
                    elif m := _BASELINE.fullmatch(text):
                        facts = hb.load_baseline(self.words, m["name"])
                    elif m := _TABLE.fullmatch(text):
                        hb.apply_fact_table(self.words, facts, step.datatable.raw())
                    elif m := _SET.fullmatch(text):
                        name = self.words.fact(m["fact"])
                        facts[name] = self.words.value(name, m["value"])
                    elif m := _REMOVE.fullmatch(text):
                        facts.pop(self.words.fact(m["fact"]), None)
                    else:
                        return
                elif step.type == "when" and text == hb.JUDGE_STEP and bundled:
                    where = f"features/{file}:{step.line_number}"
                    yield Subject(key=f"{where} {scenario.name}" + (f"（{example}）" if example else ""),
                                  label=scenario.name + (f"（{example}）" if example else ""), school=feature,
                                  source="scenario", facts=dict(facts), as_of=day)
        except pytest.fail.Exception:  # words the rules do not know: the scenario's own run reports it
            return
