"""What every document for people shares: a whole HTML page around its body, and spreadsheet
sheets (bold frozen header, filters, readable widths, wrapped cells)."""

from __future__ import annotations

import html
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # openpyxl is imported only when a spreadsheet is made
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

PAGE_STYLE = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
              "td,th{border:1px solid #999;padding:4px;vertical-align:top}th{background:#eee}"
              ".gap{background:#fff3cd;padding:6px}")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def html_page(title: str, style: str, body: list[str]) -> str:
    """A whole HTML document around the body's lines: well-formed, so also parseable as XML."""
    head = ["<!DOCTYPE html>", '<html lang="zh-CN">', "<head>", '<meta charset="utf-8" />',
            f"<title>{html.escape(title)}</title>", f"<style>{style}</style>", "</head>", "<body>"]
    return "\n".join(head + body + ["</body>", "</html>"]) + "\n"


def table_sheet(sheet: Worksheet, title: str, columns: list[tuple[str, int]], rows: list[list]) -> None:
    """A sheet of rows under a bold header: wrapped cells, the columns' widths, the header frozen
    and filters on every column."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet.title = title
    sheet.append([name for name, _ in columns])
    for row in rows:
        sheet.append([sheet_value(value) for value in row])
    bold, fill, wrap = Font(bold=True), PatternFill("solid", fgColor="DDEBF7"), Alignment(wrap_text=True, vertical="top")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
    for i, (_, width) in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


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
