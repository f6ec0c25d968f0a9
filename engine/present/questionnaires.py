"""The questionnaire for the people who use it: Markdown, the printable form an inspector takes
on site (HTML), and a spreadsheet with one row per question."""

from __future__ import annotations

import html

from ..questionnaire import Question, Questionnaire, clause_words
from .documents import html_page, table_sheet, workbook_bytes

INSTRUCTIONS = ("标有“仅当……时填写”的问题，只在前面的回答满足该条件时填写。不了解的请留空，不要猜测："
                "留空的事实使判定为“无法判定”，不会被当作“否”或 0。")
COLUMNS = [("序号", 6), ("标准文号", 20), ("标准名称", 26), ("章节", 22), ("问题", 44), ("填写条件", 44), ("类型", 8),
           ("单位", 6), ("可选答案", 30), ("回答", 16), ("说明", 60), ("依据条款", 44), ("事实名", 32)]
NOTE_COLUMNS = [("类别", 14), ("对象", 26), ("说明", 90)]
STYLE = ("body{font-family:sans-serif;margin:2em;font-size:11pt}"
         "table{border-collapse:collapse;width:100%;margin-bottom:1em}"
         "td,th{border:1px solid #999;padding:4px 6px;vertical-align:top;text-align:left}th{background:#eee}"
         ".no{width:2.5em}.answer{width:30%}.clauses{width:22%;font-size:9pt}.label{font-weight:bold}"
         ".only-if{color:#8a4b00;font-size:9pt}.help{color:#444;font-size:9pt}"
         ".answer label{display:inline-block;margin:0 1em 2px 0}"
         ".blank{display:inline-block;min-width:8em;border-bottom:1px solid #000;height:1.2em}"
         ".sign span{display:inline-block;min-width:10em;border-bottom:1px solid #000;margin-right:1.5em}"
         ".note{background:#fff3cd;padding:6px}"
         "@media print{body{margin:0;font-size:10pt}section+section h2{break-before:page}"
         "thead{display:table-header-group}tr{break-inside:avoid}.note{border:1px solid #999}}")


def title(doc: Questionnaire) -> str:
    return f"现场检查问卷：{doc.place_label}"


def _question_count(doc: Questionnaire) -> int:
    return sum(len(g.questions) for s in doc.standards for g in s.groups)


def _meta(doc: Questionnaire) -> list[str]:
    return [f"场所类型：{doc.place_label}（{doc.place_kind}）", f"判定日期：{doc.as_of}（按该日有效的标准版本出题）",
            f"规则摘要：{doc.rules_digest[:12]}", f"问题：共 {_question_count(doc)} 题"]


def _allowed(q: Question) -> str:
    """The allowed answers in words: the choices, or the range of a number."""
    if q.answers:
        return "；".join(q.answers)
    if q.type == "date":
        return "YYYY-MM-DD"
    return q.range or "任意数值"


def _blank(q: Question) -> str:
    """Where the answer is written, as plain text."""
    if q.answers:
        return "　".join(f"□ {a}" for a in q.answers)
    return f"＿＿＿＿{q.unit or ''}（{_allowed(q)}）"


# --- Markdown ----------------------------------------------------------------------------------

def _markdown_question(q: Question) -> list[str]:
    indent = "  " * q.level
    lines = [f"{indent}- **{q.number}. {q.label}**（{q.type_label}）"]
    details = ([f"*{q.only_if_text}*"] if q.only_if_text else []) + [
        f"答：{_blank(q)}", f"说明：{q.help}", f"条款：{clause_words(q.clauses, ids=True)}"]
    lines += [f"{indent}  {line}" for line in details]
    return [line + "\\" for line in lines[:-1]] + lines[-1:]  # a backslash breaks the line within the item


def markdown(doc: Questionnaire) -> str:
    out = [f"# {title(doc)}", ""] + [f"- {line}" for line in _meta(doc)] + ["", INSTRUCTIONS]
    out += [f"\n> {note}" for note in doc.notes]
    for standard in doc.standards:
        out += ["", f"## {standard.document_number}《{standard.title}》"]
        for group in standard.groups:
            out += ["", f"### {group.title}", ""]
            for q in group.questions:
                out += _markdown_question(q)
        if standard.gaps:
            out += ["", "未编码、本问卷不能问到的部分：", ""] + [f"- {gap}" for gap in standard.gaps]
    return "\n".join(out) + "\n"


# --- the printable form (HTML) -----------------------------------------------------------------

def _answer_cell(q: Question) -> str:
    e = html.escape
    if q.answers:
        return " ".join(f'<label><input type="checkbox" /> {e(a)}</label>' for a in q.answers)
    return f'<span class="blank"></span> {e(q.unit or "")}<div class="help">{e(_allowed(q))}</div>'


def _form_row(q: Question) -> str:
    e = html.escape
    only_if = f'<div class="only-if">{e(q.only_if_text)}</div>' if q.only_if_text else ""
    return (f'<tr><td class="no">{q.number}</td><td style="padding-left:{0.4 + 1.6 * q.level:g}em">'
            f'<div class="label">{e(q.label)}（{e(q.type_label)}）</div>{only_if}<div class="help">{e(q.help)}</div></td>'
            f'<td class="answer">{_answer_cell(q)}</td>'
            f'<td class="clauses">{e(clause_words(q.clauses, ids=True))}</td></tr>')


def page(doc: Questionnaire) -> str:
    """The form to print: a header to fill in, then per standard and section a table of questions
    with a box per allowed answer; well-formed (also parseable as XML)."""
    e = html.escape
    parts = [f"<h1>{e(title(doc))}</h1>", f'<p class="meta">{e("；".join(_meta(doc)))}</p>',
             '<p class="sign">场所名称：<span></span>检查人员：<span></span>检查时间：<span></span></p>',
             f"<p>{e(INSTRUCTIONS)}</p>"]
    parts += [f'<p class="note">{e(note)}</p>' for note in doc.notes]
    for standard in doc.standards:
        parts += ["<section>", f"<h2>{e(standard.document_number)}《{e(standard.title)}》</h2>"]
        for group in standard.groups:
            parts += [f"<h3>{e(group.title)}</h3>",
                      '<table><thead><tr><th class="no">序号</th><th>问题</th><th class="answer">回答</th>'
                      '<th class="clauses">依据条款</th></tr></thead><tbody>']
            parts += [_form_row(q) for q in group.questions]
            parts.append("</tbody></table>")
        if standard.gaps:
            parts.append('<p class="note">未编码、本问卷不能问到的部分：</p>')
            parts.append("<ul>" + "".join(f"<li>{e(gap)}</li>" for gap in standard.gaps) + "</ul>")
        parts.append("</section>")
    return html_page(f"{title(doc)}（{doc.as_of}）", STYLE, parts)


# --- the spreadsheet ---------------------------------------------------------------------------

def spreadsheet(doc: Questionnaire) -> bytes:
    """One row per question (follow-ups indented under their gate), frozen header, filters; the
    questionnaire's date, digest, notes and the parts not encoded on a second sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    rows, levels = [], []
    for standard in doc.standards:
        for group in standard.groups:
            for q in group.questions:
                rows.append([q.number, standard.document_number, standard.title, group.title, q.label,
                             q.only_if_text or "", q.type_label, q.unit or "", _allowed(q), "", q.help,
                             clause_words(q.clauses, ids=True), q.fact])
                levels.append(q.level)
    book = Workbook()
    sheet = book.active
    table_sheet(sheet, "现场检查问卷", COLUMNS, rows)
    question_column = [name for name, _ in COLUMNS].index("问题") + 1
    for row, level in enumerate(levels, 2):
        sheet.cell(row, question_column).alignment = Alignment(wrap_text=True, vertical="top", indent=2 * level)
    notes = [["问卷", "场所类型", f"{doc.place_label}（{doc.place_kind}）"], ["问卷", "判定日期", str(doc.as_of)],
             ["问卷", "规则摘要", doc.rules_digest], ["填写说明", "", INSTRUCTIONS]]
    notes += [["提示", "", note] for note in doc.notes]
    notes += [["未编码部分", s.document_number, gap] for s in doc.standards for gap in s.gaps]
    table_sheet(book.create_sheet(), "说明与缺口", NOTE_COLUMNS, notes)
    return workbook_bytes(book)
