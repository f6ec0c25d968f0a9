"""The list for the people who read it: Markdown, HTML, and the spreadsheet officials circulate."""

from __future__ import annotations

import html

from ..listing import ListDocument
from .documents import PAGE_STYLE, html_page, table_sheet, workbook_bytes
from .words import METHOD_WORDS, STATUS_WORDS, status_counts

STATE = {"encoded": "有效，已编码", "in_force_not_encoded": "有效，但条文未编码", "not_in_force": "该日无有效版本"}
COLUMNS = [("领域", 14), ("标准文号", 22), ("标准名称", 28), ("条号", 14), ("条款原文", 70), ("判定方法", 12),
           ("文本状态", 12), ("隐患类型", 14), ("适用场所", 24), ("实施日期", 22), ("废止日期", 22), ("条款编号", 26),
           ("出处", 40)]
GAP_COLUMNS = [("类别", 14), ("对象", 26), ("说明", 90)]


def _rows(doc: ListDocument) -> list[tuple[str, object]]:
    """One row per criterion; a criterion listed in several areas names them all."""
    areas: dict[str, list[str]] = {}
    rows: dict[str, object] = {}
    for area in doc.areas:
        for standard in area.standards:
            for c in standard.criteria:
                areas.setdefault(c.id, []).append(area.name)
                rows.setdefault(c.id, c)
    return [("、".join(areas[cid]), c) for cid, c in rows.items()]


def _cells(areas: str, c) -> list[str]:  # noqa: ANN001
    return [areas, c.document_number, c.title, c.clause, c.text, METHOD_WORDS[c.method], STATUS_WORDS[c.text_status],
            "、".join(c.hazards), "、".join(c.applies_to) or "（不限）", c.effective, c.superseded, c.id, c.source]


def markdown(doc: ListDocument) -> str:
    out = [f"# {doc.title}", "", f"- 判定日期：{doc.as_of}", f"- 发布依据：{doc.basis}", f"- 编制：{doc.issuer}",
           f"- 规则摘要：`{doc.rules_digest[:12]}`", "", doc.description, "", "## 覆盖情况"]
    for cov in doc.coverage:
        counts = status_counts(cov.by_text_status) or "无（条文未编码）"
        out += ["", f"**{cov.document_number}**：已编码条款 {counts}"]
        out += [f"- 未编码：{gap}" for gap in cov.gaps]
    if doc.areas_not_encoded:
        out += ["", f"**尚无已编码条款的领域**：{'、'.join(doc.areas_not_encoded)}（原文未能获取，不代表没有隐患）"]
    for n, area in enumerate(doc.areas, 1):
        out += ["", f"## {n}. {area.name}", "", f"依据：{area.basis}（{STATUS_WORDS[area.basis_status]}）"]
        if area.places:
            out.append(f"适用场所：{'、'.join(area.places)}")
        if area.not_encoded:
            out += ["", f"> 尚未编码：{area.not_encoded}"]
        for standard in area.standards:
            out += ["", f"### {standard.document_number}《{standard.title}》（{STATE[standard.state]}）"]
            if standard.note:
                out.append(f"说明：{standard.note}")
            if standard.criteria:
                out += ["", "| 条号 | 条款原文 | 判定方法 | 文本状态 | 隐患类型 | 实施 | 废止 |", "| --- | --- | --- | --- | --- | --- | --- |"]
                for c in standard.criteria:
                    text = c.text.replace("|", "\\|").replace("\n", " ")
                    out.append(f"| {c.clause} | {text} | {METHOD_WORDS[c.method]} | {STATUS_WORDS[c.text_status]} | "
                               f"{'、'.join(c.hazards)} | {c.effective} | {c.superseded} |")
    return "\n".join(out) + "\n"


def page(doc: ListDocument) -> str:
    """Well-formed HTML (also parseable as XML)."""
    e = html.escape
    parts = [f"<h1>{e(doc.title)}</h1>",
             f"<p>判定日期：{doc.as_of}；发布依据：{e(doc.basis)}；编制：{e(doc.issuer)}；规则摘要：<code>{doc.rules_digest[:12]}</code></p>",
             f"<p>{e(doc.description)}</p>", "<h2>覆盖情况</h2>"]
    for cov in doc.coverage:
        counts = status_counts(cov.by_text_status) or "无（条文未编码）"
        parts.append(f"<p><b>{e(cov.document_number)}</b>：已编码条款 {e(counts)}</p>")
        if cov.gaps:
            parts.append("<ul>" + "".join(f"<li>未编码：{e(gap)}</li>" for gap in cov.gaps) + "</ul>")
    if doc.areas_not_encoded:
        parts.append(f'<p class="gap">尚无已编码条款的领域：{e("、".join(doc.areas_not_encoded))}（原文未能获取，不代表没有隐患）</p>')
    for n, area in enumerate(doc.areas, 1):
        parts += [f'<h2 id="{e(area.id)}">{n}. {e(area.name)}</h2>',
                  f"<p>依据：{e(area.basis)}（{STATUS_WORDS[area.basis_status]}）</p>"]
        if area.places:
            parts.append(f"<p>适用场所：{e('、'.join(area.places))}</p>")
        if area.not_encoded:
            parts.append(f'<p class="gap">尚未编码：{e(area.not_encoded)}</p>')
        for standard in area.standards:
            parts.append(f"<h3>{e(standard.document_number)}《{e(standard.title)}》（{STATE[standard.state]}）</h3>")
            if standard.note:
                parts.append(f"<p>说明：{e(standard.note)}</p>")
            if standard.criteria:
                parts.append("<table><tr><th>条号</th><th>条款原文</th><th>判定方法</th><th>文本状态</th><th>隐患类型</th>"
                             "<th>实施</th><th>废止</th></tr>")
                for c in standard.criteria:
                    parts.append(f"<tr><td>{e(c.clause)}</td><td>{e(c.text)}</td><td>{METHOD_WORDS[c.method]}</td>"
                                 f"<td>{STATUS_WORDS[c.text_status]}</td><td>{e('、'.join(c.hazards))}</td>"
                                 f"<td>{e(c.effective)}</td><td>{e(c.superseded)}</td></tr>")
                parts.append("</table>")
    return html_page(doc.title, PAGE_STYLE, parts)


def spreadsheet(doc: ListDocument) -> bytes:
    """One row per criterion, frozen header, filters, readable widths; gaps on a second sheet."""
    from openpyxl import Workbook

    book = Workbook()
    table_sheet(book.active, "判定标准清单", COLUMNS, [_cells(area, c) for area, c in _rows(doc)])
    gaps = []
    for cov in doc.coverage:
        counts = status_counts(cov.by_text_status) or "条文未编码"
        gaps.append(["已编码条款", cov.document_number, counts])
        gaps += [["未编码部分", cov.document_number, gap] for gap in cov.gaps]
    gaps += [["领域缺口", area.name, area.not_encoded] for area in doc.areas if area.not_encoded]
    table_sheet(book.create_sheet(), "覆盖与缺口", GAP_COLUMNS, gaps)
    return workbook_bytes(book)
