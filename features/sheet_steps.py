"""Steps of 检查表.feature: an inspection spreadsheet made, filled as an inspector fills it, judged.
Imported by conftest.py; the sheets are made and judged by the engine's own code (engine.sheets)."""

from __future__ import annotations

import datetime as dt
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pytest_bdd import parsers, then, when

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the tests' sheet filler

import hazard_bdd as hb  # noqa: E402
from sheet_fill import fill, table  # noqa: E402

from engine.present.documents import workbook_bytes  # noqa: E402
from engine.sheets.judging import SheetError, SheetOutcome, judge_sheet  # noqa: E402
from engine.sheets.template import (CHOICES_SHEET, CONDITION_ROW, HEADER_ROW, NAME_HEADER, SHEET, columns,  # noqa: E402
                                   workbook)

MADE = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@dataclass
class SheetCase:
    content: bytes | None = None
    outcome: SheetOutcome | None = None
    error: SheetError | None = None
    rows: dict[str, dict] = field(default_factory=dict)
    sheet: object = None
    head: list = field(default_factory=list)

    def made(self) -> bytes:
        if self.content is None:
            hb.fail("还没有检查表：请先写“当 生成 \"食堂\" 的检查表”。")
        return self.content

    def row(self, name: str) -> dict:
        if self.outcome is None:
            hb.fail("检查表还没有判定：请先写“而且 判定该检查表”。")
        if name not in self.rows:
            hb.fail(f"判定结果中没有场所“{name}”；有：{'、'.join(self.rows) or '无'}。")
        return self.rows[name]


@pytest.fixture
def sheet_case() -> SheetCase:
    return SheetCase()


def _column(case: SheetCase, word: str):
    sheet = load_workbook(io.BytesIO(case.made()))[SHEET]
    for cell in sheet[HEADER_ROW]:
        if cell.value == word:
            return sheet, cell
    hb.fail(f"检查表中没有列“{word}”。")


@when(parsers.re(r'生成 "(?P<place>[^"]+)" 的检查表'))
def _make(sheet_case: SheetCase, hazard_case: hb.Case, place: str) -> None:
    hazard_case.need_rules()
    bundle = hazard_case.engine.bundle
    doc = hb.make_questionnaire(bundle, place, hazard_case.as_of)
    sheet_case.content = workbook_bytes(workbook(doc, columns(doc, bundle.vocabulary.facts), MADE))


@when("在检查表中填写以下场所:")
def _fill(sheet_case: SheetCase, datatable) -> None:
    head, *rows = datatable
    if head[0] != NAME_HEADER:
        hb.fail(f"表格第一列应为“{NAME_HEADER}”。")
    filled = [(row[0], {h: _typed(v) for h, v in zip(head[1:], row[1:]) if v.strip()}) for row in rows]
    try:
        sheet_case.content = fill(sheet_case.made(), filled, skip_unasked=False)
    except KeyError as exc:
        hb.fail(f"检查表中没有列“{exc.args[0]}”。")


def _typed(text: str) -> object:
    """A cell as an inspector types it: a number is a number, anything else text."""
    return float(text) if hb.NUMBER.fullmatch(text.strip()) else text


@when(parsers.re(r'把检查表的单元格 "(?P<cell>[A-Z]+\d+)" 改为 "(?P<value>[^"]*)"'))
def _edit(sheet_case: SheetCase, cell: str, value: str) -> None:
    book = load_workbook(io.BytesIO(sheet_case.made()))
    book[SHEET][cell] = value
    buffer = io.BytesIO()
    book.save(buffer)
    sheet_case.content = buffer.getvalue()


@when("上传的文件不是 xlsx 表格")
def _not_xlsx(sheet_case: SheetCase) -> None:
    sheet_case.content = "场所名称,所在位置\n一号宿舍,地下室\n".encode()


@when("判定该检查表")
def _judge(sheet_case: SheetCase, hazard_case: hb.Case) -> None:
    try:
        sheet_case.outcome = judge_sheet(sheet_case.made(), hazard_case.engine, MADE)
    except SheetError as exc:
        sheet_case.error = exc
        return
    sheet_case.head, rows, sheet_case.sheet = table(sheet_case.outcome.content)
    sheet_case.rows = {row[NAME_HEADER]: {**row, "_row": n} for n, row in enumerate(rows, 5) if row[NAME_HEADER]}


@then(parsers.re(r'检查表第一列为 "(?P<word>[^"]+)"'))
def _first_column(sheet_case: SheetCase, word: str) -> None:
    sheet, cell = _column(sheet_case, word)
    assert cell.column == 1, f"“{word}”在第 {cell.column} 列，不是第一列。"


@then(parsers.re(r'检查表的列 "(?P<word>[^"]+)" 注明 "(?P<text>[^"]+)"'))
def _condition(sheet_case: SheetCase, word: str, text: str) -> None:
    sheet, cell = _column(sheet_case, word)
    said = sheet.cell(CONDITION_ROW, cell.column).value
    assert said == text, f"列“{word}”第 {CONDITION_ROW} 行写的是“{said}”，不是“{text}”。"
    assert text in cell.comment.text, f"列“{word}”表头的批注中没有“{text}”。"


@then(parsers.re(r'检查表的列 "(?P<word>[^"]+)" 不附填写条件'))
def _no_condition(sheet_case: SheetCase, word: str) -> None:
    sheet, cell = _column(sheet_case, word)
    said = sheet.cell(CONDITION_ROW, cell.column).value
    assert not said, f"列“{word}”第 {CONDITION_ROW} 行写有“{said}”。"


@then(parsers.re(r'检查表的列 "(?P<word>[^"]+)" 的下拉选项为 "(?P<choices>[^"]+)"'))
def _choices(sheet_case: SheetCase, word: str, choices: str) -> None:
    sheet, cell = _column(sheet_case, word)
    lists = sheet.parent[CHOICES_SHEET]
    for rule in sheet.data_validations.dataValidation:
        if str(rule.sqref).startswith(f"{cell.column_letter}5:"):
            first, last = rule.formula1.split("!")[1].replace("$", "").split(":")
            offered = [c.value for row in lists[first:last] for c in row]
            assert "、".join(offered) == choices, f"列“{word}”的下拉选项为“{'、'.join(offered)}”。"
            return
    hb.fail(f"列“{word}”没有下拉选项。")


@then(parsers.re(r"判定了 (?P<count>\d+) 个场所"))
def _count(sheet_case: SheetCase, count: str) -> None:
    assert sheet_case.outcome is not None, f"检查表未能判定：{sheet_case.error}"
    assert sheet_case.outcome.judged == int(count), f"判定了 {sheet_case.outcome.judged} 个场所。"


@then(parsers.re(r'场所 "(?P<name>[^"]+)" 的判定结果为 "(?P<result>[^"]+)"'))
def _result(sheet_case: SheetCase, name: str, result: str) -> None:
    said = sheet_case.row(name)["判定结果"]
    assert said == result, f"场所“{name}”的判定结果为“{said}”（{sheet_case.row(name)['判定结论']}）。"


@then(parsers.re(r'场所 "(?P<name>[^"]+)" 触发的条款包含 "(?P<clause>[^"]+)"'))
def _fired(sheet_case: SheetCase, name: str, clause: str) -> None:
    fired = sheet_case.row(name)["触发的条款"] or ""
    assert clause in fired, f"场所“{name}”触发的条款为：{fired or '无'}。"


@then(parsers.re(r'场所 "(?P<name>[^"]+)" 的判定不完整'))
def _incomplete(sheet_case: SheetCase, name: str) -> None:
    assert sheet_case.row(name)["判定是否完整"] == "不完整"


@then(parsers.re(r'场所 "(?P<name>[^"]+)" 有决定结论的问题'))
def _decisive(sheet_case: SheetCase, name: str) -> None:
    assert sheet_case.row(name)["决定结论的问题"], f"场所“{name}”没有决定结论的问题。"


@then(parsers.re(r'场所 "(?P<name>[^"]+)" 的单元格 "(?P<word>[^"]+)" 标为有误，原因包含 "(?P<reason>[^"]+)"'))
def _bad_cell(sheet_case: SheetCase, name: str, word: str, reason: str) -> None:
    row = sheet_case.row(name)
    if word not in sheet_case.head:
        hb.fail(f"检查表中没有列“{word}”。")
    cell = sheet_case.sheet.cell(row["_row"], sheet_case.head.index(word) + 1)
    assert cell.comment is not None, f"场所“{name}”的“{word}”（{cell.coordinate}）没有标为有误。"
    assert reason in cell.comment.text, f"{cell.coordinate} 的批注为：{cell.comment.text}"
    assert cell.coordinate in (row["填写有误的单元格"] or ""), f"“填写有误的单元格”未列出 {cell.coordinate}。"


@then(parsers.re(r'场所 "(?P<name>[^"]+)" 没有填错的单元格'))
def _no_bad_cell(sheet_case: SheetCase, name: str) -> None:
    said = sheet_case.row(name)["填写有误的单元格"]
    assert not said, f"场所“{name}”有填错的单元格：{said}"


@then(parsers.re(r'检查表无法判定，错误指出工作表 "(?P<sheet>[^"]+)" 的单元格 "(?P<cell>[^"]+)"'))
def _refused_at(sheet_case: SheetCase, sheet: str, cell: str) -> None:
    assert sheet_case.error is not None, "检查表被判定了，没有被拒绝。"
    assert (sheet_case.error.sheet, sheet_case.error.cell) == (sheet, cell), f"错误为：{sheet_case.error}"
    assert f"工作表“{sheet}”单元格 {cell}" in str(sheet_case.error)


@then(parsers.re(r'检查表无法判定，错误包含 "(?P<text>[^"]+)"'))
def _refused(sheet_case: SheetCase, text: str) -> None:
    assert sheet_case.error is not None, "检查表被判定了，没有被拒绝。"
    assert text in str(sheet_case.error), f"错误为：{sheet_case.error}"
