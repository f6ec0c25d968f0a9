"""What the engine's answers say in words besides the rule files' own text: the verdict's label,
the notes on dates, unverified texts and versions in force only by assumption, and the gaps."""

from __future__ import annotations

import datetime as dt

from .bundle import Version
from .coverage import Completeness, summary
from .judgement import CombinedOutcome, Finding
from .method import Classification
from .questions import LABELS
from .schema import Gap


def gap_text(gap: Gap) -> str:
    """A part of a standard that is not encoded, and why, e.g. 第三条（二）：原文未能获取."""
    return f"{gap.clause}：{gap.reason}"


def verdict_label(classification: Classification, coverage: Completeness) -> str:
    """The verdict in words; never a bare 未发现隐患 or 一般隐患 when law that applies was not evaluated."""
    if coverage.complete or classification in ("major", "indeterminate"):
        return LABELS[classification]
    said = "已编码条款未发现隐患" if classification == "none" else "已编码条款判定为一般隐患"
    return f"{said}（判定不完整：{summary(coverage.not_evaluated) or '适用的标准均未编码'}）"


def date_notes(version: Version) -> list[str]:
    notes = []
    for which, mark in version.dates_used():
        word = {"effective": "实施日期", "superseded": "废止日期"}[which]
        if mark.status == "not_found":
            notes.append(f"{version.meta.document_number} 的{word}未找到，有效期按未知处理")
        elif mark.status != "verbatim":
            notes.append(f"{version.meta.document_number} 的{word} {mark.date} 为 {mark.status}（未核实原文），"
                         f"据此确定的有效版本需核实")
    return notes


def assumed_in_force_note(version: Version) -> str:
    return (f"{version.meta.document_number} 的实施日期未找到：引擎视其自始有效，本次据此判定，结论需核实 / "
            f"its effective date is unknown, so it is taken as in force")


def nothing_in_force_note(as_of: dt.date) -> str:
    return f"{as_of} 没有已编码且有效的标准版本，无法判定 / no encoded standard version is in force on {as_of}"


def unverified_notes(findings: list[Finding], combined: list[CombinedOutcome]) -> list[str]:
    """A finding whose text is not verified verbatim, and a combined rule that may decide while its
    elements or threshold are unverified, each say so."""
    notes = [f"条款 {f.criterion}（{f.citation.document_number} {f.citation.clause}）的文本状态为 "
             f"{f.citation.text_status}，不是经核实的原文" for f in findings if f.citation.text_status != "verbatim"]
    notes += [f"综合判定 {c.rule}（{c.citation.clause}）的要素范围或阈值未经核实原文"
              f"（要素：{c.elements_status}，阈值：{c.threshold_status}）" for c in combined
              if c.major is not False and "unverified" in (c.elements_status, c.threshold_status, c.citation.text_status)]
    return notes
