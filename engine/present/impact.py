"""The impact of a change for the people who decide on it: Markdown, printable HTML and a
spreadsheet (a row per subject whose verdict changes; transitions, clauses and schools apart)."""

from __future__ import annotations

import html

from .documents import PAGE_STYLE, html_page, table_sheet, workbook_bytes
from ..impact import ImpactReport, SubjectImpact

SUBJECT_COLUMNS = [("对象", 50), ("学校/分组", 24), ("来源", 10), ("判定日期", 12), ("原结论", 16), ("新结论", 16),
                   ("原完整性", 12), ("新完整性", 12), ("新触发的条款", 40), ("不再触发的条款", 40),
                   ("计入情况变化的条款", 30), ("事实被拒绝的原因", 40)]
TRANSITION_COLUMNS = [("原结论", 18), ("新结论", 18), ("对象数", 10), ("对象（结论改变的）", 90)]
CLAUSE_COLUMNS = [("条款", 30), ("新触发", 10), ("不再触发", 10), ("计入变化", 10), ("对象", 90)]
SCHOOL_COLUMNS = [("学校/分组", 40), ("对象数", 10), ("结论或条款有变化", 16), ("变化", 70)]
COMPLETE = {True: "完整", False: "不完整", None: "—"}


def _header(r: ImpactReport) -> list[str]:
    day = str(r.as_of) if r.as_of else f"各对象自己的判定日期（未注明的按 {r.default_day}）"
    return [f"判定日期：{day}", f"在用规则摘要：{r.active_digest}", f"候选规则摘要：{r.candidate_digest}",
            f"候选规则目录：{r.candidate}", f"对象来源：{'；'.join(r.sources)}",
            f"对象 {r.subjects} 个，结论、完整性或触发条款有变化的 {r.changed_subjects} 个"] + [
            f"候选规则的提醒：{w}" for w in r.candidate_warnings]


def _changes(s: SubjectImpact) -> str:
    parts = [f"新触发 {'、'.join(s.entered)}" if s.entered else "", f"不再触发 {'、'.join(s.left)}" if s.left else "",
             f"计入变化 {'、'.join(s.counting)}" if s.counting else ""]
    return "；".join(p for p in parts if p)


def markdown(r: ImpactReport) -> str:
    out = [f"# {r.title}", ""] + [f"- {line}" for line in _header(r)]
    out += ["", "## 结论的变化", "", "| 原结论 | 新结论 | 对象数 |", "| --- | --- | --- |"]
    out += [f"| {t.old} | {t.new} | {t.count} |" for t in r.transitions]
    for t in r.transitions:
        if t.subjects:
            out += ["", f"### {t.old} → {t.new}（{t.count}）", ""] + [f"- {k}" for k in t.subjects]
    if r.completeness:
        out += ["", "## 完整性的变化", ""] + [f"- {t.old} → {t.new}：{t.count}（{'、'.join(t.subjects)}）"
                                             for t in r.completeness]
    out += ["", "## 按条款", ""]
    out += [f"- **{c.clause}**：新触发 {len(c.entered)}，不再触发 {len(c.left)}，计入变化 {len(c.counting)}"
            for c in r.clauses] or ["没有条款的触发情况变化。"]
    out += ["", "## 按学校", "", "| 学校/分组 | 对象数 | 有变化 | 变化 |", "| --- | --- | --- | --- |"]
    out += [f"| {s.school} | {s.subjects} | {s.changed} | "
            f"{'；'.join(f'{k} {v}' for k, v in s.transitions.items())} |" for s in r.schools]
    out += ["", "## 有变化的对象", ""]
    for s in r.changed:
        out.append(f"- **{s.key}**（{s.as_of}）：{s.old.label} → {s.new.label}"
                   + (f"；{COMPLETE[s.old.complete]} → {COMPLETE[s.new.complete]}" if s.old.complete != s.new.complete
                      else "") + (f"；{_changes(s)}" if _changes(s) else ""))
    if not r.changed:
        out.append("没有对象的判定结果变化。")
    return "\n".join(out) + "\n"


def page(r: ImpactReport) -> str:
    """Well-formed HTML (also parseable as XML)."""
    e = html.escape
    parts = [f"<h1>{e(r.title)}</h1>", "<ul>" + "".join(f"<li>{e(line)}</li>" for line in _header(r)) + "</ul>",
             "<h2>结论的变化</h2>", "<table><tr><th>原结论</th><th>新结论</th><th>对象数</th><th>对象</th></tr>"]
    parts += [f"<tr><td>{e(t.old)}</td><td>{e(t.new)}</td><td>{t.count}</td><td>{e('；'.join(t.subjects))}</td></tr>"
              for t in r.transitions]
    parts.append("</table>")
    if r.completeness:
        parts += ["<h2>完整性的变化</h2>", "<ul>"] + [
            f"<li>{e(t.old)} → {e(t.new)}：{t.count}（{e('、'.join(t.subjects))}）</li>" for t in r.completeness] + ["</ul>"]
    parts += ["<h2>按条款</h2>", "<table><tr><th>条款</th><th>新触发</th><th>不再触发</th><th>计入变化</th></tr>"]
    parts += [f"<tr><td>{e(c.clause)}</td><td>{e('；'.join(c.entered))}</td><td>{e('；'.join(c.left))}</td>"
              f"<td>{e('；'.join(c.counting))}</td></tr>" for c in r.clauses]
    parts += ["</table>", "<h2>按学校</h2>", "<table><tr><th>学校/分组</th><th>对象数</th><th>有变化</th><th>变化</th></tr>"]
    parts += [f"<tr><td>{e(s.school)}</td><td>{s.subjects}</td><td>{s.changed}</td>"
              f"<td>{e('；'.join(f'{k} {v}' for k, v in s.transitions.items()))}</td></tr>" for s in r.schools]
    parts += ["</table>", "<h2>有变化的对象</h2>",
              "<table><tr><th>对象</th><th>判定日期</th><th>原结论</th><th>新结论</th><th>条款的变化</th></tr>"]
    parts += [f"<tr><td>{e(s.key)}</td><td>{s.as_of}</td><td>{e(s.old.label)}"
              f"（{COMPLETE[s.old.complete]}）</td><td>{e(s.new.label)}（{COMPLETE[s.new.complete]}）</td>"
              f"<td>{e(_changes(s))}</td></tr>" for s in r.changed]
    parts.append("</table>")
    return html_page(r.title, PAGE_STYLE, parts)


def spreadsheet(r: ImpactReport) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    table_sheet(book.active, "有变化的对象", SUBJECT_COLUMNS, [
        [s.key, s.school, s.source, str(s.as_of), s.old.label, s.new.label, COMPLETE[s.old.complete],
         COMPLETE[s.new.complete], "、".join(s.entered), "、".join(s.left), "、".join(s.counting),
         s.new.refused or s.old.refused or ""] for s in r.changed])
    table_sheet(book.create_sheet(), "结论的变化", TRANSITION_COLUMNS,
                [[t.old, t.new, t.count, "；".join(t.subjects)] for t in r.transitions + r.completeness])
    table_sheet(book.create_sheet(), "按条款", CLAUSE_COLUMNS,
                [[c.clause, len(c.entered), len(c.left), len(c.counting), "；".join(c.entered + c.left + c.counting)]
                 for c in r.clauses])
    table_sheet(book.create_sheet(), "按学校", SCHOOL_COLUMNS,
                [[s.school, s.subjects, s.changed, "；".join(f"{k} {v}" for k, v in s.transitions.items())]
                 for s in r.schools])
    about = book.create_sheet("说明")
    for line in [r.title, *_header(r)]:
        about.append([line])
    about.column_dimensions["A"].width = 120
    return workbook_bytes(book)
