"""The living documentation as impact subjects (living_subjects.py) is faithful: every facility a
scenario judges and states a result for, rebuilt from its steps, gets that result from the engine."""

from __future__ import annotations

import re

from pytest_bdd.parser import FeatureParser

import hazard_bdd as hb
from living_subjects import LivingDocumentation

RESULT = re.compile(r'判定结果为 "(?P<label>[^"]*)"')
CLASSES = ("major", "ordinary", "none", "indeterminate")


def _stated_results() -> dict[str, str]:
    """Subject key -> the result its scenario states after that 进行判定 (before the next one)."""
    out = {}
    for path in sorted(hb.FEATURES_DIR.glob("*.feature")):
        for template in FeatureParser(str(hb.FEATURES_DIR), path.name).parse().scenarios.values():
            for context in [c for e in template.examples for c in e.as_contexts()] if template.examples else [{}]:
                scenario, shown = template.render(context), "，".join(f"{k}={v}" for k, v in context.items())
                key = None
                for step in scenario.steps:
                    if step.type == "when":
                        key = f"features/{path.name}:{step.line_number} {scenario.name}" + (f"（{shown}）" if shown else "")
                    elif key and (m := RESULT.fullmatch(step.name.strip())):
                        out.setdefault(key, m["label"])
    return out


def test_every_scenario_subject_gets_the_result_its_scenario_states(hazard_engine):
    subjects = {s.key: s for s in LivingDocumentation(hazard_engine.bundle).subjects() if s.source == "scenario"}
    stated = {k: v for k, v in _stated_results().items() if k in subjects}
    assert len(stated) > 400, f"only {len(stated)} scenario subjects state a result"
    for key, label in stated.items():
        got = hazard_engine.judge(subjects[key].facts, subjects[key].as_of).classification
        assert hb.RESULT_LABELS[CLASSES.index(got)] == label, key
