"""A judgement as it is answered: the verdict, which clause fired on which facts, the exceptions
still to confirm, how complete it is, and the questions that decide it (engine/assessment.py
makes one).

Two forms: the default answer leaves out text that is the same for every facility of a kind
(full gap lists, clause sources and notes, fact descriptions: one GET away at /v1/standards,
/v1/criteria, /v1/facts); `detail=full` keeps it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from .bundle import Version
from .coverage import Completeness
from .method import Classification
from .questions import MissingFacts

Detail = Literal["compact", "full"]


class FactShown(BaseModel):
    name: str
    label: str
    value: Any
    display: str
    unit: str | None = None


class Citation(BaseModel):
    standard: str
    version: str
    document_number: str
    title: str = Field("", description="标题（只在 detail=full 时给出）/ title (detail=full only)")
    clause: str
    text: str
    text_status: str
    source: str = Field("", description="条文出处（只在 detail=full 时给出）/ where the text was read (detail=full only)")


class Finding(BaseModel):
    criterion: str
    method: str
    citation: Citation
    facts: list[FactShown]
    counts_toward_major: bool | None
    blocked_by: list[str] = Field([], description="已确认、使该要素不计入的排除情形或判定前提 / established gates taking it out")
    pending: list[str] = Field([], description="待确认的排除情形：确认成立则不计入 / exceptions still to confirm")
    deferred_to: list[str] = []  # standards whose judgement applies instead (precedence clause)
    hazards: list[str] = []
    note: str | None = Field(None, description="建模说明（只在 detail=full 时给出）/ modelling note (detail=full only)")


class CombinedOutcome(BaseModel):
    rule: str
    citation: Citation
    category: str
    category_holds: bool | None
    counted: list[str]
    undecided: list[str]
    count: int
    at_least: int
    elements_status: str
    threshold_status: str
    major: bool | None


class PendingException(BaseModel):
    """待确认的排除情形: an exception whose facts are unknown; the elements count until it is established."""

    entry: str
    document_number: str
    clause: str
    text: str
    excluded_if: str = Field(description="确认哪种情形即不计入 / what, once established, takes the elements out")
    facts: list[str] = Field(description="要回答的事实 / the facts to answer")
    elements: list[str] = Field(description="确认成立后不计入的要素 / the elements it would take out")


class StandardInForce(BaseModel):
    standard: str
    version: str
    document_number: str
    title: str = Field("", description="标题（只在 detail=full 时给出）/ title (detail=full only)")
    encoded: bool
    applies_to_place: bool = Field(True, description=(
        "它的某一条款或未编码部分涉及所提交的场所类型（或场所类型未知）；默认答复只列出适用的标准 / some criterion or gap "
        "of it concerns the submitted kind of place; the default answer lists only the standards that do"))
    gaps: list[str] = Field([], description="全部未编码部分（只在 detail=full 时给出）/ every gap (detail=full only)")
    notes: list[str] = Field([], description="日期等说明（只在 detail=full 时给出）/ notes on dates (detail=full only)")


class Provenance(BaseModel):
    rules_digest: str
    engine_version: str
    evaluator: str
    as_of: dt.date | None = Field(None, description="判定日期（只在 detail=full 时重复给出）/ the date again (detail=full only)")


class Judgement(BaseModel):
    classification: Classification = Field(description=(
        "只就已编码的条款而言：major 重大事故隐患 / ordinary 一般隐患 / none 未发现隐患 / indeterminate 无法判定。"
        "须与 coverage.complete 一起读：complete 为 false 时，none 与 ordinary 不表示没有重大事故隐患 / over the encoded "
        "clauses only; read it with coverage.complete: when that is false, none and ordinary do not mean there is no major hazard"))
    label: str = Field(description=(
        "判定结论的文字；判定不完整时写明，如“已编码条款未发现隐患（判定不完整：GB 35181-2025 未编码）”，"
        "绝不只写“未发现隐患”或“一般隐患” / the verdict in words, saying when it is incomplete"))
    as_of: dt.date
    findings: list[Finding]
    combined: list[CombinedOutcome]
    exceptions_pending: list[PendingException] = Field(description="待确认的排除情形 / exceptions still to confirm")
    missing_facts: MissingFacts
    coverage: Completeness
    standards: list[StandardInForce]
    notes: list[str]
    provenance: Provenance

    def dump_json(self, detail: Detail = "compact", **kwargs: Any) -> str:
        """The answer as JSON: compact by default, everything with detail='full'."""
        return self.model_dump_json(exclude=self._left_out(detail), **kwargs)

    def dump(self, detail: Detail = "compact") -> dict[str, Any]:
        return self.model_dump(mode="json", exclude=self._left_out(detail))

    def _left_out(self, detail: Detail) -> dict[str, Any] | None:
        """What the compact answer leaves out: text that is the same for every facility of a kind
        (clause sources and notes, titles and gaps of standards, fact descriptions, the standards
        in force that do not apply to the place) and what is said twice (document numbers of the
        standards not evaluated, the date in the provenance)."""
        if detail == "full":
            return None
        elsewhere = {i: True for i, s in enumerate(self.standards) if not s.applies_to_place}
        return {"findings": {"__all__": {"note": True, "citation": {"source", "title"}}},
                "combined": {"__all__": {"citation": {"source", "title"}}},
                "standards": {"__all__": {"title", "gaps", "notes", "applies_to_place"}, **elsewhere},
                "missing_facts": {"other": {"__all__": {"description"}}},
                "coverage": {"not_evaluated": {"__all__": {"document_number": True, "parts": {"__all__": {"why"}}}}},
                "provenance": {"as_of"}}


def citation(version: Version, clause: str, text: str, text_status: str, source: str) -> Citation:
    meta = version.meta
    return Citation(standard=version.standard, version=version.version, document_number=meta.document_number,
                    title=meta.title, clause=clause, text=text, text_status=text_status, source=source)
