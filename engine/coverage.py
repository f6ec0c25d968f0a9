"""How complete a judgement is: which applicable law in force it did not evaluate, and which
submitted facts no criterion in force reads.

A judgement of a place is complete only when every standard version in force that applies to
that kind of place is encoded in every part that could apply to it. Gaps in the rule files name
the places (or list areas) they concern; a version in force but not encoded counts whole.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from .bundle import Bundle, Version
from .conditions import facts_of

CAUSE_WORDS = {"not_found": "原文未能获取", "cut_off": "原文被截断", "recalled": "只有回忆，未见原文",
               "secondary": "只有二手摘要", "not_encoded": "未编码"}


class PartNotEvaluated(BaseModel):
    clause: str
    cause: Literal["not_found", "cut_off", "recalled", "secondary", "not_encoded"]
    why: str = Field("", description="cause 的中文说明（只在 detail=full 时给出）/ the cause in words (detail=full only)")


class NotEvaluated(BaseModel):
    standard: str
    version: str
    document_number: str = Field("", description="文号（只在 detail=full 时给出；默认答复见 standards）/ document number (detail=full only)")
    whole: bool = Field(description="整个版本有效但未编码 / the version is in force but not encoded at all")
    parts: list[PartNotEvaluated] = Field(description="已编码版本中未编码、可能适用于该场所的部分 / the parts of an encoded version not encoded")


class Completeness(BaseModel):
    complete: bool = Field(description=(
        "只有当判定日有效、适用于该类场所的每一标准版本，其可能适用于该场所的每一部分都已编码时才为 true。"
        "为 false 时，classification 为 none 或 ordinary 只说明已编码的条款未发现（重大）隐患，不能据此告知学校没有"
        "重大事故隐患 / true only when every standard version in force that applies to this kind of place is encoded "
        "in every part that could apply to it; when false, none or ordinary speak only for the encoded clauses"))
    not_evaluated: list[NotEvaluated] = Field(description="未评估的适用法规：标准、版本、未编码的部分及原因 / applicable law not evaluated")
    unused_facts: list[str] = Field(description="提交了但判定日有效的条款都不读取的事实 / submitted facts no criterion in force reads")


def concerns(scope: frozenset[str] | None, place: Any) -> bool:
    """scope None: every kind of place; an unknown place may be any kind."""
    return scope is None or place is None or place in scope


def applies_to_place(version: Version, place: Any) -> bool:
    """Some criterion or gap of the version concerns the place (or its scope is unknown): an
    unencoded version with no gap limited to other places applies everywhere."""
    if place is None:
        return True
    scopes = [c.spec.applies_to for c in version.criteria]
    if any(s is None or place in s for s in scopes):
        return True
    gaps = [s for s in version.gap_scopes if s != frozenset()]
    if any(concerns(s, place) for s in gaps):
        return True
    return not version.meta.encoded and not gaps


def _not_evaluated(version: Version, place: Any) -> NotEvaluated | None:
    meta = version.meta
    if not meta.encoded:  # not evaluated at all: its gaps are at /v1/standards/{id}
        return NotEvaluated(standard=version.standard, version=version.version, document_number=meta.document_number,
                            whole=True, parts=[])
    parts = [PartNotEvaluated(clause=gap.clause, cause=gap.cause, why=CAUSE_WORDS[gap.cause])
             for gap, scope in zip(meta.gaps, version.gap_scopes) if scope != frozenset() and concerns(scope, place)]
    if not parts:
        return None
    return NotEvaluated(standard=version.standard, version=version.version, document_number=meta.document_number,
                        whole=False, parts=parts)


def completeness(bundle: Bundle, versions: list[Version], place: Any, values: dict[str, Any]) -> Completeness:
    """versions: those in force on the day of the judgement."""
    complete, missing = _gaps_for(bundle, versions, place)
    read = facts_read(bundle, versions)
    return Completeness(complete=complete, not_evaluated=missing, unused_facts=[n for n in values if n not in read])


def _gaps_for(bundle: Bundle, versions: list[Version], place: Any) -> tuple[bool, list[NotEvaluated]]:
    """What is not evaluated for this kind of place among these versions: the same for every
    facility of the kind, so worked out once (the models are shared, never changed)."""
    key = ("gaps", place) + tuple(v.key for v in versions)
    found = bundle.memo.get(key)
    if found is None:
        applicable = [v for v in versions if applies_to_place(v, place)]
        missing = [n for n in (_not_evaluated(v, place) for v in applicable) if n is not None]
        found = bundle.memo.setdefault(key, (any(v.meta.encoded for v in applicable) and not missing, missing))
    return found


def facts_read(bundle: Bundle, versions: list[Version]) -> frozenset[str]:
    """Every fact some criterion or combined-rule category of these versions reads (derived facts
    resolved to the facts they are defined by)."""
    key = ("facts_read",) + tuple(v.key for v in versions)
    cached = bundle.memo.get(key)
    if cached is None:
        keys = {v.key for v in versions}
        cached = bundle.memo.setdefault(key, frozenset(
            name for version, node in bundle.conditions.values() if version.key in keys for name in facts_of(node)))
    return cached


def summary(missing: list[NotEvaluated]) -> str:
    """What was not evaluated, briefly, for the label: "GB 35181-2025 未编码；教发厅函〔2024〕20号 部分条款未编码"."""
    whole = [f"{n.document_number} 未编码" for n in missing if n.whole]
    partly = [n.document_number for n in missing if not n.whole]
    items = whole + ([f"{'、'.join(partly)} 部分条款未编码"] if partly else [])
    return "；".join(items)
