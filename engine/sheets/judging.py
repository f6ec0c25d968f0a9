"""A filled inspection spreadsheet (engine.sheets.template's layout) judged row by row.

Each row is a facility: its answers are read as the vocabulary's values (the labels 是/否 and an
enum's labels back to their values), judged as of the workbook's date, and the verdict is
written beside the row. A cell that cannot be read, or a fact the vocabulary refuses, is marked in
the sheet (a fill and a comment with the reason) and counted as unknown for that row: the run goes
on, and unknown never reads as 否 or 0. A file that cannot be judged at all (not xlsx, a sheet or
header missing or wrong, no facility) is a SheetError naming the sheet and cell.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from zipfile import BadZipFile

from ..engine import Engine
from ..errors import FactError
from ..judgement import Judgement
from ..present.judgements import decisive_question_lines
from ..questionnaire import UnknownPlaceKind, place_kind_code, questionnaire
from ..questions import LABELS
from ..schema import FactDef
from .template import (FIRST_ROW, HEADER_ROW, INFO_AS_OF, INFO_PLACE_KIND, INFO_SHEET, NAME_HEADER,
                             SHEET, Column, SheetCells, header, workbook)

VERDICT_COLUMNS = [("判定结论", 40), ("判定结果", 12), ("判定是否完整", 10), ("触发的条款", 36), ("待确认的排除情形", 30),
                   ("决定结论的问题", 60), ("填写有误的单元格", 44), ("规则摘要", 14)]
VERDICT_HEADERS = {name for name, _ in VERDICT_COLUMNS}
# wraps the rows while they are judged (a progress bar); gets the rows and how many there are
Progress = Callable[[Iterable[Any], int], Iterable[Any]]


class SheetError(ValueError):
    """The file cannot be judged at all; says where (sheet and cell) and what is wrong."""

    def __init__(self, zh: str, en: str, sheet: str | None = None, cell: str | None = None):
        self.sheet, self.cell = sheet, cell
        where_zh = f"工作表“{sheet}”" + (f"单元格 {cell}" if cell else "") + "：" if sheet else ""
        where_en = f"sheet '{sheet}'" + (f", cell {cell}" if cell else "") + ": " if sheet else ""
        super().__init__(f"{where_zh}{zh} / {where_en}{en}")


class CellError(ValueError):
    """An answer that cannot be read as its question's value (zh, en)."""


def cell_ref(column: int, row: int) -> str:
    """0-based column, sheet row: ('A' + column) + row, e.g. (2, 7) -> C7."""
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column + 1)}{row}"


def answer_value(definition: FactDef, raw: object) -> object:
    """A cell as the value a facts file would give for the question (None: left blank). Labels
    are mapped back to values through the vocabulary; ranges are left to the vocabulary's check."""
    if isinstance(raw, str):
        raw = raw.strip()
    if raw is None or raw == "":
        return None
    kind = definition.type
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        if raw in ("是", "否"):
            return raw == "是"
        raise CellError(f"应为“是”或“否”，实际为“{raw}”", f"expected 是 (yes) or 否 (no); got {raw!r}")
    if kind == "enum":
        codes = {label: code for code, label in (definition.values or {}).items()}
        if raw in codes:
            return codes[raw]
        allowed = "、".join(f"“{label}”" for label in codes)
        raise CellError(f"应为{allowed}之一，实际为“{raw}”", f"expected one of {', '.join(codes)}; got {raw!r}")
    if kind == "date":
        if isinstance(raw, dt.datetime):
            return raw.date().isoformat()
        if isinstance(raw, dt.date):
            return raw.isoformat()
        if isinstance(raw, str):
            return raw  # the vocabulary says what is wrong with a text that is not YYYY-MM-DD
        raise CellError(f"应为日期（YYYY-MM-DD），实际为“{raw}”", f"expected a date (YYYY-MM-DD); got {raw!r}")
    number = _number(raw, definition.unit)
    if kind == "integer":
        if not float(number).is_integer():
            raise CellError(f"应为整数，实际为 {raw}", f"expected a whole number; got {raw!r}")
        return int(number)
    return number


def _number(raw: object, unit: str | None) -> float | int:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise CellError(f"应为数值，实际为“{raw}”", f"expected a number; got {raw!r}")
    if isinstance(raw, str):
        try:
            return float(raw)
        except ValueError:
            hint = f"（单位 {unit} 已在表头，只填数字）" if unit else ""
            raise CellError(f"应为数值{hint}，实际为“{raw}”", f"expected a number; got {raw!r}") from None
    return raw


@dataclass
class ReadSheet:
    """A filled sheet as read: the kind of place and date, the question columns in the file's
    order, and every row from row 5 (values as the cells held them: the name, then the answers)."""

    place_kind: str
    as_of: dt.date
    columns: list[Column]
    rows: list[list[object]]


def read(data: bytes, engine: Engine, as_of: dt.date | None = None) -> ReadSheet:
    """The filled sheet; SheetError when the file is not one (naming the sheet and cell)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if not data:
        raise SheetError("文件为空", "the file is empty")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise SheetError(f"不是 xlsx 表格文件（{type(exc).__name__}），请上传 hazard template 生成并填写的检查表",
                         f"not an xlsx workbook ({type(exc).__name__}); send the sheet hazard template makes") from None
    try:
        vocab = engine.bundle.vocabulary
        place_kind, day = _info(book, vocab, as_of)
        if SHEET not in book.sheetnames:
            raise SheetError(f"缺少工作表“{SHEET}”（已有：{'、'.join(book.sheetnames)}）",
                             f"no sheet named '{SHEET}' (found: {', '.join(book.sheetnames)})")
        rows = book[SHEET].iter_rows(min_row=1, values_only=True)
        head = _skip_to(rows, HEADER_ROW)
        columns, kept = _columns(head, vocab.facts)
        _skip_to(rows, FIRST_ROW - HEADER_ROW - 1)  # the row of conditions (仅当……时填写)
        body = [[row[i] if i < len(row) else None for i in kept] for row in rows]
    finally:
        book.close()
    while body and all(v is None or v == "" for v in body[-1]):
        body.pop()
    if not any(any(v not in (None, "") for v in row) for row in body):
        raise SheetError(f"没有要判定的场所：第 {FIRST_ROW} 行起每行填写一个场所", f"no facility to judge: fill one per "
                         f"row from row {FIRST_ROW}", SHEET, f"A{FIRST_ROW}")
    return ReadSheet(place_kind, day, columns, body)


def _skip_to(rows: Iterator[tuple], count: int) -> tuple:
    """The count-th row from here (rows missing: an empty one)."""
    row: tuple = ()
    for _ in range(count):
        row = next(rows, ())
    return row


def _info(book, vocab, as_of: dt.date | None) -> tuple[str, dt.date]:
    """The kind of place and the date judged as of, from the sheet 说明 (as_of, when given, wins)."""
    if INFO_SHEET not in book.sheetnames:
        raise SheetError(f"缺少工作表“{INFO_SHEET}”（场所类型与判定日期写在那里）",
                         f"no sheet named '{INFO_SHEET}' (it gives the kind of place and the date)")
    found = {}
    for number, row in enumerate(book[INFO_SHEET].iter_rows(max_col=2, values_only=True), 1):
        if row and isinstance(row[0], str) and row[0].strip() not in found:
            found[row[0].strip()] = (number, row[1] if len(row) > 1 else None)
    if INFO_PLACE_KIND not in found:
        raise SheetError(f"A 列没有“{INFO_PLACE_KIND}”一行", f"no row '{INFO_PLACE_KIND}' (kind of place) in column A",
                         INFO_SHEET)
    number, word = found[INFO_PLACE_KIND]
    try:
        kind = place_kind_code(vocab, str(word or "").strip())
    except UnknownPlaceKind as exc:
        raise SheetError(*str(exc).split(" / ", 1), INFO_SHEET, f"B{number}") from None
    if as_of is not None:
        return kind, as_of
    if INFO_AS_OF not in found:
        raise SheetError(f"A 列没有“{INFO_AS_OF}”一行", f"no row '{INFO_AS_OF}' (date judged as of) in column A",
                         INFO_SHEET)
    number, value = found[INFO_AS_OF]
    if isinstance(value, dt.datetime):
        return kind, value.date()
    try:
        return kind, dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise SheetError(f"判定日期应为 YYYY-MM-DD，实际为“{value}”", f"the date must be YYYY-MM-DD; got {value!r}",
                         INFO_SHEET, f"B{number}") from None


def _columns(head: tuple, facts: dict[str, FactDef]) -> tuple[list[Column], list[int]]:
    """The question columns named by row 3's headers, and the indices of the columns kept (the
    name, then the questions); a previous verdict's columns and columns without a header are left out."""
    if not head or str(head[0] or "").strip() != NAME_HEADER:
        said = head[0] if head else None
        raise SheetError(f"第 {HEADER_ROW} 行第一列应为表头“{NAME_HEADER}”，实际为“{said or ''}”：请使用 hazard template "
                         "生成的检查表，不要删除或插入表头上方的行", f"expected the header '{NAME_HEADER}', got {said!r}: use "
                         "the sheet hazard template makes, without rows added or removed above the headers",
                         SHEET, f"A{HEADER_ROW}")
    by_header = {header(d): name for name, d in facts.items()}
    columns: list[Column] = []
    kept = [0]
    seen: dict[str, str] = {}
    for i, text in enumerate(head[1:], 1):
        text = str(text).strip() if text is not None else ""
        if not text or text in VERDICT_HEADERS:
            continue
        ref = cell_ref(i, HEADER_ROW)
        fact = by_header.get(text)
        if fact is None:
            close = difflib.get_close_matches(text, list(by_header), n=1, cutoff=0.6)
            hint_zh, hint_en = (f"（是否为“{close[0]}”？）", f" (did you mean '{close[0]}'?)") if close else ("", "")
            raise SheetError(f"表头“{text}”不是问卷中的问题{hint_zh}：表头须与 hazard template 生成的一致",
                             f"the header {text!r} is no question of the vocabulary{hint_en}", SHEET, ref)
        if fact in seen:
            raise SheetError(f"表头“{text}”与 {seen[fact]} 重复", f"the header {text!r} repeats {seen[fact]}", SHEET, ref)
        seen[fact] = ref
        columns.append(Column(fact, facts[fact]))
        kept.append(i)
    if not columns:
        raise SheetError(f"第 {HEADER_ROW} 行没有问题的表头", f"no question headers in row {HEADER_ROW}", SHEET,
                         f"B{HEADER_ROW}")
    return columns, kept


@dataclass
class RowResult:
    """One facility: its judgement, the facts it was judged on (the bad cells left out), and the
    cells marked bad (column index in the row -> reason)."""

    judgement: Judgement
    facts: dict[str, object]
    bad: dict[int, str]


def judge_row(engine: Engine, sheet: ReadSheet, row: list[object]) -> RowResult:
    """The row's answers judged; a cell that cannot be read or that the vocabulary refuses is
    marked and counted as unknown."""
    vocab = engine.bundle.vocabulary
    facts: dict[str, object] = {vocab.place_fact: sheet.place_kind} if vocab.place_fact else {}
    cell_of: dict[str, int] = {}
    bad: dict[int, str] = {}
    for j, column in enumerate(sheet.columns, 1):
        try:
            value = answer_value(column.definition, row[j])
        except CellError as exc:
            bad[j] = f"{exc.args[0]}（按未知处理） / {exc.args[1]} (taken as unknown)"
            continue
        if value is not None:
            facts[column.fact], cell_of[column.fact] = value, j
    while True:  # each refusal leaves out at least one of the facts given: the loop ends
        try:
            return RowResult(engine.judge(facts, sheet.as_of), facts, bad)
        except FactError as exc:
            named = {name for p in exc.problems for name in (p.fact, *p.related)}
            if not named & facts.keys():  # nothing this row gave is refused: not the sheet's fault
                raise
            for problem in exc.problems:
                for name in (problem.fact, *problem.related):
                    if name in cell_of:
                        bad[cell_of[name]] = f"{problem.zh}（按未知处理） / {problem.en} (taken as unknown)"
            for name in named:
                facts.pop(name, None)


def verdict_cells(j: Judgement, bad: dict[int, str], row_number: int) -> list[str]:
    """The verdict columns of one row (VERDICT_COLUMNS)."""
    fired = [f"{f.citation.document_number} {f.citation.clause}" + ("（计入重大事故隐患）" if f.counts_toward_major else "")
             for f in j.findings]
    pending = [f"{p.document_number} {p.clause}：确认“{p.excluded_if}”则不计入" for p in j.exceptions_pending]
    wrong = [f"{cell_ref(col, row_number)}：{reason}" for col, reason in sorted(bad.items())]
    return [j.label, LABELS[j.classification], "完整" if j.coverage.complete else "不完整", "\n".join(fired),
            "\n".join(pending), "\n".join(decisive_question_lines(j)), "\n".join(wrong), j.provenance.rules_digest[:12]]


@dataclass
class RowVerdict:
    """What is written beside one row: the verdict columns and the bad cells (column index in the
    row -> reason); the judgement and the facts it was judged on (None for a blank row, which is
    not judged)."""

    cells: list[str]
    bad: dict[int, str]
    judgement: Judgement | None = None
    facts: dict[str, object] | None = None


def verdicts(engine: Engine, sheet: ReadSheet, numbered: Iterable[tuple[int, list[object]]]) -> Iterator[RowVerdict]:
    """Each (index from row 5, row) judged in this process."""
    for r, row in numbered:
        if all(v is None or v == "" for v in row):
            yield RowVerdict([""] * len(VERDICT_COLUMNS), {})
            continue
        result = judge_row(engine, sheet, row)
        yield RowVerdict(verdict_cells(result.judgement, result.bad, FIRST_ROW + r), result.bad, result.judgement,
                         result.facts)


# judges a sheet's numbered rows, in order: in this process (verdicts) or in workers (engine.sheets.pool)
RowJudge = Callable[[ReadSheet, list[tuple[int, list[object]]]], Iterable[RowVerdict]]


@dataclass
class JudgedRow:
    """A facility judged: its row in the sheet, the name in the row's first cell (None when blank),
    the facts it was judged on, its judgement."""

    row: int
    name: str | None
    facts: dict[str, object]
    judgement: Judgement


@dataclass
class SheetOutcome:
    """The judged workbook, and how its rows came out (the judged ones in sheet order)."""

    content: bytes
    judged: int
    by_classification: dict[str, int]
    bad_cells: int
    rows: list[JudgedRow]


def judge_sheet(data: bytes, engine: Engine, made: dt.datetime, as_of: dt.date | None = None,
                progress: Progress | None = None, judge_rows: RowJudge | None = None) -> SheetOutcome:
    """Every facility of a filled sheet judged under the engine's one rules version (judge_rows, when
    given, must judge with the same), the verdict written beside each row, bad cells marked;
    SheetError when the file cannot be judged at all."""
    from ..present.documents import workbook_bytes

    sheet = read(data, engine, as_of)
    doc = questionnaire(engine.bundle, sheet.place_kind, sheet.as_of)
    asked = {q.fact: q for s in doc.standards for g in s.groups for q in g.questions}
    for column in sheet.columns:
        column.question = asked.get(column.fact)
    cells = SheetCells(rows=sheet.rows, verdict_headers=VERDICT_COLUMNS)
    counts = dict.fromkeys(LABELS, 0)
    judged_rows: list[JudgedRow] = []
    numbered = list(enumerate(sheet.rows))
    judged = judge_rows(sheet, numbered) if judge_rows else verdicts(engine, sheet, numbered)
    for r, verdict in enumerate(progress(judged, len(numbered)) if progress else judged):
        cells.verdicts.append(verdict.cells)
        cells.bad.update({(r, j): reason for j, reason in verdict.bad.items()})
        if verdict.judgement is not None:
            counts[verdict.judgement.classification] += 1
            name = str(sheet.rows[r][0] if sheet.rows[r][0] is not None else "").strip()
            judged_rows.append(JudgedRow(FIRST_ROW + r, name or None, verdict.facts or {}, verdict.judgement))
    content = workbook_bytes(workbook(doc, sheet.columns, made, cells))
    return SheetOutcome(content, sum(counts.values()), counts, len(cells.bad), judged_rows)
