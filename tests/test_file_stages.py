"""The checks of one version file (engine/version_checks.py), of the vocabulary's files
(engine/vocabulary_checks.py) and of one list file (engine/list_checks.py) one by one, on the broken-rules corpus's valid base changed in one
place: each check finds that mistake, and nothing on the valid base. The same mistakes as an
expert meets them, file and line, are cases of the broken-rules corpus."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml

from engine import list_checks, reuse, version_checks, vocabulary_checks
from engine.loader import _Loader, load
from engine.rule_messages import words
from engine.schema import ListFile, VersionFile

BASE = Path(__file__).resolve().parent / "broken_rules" / "_valid-base"
VOCABULARY = load(BASE).vocabulary
VALID = yaml.safe_load((BASE / "standards" / "demo" / "2024.yaml").read_text(encoding="utf-8"))
COMBINED = {"id": "demo.c1", "clause": "第四条", "text": "下列要素 2 条以上的。", "text_status": "verbatim",
            "source": "示例来源", "category": {"label": "学生宿舍", "condition": {"fact": "place_kind", "eq": "dormitory"}},
            "elements": ["demo.3", "demo.4"], "elements_status": "verbatim", "at_least": 2, "threshold_status": "verbatim"}


def _element(entry_id: str, method: str, **more) -> dict:
    return {**VALID["criteria"][1], "id": entry_id, "method": method, **more}


def _with_combined(data: dict) -> None:
    data["criteria"] += [_element("demo.3", "combined"), _element("demo.4", "combined")]
    data["method"]["combined"] = [copy.deepcopy(COMBINED)]


def _found(name: str, change=None, vocabulary=VOCABULARY) -> list[tuple[tuple, str]]:
    """What the check `name` finds in the valid base after `change`, as (field path, message key)."""
    data = copy.deepcopy(VALID)
    if change:
        change(data)
    checked = version_checks.VersionInFile(VersionFile.model_validate(data), vocabulary)
    return [(where, key) for where, key, _ in dict(version_checks.VERSION_CHECKS)[name](checked)]


def test_the_checks_and_their_order():
    assert [name for name, _ in version_checks.VERSION_CHECKS] == [
        "dates in order", "encoded with a method, or nothing to judge", "sections listed once",
        "a direct rule for direct elements", "combined rules count combined elements", "every combined element counted",
        "readings and governs", "hazard kinds known", "gaps' places known"]


@pytest.mark.parametrize("name", [name for name, _ in version_checks.VERSION_CHECKS])
def test_each_check_finds_nothing_on_the_valid_base(name):
    assert _found(name) == []


def test_dates_in_order():
    def early(data):
        data["effective"]["date"] = data["issued"]["date"].replace(year=2023)
        data["superseded"] = {"date": data["effective"]["date"], "status": "verbatim"}
    assert _found("dates in order", early) == [(("effective", "date"), "effective_before_issued"),
                                               (("superseded", "date"), "superseded_not_after_effective")]


def test_encoded_with_a_method_or_nothing_to_judge():
    assert _found("encoded with a method, or nothing to judge", lambda d: d.update(encoded=False)) == [
        (("encoded",), "not_encoded_has_entries")]
    assert _found("encoded with a method, or nothing to judge", lambda d: d.pop("method")) == [
        (("encoded",), "encoded_needs_method")]


def test_the_entries_are_not_checked_against_each_other_without_a_method():
    def twice(data):
        data.pop("method")
        data["sections"] = [{"clause": "第三条", "title": "甲"}, {"clause": "第三条", "title": "乙"}]
    assert _found("sections listed once", twice) == [] and _found("a direct rule for direct elements", twice) == []


def test_sections_listed_once():
    def twice(data):
        data["sections"] = [{"clause": "第三条", "title": "甲"}, {"clause": "第三条", "title": "乙"}]
    assert _found("sections listed once", twice) == [(("sections", 1, "clause"), "section_twice")]


def test_a_direct_rule_for_direct_elements():
    assert _found("a direct rule for direct elements", lambda d: d["method"].pop("direct")) == [
        (("method", "direct"), "direct_rule_missing")]


def test_combined_rules_count_combined_elements_each_once_and_can_be_met():
    def wrong(data):
        _with_combined(data)
        data["method"]["combined"][0].update(elements=["demo.1", "demo.3", "demo.3"], at_least=4)
    assert _found("combined rules count combined elements", wrong) == [
        (("method", "combined", 0, "elements", 0), "combined_element_unknown"),
        (("method", "combined", 0, "elements"), "combined_elements_twice"),
        (("method", "combined", 0, "at_least"), "combined_unreachable")]


def test_every_combined_element_counted():
    def uncounted(data):
        _with_combined(data)
        data["method"]["combined"][0].update(elements=["demo.3"], at_least=1)
    assert _found("every combined element counted", uncounted) == [(("criteria", 3, "method"), "combined_element_uncounted")]


def test_readings_and_governs():
    def wrong(data):
        data["criteria"][0]["governs"] = ["demo.2"]
        data["criteria"].append(_element("demo.5", "exemption", governs=["demo.9"]))
    assert _found("readings and governs", wrong) == [(("criteria", 0, "governs"), "governs_not_taken"),
                                                     (("criteria", 2, "method"), "reading_missing"),
                                                     (("criteria", 2, "governs", 0), "governs_unknown")]


def test_hazard_kinds_known_and_not_checked_without_a_vocabulary():
    def unknown(data):
        data["criteria"][0]["hazards"] = ["no_such_hazard"]
    assert _found("hazard kinds known", unknown) == [(("criteria", 0, "hazards", 0), "hazard_unknown")]
    assert _found("hazard kinds known", unknown, vocabulary=None) == []


def test_gaps_places_known():
    def gaps(data):
        data["gaps"] = [{"clause": "第五条", "cause": "not_found", "reason": "未找到原文", "places": ["dormitry"]},
                        {"clause": "第六条", "cause": "not_found", "reason": "未找到原文", "places": []}]
    assert _found("gaps' places known", gaps) == [(("gaps", 0, "places", 0), "gap_place_unknown"),
                                                  (("gaps", 1, "places"), "gap_places_empty")]


def test_a_gap_place_misspelt_is_suggested_in_both_languages():
    data = copy.deepcopy(VALID)
    data["gaps"] = [{"clause": "第五条", "cause": "not_found", "reason": "未找到原文", "places": ["dormitry"]}]
    checked = version_checks.VersionInFile(VersionFile.model_validate(data), VOCABULARY)
    [(_, key, names)] = version_checks.gaps_places(checked)
    assert words(key, **names) == ("未知场所类型 “dormitry”（是否想写 “dormitory”？）",
                                   "unknown place kind 'dormitry' (did you mean 'dormitory'?)")


# -- the vocabulary's files (engine/vocabulary_checks.py) -----------------------------------------

SECOND_FILE = """\
hazards:
  other_hazard: 一种隐患类型
facts:
  {fact}:
    type: enum
    place: true
    label: 第二个场所类型
    description: 重复定义。
    values: {{a: 甲}}
derived:
  loop_a:
    label: 甲
    description: 循环。
    basis: {{document: 示例依据, text: 示例依据条文。, text_status: verbatim, source: 示例来源}}
    condition: {{fact: loop_b, eq: true}}
  loop_b:
    label: 乙
    description: 循环。
    basis: {{document: 示例依据, text: 示例依据条文。, text_status: verbatim, source: 示例来源}}
    condition: {{fact: loop_a, eq: true}}
constraints:
  wants_unknown:
    label: 不应提供未知事实
    when: {{fact: alarm_working, eq: true}}
    absent: [no_such_fact]
"""


def _vocabulary_before(check_name: str, tmp_path: Path, second: str | None = None):
    """The loader and the vocabulary state as the checks before `check_name` leave them, over the
    valid base's vocabulary and, when given, a second file (and a third repeating its hazard kind)."""
    root = Path(shutil.copytree(BASE, tmp_path / "rules"))
    if second is not None:
        (root / "facts" / "second.yaml").write_text(second, encoding="utf-8")
        (root / "facts" / "third.yaml").write_text("hazards:\n  other_hazard: 又一次\n", encoding="utf-8")
    loader = _Loader(root, root)
    read = [loader.read(p) for p in sorted((root / "facts").glob("*.yaml"))]
    reused = reuse.expand_vocabulary(read, loader.problems)
    state = vocabulary_checks.VocabularyState([loader._vocabulary_file(d) for d in reused.docs])
    for name, check in vocabulary_checks.VOCABULARY_CHECKS:
        if name == check_name:
            return loader, state
        check(loader, state)
    raise AssertionError(f"no check {check_name}")


def _vocabulary_found(check_name: str, tmp_path: Path, second: str | None = None) -> list[tuple[str, tuple, str]]:
    loader, state = _vocabulary_before(check_name, tmp_path, second)
    before = len(loader.problems)
    dict(vocabulary_checks.VOCABULARY_CHECKS)[check_name](loader, state)
    return [(Path(p.file).name, p.path, p.en) for p in loader.problems[before:]]


def test_the_vocabulary_checks_and_their_order():
    assert [name for name, _ in vocabulary_checks.VOCABULARY_CHECKS] == [
        "hazard kinds defined once", "fact names defined once", "a vocabulary found", "one place fact",
        "derived facts without cycles", "constraints"]


@pytest.mark.parametrize("name", [name for name, _ in vocabulary_checks.VOCABULARY_CHECKS])
def test_each_vocabulary_check_finds_nothing_on_the_valid_base(name, tmp_path):
    assert _vocabulary_found(name, tmp_path) == []


def _second(tmp_path: Path, fact: str = "other_place") -> str:
    return SECOND_FILE.format(fact=fact)


def test_hazard_kinds_defined_once(tmp_path):
    assert _vocabulary_found("hazard kinds defined once", tmp_path, _second(tmp_path)) == [
        ("third.yaml", ("hazards", "other_hazard"), "hazard kind 'other_hazard' is defined twice")]


def test_fact_names_defined_once(tmp_path):
    [(file, path, en)] = _vocabulary_found("fact names defined once", tmp_path, _second(tmp_path, fact="alarm_working"))
    assert (file, path) == ("second.yaml", ("facts", "alarm_working")) and en.startswith(
        "fact 'alarm_working' is defined twice (also in ") and "base.yaml:" in en


def test_a_vocabulary_found(tmp_path):
    loader, state = _vocabulary_before("a vocabulary found", tmp_path)
    state.facts.clear()
    dict(vocabulary_checks.VOCABULARY_CHECKS)["a vocabulary found"](loader, state)
    assert [(p.line, p.en) for p in loader.problems] == [(None, "no fact vocabulary found")]
    assert not loader.vocabulary_complete and state.vocabulary(loader.vocabulary_complete) is None


def test_one_place_fact(tmp_path):
    assert _vocabulary_found("one place fact", tmp_path, _second(tmp_path)) == [
        ("second.yaml", ("facts", "other_place", "place"),
         "only one fact may be the place fact (place: true); 'place_kind' already is")]


def test_derived_facts_without_cycles(tmp_path):
    found = _vocabulary_found("derived facts without cycles", tmp_path, _second(tmp_path))
    assert ("second.yaml", ("derived", "loop_a", "condition"),
            "derived facts refer to each other in a cycle: loop_a → loop_b → loop_a") in found


def test_constraints_name_known_facts(tmp_path):
    assert _vocabulary_found("constraints", tmp_path, _second(tmp_path)) == [
        ("second.yaml", ("constraints", "wants_unknown", "absent", 0), "unknown fact 'no_such_fact'")]


# -- a list file (engine/list_checks.py) ---------------------------------------------------------

AREA = {"id": "fire", "name": "消防", "basis": "示例", "basis_status": "verbatim", "places": ["dormitory"],
        "include": [{"standard": "demo"}]}
LIST = {"title": "示例清单", "issuer": "示例", "basis": "示例", "description": "示例。", "areas": [AREA]}


def _list_found(name: str, *areas: dict) -> list[tuple[tuple, str]]:
    bundle = load(BASE)
    parsed = ListFile.model_validate({**LIST, "areas": list(areas) or [AREA]})
    checked = list_checks.ListInFile(parsed, bundle.vocabulary, frozenset({"demo"}),
                                     frozenset(bundle.criteria))
    return [(where, key) for where, key, _ in dict(list_checks.LIST_CHECKS)[name](checked)]


def test_the_list_checks_and_their_order():
    assert [name for name, _ in list_checks.LIST_CHECKS] == [
        "area ids once", "an area without include says why", "areas' places known", "what an include selects exists"]


@pytest.mark.parametrize("name", [name for name, _ in list_checks.LIST_CHECKS])
def test_each_list_check_finds_nothing_on_a_valid_list(name):
    assert _list_found(name) == []


def test_area_ids_once_and_an_area_without_include_says_why():
    empty = {**AREA, "include": []}
    assert _list_found("area ids once", AREA, empty) == [(("areas", 1, "id"), "area_twice")]
    assert _list_found("an area without include says why", AREA, empty) == [(("areas", 1), "area_unexplained")]
    assert _list_found("an area without include says why", {**empty, "not_encoded": "原文未能获取。"}) == []


def test_areas_places_known():
    assert _list_found("areas' places known", {**AREA, "places": ["canteen", "dormitry"]}) == [
        (("areas", 0, "places", 1), "area_place_unknown")]


def test_what_an_include_selects_exists():
    include = [{"standard": "dem"}, {"standard": "demo", "hazards": ["no_such_hazard"], "criteria": ["demo.1", "demo.9"]}]
    assert _list_found("what an include selects exists", {**AREA, "include": include}) == [
        (("areas", 0, "include", 0, "standard"), "include_standard_unknown"),
        (("areas", 0, "include", 1, "hazards", 0), "include_hazard_unknown"),
        (("areas", 0, "include", 1, "criteria", 1), "include_criterion_unknown")]
