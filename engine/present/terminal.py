"""Judgements and rule catalogues as Chinese text, for inspectors reading a terminal."""

from __future__ import annotations

import datetime as dt

from ..bundle import Bundle
from ..judgement import Judgement
from .words import KLEENE_WORDS, METHOD_WORDS, STATUS_WORDS, facts_shown, not_evaluated


def judgement_text(j: Judgement) -> str:
    lines = [f"判定结果：{j.label}", f"判定日期：{j.as_of}    规则摘要：{j.provenance.rules_digest[:12]}    "
             f"引擎：{j.provenance.engine_version}（{j.provenance.evaluator}）", ""]
    lines += findings_lines(j) + combined_lines(j) + pending_lines(j) + questions_lines(j) + coverage_lines(j)
    lines += standards_lines(j)
    if j.notes:
        lines += ["", "提示："] + [f"  - {n}" for n in j.notes]
    return "\n".join(lines) + "\n"


def findings_lines(j: Judgement) -> list[str]:
    """Each clause that fired: its text, the facts behind it, whether it counts toward a major hazard."""
    if not j.findings:
        return []
    lines = ["触发的条款："]
    for f in j.findings:
        c = f.citation
        lines.append(f"  【{METHOD_WORDS[f.method]}】{c.document_number}《{c.title}》{c.clause}"
                     f"  [{STATUS_WORDS[c.text_status]}]  ({f.criterion})")
        lines.append(f"    {c.text}")
        if f.facts:
            lines.append("    依据事实：" + facts_shown(f))
        if f.method in ("direct", "combined"):
            lines.append(f"    计入重大事故隐患判定：{KLEENE_WORDS[f.counts_toward_major]}"
                         + (f"（被 {', '.join(f.blocked_by)} 排除）" if f.blocked_by else "")
                         + (f"（待确认的排除情形：{', '.join(f.pending)}）" if f.pending else "")
                         + (f"（按适用规定，由 {'、'.join(f.deferred_to)} 判定）" if f.deferred_to else ""))
        if f.note:
            lines.append(f"    说明：{f.note}")
    return lines + [""]


def combined_lines(j: Judgement) -> list[str]:
    """Each combined rule: the place category, the elements counted against the threshold."""
    lines = []
    for c in j.combined:
        lines.append(f"综合判定 {c.citation.document_number} {c.citation.clause}（{c.rule}）：场所类别“{c.category}”"
                     f"={KLEENE_WORDS[c.category_holds]}，已具备要素 {c.count} 条"
                     f"{'、待定 ' + str(len(c.undecided)) + ' 条' if c.undecided else ''}，阈值 {c.at_least} 条以上（含本数）"
                     f" → {KLEENE_WORDS[c.major]}")
        if c.counted:
            lines.append(f"    计入的要素：{', '.join(c.counted)}")
        lines.append(f"    要素范围：{STATUS_WORDS[c.elements_status]}；阈值：{STATUS_WORDS[c.threshold_status]}")
    return lines + [""] if lines else []


def pending_lines(j: Judgement) -> list[str]:
    """The exceptions still to confirm, and the elements each would take out."""
    if not j.exceptions_pending:
        return []
    lines = ["待确认的排除情形（未确认前照常计入；确认成立则相应要素不计入重大事故隐患）："]
    for p in j.exceptions_pending:
        lines.append(f"  - {p.document_number} {p.clause} {p.text}")
        lines.append(f"      确认“{p.excluded_if}”则不计入：{', '.join(p.elements)}")
    return lines + [""]


def standards_lines(j: Judgement) -> list[str]:
    """The standards in force that concern the place, encoded or not, and those that do not."""
    lines = ["判定日有效的标准："]
    for s in (s for s in j.standards if s.applies_to_place):
        state = "已编码" if s.encoded else "有效但未编码（本次未据此判定，也未改用被替代的旧版本）"
        lines.append(f"  - {s.document_number}《{s.title}》[{s.standard}@{s.version}] {state}")
        lines += [f"      注意：{note}" for note in s.notes]
    elsewhere = [f"{s.document_number}《{s.title}》" for s in j.standards if not s.applies_to_place]
    if elsewhere:
        lines.append(f"  （有效但其条款不适用于该类场所：{'、'.join(elsewhere)}）")
    return lines


def questions_lines(j: Judgement) -> list[str]:
    """The decisive questions first (with what each answer would do), then the other missing facts."""
    lines = []
    if j.missing_facts.decisive:
        lines.append("决定结论的问题（按“最少的回答即可定案”排序）：")
        for n, q in enumerate(j.missing_facts.decisive, 1):
            asked = " 与 ".join(f"{f.label}（{f.name}{'，单位 ' + f.unit if f.unit else ''}）" for f in q.facts)
            lines.append(f"  {n}. {asked}")
            lines += [f"      答“{a.answer}” → {a.effect}" for a in q.answers]
        lines.append("")
    if j.missing_facts.other:
        lines.append("其他缺少的事实（补充后可能增加发现，不改变结论）：")
        for m in j.missing_facts.other:
            unit = f"，单位 {m.unit}" if m.unit else ""
            lines.append(f"  - {m.label}（{m.name}{unit}）：{m.description}")
            lines.append(f"      需要它的条款：{', '.join(m.needed_by)}")
        lines.append("")
    return lines


def coverage_lines(j: Judgement) -> list[str]:
    cov = j.coverage
    if cov.complete and not cov.unused_facts:
        return []
    lines = []
    if not cov.complete:
        lines.append("判定不完整：以下适用于该场所的标准内容未经评估（原文未能获取或未编码）：")
        lines += [f"  - {line}" for line in not_evaluated(j)]
    if cov.unused_facts:
        lines.append(f"未使用的事实（判定日有效的条款都不读取）：{', '.join(cov.unused_facts)}")
    return lines + [""]


def standards_text(bundle: Bundle, as_of: dt.date) -> str:
    lines = [f"{as_of} 的标准版本："]
    by_standard: dict[str, list] = {}
    for v in bundle.versions:
        by_standard.setdefault(v.standard, []).append(v)
    for standard, versions in by_standard.items():
        lines.append(f"\n{standard}")
        for v in versions:
            m = v.meta
            if v.in_force(as_of):
                state = "有效，已编码" if m.encoded else "有效，但条文未编码（不据此判定，也不回退旧版）"
            else:
                state = "不在有效期内"
            dates = "；".join(f"{word}{mark.date or '未知'}（{mark.status}）" for word, mark in
                             [("发布", m.issued), ("实施", m.effective)] + ([("废止", m.superseded)] if m.superseded else []))
            lines.append(f"  @{v.version} {m.document_number}《{m.title}》 {m.issuer}")
            lines.append(f"      {dates}")
            lines.append(f"      → {state}；条款 {len(v.criteria)} 条")
    return "\n".join(lines) + "\n"


def facts_text(bundle: Bundle) -> str:
    vocab = bundle.vocabulary
    lines = ["事实词汇表："]
    for name, f in vocab.facts.items():
        kind = f.type + (f"，单位 {f.unit}" if f.unit else "")
        lines.append(f"  {name}  {f.label}（{kind}）")
        lines.append(f"      {f.description}")
        if f.values:
            lines.append("      取值：" + "；".join(f"{k}={v}" for k, v in f.values.items()))
    lines.append("\n派生事实（由其他事实推出，不能直接提交）：")
    for name, d in vocab.derived.items():
        lines.append(f"  {name}  {d.definition.label}：{d.definition.description}")
        lines.append(f"      依据：{d.definition.basis.document}")
    return "\n".join(lines) + "\n"
