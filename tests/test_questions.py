"""The decisive questions: their answers come from the conditions, each is tried correctly (the
incremental re-evaluation agrees with judging from scratch), and only what could change the verdict
is called decisive."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import yaml

import engine
from bench import corpus
from engine import method
from engine.questions import Situation, _regions
from engine.schema import FactDef

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = engine.load(ROOT / "rules")
ORACLE = engine.Engine(BUNDLE, "oracle")
DAYS = [dt.date(2015, 6, 1), dt.date(2020, 1, 1), dt.date(2025, 6, 1), dt.date(2026, 1, 15)]


def _situation(values: dict, day: dt.date) -> Situation:
    versions = BUNDLE.versions_on(day)
    keys = [v.key for v in versions if v.meta.encoded]
    status = ORACLE._evaluator.statuses(values, keys)
    place = values.get(BUNDLE.vocabulary.place_fact)
    found = method.outcomes(versions, status, place)
    return Situation(BUNDLE, versions, status, values, method.classify(found), found)


def test_trying_an_answer_agrees_with_judging_the_answered_facts_from_scratch():
    """Situation.simulate re-evaluates only the conditions that read the answered fact and applies
    only their versions again; the verdict must be the one a whole new judgement gives."""
    rng = random.Random(20261201)
    checked = changed = shortcuts = 0
    for facts in corpus.facilities(BUNDLE, 300, seed=7):
        day = rng.choice(DAYS)
        asked = rng.sample(sorted(facts), min(3, len(facts)))  # the inspector has not answered these yet
        values = BUNDLE.vocabulary.check({k: v for k, v in facts.items() if k not in asked})
        situation = _situation(values, day)
        for name in asked:
            raw = rng.choice([facts[name], corpus.random_facts(BUNDLE.vocabulary, rng, present=1.0).get(name)])
            if raw is None:
                continue
            answer = BUNDLE.vocabulary.check({name: raw})[name]
            tried = situation.simulate({name: answer})
            whole = {**values, name: answer}
            if tried is None:  # the answer contradicts another fact
                assert BUNDLE.vocabulary.contradictions(whole)
                continue
            fresh = _situation(whole, day)
            assert tried.classification == fresh.classification, (name, answer, facts, day)
            if tried.outcomes is not situation.outcomes:  # else: known to stay open without applying again
                assert [vars(o) for o in tried.outcomes] == [vars(o) for o in fresh.outcomes], (name, answer, facts, day)
            else:
                shortcuts += 1
            checked += 1
            changed += tried.classification != situation.classification
    assert checked > 700 and changed > 50 and shortcuts > 20, (checked, changed, shortcuts)


def _number(**bounds) -> FactDef:
    return FactDef(type="number", label="宽度", description="d", unit="m", **bounds)


def test_intervals_put_each_threshold_where_its_comparisons_do():
    width = _number(minimum=0, maximum=100)
    # lt 2.4: 2.4 itself is on the "not less" side
    regions = _regions(width, {2.4: {"right"}})
    assert [(r.low, r.low_in, r.high, r.high_in) for r in regions] == [(float("-inf"), False, 2.4, False),
                                                                        (2.4, True, float("inf"), False)]
    assert regions[0].sample < 2.4 <= regions[1].sample and regions[0].sample >= 0
    # le 3 and eq 5: 3 joins the lower interval, 5 is an interval of its own
    regions = _regions(width, {3.0: {"left"}, 5.0: {"point"}})
    assert [(r.low, r.high) for r in regions] == [(float("-inf"), 3.0), (3.0, 5.0), (5.0, 5.0), (5.0, float("inf"))]
    assert regions[0].high_in and regions[2].sample == 5.0
    # a threshold both below and above (lt and le on the same value) is asked apart
    assert len(_regions(width, {3.0: {"left", "right"}})) == 3


def test_intervals_of_a_count_hold_whole_numbers_within_its_bounds():
    count = FactDef(type="integer", label="数量", description="d", minimum=0, maximum=10)
    regions = _regions(count, {3.5: {"left"}})  # e.g. damaged > 7 × 50 %
    assert [r.sample for r in regions] == [0, 4]
    assert [r.sample for r in _regions(count, {0.0: {"right"}})] == [0]  # nothing below the minimum 0
    assert all(isinstance(r.sample, int) for r in _regions(count, {2.0: {"point"}}))


def test_once_an_element_holds_only_questions_on_a_path_to_a_major_are_decisive():
    """A complete canteen whose boiler's safety valve is missing, not knowing whether the boiler is
    still in use (GB 45067's definitional 仍继续使用), nor one GB 35181-2017 combined element: only
    the first can change the verdict; the combined element, alone in its rules, could add a finding."""
    canteen = yaml.safe_load((ROOT / "examples" / "canteen-compliant.yaml").read_text(encoding="utf-8"))
    facts = {**canteen, "boiler_present": True, "boiler_safety_valve_missing": True, "boiler_in_use": None,
             "refuge_area_deficient": None}
    for name in ("boiler_periodic_inspection_nonconforming", "boiler_instruments_unmonitorable", "boiler_safety_valve_failed",
                 "boiler_alarm_missing_or_failed", "boiler_interlock_missing_or_failed",
                 "boiler_flameout_protection_missing_or_failed", "boiler_pressure_part_leak_or_slag_or_red_wall",
                 "boiler_combustion_damage_severe", "power_station_boiler"):
        facts[name] = False
    judged = ORACLE.judge(facts, dt.date(2025, 6, 1))
    assert judged.classification == "indeterminate"
    assert [f.name for q in judged.missing_facts.decisive for f in q.facts] == ["boiler_in_use"]
    assert [m.name for m in judged.missing_facts.other] == ["refuge_area_deficient"]


def test_a_major_without_exceptions_has_no_decisive_question():
    judged = ORACLE.judge({"place_kind": "student_dormitory", "floor_position": "basement"}, dt.date(2026, 1, 15))
    assert judged.classification == "major"
    assert judged.missing_facts.decisive == [] and judged.missing_facts.other
