"""Filling an inspection spreadsheet as an inspector does (for the tests and the features): the
template opened, answers typed into the cells under their headers from row 5, saved."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from engine.conditions import display_value
from engine.sheets.template import FIRST_ROW, HEADER_ROW, SHEET, header
from engine.vocabulary import Vocabulary


def answers(vocab: Vocabulary, facts: dict[str, Any]) -> dict[str, Any]:
    """A facility's facts as the cells an inspector fills: header -> 是/否, a label, a number."""
    out = {}
    for name, value in facts.items():
        if name == vocab.place_fact or value is None:
            continue
        d = vocab.facts[name]
        out[header(d)] = display_value(d, value) if d.type in ("boolean", "enum") else value
    return out


def fill(template: bytes, rows: list[tuple[str, dict[str, Any]]], skip_unasked: bool = True) -> bytes:
    """The template with one row per (name, {header: cell value}); headers the sheet does not have
    are left out when skip_unasked (a facts file may say more than this kind of place is asked)."""
    book = load_workbook(io.BytesIO(template))
    sheet = book[SHEET]
    columns = {cell.value: cell.column for cell in sheet[HEADER_ROW] if cell.value}
    for r, (name, cells) in enumerate(rows, FIRST_ROW):
        sheet.cell(r, 1, name)
        for text, value in cells.items():
            if text not in columns:
                if skip_unasked:
                    continue
                raise KeyError(text)
            sheet.cell(r, columns[text], value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def asked(template: bytes) -> list[str]:
    """The question headers of a sheet, in order."""
    sheet = load_workbook(io.BytesIO(template), read_only=True)[SHEET]
    head = next(sheet.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW, values_only=True))
    return [h for h in head[1:] if h]


def table(content: bytes, sheet_name: str = SHEET) -> tuple[list[str], list[dict[str, Any]], Any]:
    """A judged sheet: its headers, each facility row as {header: value} (from row 5), and the
    worksheet itself (fills and comments)."""
    book = load_workbook(io.BytesIO(content))
    sheet = book[sheet_name]
    head = [c.value for c in sheet[HEADER_ROW]]
    rows = [dict(zip(head, (c.value for c in row))) for row in sheet.iter_rows(min_row=FIRST_ROW)]
    return head, rows, sheet
