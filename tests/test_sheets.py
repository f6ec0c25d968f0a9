"""Inspection spreadsheets: the template (hazard template, GET /v1/sheets/template) and a filled one
judged (hazard judge-sheet, POST /v1/sheets/judgements): layout, drop-downs, follow-ups, every row's
verdict equal to judging its answers directly, bad cells marked and taken as unknown, bad files
refused naming the sheet and cell, through the command line and a real server."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from openpyxl import Workbook, load_workbook

from live_server import ROOT, copy_rules, running_server
from sheet_fill import answers, asked, fill, table

from engine import Engine, load
from engine.present.documents import XLSX_MEDIA_TYPE, workbook_bytes
from engine.conditions import evaluate, facts_of
from engine.questionnaire import place_kinds, questionnaire
from engine.sheets.judging import VERDICT_COLUMNS, SheetError, judge_sheet
from engine.sheets.template import (BAD_FILL, CHOICES_SHEET, CONDITION_ROW, HEADER_ROW, INFO_SHEET, NAME_HEADER, SHEET,
                                   columns, header, workbook)

DAY = dt.date(2025, 6, 1)  # GB 35181-2017 and the MOE guide in force: the most questions
MADE = dt.datetime(2025, 6, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
HAZARD = str(Path(sys.executable).with_name("hazard"))
EXAMPLES = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.yaml"))}


@pytest.fixture(scope="module")
def bundle():
    return load(ROOT / "rules")


@pytest.fixture(scope="module")
def engine(bundle):
    with Engine(bundle) as e:
        yield e


def template(bundle, kind: str, day: dt.date = DAY) -> bytes:
    doc = questionnaire(bundle, kind, day)
    return workbook_bytes(workbook(doc, columns(doc, bundle.vocabulary.facts), MADE))


def judged_rows(engine, content: bytes, as_of: dt.date | None = None) -> list[dict]:
    outcome = judge_sheet(content, engine, MADE, as_of)
    return table(outcome.content)[1]


def as_asked(bundle, facts: dict, kind: str, sheet: bytes) -> dict:
    """The facts the sheet can carry: those it asks, and the kind of place it is for."""
    headers = set(asked(sheet))
    vocab = bundle.vocabulary
    return {vocab.place_fact: kind, **{n: v for n, v in facts.items()
                                       if n in vocab.facts and header(vocab.facts[n]) in headers and v is not None}}


def test_the_template_is_the_questionnaire_a_facility_per_row(bundle):
    content = template(bundle, "canteen")
    doc = questionnaire(bundle, "canteen", DAY)
    questions = [q for s in doc.standards for g in s.groups for q in g.questions]
    book = load_workbook(io.BytesIO(content))
    sheet = book[SHEET]
    assert "食堂" in sheet["A1"].value and str(DAY) in sheet["A1"].value
    assert doc.rules_digest in sheet["A2"].value and "生成时间：2025-06-01T09:30:00+08:00" in sheet["A2"].value
    heads = [c.value for c in sheet[HEADER_ROW]]
    assert heads[0] == NAME_HEADER
    assert heads[1:] == [f"{q.label}（{q.unit}）" if q.unit else q.label for q in questions]
    conditions = [c.value or "" for c in sheet[CONDITION_ROW]][1:]
    assert conditions == [q.only_if_text or "" for q in questions]
    assert any(conditions) and not all(conditions)  # gates and follow-ups both there
    for q, cell in zip(questions, sheet[HEADER_ROW][1:]):
        assert f"事实名：{q.fact}" in cell.comment.text
        assert (q.only_if_text or "") in cell.comment.text
    info = {row[0]: row[1] for row in book[INFO_SHEET].iter_rows(values_only=True)}
    assert info["场所类型"] == "食堂" and info["判定日期"] == str(DAY) and info["规则摘要"] == doc.rules_digest
    assert book[CHOICES_SHEET].sheet_state == "hidden"


def test_drop_downs_offer_labels_not_codes(bundle):
    content = template(bundle, "student_dormitory")
    book = load_workbook(io.BytesIO(content))
    sheet, lists = book[SHEET], book[CHOICES_SHEET]
    heads = {c.value: c.column_letter for c in sheet[HEADER_ROW]}
    rules = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv for dv in sheet.data_validations.dataValidation}
    vocab = bundle.vocabulary
    floor = vocab.facts["floor_position"]
    listed = rules[heads[header(floor)]]
    assert listed.type == "list" and listed.formula1.startswith(f"'{CHOICES_SHEET}'!")
    column, first, last = _range(listed.formula1)
    offered = [lists[f"{column}{r}"].value for r in range(first, last + 1)]
    assert offered == list(floor.values.values()) and "basement" not in offered
    boolean = next(n for n, d in vocab.facts.items() if d.type == "boolean" and header(d) in heads)
    column, first, last = _range(rules[heads[header(vocab.facts[boolean])]].formula1)
    assert [lists[f"{column}{r}"].value for r in range(first, last + 1)] == ["是", "否"]
    number = next(d for d in vocab.facts.values() if d.type == "number" and d.unit and header(d) in heads)
    checked = rules[heads[header(number)]]
    assert checked.type == "decimal" and checked.operator == "between"


def _range(formula: str) -> tuple[str, int, int]:
    cells = formula.split("!")[1].replace("$", "").split(":")
    return cells[0].rstrip("0123456789"), int(cells[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), \
        int(cells[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_each_row_is_judged_as_its_answers_are_directly(bundle, engine, example):
    facts = EXAMPLES[example]
    kind = facts["place_kind"]
    empty = template(bundle, kind)
    filled = fill(empty, [(example, answers(bundle.vocabulary, facts)), ("空白场所", {})])
    rows = judged_rows(engine, filled)
    direct = engine.judge(as_asked(bundle, facts, kind, empty), DAY)
    assert rows[0]["判定结论"] == direct.label
    assert rows[0]["判定是否完整"] == ("完整" if direct.coverage.complete else "不完整")
    fired = rows[0]["触发的条款"] or ""
    assert all(f"{f.citation.document_number} {f.citation.clause}" in fired for f in direct.findings)
    assert rows[0]["规则摘要"] == bundle.digest[:12] and not rows[0]["填写有误的单元格"]
    assert rows[0][NAME_HEADER] == example
    nothing = engine.judge({bundle.vocabulary.place_fact: kind}, DAY)  # a row with a name only: all unknown
    assert rows[1]["判定结论"] == nothing.label and rows[1]["决定结论的问题"]


def test_a_bad_cell_is_marked_with_its_reason_and_taken_as_unknown(bundle, engine):
    facts = EXAMPLES["student-dormitory-basement"]
    empty = template(bundle, "student_dormitory")
    vocab = bundle.vocabulary
    good = answers(vocab, facts)
    bad = dict(good)
    wrong = {header(vocab.facts["floor_position"]): "basement",  # a code, not the label
             header(vocab.facts["exit_count"]): -3,                # outside the vocabulary's range
             header(vocab.facts["ebike_indoors"]): "也许"}          # neither 是 nor 否
    bad.update(wrong)
    filled = fill(empty, [("好的", good), ("有误的", bad)])
    outcome = judge_sheet(filled, engine, MADE)
    head, rows, sheet = table(outcome.content)
    assert outcome.judged == 2 and outcome.bad_cells == 3
    assert not rows[0]["填写有误的单元格"]
    marked = rows[1]["填写有误的单元格"]
    for text in wrong:
        cell = sheet.cell(6, head.index(text) + 1)
        assert cell.fill.fgColor.rgb.endswith(BAD_FILL), cell.coordinate
        reason = cell.comment.text
        chinese, _, english = reason.partition(" / ")  # Chinese first, then English
        assert re.search(r"[\u4e00-\u9fff]", chinese) and "按未知处理" in chinese and "taken as unknown" in english
        assert cell.coordinate in marked
    assert "“地下室”" in sheet.cell(6, head.index(header(vocab.facts["floor_position"])) + 1).comment.text
    unknown = {n for n, d in vocab.facts.items() if header(d) in wrong}
    direct = engine.judge({n: v for n, v in as_asked(bundle, facts, "student_dormitory", empty).items()
                           if n not in unknown}, DAY)
    assert rows[1]["判定结论"] == direct.label  # the rest of the row judged, the bad cells unknown


def test_facts_that_contradict_each_other_mark_every_cell_involved(bundle, engine):
    vocab = bundle.vocabulary
    constraint = next(c for c in vocab.constraints if c.absent)  # a fact that must be absent in some case
    (gate,) = facts_of(constraint.when)
    value = next(v for v in vocab.facts[gate].values if evaluate(constraint.when, {gate: v}) is True)
    kind = next(k for k in place_kinds(vocab) if {header(vocab.facts[n]) for n in (gate, *constraint.absent)}
                <= set(asked(template(bundle, k))))
    cells = {header(vocab.facts[gate]): vocab.facts[gate].values[value], header(vocab.facts[constraint.absent[0]]): 3}
    outcome = judge_sheet(fill(template(bundle, kind), [("矛盾", cells)]), engine, MADE)
    head, rows, sheet = table(outcome.content)
    assert outcome.bad_cells == 2 and rows[0]["填写有误的单元格"].count("与其他事实矛盾") == 2
    for text in cells:
        assert sheet.cell(5, head.index(text) + 1).comment.text.startswith("与其他事实矛盾")


def test_a_judged_sheet_can_be_corrected_and_judged_again(bundle, engine):
    facts = EXAMPLES["kindergarten-fourth-floor"]
    empty = template(bundle, facts["place_kind"])
    once = judge_sheet(fill(empty, [("一", answers(bundle.vocabulary, facts))]), engine, MADE).content
    twice = judge_sheet(once, engine, MADE).content
    head_once, rows_once, _ = table(once)
    head_twice, rows_twice, _ = table(twice)
    assert head_once == head_twice and head_twice.count("判定结论") == 1
    assert rows_once == rows_twice


def test_the_date_of_the_sheet_is_used_unless_another_is_given(bundle, engine):
    facts = EXAMPLES["teaching-building-combined-gb35181"]
    filled = fill(template(bundle, facts["place_kind"], dt.date(2025, 6, 1)), [("楼", answers(bundle.vocabulary, facts))])
    later = dt.date(2026, 11, 29)  # GB 35181-2025 in force, not encoded
    assert judged_rows(engine, filled)[0]["判定结论"] != judged_rows(engine, filled, later)[0]["判定结论"]
    assert "GB 35181-2025" in judged_rows(engine, filled, later)[0]["判定结论"]


def _book(**sheets: list[list]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    return workbook_bytes(book)


def _edited(content: bytes, sheet: str, cell: str, value) -> bytes:
    book = load_workbook(io.BytesIO(content))
    book[sheet][cell] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bad_files(bundle) -> dict[str, tuple[bytes, str | None, str | None, str]]:
    """name -> (the file, the sheet and cell the error must name, a word of its reason)."""
    empty = template(bundle, "canteen")
    filled = fill(empty, [("食堂", {"场所有锅炉（前提）": "否"})])
    boiler = asked(empty).index("场所有锅炉（前提）")
    return {
        "empty file": (b"", None, None, "文件为空"),
        "not xlsx": ("场所,答案\n食堂,是\n".encode(), None, None, "不是 xlsx"),
        "no rows": (empty, SHEET, "A5", "没有要判定的场所"),
        "no sheet 检查表": (_book(**{INFO_SHEET: [["场所类型", "食堂"], ["判定日期", "2025-06-01"]]}), None, None, "缺少工作表"),
        "no sheet 说明": (_book(**{SHEET: [["x"]]}), None, None, "缺少工作表“说明”"),
        "name header changed": (_edited(filled, SHEET, "A3", "名称"), SHEET, "A3", "场所名称"),
        "unknown header": (_edited(filled, SHEET, f"{_letter(boiler + 1)}3", "场所有锅炉"), SHEET,
                           f"{_letter(boiler + 1)}3", "是否为“场所有锅炉（前提）”"),
        "unknown place kind": (_edited(filled, INFO_SHEET, "B2", "火星基地"), INFO_SHEET, "B2", "未知场所类型"),
        "bad date": (_edited(filled, INFO_SHEET, "B3", "2025-13-01"), INFO_SHEET, "B3", "YYYY-MM-DD"),
    }


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def test_a_file_that_is_not_a_filled_sheet_is_refused_naming_sheet_and_cell(bundle, engine):
    for name, (content, sheet, cell, word) in bad_files(bundle).items():
        with pytest.raises(SheetError) as raised:
            judge_sheet(content, engine, MADE)
        message = str(raised.value)
        assert word in message and " / " in message, name
        assert (raised.value.sheet, raised.value.cell) == (sheet, cell) or sheet is None, name
        if cell:
            assert f"“{sheet}”单元格 {cell}" in message, name


def test_the_command_line_writes_the_template_and_judges_it(tmp_path, bundle):
    sheet_path, out = tmp_path / "检查表.xlsx", tmp_path / "判定结果.xlsx"
    made = subprocess.run([HAZARD, "template", "--place-kind", "学生宿舍", "--as-of", str(DAY), "-o", str(sheet_path)],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    facts = EXAMPLES["student-dormitory-basement"]
    sheet_path.write_bytes(fill(sheet_path.read_bytes(), [("宿舍", answers(bundle.vocabulary, facts)),
                                                          ("填错", {header(bundle.vocabulary.facts["ebike_indoors"]): "x"})]))
    judged = subprocess.run([HAZARD, "judge-sheet", str(sheet_path), "-o", str(out)], capture_output=True, text=True,
                            timeout=300)
    assert judged.returncode == 0, judged.stderr
    assert "已判定 2 个场所" in judged.stdout and "有误的单元格 1 个" in judged.stdout
    assert "Traceback" not in judged.stderr
    rows = table(out.read_bytes())[1]
    assert rows[0]["判定结果"] == "重大事故隐患" and rows[1]["填写有误的单元格"]
    wrong = tmp_path / "wrong.xlsx"
    wrong.write_bytes(b"not a workbook")
    refused = subprocess.run([HAZARD, "judge-sheet", str(wrong), "-o", str(out)], capture_output=True, text=True,
                             timeout=120)
    assert refused.returncode == 1 and "不是 xlsx" in refused.stderr and "Traceback" not in refused.stderr
    unknown = subprocess.run([HAZARD, "template", "--place-kind", "火星基地", "-o", str(tmp_path / "x.xlsx")],
                             capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 1 and "未知场所类型" in unknown.stderr


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(copy_rules(tmp_path_factory.mktemp("rules") / "rules")) as (base, _):
        yield base


def test_over_http_the_template_comes_filled_in_goes_and_the_verdicts_come_back(server, bundle, engine):
    r = httpx.get(f"{server}/v1/sheets/template", params={"place_kind": "食堂", "as_of": str(DAY)}, timeout=60)
    assert r.status_code == 200 and r.headers["content-type"] == XLSX_MEDIA_TYPE
    assert "attachment" in r.headers["content-disposition"] and r.headers["X-Rules-Digest"] == bundle.digest
    facts = EXAMPLES["canteen-lpg-cylinder-valve"]
    filled = fill(r.content, [("一号食堂", answers(bundle.vocabulary, facts))])
    judged = httpx.post(f"{server}/v1/sheets/judgements", content=filled, headers={"Content-Type": XLSX_MEDIA_TYPE},
                        timeout=120)
    assert judged.status_code == 200, judged.text
    assert judged.headers["X-Facilities-Judged"] == "1" and judged.headers["X-Rules-Digest"] == bundle.digest
    row = table(judged.content)[1][0]
    assert row["判定结论"] == engine.judge(as_asked(bundle, facts, "canteen", r.content), DAY).label
    assert [h for h, _ in VERDICT_COLUMNS] == table(judged.content)[0][-len(VERDICT_COLUMNS):]


def test_over_http_a_bad_file_is_a_problem_naming_sheet_and_cell_never_a_500(server, bundle):
    for name, (content, sheet, cell, word) in bad_files(bundle).items():
        r = httpx.post(f"{server}/v1/sheets/judgements", content=content, headers={"Content-Type": XLSX_MEDIA_TYPE},
                       timeout=60)
        assert r.status_code == 422, (name, r.status_code, r.text)
        body = r.json()
        assert r.headers["content-type"].startswith("application/problem+json") and word in body["detail"], name
        assert body.get("sheet") == sheet or sheet is None, name
        assert body.get("cell") == cell or cell is None, name
    r = httpx.post(f"{server}/v1/sheets/judgements", content=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 415 and XLSX_MEDIA_TYPE in r.json()["detail"]
    r = httpx.get(f"{server}/v1/sheets/template", params={"place_kind": "火星基地"})
    assert r.status_code == 422 and r.json()["errors"][0]["parameter"] == "place_kind"


def test_rows_judged_in_worker_processes_come_back_as_in_one(bundle, engine, monkeypatch):
    import engine.sheets.pool as sheet_pool

    monkeypatch.setattr(sheet_pool, "MIN_ROWS", 0)  # workers even for a few rows
    monkeypatch.setattr(sheet_pool, "CHUNK", 3)     # several chunks, to come back in order
    vocab = bundle.vocabulary
    rows = [(name, answers(vocab, facts)) for name, facts in EXAMPLES.items() if facts["place_kind"] == "student_dormitory"]
    rows += [(f"宿舍 {i}", {header(vocab.facts["floor_position"]): ["地上", "地下室", "basement"][i % 3]}) for i in range(8)]
    filled = fill(template(bundle, "student_dormitory"), rows)
    alone = judge_sheet(filled, engine, MADE)
    with sheet_pool.RowPool(ROOT / "rules", engine, 2) as pool:
        pooled = judge_sheet(filled, engine, MADE, judge_rows=pool)
    assert table(pooled.content)[1] == table(alone.content)[1]
    assert (pooled.judged, pooled.bad_cells, pooled.by_classification) == (alone.judged, alone.bad_cells,
                                                                           alone.by_classification)
    assert alone.bad_cells == 2  # rows 2 and 5 of the eight give a code, not a label


def test_workers_on_rules_that_changed_are_refused(bundle, engine, tmp_path, monkeypatch):
    import engine.sheets.pool as sheet_pool

    monkeypatch.setattr(sheet_pool, "MIN_ROWS", 0)
    rules = copy_rules(tmp_path / "rules")
    path = rules / "standards" / "moe-edu-guide" / "2024.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    filled = fill(template(bundle, "canteen"), [("食堂", {"场所有锅炉（前提）": "否"})])
    from concurrent.futures.process import BrokenProcessPool

    with sheet_pool.RowPool(rules, engine, 2) as pool, pytest.raises(BrokenProcessPool):
        judge_sheet(filled, engine, MADE, judge_rows=pool)
