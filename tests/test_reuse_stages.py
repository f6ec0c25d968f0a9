"""Each reuse stage (engine/reuse.py) on its own: what it writes out, where the lines of what it
wrote out point, and that the stages run in their declared order. Their mistakes, each with its
file and line, are in the broken-rules corpus (tests/broken_rules/value-set-*, place-group-*,
default-*, source-mark-*, section-gate-*, element-set-*)."""

from __future__ import annotations

from pathlib import Path

from engine import reuse
from engine.yaml_source import SourceDoc, parse_text


def _draft(text: str) -> reuse.Draft:
    doc = parse_text(text, "x.yaml")
    assert isinstance(doc, SourceDoc), doc
    return reuse.Draft.of(doc, [])


PLACES = reuse.Places(["school_unit", "canteen", "dormitory", "gas_supplier"],
                      {"school": ["school_unit", "canteen", "dormitory"]})


def test_stages_are_listed_in_order():
    assert [name for name, _ in reuse.VOCABULARY_STAGES] == ["value sets", "place groups", "source marks"]
    assert [name for name, _ in reuse.VERSION_STAGES] == ["defaults", "source marks", "place groups", "section gates",
                                                          "element sets"]


def test_value_set_is_written_out_where_a_fact_names_it():
    draft = _draft("value_sets:\n  state:\n    ok: 正常\n    bad: 损坏\nfacts:\n  alarm:\n    type: enum\n    values: state\n")
    out = reuse.VocabularyResult([], set(), reuse.Places())
    reuse.value_sets([draft], out)
    assert draft.data["facts"]["alarm"]["values"] == {"ok": "正常", "bad": "损坏"}
    assert draft.lines[("facts", "alarm", "values", "bad")] == 4  # the line in value_sets
    assert draft.problems == []


def test_place_groups_follow_the_vocabulary_and_exclude():
    draft = _draft("place_groups:\n  school: {but: [gas_supplier]}\n  rooms: {of: school, but: [school_unit]}\n"
                   "  listed: [dormitory, canteen]\n"
                   "facts:\n  kind:\n    type: enum\n    place: true\n"
                   "    values: {school_unit: 学校, canteen: 食堂, dormitory: 宿舍, gas_supplier: 燃气经营者}\n")
    out = reuse.VocabularyResult([], set(), reuse.Places())
    reuse.place_groups([draft], out)
    assert out.places.groups == {"school": ["school_unit", "canteen", "dormitory"], "rooms": ["canteen", "dormitory"],
                                 "listed": ["canteen", "dormitory"]}
    assert draft.problems == []


def test_defaults_are_inherited_unless_stated():
    draft = _draft("defaults:\n  source: VERBATIM a\n  hazards: [fire]\ncriteria:\n  - id: a\n  - id: b\n    hazards: [gas]\n")
    reuse.defaults(draft, PLACES)
    assert draft.data["criteria"] == [{"id": "a", "source": "VERBATIM a", "hazards": ["fire"]},
                                      {"id": "b", "hazards": ["gas"], "source": "VERBATIM a"}]
    assert draft.lines[("criteria", 0, "source")] == 2
    assert draft.problems == []


def test_text_status_is_read_from_the_mark_and_checked_against_it():
    draft = _draft("criteria:\n  - {id: a, source: VERBATIM-PARTIAL x}\n  - {id: b, source: VERBATIM x}\n"
                   "  - {id: c, source: VERBATIM（镜像页缺字）x, text_status: partial}\n  - {id: d, source: 示例, text_status: verbatim}\n"
                   "  - {id: e, source: SECONDARY x, text_status: verbatim}\n")
    reuse.source_marks(draft, PLACES)
    assert [c["text_status"] for c in draft.data["criteria"]] == ["partial", "verbatim", "partial", "verbatim", "verbatim"]
    assert [(p.line, p.path[-1]) for p in draft.problems] == [(6, "text_status")]


def test_applies_to_names_a_group():
    draft = _draft("criteria:\n  - {id: a, applies_to: school}\n  - {id: b, applies_to: [gas_supplier, school]}\n")
    reuse.applies_to_groups(draft, PLACES)
    assert [c["applies_to"] for c in draft.data["criteria"]] == [
        ["school_unit", "canteen", "dormitory"], ["gas_supplier", "school_unit", "canteen", "dormitory"]]
    assert draft.problems == []


def test_section_gate_heads_each_element_and_the_heading_governs_them():
    draft = _draft("sections:\n  - {clause: '5.2', gate: {fact: boiler, eq: true}}\ncriteria:\n"
                   "  - {id: p, clause: '5.2', method: precondition, condition: {fact: in_use, eq: true}}\n"
                   "  - {id: a, clause: 5.2.1, method: direct, condition: {fact: x, eq: true}}\n"
                   "  - id: b\n    clause: 5.2.2\n    method: direct\n    condition:\n      all:\n"
                   "        - {fact: y, eq: true}\n        - {fact: z, eq: true}\n"
                   "  - {id: c, clause: '5.20', method: direct, condition: {fact: x, eq: true}}\n")
    reuse.section_gates(draft, PLACES)
    gate = {"fact": "boiler", "eq": True}
    criteria = draft.data["criteria"]
    assert criteria[0]["governs"] == ["a", "b"] and criteria[0]["condition"] == {"fact": "in_use", "eq": True}
    assert criteria[1]["condition"] == {"all": [gate, {"fact": "x", "eq": True}]}
    assert criteria[2]["condition"] == {"all": [gate, {"fact": "y", "eq": True}, {"fact": "z", "eq": True}]}
    assert criteria[3]["condition"] == {"fact": "x", "eq": True}  # 5.20 is not in 5.2
    assert draft.lines[("criteria", 2, "condition", "all", 0)] == 2  # the gate's line
    assert draft.lines[("criteria", 2, "condition", "all", 2)] == 12  # z kept its line
    assert draft.lines[("criteria", 1, "condition", "all", 1)] == 5
    assert draft.problems == []


def test_element_set_is_spliced_into_a_combined_rule():
    draft = _draft("element_sets:\n  pair: [e.1, e.2]\nmethod:\n  combined:\n    - {id: c, elements: [pair, e.3]}\n")
    reuse.element_sets(draft, PLACES)
    assert draft.data["method"]["combined"][0]["elements"] == ["e.1", "e.2", "e.3"]
    assert draft.lines[("method", "combined", 0, "elements", 1)] == 2
    assert draft.problems == []


def test_the_bundled_files_use_each_kind_of_reuse():
    rules = Path(__file__).resolve().parent.parent / "rules"
    text = "\n".join(p.read_text(encoding="utf-8") for p in rules.rglob("*.yaml"))
    for key in ("value_sets:", "place_groups:", "defaults:", "gate:", "element_sets:"):
        assert key in text, key


def test_a_place_kind_added_later_joins_the_school_group(tmp_path):
    """The MOE guide's clauses about 'every place of a school' reach a kind of place added to the
    vocabulary after they were written: the group is defined by what it leaves out."""
    import datetime as dt
    import shutil

    from engine.engine import Engine
    from engine.loader import load

    rules = Path(shutil.copytree(Path(__file__).resolve().parent.parent / "rules", tmp_path / "rules"))
    places = rules / "facts" / "places.yaml"
    text = places.read_text(encoding="utf-8")
    assert text.count("      other_building: 其他房屋建筑\n") == 1
    places.write_text(text.replace("      other_building: 其他房屋建筑\n",
                                   "      other_building: 其他房屋建筑\n      sports_field: 室外运动场\n"), encoding="utf-8")
    bundle = load(rules)
    with Engine(bundle) as engine:
        judged = engine.judge({"place_kind": "sports_field", "fire_responsibility_system_sound": False}, dt.date(2026, 1, 15))
    assert judged.classification == "major"
    assert [f.criterion for f in judged.findings] == [bundle.current_id("moe2024.fire.1")]
