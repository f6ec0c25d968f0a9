"""What every document for people shares: a whole HTML page around its body, and spreadsheet
sheets (bold frozen header, filters, readable widths, wrapped cells)."""

from __future__ import annotations

import datetime as dt
import html
import io
from typing import TYPE_CHECKING

from ..clock import now_in_china

if TYPE_CHECKING:  # openpyxl is imported only when a spreadsheet is made
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

PAGE_STYLE = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
              "td,th{border:1px solid #999;padding:4px;vertical-align:top}th{background:#eee}"
              ".gap{background:#fff3cd;padding:6px}")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def made_at() -> str:
    """When a document was made, in China time as officials date their papers."""
    return f"生成时间：{now_in_china():%Y-%m-%d %H:%M}（北京时间）"


def stamp(as_of: dt.date, rules_digest: str) -> list[str]:
    """What a forwarded copy must say to be read rightly: the day it judges as of, the rules it was
    made from and when it was made."""
    return [f"判定日期：{as_of}", f"规则摘要：{rules_digest}", made_at()]


def html_page(title: str, style: str, body: list[str]) -> str:
    """A whole HTML document around the body's lines: well-formed, so also parseable as XML."""
    head = ["<!DOCTYPE html>", '<html lang="zh-CN">', "<head>", '<meta charset="utf-8" />',
            f"<title>{html.escape(title)}</title>", f"<style>{style}</style>", "</head>", "<body>"]
    return "\n".join(head + body + ["</body>", "</html>"]) + "\n"


def table_sheet(sheet: Worksheet, title: str, columns: list[tuple[str, int]], rows: list[list],
                heading: list[str] = ()) -> None:
    """A sheet of rows under a bold header: wrapped cells, the columns' widths, the header frozen
    and filters on every column. Heading lines (a document's title, date, digest) go above the header,
    one a row, the first in bold."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet.title = title
    for line in heading:
        sheet.append([sheet_value(line)])
    if heading:
        sheet.cell(1, 1).font = Font(bold=True, size=14)
    header = len(heading) + 1
    sheet.append([name for name, _ in columns])
    for row in rows:
        sheet.append([sheet_value(value) for value in row])
    bold, fill, wrap = Font(bold=True), PatternFill("solid", fgColor="DDEBF7"), Alignment(wrap_text=True, vertical="top")
    for cell in sheet[header]:
        cell.font, cell.fill = bold, fill
    for i, (_, width) in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    for row in sheet.iter_rows(min_row=header + 1):
        for cell in row:
            cell.alignment = wrap
    sheet.freeze_panes = f"A{header + 1}"
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A{header}:{last}{max(sheet.max_row, header)}"


def sheet_value(value: object) -> object:
    """Text as a sheet can hold it: control characters (an id sent by a caller may hold them) are
    written as \\uXXXX rather than dropped or refused (XML cannot carry them)."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\u{ord(m.group()):04X}", value)
    return value


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
