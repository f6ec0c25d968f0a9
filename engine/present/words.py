"""The Chinese words every document for people shares: the words for methods, text statuses and
three-valued answers, and the phrases a judgement's parts are written in."""

from __future__ import annotations

from ..judgement import Finding, Judgement

METHOD_WORDS = {"direct": "直接判定", "combined": "综合判定要素", "exemption": "不应判定情形", "precondition": "判定前提"}
STATUS_WORDS = {"verbatim": "原文已核实", "partial": "原文不完整", "reconstructed": "部分文字重建",
                "secondary": "二手来源", "unverified": "未核实"}
KLEENE_WORDS = {True: "是", False: "否", None: "不确定（缺少事实）"}  # in sentences
KLEENE_CELL_WORDS = {True: "是", False: "否", None: "待定"}           # in table cells


def status_counts(by_text_status: dict[str, int]) -> str:
    """How many clauses of each text status, e.g. 原文已核实 12、原文不完整 3 (empty if none)."""
    return "、".join(f"{STATUS_WORDS[status]} {count}" for status, count in by_text_status.items())


def facts_shown(finding: Finding) -> str:
    """The facts behind a finding, e.g. 场所类型 = 学生宿舍；所在位置 = 地下室."""
    return "；".join(f"{fact.label} = {fact.display}" for fact in finding.facts)


def counts_cell(finding: Finding) -> str:
    """Whether a direct or combined element counts toward a major hazard (blank for the others)."""
    return KLEENE_CELL_WORDS[finding.counts_toward_major] if finding.method in ("direct", "combined") else ""


def not_evaluated(judgement: Judgement) -> list[str]:
    """The parts of the applicable law in force that were not evaluated, one line each."""
    lines = []
    for standard in judgement.coverage.not_evaluated:
        doc = standard.document_number
        lines += ([f"{doc}：整份标准有效但未编码"] if standard.whole
                  else [f"{doc} {part.clause}：{part.why}" for part in standard.parts])
    return lines
