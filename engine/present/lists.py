"""The list for the people who read it: Markdown, HTML, and the spreadsheet officials circulate."""

from __future__ import annotations

import html

from ..listing import ListDocument
from ..provenance_words import plain
from .documents import PAGE_STYLE, html_page, stamp, table_sheet, workbook_bytes
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
            "、".join(c.hazards), "、".join(c.applies_to) or "（不限）", c.effective, c.superseded, c.id, plain(c.source)]


def _gap_lines(doc: ListDocument) -> list[tuple[str, str, str]]:
    """(kind, what, words) for every part not encoded: per standard in force, then per area."""
    out = []
    for cov in doc.coverage:
        counts = status_counts(cov.by_text_status) or "条文未编码"
        out.append(("已编码条款", cov.document_number, counts))
        out += [("未编码部分", cov.document_number, plain(gap)) for gap in cov.gaps]
    out += [("领域缺口", area.name, plain(area.not_encoded)) for area in doc.areas if area.not_encoded]
    if doc.areas_not_encoded:
        out.append(("尚无已编码条款的领域", "、".join(doc.areas_not_encoded), "原文未能获取，不代表没有隐患"))
    return out


def markdown(doc: ListDocument) -> str:
    """The clauses first, area by area; what is not encoded after them."""
    out = [f"# {doc.title}", ""] + [f"- {line}" for line in stamp(doc.as_of, doc.rules_digest)]
    out += [f"- 发布依据：{doc.basis}", f"- 编制：{doc.issuer}", "", doc.description,
            "", "> 部分标准或条文尚未编码，见文末“覆盖与缺口”：未编码的部分不作判定，不代表没有隐患。"]
    for n, area in enumerate(doc.areas, 1):
        out += ["", f"## {n}. {area.name}", "", f"依据：{plain(area.basis)}（{STATUS_WORDS[area.basis_status]}）"]
        if area.places:
            out.append(f"适用场所：{'、'.join(area.places)}")
        for standard in area.standards:
            out += ["", f"### {standard.document_number}《{standard.title}》（{STATE[standard.state]}）"]
            if standard.note:
                out.append(f"说明：{plain(standard.note)}")
            if standard.criteria:
                out += ["", "| 条号 | 条款原文 | 判定方法 | 文本状态 | 隐患类型 | 实施 | 废止 |", "| --- | --- | --- | --- | --- | --- | --- |"]
                for c in standard.criteria:
                    text = c.text.replace("|", "\\|").replace("\n", " ")
                    out.append(f"| {c.clause} | {text} | {METHOD_WORDS[c.method]} | {STATUS_WORDS[c.text_status]} | "
                               f"{'、'.join(c.hazards)} | {c.effective} | {c.superseded} |")
    out += ["", "## 覆盖与缺口", ""] + [f"- {kind}：{what}：{words}" for kind, what, words in _gap_lines(doc)]
    return "\n".join(out) + "\n"


def page(doc: ListDocument) -> str:
    """Well-formed HTML (also parseable as XML): the clauses first, area by area; what is not
    encoded after them, announced in one line at the top."""
    e = html.escape
    parts = [f"<h1>{e(doc.title)}</h1>", f"<p>{'；'.join(e(line) for line in stamp(doc.as_of, doc.rules_digest))}</p>",
             f"<p>发布依据：{e(doc.basis)}；编制：{e(doc.issuer)}</p>", f"<p>{e(doc.description)}</p>",
             '<p class="gap">部分标准或条文尚未编码，见文末<a href="#gaps">覆盖与缺口</a>：未编码的部分不作判定，不代表没有隐患。</p>']
    for n, area in enumerate(doc.areas, 1):
        parts += [f'<h2 id="{e(area.id)}">{n}. {e(area.name)}</h2>',
                  f"<p>依据：{e(plain(area.basis))}（{STATUS_WORDS[area.basis_status]}）</p>"]
        if area.places:
            parts.append(f"<p>适用场所：{e('、'.join(area.places))}</p>")
        for standard in area.standards:
            parts.append(f"<h3>{e(standard.document_number)}《{e(standard.title)}》（{STATE[standard.state]}）</h3>")
            if standard.note:
                parts.append(f"<p>说明：{e(plain(standard.note))}</p>")
            if standard.criteria:
                parts.append("<table><tr><th>条号</th><th>条款原文</th><th>判定方法</th><th>文本状态</th><th>隐患类型</th>"
                             "<th>实施</th><th>废止</th></tr>")
                for c in standard.criteria:
                    parts.append(f"<tr><td>{e(c.clause)}</td><td>{e(c.text)}</td><td>{METHOD_WORDS[c.method]}</td>"
                                 f"<td>{STATUS_WORDS[c.text_status]}</td><td>{e('、'.join(c.hazards))}</td>"
                                 f"<td>{e(c.effective)}</td><td>{e(c.superseded)}</td></tr>")
                parts.append("</table>")
    parts.append('<h2 id="gaps">覆盖与缺口</h2><table><tr><th>类别</th><th>对象</th><th>说明</th></tr>')
    parts += [f"<tr><td>{e(kind)}</td><td>{e(what)}</td><td>{e(words)}</td></tr>" for kind, what, words in _gap_lines(doc)]
    parts.append("</table>")
    return html_page(doc.title, PAGE_STYLE, parts)


def spreadsheet(doc: ListDocument) -> bytes:
    """One row per criterion under the title, date, digest and time made; frozen header, filters,
    readable widths; gaps on a second sheet under the same heading."""
    from openpyxl import Workbook

    book = Workbook()
    heading = [doc.title, *stamp(doc.as_of, doc.rules_digest)]
    table_sheet(book.active, "判定标准清单", COLUMNS, [_cells(area, c) for area, c in _rows(doc)], heading)
    table_sheet(book.create_sheet(), "覆盖与缺口", GAP_COLUMNS, [list(line) for line in _gap_lines(doc)], heading)
    book.properties.title = doc.title
    return workbook_bytes(book)
