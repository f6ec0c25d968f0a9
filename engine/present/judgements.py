"""Judgements for the officials who read them: an HTML document and the spreadsheet they circulate.

Both say, in the verdict itself, when a judgement is incomplete (its label), what was not
evaluated, the exceptions still to confirm, and the questions that decide the case.
"""

from __future__ import annotations

import html

from ..judgement import Judgement
from ..questions import LABELS
from .documents import PAGE_STYLE, html_page, made_at, table_sheet, workbook_bytes
from .words import METHOD_WORDS, STATUS_WORDS, counts_cell, facts_shown, not_evaluated

STYLE = ".verdict{font-size:1.3em;font-weight:bold}section{page-break-after:always}"


def decisive_question_lines(j: Judgement) -> list[str]:
    return [" 与 ".join(f.label for f in q.facts) + "：" + "；".join(f"答“{a.answer}”→{a.effect}" for a in q.answers)
            for q in j.missing_facts.decisive]


def _counted(j: Judgement) -> list[str]:
    return [f"{f.citation.document_number} {f.citation.clause}" for f in j.findings if f.counts_toward_major]


# A facility as judged, or the reason its facts were refused (nothing judged).
Judged = tuple[str, Judgement | str]


def page(judgements: list[Judged], title: str = "重大事故隐患判定结果") -> str:
    """Well-formed HTML (also parseable as XML): one section per facility."""
    e = html.escape
    parts = [f"<h1>{e(title)}</h1>", f"<p>{made_at()}；每个场所的判定日期与规则摘要见其判定结论下。</p>"]
    for name, j in judgements:
        if isinstance(j, str):
            parts += ["<section>", f"<h2>{e(name)}</h2>", f'<p class="verdict">事实有误，未作判定</p><p>{e(j)}</p>',
                      "</section>"]
            continue
        parts += ["<section>", f"<h2>{e(name)}</h2>", f'<p class="verdict">判定结论：{e(j.label)}</p>',
                  f"<p>判定日期：{j.as_of}；规则摘要：<code>{j.provenance.rules_digest[:12]}</code>；"
                  f"引擎：{e(j.provenance.engine_version)}（{e(j.provenance.evaluator)}）</p>"]
        if not j.coverage.complete:
            parts.append('<div class="gap"><p>判定不完整：以下适用于该场所的标准内容未经评估（原文未能获取或未编码），'
                         '“未发现隐患”或“一般隐患”只就已编码的条款而言。</p><ul>'
                         + "".join(f"<li>{e(line)}</li>" for line in not_evaluated(j)) + "</ul></div>")
        if j.findings:
            parts.append("<h3>触发的条款</h3><table><tr><th>标准</th><th>条号</th><th>条款原文</th><th>判定方法</th>"
                         "<th>文本状态</th><th>依据事实</th><th>计入重大事故隐患</th></tr>")
            for f in j.findings:
                c = f.citation
                why = "（待确认的排除情形：" + "、".join(f.pending) + "）" if f.pending else ""
                parts.append(f"<tr><td>{e(c.document_number)}</td><td>{e(c.clause)}</td><td>{e(c.text)}</td>"
                             f"<td>{METHOD_WORDS[f.method]}</td><td>{STATUS_WORDS[c.text_status]}</td><td>{e(facts_shown(f))}</td>"
                             f"<td>{counts_cell(f)}{e(why)}</td></tr>")
            parts.append("</table>")
        if j.exceptions_pending:
            parts.append("<h3>待确认的排除情形</h3><p>未确认前相应要素照常计入；确认成立则不计入重大事故隐患。</p><ul>"
                         + "".join(f"<li>{e(p.document_number)} {e(p.clause)} {e(p.text)}：确认“{e(p.excluded_if)}”则不计入"
                                   f" {e('、'.join(p.elements))}</li>" for p in j.exceptions_pending) + "</ul>")
        if j.missing_facts.decisive:
            parts.append("<h3>决定结论的问题</h3><ol>"
                         + "".join(f"<li>{e(line)}</li>" for line in decisive_question_lines(j)) + "</ol>")
        if j.missing_facts.other:
            parts.append("<h3>其他缺少的事实</h3><p>" + e("、".join(m.label for m in j.missing_facts.other)) + "</p>")
        if j.coverage.unused_facts:
            parts.append("<h3>未使用的事实</h3><p>判定日有效的条款都不读取：" + e("、".join(j.coverage.unused_facts)) + "</p>")
        if j.notes:
            parts.append("<h3>提示</h3><ul>" + "".join(f"<li>{e(n)}</li>" for n in j.notes) + "</ul>")
        parts.append("</section>")
    return html_page(title, PAGE_STYLE + STYLE, parts)


SUMMARY_COLUMNS = [("场所", 24), ("判定日期", 12), ("判定结论", 48), ("判定结果", 12), ("判定是否完整", 10),
                   ("计入重大事故隐患的条款", 36), ("待确认的排除情形", 30), ("决定结论的问题", 60),
                   ("未评估的适用标准内容", 60), ("未使用的事实", 30), ("规则摘要", 14)]
FINDING_COLUMNS = [("场所", 24), ("标准文号", 22), ("条号", 14), ("条款原文", 70), ("判定方法", 12), ("文本状态", 12),
                   ("依据事实", 50), ("计入重大事故隐患", 12), ("待确认的排除情形", 24), ("条款编号", 26)]


def _summary_row(name: str, j: Judgement | str) -> list[str]:
    if isinstance(j, str):
        return [name, "", f"事实有误，未作判定：{j}", "", "", "", "", "", "", "", ""]
    return [name, j.as_of.isoformat(), j.label, LABELS[j.classification], "完整" if j.coverage.complete else "不完整",
            "\n".join(_counted(j)), "\n".join(f"{p.document_number} {p.clause}" for p in j.exceptions_pending),
            "\n".join(decisive_question_lines(j)), "\n".join(not_evaluated(j)), "、".join(j.coverage.unused_facts),
            j.provenance.rules_digest[:12]]


def spreadsheet(judgements: list[Judged]) -> bytes:
    """One row per facility (the verdict, complete or not, what decides it), and one row per finding."""
    summary = [_summary_row(name, j) for name, j in judgements]
    findings = [[name, f.citation.document_number, f.citation.clause, f.citation.text, METHOD_WORDS[f.method],
                 STATUS_WORDS[f.citation.text_status], facts_shown(f), counts_cell(f), "、".join(f.pending),
                 f.criterion] for name, j in judgements if not isinstance(j, str) for f in j.findings]
    from openpyxl import Workbook

    book = Workbook()
    table_sheet(book.active, "判定结果", SUMMARY_COLUMNS, summary)
    table_sheet(book.create_sheet(), "触发的条款", FINDING_COLUMNS, findings)
    return workbook_bytes(book)
