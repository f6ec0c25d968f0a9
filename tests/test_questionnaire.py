"""The on-site questionnaire per kind of place (issue 10, point 5): scope, gates from the
conditions, grouping, and its md / html / xlsx / json forms over the CLI and the API.

What a criterion reads is worked out here independently of engine.questionnaire: by truth
tables over its expanded condition (yes/no and choice facts over their answers, other comparisons
free), with the place known.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from cli import main as cli
from engine import load
from engine.conditions import All, Compare, Node, evaluate, expand
from engine.questionnaire import Questionnaire, UnknownPlaceKind, questionnaire, section_of
from engine.present.questionnaires import markdown, page, spreadsheet
from engine.schema import Section
from engine.vocabulary import Vocabulary
from rule_text import version_header

ROOT = Path(__file__).resolve().parent.parent
MAIN_DAY = dt.date(2026, 1, 15)        # GB 45067-2024 and the MOE guide (GB 35181-2025 in force, not encoded)
DAYS = (dt.date(2015, 6, 1), dt.date(2025, 6, 1), MAIN_DAY)  # GA 653-2006; GB 35181-2017 with both; as above
DOCTYPE = "<!DOCTYPE html>\n"
BUNDLE = load(ROOT / "rules")


@pytest.fixture(scope="module")
def bundle():
    return BUNDLE


def _questions(doc: Questionnaire) -> list:
    return [q for s in doc.standards for g in s.groups for q in g.questions]


def _by_fact(doc: Questionnaire) -> dict:
    return {q.fact: q for q in _questions(doc)}


# --- an independent account of what the conditions read ---------------------------------------

def _leaves(node: Node) -> list[Compare]:
    if isinstance(node, Compare):
        return [node]
    return [leaf for item in node.items for leaf in _leaves(item)]


def _holds(node: Node, values: dict, atoms: dict[Compare, bool]) -> bool:
    """The condition with yes/no and choice facts given values and every other comparison given
    a truth value of its own."""
    if isinstance(node, Compare):
        return atoms[node] if node in atoms else evaluate(node, values) is True
    results = (_holds(item, values, atoms) for item in node.items)
    return all(results) if isinstance(node, All) else any(results)


READINGS: dict[tuple[Node, str], tuple[bool, frozenset[str]]] = {}  # of the bundled rules' conditions


def _reading(condition: Node, vocab: Vocabulary, kind: str) -> tuple[bool, frozenset[str]]:
    """Whether the condition can hold for the kind of place, and the facts whose answers can
    change it there: yes/no and choice facts range over their answers, other comparisons
    are free."""
    if (condition, kind) not in READINGS:
        READINGS[(condition, kind)] = _truth_table_reading(expand(condition), vocab, kind)
    return READINGS[(condition, kind)]


def _truth_table_reading(node: Node, vocab: Vocabulary, kind: str) -> tuple[bool, frozenset[str]]:
    leaves = list(dict.fromkeys(_leaves(node)))
    choice = [n for n in dict.fromkeys(leaf.fact for leaf in leaves if leaf.other is None)
              if vocab.facts[n].type in ("boolean", "enum") and n != vocab.place_fact]
    atoms = [leaf for leaf in leaves if leaf.fact not in choice and leaf.fact != vocab.place_fact]
    domains = {n: [True, False] if vocab.facts[n].type == "boolean" else list(vocab.facts[n].values) for n in choice}
    place = {vocab.place_fact: kind}

    def outcomes(fixed: dict, fixed_atoms: dict, names: list[str], free_atoms: list[Compare]) -> set[bool]:
        """The values the condition takes as `names` and `free_atoms` range over theirs."""
        return {_holds(node, {**place, **fixed, **dict(zip(names, values))},
                       {**fixed_atoms, **dict(zip(free_atoms, truth))})
                for values in itertools.product(*(domains[n] for n in names))
                for truth in itertools.product((False, True), repeat=len(free_atoms))}

    possible = True in outcomes({}, {}, choice, atoms)
    read = set()
    for name in set(choice) | {n for leaf in atoms for n in (leaf.fact, leaf.other) if n}:
        mine_atoms = [leaf for leaf in atoms if name in (leaf.fact, leaf.other)]
        other_names = [n for n in choice if n != name]
        other_atoms = [leaf for leaf in atoms if leaf not in mine_atoms]
        mine = [name] if name in choice else []
        if any(len(outcomes(dict(zip(other_names, values)), dict(zip(other_atoms, truth)), mine, mine_atoms)) == 2
               for values in itertools.product(*(domains[n] for n in other_names))
               for truth in itertools.product((False, True), repeat=len(other_atoms))):
            read.add(name)
    return possible, frozenset(read)


def _expected_clauses(bundle, kind: str, day: dt.date) -> dict[str, set[str]]:
    """fact -> the ids of the in-force entries that read it for the kind of place: elements that
    can hold, exemptions and preconditions governing one of those, combined rules' categories
    with one of those among their elements."""
    out: dict[str, set[str]] = {}
    for version in bundle.versions_on(day):
        readings = {c.id: _reading(c.condition, bundle.vocabulary, kind) for c in version.criteria}
        elements = [c.id for c in version.criteria if c.spec.method in ("direct", "combined")]
        possible = {cid for cid in elements if readings[cid][0]}
        asked = dict(readings)
        for c in version.criteria:
            if c.spec.method not in ("direct", "combined") and not set(c.spec.governs or elements) & possible:
                del asked[c.id]
        for cid in set(elements) - possible:
            del asked[cid]
        for rule in version.combined:
            if set(rule.spec.elements) & possible:
                asked[rule.id] = _reading(rule.category, bundle.vocabulary, kind)
        for cid, (can_hold, read) in asked.items():
            if can_hold:
                for name in read:
                    out.setdefault(name, set()).add(cid)
    return out


KINDS = sorted(BUNDLE.vocabulary.facts["place_kind"].values)


@pytest.mark.parametrize("day", DAYS, ids=str)
@pytest.mark.parametrize("kind", KINDS)
def test_every_fact_a_criterion_reads_is_asked_once_with_exactly_the_clauses_that_read_it(bundle, kind, day):
    doc = questionnaire(bundle, kind, day)
    asked = [q.fact for q in _questions(doc)]
    assert len(asked) == len(set(asked)), "a question is asked twice"
    expected = _expected_clauses(bundle, kind, day)
    assert set(asked) == set(expected)
    for q in _questions(doc):
        assert {c.criterion for c in q.clauses} == expected[q.fact], q.fact
    assert not set(asked) & (set(bundle.vocabulary.derived) | {"place_kind"})
    number = {q.fact: q.number for q in _questions(doc)}
    assert all(number[gate] < q.number for q in _questions(doc) for c in q.only_if for gate in c.facts), \
        "a follow-up is asked before the question it depends on"


# --- the canteen on the main day ---------------------------------------------------------------

def test_canteen_asks_whether_there_is_a_boiler_before_its_follow_ups(bundle):
    doc = questionnaire(bundle, "食堂", MAIN_DAY)
    assert doc.place_kind == "canteen" and doc.place_label == "食堂"
    gb45067 = next(s for s in doc.standards if s.document_number == "GB 45067-2024")
    boilers = next(g for g in gb45067.groups if g.section == "5.2")
    assert boilers.title == "5.2 锅炉"
    first, *follow_ups = boilers.questions
    assert first.fact == "boiler_present" and first.level == 0 and first.only_if == []
    in_use = next(q for q in follow_ups if q.fact == "boiler_in_use")
    assert in_use.only_if_text == "仅当“场所有锅炉（前提）”答“是”时填写" and in_use.level == 1
    assert in_use.only_if[0].facts == ["boiler_present"]
    assert [c.criterion for c in in_use.clauses] == ["gb45067-2024.5.2"]
    assert all(q.level >= 1 and "“场所有锅炉（前提）”答“是”" in q.only_if_text for q in follow_ups)
    deepest = next(q for q in follow_ups if q.fact == "power_boiler_pipe_leak_or_burst")
    assert deepest.level == 2 and "“锅炉为电站锅炉（前提）”答“是”" in deepest.only_if_text


def test_no_question_of_a_standard_limited_to_other_places(bundle):
    canteen = questionnaire(bundle, "canteen", MAIN_DAY)
    documents = {s.document_number for s in canteen.standards}
    assert documents == {"GB 45067-2024", "教发厅函〔2024〕20号"}
    assert "cantilever_platform_in_use" not in _by_fact(canteen)          # 房屋市政工程：校内施工现场
    assert "gas_operating_license_held" not in _by_fact(canteen)          # 城镇燃气：燃气经营者
    limited = {c.id for v in bundle.versions for c in v.criteria
               if c.spec.applies_to and "canteen" not in c.spec.applies_to}
    assert not {c.criterion for q in _questions(canteen) for c in q.clauses} & limited
    site = questionnaire(bundle, "construction_site", MAIN_DAY)
    assert "cantilever_platform_in_use" in _by_fact(site)


def test_derived_facts_are_asked_through_what_defines_them_as_far_as_the_place_leaves_open(bundle):
    canteen = _by_fact(questionnaire(bundle, "canteen", MAIN_DAY))
    # a canteen is a crowded place whatever the answer, so 人员密集场所 asks nothing of it ...
    assert {c.criterion for c in canteen["public_assembly_place"].clauses} == {"moe-edu-guide-2024.3.1.7"}
    laboratory = _by_fact(questionnaire(bundle, "laboratory", MAIN_DAY))
    # ... while a laboratory is one only if it is a public assembly place
    assert {"moe-edu-guide-2024.3.1.3", "moe-edu-guide-2024.3.1.8", "moe-edu-guide-2024.3.1.9"} <= {
        c.criterion for c in laboratory["public_assembly_place"].clauses}
    assert laboratory["escape_obstructed_by_doors_windows"].only_if_text == "仅当“属于公众聚集场所”答“是”时填写"


def test_a_choice_gate_names_the_answers_that_open_the_follow_up(bundle):
    kindergarten = _by_fact(questionnaire(bundle, "kindergarten_child_room", MAIN_DAY))
    assert kindergarten["floor_position"].only_if == []
    assert kindergarten["floor_level"].only_if_text == "仅当“所在位置”答“地上”时填写"


def test_exemptions_wait_for_one_of_the_elements_they_govern_that_can_hold(bundle):
    doc = questionnaire(bundle, "canteen", dt.date(2025, 6, 1))
    exemption = _by_fact(doc)["place_out_of_use"]
    gate, = exemption.only_if
    named = {c.criterion for c in gate.elements}
    assert "gb35181-2017.6.1" in named and "gb35181-2017.7.7.2" in named
    assert "gb35181-2017.6.9" not in named and "gb35181-2017.7.3.5" not in named  # 幼儿园、商店的要素
    assert exemption.only_if_text == "仅当发现 GB 35181-2017 的任一判定要素时填写"  # it governs them all


def test_answers_are_labels_and_numbers_have_their_ranges(bundle):
    facts = bundle.vocabulary.facts
    for q in _questions(questionnaire(bundle, "canteen", dt.date(2025, 6, 1))):
        definition = facts[q.fact]
        if definition.type == "boolean":
            assert q.answers == ["是", "否"] and q.type_label == "是/否"
        elif definition.type == "enum":
            assert q.answers == list(definition.values.values()) and not set(q.answers) & set(definition.values)
        else:
            assert q.answers == [] and q.type_label in ("整数", "数值")
    width = _by_fact(questionnaire(bundle, "canteen", MAIN_DAY))["exit_total_net_width"]
    assert (width.type_label, width.unit, width.range) == ("数值", "m", "0～10000m")


def test_sections_are_the_longest_prefix_that_ends_at_a_number():
    sections = [Section(clause="5"), Section(clause="5.2", title="锅炉"), Section(clause="第三条")]
    assert section_of("5.2.10", sections).clause == "5.2"
    assert section_of("5.20", sections).clause == "5"
    assert section_of("50.1", sections) is None
    assert section_of("第三条（一）1", sections).clause == "第三条"
    assert section_of("5.3.3 a）", sections).clause == "5"


def test_an_unknown_kind_of_place_names_the_allowed_ones_chinese_first(bundle):
    with pytest.raises(UnknownPlaceKind) as caught:
        questionnaire(bundle, "厨房", MAIN_DAY)
    assert str(caught.value).startswith("未知场所类型 “厨房”；可选：") and "canteen（食堂）" in str(caught.value)


# --- a small rule set of its own: how gates are derived ----------------------------------------

FACTS = """
facts:
  place_kind: {type: enum, place: true, label: 场所类型, description: d, values: {canteen: 食堂, lab: 实验室}}
  boiler: {type: boolean, label: 有锅炉（前提）, description: 场所有锅炉。}
  boiler_in_use: {type: boolean, label: 锅炉仍在使用, description: d}
  valve: {type: boolean, label: 安全阀缺失, description: d}
  alarm: {type: enum, label: 报警装置, description: d, values: {ok: 正常, broken: 失效, none: 未设置}}
  level: {type: integer, label: 水位, description: d, unit: cm, minimum: 0, maximum: 500}
  records: {type: boolean, label: 记录<缺失>&, description: "说明 <b>&amp;</b>"}
  public: {type: boolean, label: 公众聚集, description: d}
  exits: {type: boolean, label: 出口不足, description: d}
  lab_only: {type: boolean, label: 实验室专有, description: d}
  exempt: {type: boolean, label: 已停止使用, description: d}
derived:
  crowded:
    label: 人员密集
    description: d
    basis: {document: d, text: t, text_status: verbatim, source: s}
    condition: {any: [{fact: place_kind, eq: canteen}, {fact: public, eq: true}]}
"""

CRITERIA = """
  - id: t.use
    clause: "1"
    text: t
    text_status: verbatim
    source: s
    method: precondition
    reading: {kind: definition, basis: b}
    governs: [t.1, t.2]
    condition: {fact: boiler_in_use, eq: true}
  - id: t.1
    clause: "1.1"
    text: t
    text_status: verbatim
    source: s
    method: direct
    condition:
      all:
        - {fact: boiler, eq: true}
        - any:
            - {fact: valve, eq: true}
            - all: [{fact: alarm, in: [broken, none]}, {fact: level, gt: 100}]
  - id: t.2
    clause: "1.2"
    text: t
    text_status: verbatim
    source: s
    method: direct
    condition: {all: [{fact: boiler, eq: true}, {fact: records, eq: true}]}
  - id: t.3
    clause: "2.1"
    text: t
    text_status: verbatim
    source: s
    method: direct
    condition: {fact: records, eq: true}
  - id: t.4
    clause: "2.2"
    text: t
    text_status: verbatim
    source: s
    method: direct
    applies_to: [lab]
    condition: {fact: lab_only, eq: true}
  - id: t.5
    clause: "2.3"
    text: t
    text_status: verbatim
    source: s
    method: direct
    condition: {all: [{fact: crowded, eq: true}, {fact: exits, eq: true}]}
  - id: t.exempt
    clause: "3.1"
    text: t
    text_status: verbatim
    source: s
    method: exemption
    reading: {kind: exception, basis: b}
    condition: {fact: exempt, eq: true}
sections:
  - {clause: "1", title: 锅炉}
  - {clause: "2"}
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    (root / "facts").mkdir()
    (root / "facts" / "facts.yaml").write_text(FACTS, encoding="utf-8")
    (root / "standards" / "demo").mkdir(parents=True)
    (root / "standards" / "demo" / "2020.yaml").write_text(version_header("测试〔2020〕1号", "测试标准") + CRITERIA,
                                                           encoding="utf-8")
    return load(root)


def test_gates_come_from_the_order_inside_an_all(tiny):
    doc = questionnaire(tiny, "canteen", dt.date(2024, 1, 1))
    boilers, others, rest = doc.standards[0].groups
    assert (boilers.title, others.title, rest.title) == ("1 锅炉", "2", "其他条款")
    assert [(q.fact, q.level) for q in boilers.questions] == [
        ("boiler", 0), ("alarm", 1), ("level", 2), ("boiler_in_use", 1), ("valve", 1), ("records", 0)]
    asked = _by_fact(doc)
    gate = "“有锅炉（前提）”答“是”"
    assert asked["boiler"].only_if_text is None
    assert asked["valve"].only_if_text == asked["alarm"].only_if_text == f"仅当{gate}时填写"
    assert asked["level"].only_if_text == f"仅当{gate}且“报警装置”答“失效”或“未设置”时填写"
    assert asked["level"].only_if[0].facts == ["boiler", "alarm"]
    assert asked["boiler_in_use"].only_if_text == f"仅当{gate}时填写"  # the governed elements' first condition


def test_a_fact_asked_unconditionally_anywhere_is_a_top_level_question_listing_every_clause(tiny):
    records = _by_fact(questionnaire(tiny, "canteen", dt.date(2024, 1, 1)))["records"]
    assert records.only_if == [] and records.level == 0
    assert [c.criterion for c in records.clauses] == ["t.2", "t.3"]  # under the first: section 1


def test_derived_facts_and_other_places_in_the_small_rule_set(tiny):
    canteen = _by_fact(questionnaire(tiny, "食堂", dt.date(2024, 1, 1)))
    assert "crowded" not in canteen and "public" not in canteen and "lab_only" not in canteen
    assert canteen["exits"].only_if == []
    lab = _by_fact(questionnaire(tiny, "lab", dt.date(2024, 1, 1)))
    assert lab["exits"].only_if_text == "仅当“公众聚集”答“是”时填写"
    assert "lab_only" in lab
    exempt, = lab["exempt"].only_if
    assert [c.clause for c in exempt.elements] == ["1.1", "1.2", "2.1", "2.2", "2.3"]
    assert lab["exempt"].only_if_text == "仅当发现 测试〔2020〕1号 的任一判定要素时填写"
    assert lab["level"].range == "0～500cm" and lab["alarm"].answers == ["正常", "失效", "未设置"]


def test_a_day_with_no_standard_in_force_gives_an_empty_questionnaire_that_says_why(tiny):
    doc = questionnaire(tiny, "canteen", dt.date(2019, 1, 1))
    assert doc.standards == [] and doc.notes == ["2019-01-01 没有适用于“食堂”的已编码判定条款，本问卷没有问题"]
    assert "本问卷没有问题" in markdown(doc)
    ET.fromstring(page(doc).removeprefix(DOCTYPE))


def test_html_escapes_what_the_rules_say(tiny):
    text = page(questionnaire(tiny, "canteen", dt.date(2024, 1, 1)))
    root = ET.fromstring(text.removeprefix(DOCTYPE))
    labels = [div.text for div in root.iter("div") if div.get("class") == "label"]
    assert "记录<缺失>&（是/否）" in labels
    assert "说明 <b>&amp;</b>" in [div.text for div in root.iter("div") if div.get("class") == "help"]


# --- the forms ---------------------------------------------------------------------------------

def test_the_printable_form_is_well_formed_with_a_box_per_allowed_answer(bundle):
    doc = questionnaire(bundle, "canteen", MAIN_DAY)
    text = page(doc)
    assert text.startswith(DOCTYPE) and "@media print" in text
    root = ET.fromstring(text.removeprefix(DOCTYPE))
    assert root.find("body/h1").text == "现场检查问卷：食堂"
    meta = root.find("body/p").text
    assert "2026-01-15" in meta and doc.rules_digest[:12] in meta
    rows = [tr for tr in root.iter("tr") if tr.find("td") is not None]
    assert len(rows) == len(_questions(doc))
    first = rows[0]
    boxes = [label for label in first.iter("label") if label.find("input").get("type") == "checkbox"]
    assert [label.find("input").tail.strip() for label in boxes] == ["是", "否"]


def test_the_spreadsheet_has_one_row_per_question_a_frozen_header_and_filters(bundle):
    doc = questionnaire(bundle, "canteen", MAIN_DAY)
    book = openpyxl.load_workbook(io.BytesIO(spreadsheet(doc)))
    sheet = book["现场检查问卷"]
    header = [cell.value for cell in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(_questions(doc))
    assert [row[header.index("事实名")] for row in rows] == [q.fact for q in _questions(doc)]
    assert rows[0][header.index("问题")] == "场所有锅炉（前提）" and rows[0][header.index("可选答案")] == "是；否"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    assert sheet.column_dimensions["E"].width >= 40
    assert "说明与缺口" in book.sheetnames


def test_markdown_names_the_standards_sections_and_gates(bundle):
    text = markdown(questionnaire(bundle, "canteen", MAIN_DAY))
    assert text.startswith("# 现场检查问卷：食堂\n")
    assert "## GB 45067-2024《特种设备重大事故隐患判定准则》" in text and "### 5.2 锅炉" in text
    assert "- **1. 场所有锅炉（前提）**（是/否）" in text
    assert "*仅当“场所有锅炉（前提）”答“是”时填写*" in text
    assert "GB 35181-2025《重大火灾隐患判定规则》在 2026-01-15 有效，但其条文尚未编码" in text


# --- the command line and the API --------------------------------------------------------------

def test_cli_writes_every_format_and_takes_the_code_or_the_chinese_label(tmp_path, capsys):
    for fmt in ("md", "html", "json", "xlsx"):
        out = tmp_path / f"questions.{fmt}"
        assert cli.main(["questions", "--place-kind", "食堂", "--as-of", "2026-01-15", "--format", fmt,
                         "-o", str(out)]) == 0
        assert out.stat().st_size > 1000
    assert json.loads((tmp_path / "questions.json").read_text(encoding="utf-8"))["place_kind"] == "canteen"
    capsys.readouterr()
    assert cli.main(["questions", "--place-kind", "canteen", "--as-of", "2026-01-15"]) == 0
    assert capsys.readouterr().out.startswith("# 现场检查问卷：食堂")


def test_cli_refuses_an_unknown_kind_of_place_and_xlsx_without_a_file(capsys):
    assert cli.main(["questions", "--place-kind", "厨房"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("未知场所类型 “厨房”") and "canteen（食堂）" in err and "unknown place kind" in err
    assert cli.main(["questions", "--place-kind", "canteen", "--format", "xlsx"]) == 1
    assert "-o" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:  # --place-kind is required
        cli.main(["questions"])
    assert usage.value.code == 1


@pytest.fixture(scope="module")
def client():
    from service import create_app

    return TestClient(create_app())


def test_api_json_html_and_xlsx(client):
    params = {"place_kind": "食堂", "as_of": "2026-01-15"}
    r = client.get("/v1/questionnaire", params=params)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["place_kind"] == "canteen" and body["as_of"] == "2026-01-15"
    assert r.headers["X-Rules-Digest"] == body["rules_digest"]
    html = client.get("/v1/questionnaire", params={"place_kind": "canteen"}, headers={"accept": "text/html,*/*"})
    assert html.headers["content-type"].startswith("text/html")
    ET.fromstring(html.text.removeprefix(DOCTYPE))
    xlsx = client.get("/v1/questionnaire", params={**params, "format": "xlsx"})
    assert xlsx.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="questionnaire-canteen-2026-01-15.xlsx"' in xlsx.headers["content-disposition"]
    assert "filename*=UTF-8''" in xlsx.headers["content-disposition"]
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content))["现场检查问卷"].max_row == 1 + sum(
        len(g["questions"]) for s in body["standards"] for g in s["groups"])


def test_api_refuses_an_unknown_kind_of_place_with_problem_details(client):
    r = client.get("/v1/questionnaire", params={"place_kind": "厨房"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"].startswith("未知场所类型 “厨房”；可选：") and "canteen（食堂）" in r.json()["detail"]
    assert [e["pointer"] for e in r.json()["errors"]] == ["/query/place_kind"]
    assert r.headers["X-Rules-Digest"]
    assert client.get("/v1/questionnaire").status_code == 422


def test_the_api_documents_the_kinds_of_place(client):
    parameters = client.get("/openapi.json").json()["paths"]["/v1/questionnaire"]["get"]["parameters"]
    place_kind = next(p for p in parameters if p["name"] == "place_kind")
    assert "canteen" in place_kind["schema"]["enum"] and "食堂" in place_kind["schema"]["enum"]
