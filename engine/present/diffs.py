"""Diffs for the people who read them: Markdown, printable HTML, and a spreadsheet with a row per
clause that enters, leaves or changes. A version diff and a list diff share the layout: a list diff
has a section per area and standard, a version diff one section."""

from __future__ import annotations

import html

from ..differences import ClauseChange, ListDiff, StandardDiff, VersionDiff
from .documents import PAGE_STYLE, html_page, table_sheet, workbook_bytes
from .words import METHOD_WORDS as METHOD, STATUS_WORDS as STATUS

KIND = {"version": {"added": "新增", "removed": "删除", "changed": "变更", "not_comparable": "无法逐条比较"},
        "list": {"added": "列入", "removed": "移出", "changed": "变更", "not_comparable": "无法逐条比较"}}
COLUMNS = [("领域", 14), ("标准", 24), ("变化", 10), ("旧条号", 12), ("新条号", 12), ("变化之处", 18),
           ("旧条款原文", 60), ("新条款原文", 60), ("旧文本状态", 12), ("新文本状态", 12), ("旧判定方法", 12),
           ("新判定方法", 12), ("旧条件", 40), ("新条件", 40), ("说明", 40), ("旧条款编号", 24), ("新条款编号", 24)]
SUMMARY_COLUMNS = [("领域", 14), ("标准", 30), ("旧版本", 30), ("新版本", 30), ("未变", 8), ("新增/列入", 10),
                   ("删除/移出", 10), ("变更", 8), ("无法逐条比较", 12), ("判定方法的变化", 80)]
Diff = ListDiff | VersionDiff


def _sections(doc: Diff) -> list[tuple[str, StandardDiff]]:
    if isinstance(doc, VersionDiff):
        return [("", doc.diff)]
    return [(area.name, standard) for area in doc.areas for standard in area.standards]


def _words(doc: Diff) -> dict[str, str]:
    return KIND["version" if isinstance(doc, VersionDiff) else "list"]


def _header(doc: Diff) -> list[str]:
    """Title lines: the dates (or versions) compared and the rules digest."""
    if isinstance(doc, VersionDiff):
        d = doc.diff
        return [f"旧版本：{d.old_document}（{d.old_dates}）", f"新版本：{d.new_document}（{d.new_dates}）",
                f"规则摘要：{doc.rules_digest}"]
    return [f"清单：{doc.list_id}", f"旧日期：{doc.old}", f"新日期：{doc.new}", f"规则摘要：{doc.rules_digest}"]


def _counts(doc: Diff, s: StandardDiff) -> str:
    words = _words(doc)
    parts = [f"未变 {s.unchanged}"] + [f"{words[k]} {s.count(k)}" for k in ("added", "removed", "changed")]
    if s.count("not_comparable"):
        parts.append(f"{words['not_comparable']} {s.count('not_comparable')}")
    return "，".join(parts)


def _side(c: ClauseChange) -> tuple[str, str]:
    """The clause a change is about, and its id (the new one's, or the old one's when it left)."""
    row = c.new or c.old
    return row.clause, row.id


def _change_lines(doc: Diff, c: ClauseChange) -> list[str]:
    word = _words(doc)[c.kind]
    clause, cid = _side(c)
    if c.kind == "changed":
        out = [f"- **【{word}：{'、'.join(c.what)}】{c.old.clause} → {c.new.clause}**（{c.old.id} → {c.new.id}）",
               f"  - 旧（{STATUS[c.old.text_status]}，{METHOD[c.old.method]}）：{c.old.text}",
               f"  - 新（{STATUS[c.new.text_status]}，{METHOD[c.new.method]}）：{c.new.text}"]
        if "条件" in c.what:
            out += [f"  - 旧条件：{c.old.condition}", f"  - 新条件：{c.new.condition}"]
        return out
    row = c.new or c.old
    return [f"- **【{word}】{clause}**（{cid}，{STATUS[row.text_status]}，{METHOD[row.method]}）：{row.text}"]


def markdown(doc: Diff) -> str:
    out = [f"# {doc.title}", ""] + [f"- {line}" for line in _header(doc)]
    if isinstance(doc, ListDiff):
        out += ["", "## 版本切换", ""] + ([f"- {s}" for s in doc.switched] or ["两个日期适用的标准版本相同，清单没有变化。"])
    for area, s in _sections(doc):
        out += ["", f"## {area + '：' if area else ''}{s.switch}", "", f"{s.old_dates} → {s.new_dates}", "",
                _counts(doc, s)]
        out += [f"- {m}" for m in s.method_changes]
        reasons = dict.fromkeys(c.reason for c in s.changes if c.reason)
        out += [f"> {r}" for r in reasons]
        if s.changes:
            out.append("")
        for c in s.changes:
            out += _change_lines(doc, c)
    return "\n".join(out) + "\n"


def page(doc: Diff) -> str:
    """Well-formed HTML (also parseable as XML)."""
    e = html.escape
    words = _words(doc)
    parts = [f"<h1>{e(doc.title)}</h1>", "<ul>" + "".join(f"<li>{e(line)}</li>" for line in _header(doc)) + "</ul>"]
    if isinstance(doc, ListDiff):
        parts.append("<h2>版本切换</h2>")
        parts.append("<ul>" + "".join(f"<li>{e(s)}</li>" for s in doc.switched) + "</ul>" if doc.switched
                     else "<p>两个日期适用的标准版本相同，清单没有变化。</p>")
    for area, s in _sections(doc):
        parts += [f"<h2>{e(area + '：' if area else '')}{e(s.switch)}</h2>",
                  f"<p>{e(s.old_dates)} → {e(s.new_dates)}</p>", f"<p>{e(_counts(doc, s))}</p>"]
        if s.method_changes:
            parts.append("<ul>" + "".join(f"<li>{e(m)}</li>" for m in s.method_changes) + "</ul>")
        parts += [f'<p class="gap">{e(r)}</p>' for r in dict.fromkeys(c.reason for c in s.changes if c.reason)]
        if s.changes:
            parts.append("<table><tr><th>变化</th><th>条号</th><th>变化之处</th><th>旧条款原文</th><th>新条款原文</th></tr>")
            for c in s.changes:
                old_clause = c.old.clause if c.old else ""
                new_clause = c.new.clause if c.new else ""
                clause = f"{old_clause} → {new_clause}" if c.old and c.new else old_clause or new_clause
                parts.append(f"<tr><td>{words[c.kind]}</td><td>{e(clause)}</td><td>{e('、'.join(c.what))}</td>"
                             f"<td>{e(c.old.text) if c.old else ''}</td><td>{e(c.new.text) if c.new else ''}</td></tr>")
            parts.append("</table>")
    return html_page(doc.title, PAGE_STYLE, parts)


def _cells(doc: Diff, area: str, s: StandardDiff, c: ClauseChange) -> list[str]:
    def side(row, attr: str, words: dict | None = None) -> str:  # noqa: ANN001
        if row is None:
            return ""
        value = getattr(row, attr)
        return words[value] if words else value

    return [area, s.new_document or s.old_document or s.standard, _words(doc)[c.kind], side(c.old, "clause"),
            side(c.new, "clause"), "、".join(c.what), side(c.old, "text"), side(c.new, "text"),
            side(c.old, "text_status", STATUS), side(c.new, "text_status", STATUS), side(c.old, "method", METHOD),
            side(c.new, "method", METHOD), side(c.old, "condition"), side(c.new, "condition"), c.reason or "",
            side(c.old, "id"), side(c.new, "id")]


def spreadsheet(doc: Diff) -> bytes:
    """A row per clause that changes; a summary sheet per standard with the title, dates and digest."""
    from openpyxl import Workbook

    book = Workbook()
    table_sheet(book.active, "条款变化", COLUMNS,
                [_cells(doc, area, s, c) for area, s in _sections(doc) for c in s.changes])
    summary = [[area, s.switch, f"{s.old_document or '无有效版本'}（{s.old_dates}）",
                f"{s.new_document or '无有效版本'}（{s.new_dates}）", s.unchanged, s.count("added"),
                s.count("removed"), s.count("changed"), s.count("not_comparable"), "\n".join(s.method_changes)]
               for area, s in _sections(doc)]
    sheet = book.create_sheet()
    table_sheet(sheet, "概况", SUMMARY_COLUMNS, summary)
    # the document's title, dates and digest under the table (a filter covers the table only)
    sheet.append([])
    for line in [doc.title, *_header(doc)]:
        sheet.append([line])
    return workbook_bytes(book)
