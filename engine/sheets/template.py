"""The inspection spreadsheet (检查表): the questionnaire of a kind of place as one sheet with a
row per facility and a column per question, and the same sheet written back with each row's
verdict beside it (engine.sheets.judging reads it).

Layout of the sheet 检查表: row 1 the title, row 2 the date judged as of, the rules digest and when
it was made; row 3 the headers (场所名称, then each question's label with its unit); row 4 when a
follow-up is to be answered (仅当……时填写); a facility per row from row 5. Answers are chosen from
drop-down lists of labels (是/否, an enum's labels), numbers are checked against their range. The
sheet 说明 holds the kind of place and the date judged as of (read back when judging), the
instructions, the questionnaire's notes and the parts not encoded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..present.documents import sheet_value
from ..questionnaire import Question, Questionnaire, clause_words
from ..present.questionnaires import INSTRUCTIONS
from ..schema import FactDef
from ..vocabulary import DEFAULT_LIMIT

if TYPE_CHECKING:
    from openpyxl import Workbook

SHEET = "检查表"
INFO_SHEET = "说明"
CHOICES_SHEET = "可选答案"
NAME_HEADER = "场所名称"
HEADER_ROW, CONDITION_ROW, FIRST_ROW = 3, 4, 5  # below the title (row 1) and the date, digest and time made (row 2)
PROMPT_MAX, ERROR_MAX, PROMPT_TITLE_MAX = 255, 225, 32  # what Excel accepts in a data validation's messages
LAST_VALIDATED_ROW = 1_048_576  # the drop-downs hold for every row a sheet can have
INFO_PLACE_KIND, INFO_AS_OF, INFO_DIGEST, INFO_MADE = "场所类型", "判定日期", "规则摘要", "生成时间"
GATE_FILL, FOLLOW_UP_FILL, VERDICT_FILL, BAD_FILL = "DDEBF7", "FCE4D6", "E2EFDA", "FFC7CE"
FILL_IN = ("每行填写一个场所（第 5 行起），答案从下拉列表中选择；第 4 行注明“仅当……时填写”的问题，只在前面的回答满足该条件时"
           "填写。" + INSTRUCTIONS)


def header(definition: FactDef) -> str:
    """A question's column header: its label, and its unit in brackets."""
    return f"{definition.label}（{definition.unit}）" if definition.unit else definition.label


@dataclass
class Column:
    """A question's column: the fact it answers and, when the questionnaire asks it, the question."""

    fact: str
    definition: FactDef
    question: Question | None = None

    def comment(self) -> str:
        d, q = self.definition, self.question
        lines = [f"{q.number}. {d.label}（{q.type_label}）" if q else d.label]
        lines += [q.only_if_text] if q and q.only_if_text else []
        lines += [f"答案：{self.allowed()}", d.description.strip()]
        lines += [f"依据：{clause_words(q.clauses)}"] if q else []
        return "\n".join(lines + [f"事实名：{self.fact}"])

    def allowed(self) -> str:
        d = self.definition
        if d.type == "boolean":
            return "是；否"
        if d.type == "enum":
            return "；".join((d.values or {}).values())
        if d.type == "date":
            return "日期（YYYY-MM-DD）"
        low = d.minimum if d.minimum is not None else -DEFAULT_LIMIT
        high = d.maximum if d.maximum is not None else DEFAULT_LIMIT
        return f"{'整数' if d.type == 'integer' else '数值'}，{low:g}～{high:g}{d.unit or ''}"


@dataclass
class SheetCells:
    """What is written into the sheet 检查表 besides the questions: the rows as read (values as
    the cells held them), the verdict columns and their values per row, and the cells marked bad
    (row index in `rows`, column index, the reason)."""

    rows: list[list[object]] = field(default_factory=list)
    verdict_headers: list[tuple[str, int]] = field(default_factory=list)
    verdicts: list[list[str]] = field(default_factory=list)
    bad: dict[tuple[int, int], str] = field(default_factory=dict)


def columns(doc: Questionnaire, vocab_facts: dict[str, FactDef]) -> list[Column]:
    """The questionnaire's questions in order, one column each."""
    return [Column(q.fact, vocab_facts[q.fact], q) for s in doc.standards for g in s.groups for q in g.questions]


def title(doc: Questionnaire) -> str:
    return f"现场检查表：{doc.place_label}"


def workbook(doc: Questionnaire, cols: list[Column], made: dt.datetime, cells: SheetCells | None = None) -> Workbook:
    """The workbook: the sheet 检查表 (empty for a template), 说明, and the hidden lists of answers."""
    from openpyxl import Workbook

    cells = cells or SheetCells()
    book = Workbook(write_only=True)  # streams its rows: ten thousand facilities of ~90 answers in seconds
    sheet = book.create_sheet(SHEET)
    choices = book.create_sheet(CHOICES_SHEET)
    _write_sheet(sheet, doc, cols, made, cells, _write_choices(choices, cols))
    choices.sheet_state = "hidden"
    info = [[INFO_PLACE_KIND, doc.place_label], [INFO_AS_OF, doc.as_of.isoformat()], [INFO_DIGEST, doc.rules_digest],
            [INFO_MADE, made.isoformat(timespec="seconds")], ["填写说明", FILL_IN]]
    info += [["提示", note] for note in doc.notes]
    info += [["未编码部分", f"{s.document_number} {gap}"] for s in doc.standards for gap in s.gaps]
    sheet_info = book.create_sheet(INFO_SHEET)
    sheet_info.column_dimensions["A"].width, sheet_info.column_dimensions["B"].width = 14, 110
    for row in [["项目", "内容"]] + info:
        sheet_info.append([sheet_value(v) for v in row])
    return book


def _write_choices(sheet, cols: list[Column]) -> dict[str, str]:
    """One column of answers per yes/no or choice fact; fact -> the range its drop-down lists."""
    from openpyxl.utils import get_column_letter

    lists: dict[str, list[str]] = {}
    for col in cols:
        d = col.definition
        if d.type in ("boolean", "enum"):
            lists[col.fact] = ["是", "否"] if d.type == "boolean" else list((d.values or {}).values())
    names = list(lists)
    sheet.append([next(c.definition.label for c in cols if c.fact == n) for n in names])
    longest = max((len(v) for v in lists.values()), default=0)
    for i in range(longest):
        sheet.append([lists[n][i] if i < len(lists[n]) else None for n in names])
    return {n: f"'{CHOICES_SHEET}'!${get_column_letter(j)}$2:${get_column_letter(j)}${len(lists[n]) + 1}"
            for j, n in enumerate(names, 1)}


def _write_sheet(sheet, doc: Questionnaire, cols: list[Column], made: dt.datetime, cells: SheetCells,
                 choice_ranges: dict[str, str]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    width = 1 + len(cols) + len(cells.verdict_headers)
    sheet.column_dimensions["A"].width = 24
    for i in range(2, 2 + len(cols)):
        sheet.column_dimensions[get_column_letter(i)].width = 16
    for i, (_, w) in enumerate(cells.verdict_headers, 2 + len(cols)):
        sheet.column_dimensions[get_column_letter(i)].width = w
    sheet.freeze_panes = f"B{FIRST_ROW}"
    _add_validations(sheet, cols, choice_ranges)

    def cell(value: object, fill: str | None = None, bold: bool = False, comment: str | None = None,
             wrap: bool = False) -> WriteOnlyCell:
        c = WriteOnlyCell(sheet, value=sheet_value(value))
        if fill:
            c.fill = PatternFill("solid", fgColor=fill)
        if bold:
            c.font = Font(bold=True)
        if wrap:
            c.alignment = Alignment(wrap_text=True, vertical="top")
        if comment:
            c.comment = Comment(comment, "hazard", width=360, height=200)
        return c

    sheet.append([cell(f"{title(doc)}（判定日期 {doc.as_of}）", bold=True)])
    sheet.append([cell(f"判定日期：{doc.as_of}（按该日有效的标准版本出题与判定）；规则摘要：{doc.rules_digest}；"
                       f"生成时间：{made.isoformat(timespec='seconds')}；场所类型：{doc.place_label}")])
    follow_up = [bool(c.question and c.question.level) for c in cols]
    sheet.append([cell(NAME_HEADER, GATE_FILL, bold=True, comment="每行一个场所：填写场所（设施、检查对象）名称")]
                 + [cell(header(c.definition), FOLLOW_UP_FILL if f else GATE_FILL, bold=True, comment=c.comment(),
                         wrap=True) for c, f in zip(cols, follow_up)]
                 + [cell(name, VERDICT_FILL, bold=True, wrap=True) for name, _ in cells.verdict_headers])
    sheet.append([cell("填写条件", bold=True)]
                 + [cell(c.question.only_if_text if c.question and c.question.only_if_text else "", wrap=True)
                    for c in cols]
                 + [cell("判定结果（自动填写）" if i == 0 else "") for i in range(len(cells.verdict_headers))])
    for r, row in enumerate(cells.rows):
        out: list[object] = []
        for j, value in enumerate(row):
            reason = cells.bad.get((r, j))
            out.append(cell(value, BAD_FILL, comment=reason) if reason else sheet_value(value))
        out += [None] * (1 + len(cols) - len(out))
        if r < len(cells.verdicts):
            out += [cell(v, wrap=True) if v else None for v in cells.verdicts[r]]
        sheet.append(out[:width])


def _add_validations(sheet, cols: list[Column], choice_ranges: dict[str, str]) -> None:
    """Drop-down lists of answers, numbers within their range, from row 5 down."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    for i, col in enumerate(cols, 2):
        d = col.definition
        where = f"{get_column_letter(i)}{FIRST_ROW}:{get_column_letter(i)}{LAST_VALIDATED_ROW}"
        if col.fact in choice_ranges:
            rule = DataValidation(type="list", formula1=choice_ranges[col.fact], allow_blank=True)
        elif d.type in ("integer", "number"):
            low = d.minimum if d.minimum is not None else -DEFAULT_LIMIT
            high = d.maximum if d.maximum is not None else DEFAULT_LIMIT
            rule = DataValidation(type="whole" if d.type == "integer" else "decimal", operator="between",
                                  formula1=f"{low:g}", formula2=f"{high:g}", allow_blank=True)
        else:
            continue
        rule.error = ("请从下拉列表中选择 / pick an answer from the list" if col.fact in choice_ranges
                      else f"答案应为：{col.allowed()}")[:ERROR_MAX]
        rule.errorTitle = "答案无效 / invalid answer"
        rule.prompt, rule.promptTitle = col.allowed()[:PROMPT_MAX], header(d)[:PROMPT_TITLE_MAX]
        rule.showErrorMessage = rule.showInputMessage = True
        rule.add(where)
        sheet.data_validations.append(rule)
