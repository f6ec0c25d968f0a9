"""From condition statuses to a judgement: the verdict (engine/method.py), which clause fired on
which facts, the exceptions still to confirm, how complete the judgement is, and the questions
that decide it.

Two forms: the default answer leaves out text that is the same for every facility of a kind
(full gap lists, clause sources and notes, fact descriptions: one GET away at /v1/standards,
/v1/criteria, /v1/facts); `detail=full` keeps it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from .bundle import Bundle, Version
from .conditions import Kleene, Values, describe, facts_behind, missing_behind, negate
from .coverage import Completeness, applies_to_place, completeness, summary
from .method import Classification, Outcome, Plan, classify, outcomes
from .questions import LABELS, MissingFacts, Situation, ask

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


class _Explainer:
    """Findings, combined outcomes, pending exceptions and missing facts of one version's outcome."""

    def __init__(self, bundle: Bundle, version: Version, status: dict[str, Kleene], values: Values,
                 submitted: dict[str, Any]):
        self.bundle, self.version, self.status, self.values, self.submitted = bundle, version, status, values, submitted
        self.findings: list[Finding] = []
        self.combined: list[CombinedOutcome] = []
        self.pending: dict[str, PendingException] = {}
        self.needed: dict[str, list[str]] = {}  # missing fact -> ids of entries that need it

    def explain(self, outcome: Outcome) -> None:
        shown: set[str] = set()
        for e in Plan.of(self.version).elements:
            holds = self.status[e.id]
            if holds is False:
                continue
            if holds is None:
                self._need(e.entry)  # its own facts first: a gate (仍继续使用) is asked once it holds
            else:
                for g in outcome.undecided.get(e.id, ()):
                    self._need(g.entry)
            pending = outcome.pending.get(e.id, []) if holds else []
            for g in pending:
                self._pending(g, e.id)
            if holds:
                taken = outcome.taken_out.get(e.id, [])
                self.findings.append(self._finding(e.entry, outcome.counts[e.id], taken, pending,
                                                   outcome.deferred.get(e.id, [])))
                for g in taken:
                    if g.id not in shown:
                        shown.add(g.id)
                        self.findings.append(self._finding(g.entry, None, [], []))
        for rule in self.version.combined:
            self._combined(rule, outcome)

    def _need(self, entry) -> None:  # noqa: ANN001
        for name in missing_behind(entry.condition, self.values):
            ids = self.needed.setdefault(name, [])
            if entry.id not in ids:
                ids.append(entry.id)

    def _pending(self, gate, element: str) -> None:  # noqa: ANN001
        known = self.pending.get(gate.id)
        if known is None:
            spec, vocab = gate.entry.spec, self.bundle.vocabulary
            out = gate.entry.condition if gate.takes_out_when else negate(gate.entry.condition)
            known = self.pending[gate.id] = PendingException(
                entry=gate.id, document_number=self.version.meta.document_number, clause=spec.clause, text=spec.text,
                excluded_if=describe(out, vocab.facts, vocab.derived_labels()),
                facts=missing_behind(gate.entry.condition, self.values), elements=[])
            self._need(gate.entry)
        known.elements.append(element)

    def _facts(self, node, holds: bool) -> list[FactShown]:  # noqa: ANN001
        vocab = self.bundle.vocabulary
        names = facts_behind(node if holds else negate(node), self.values)
        return [FactShown(name=n, label=vocab.label(n), value=self.submitted[n], display=vocab.show(n, self.values[n]),
                          unit=vocab.facts[n].unit) for n in names]

    def _finding(self, entry, counts: Kleene, blockers: list, pending: list, deferred: list[str] = ()) -> Finding:  # noqa: ANN001
        spec = entry.spec
        holds = self.status[entry.id] is True
        return Finding(criterion=spec.id, method=spec.method,
                       citation=citation(self.version, spec.clause, spec.text, spec.text_status, spec.source),
                       facts=self._facts(entry.condition, holds), counts_toward_major=counts,
                       blocked_by=[b.id for b in blockers], pending=[g.id for g in pending], deferred_to=list(deferred),
                       hazards=spec.hazards, note=spec.note)

    def _combined(self, rule, outcome: Outcome) -> None:  # noqa: ANN001
        spec = rule.spec
        category = self.status[rule.id]
        counted = [e for e in spec.elements if outcome.counts.get(e) is True]
        undecided = [e for e in spec.elements if outcome.counts.get(e, False) is None]
        major = outcome.combined[rule.id]
        if major is None and category is None:
            for name in missing_behind(rule.category, self.values):
                ids = self.needed.setdefault(name, [])
                if rule.id not in ids:
                    ids.append(rule.id)
        if category is not False and (counted or undecided):
            self.combined.append(CombinedOutcome(
                rule=spec.id, citation=citation(self.version, spec.clause, spec.text, spec.text_status, spec.source),
                category=spec.category.label, category_holds=category, counted=counted, undecided=undecided,
                count=len(counted), at_least=spec.at_least, elements_status=spec.elements_status,
                threshold_status=spec.threshold_status, major=major))


def _date_notes(version: Version) -> list[str]:
    notes = []
    for which, mark in version.dates_used():
        word = {"effective": "实施日期", "superseded": "废止日期"}[which]
        if mark.status == "not_found":
            notes.append(f"{version.meta.document_number} 的{word}未找到，有效期按未知处理")
        elif mark.status != "verbatim":
            notes.append(f"{version.meta.document_number} 的{word} {mark.date} 为 {mark.status}（未核实原文），"
                         f"据此确定的有效版本需核实")
    return notes


def _in_force(bundle: Bundle, versions: list[Version], place: Any) -> tuple[list[StandardInForce], list[str]]:
    """The versions in force as they concern this kind of place, and the note on each taken as in
    force only because its effective date is unknown: the same for every facility of the kind, so
    built once (the models are shared, never changed)."""
    key = ("in_force", place) + tuple(v.key for v in versions)
    found = bundle.memo.get(key)
    if found is None:
        standards, notes = [], []
        for v in versions:
            applies = applies_to_place(v, place)
            standards.append(StandardInForce(
                standard=v.standard, version=v.version, document_number=v.meta.document_number, title=v.meta.title,
                encoded=v.meta.encoded, applies_to_place=applies,
                gaps=[f"{g.clause}：{g.reason}" for g in v.meta.gaps], notes=_date_notes(v)))
            if applies and v.meta.effective.date is None:
                notes.append(f"{v.meta.document_number} 的实施日期未找到：引擎视其自始有效，本次据此判定，结论需核实 / "
                             f"its effective date is unknown, so it is taken as in force")
        found = bundle.memo.setdefault(key, (standards, tuple(notes)))
    return found


def label(classification: Classification, coverage: Completeness) -> str:
    """The verdict in words; never a bare 未发现隐患 or 一般隐患 when law that applies was not evaluated."""
    if coverage.complete or classification in ("major", "indeterminate"):
        return LABELS[classification]
    said = "已编码条款未发现隐患" if classification == "none" else "已编码条款判定为一般隐患"
    return f"{said}（判定不完整：{summary(coverage.not_evaluated) or '适用的标准均未编码'}）"


def assess(bundle: Bundle, statuses: dict[str, Kleene], values: Values, submitted: dict[str, Any],
           as_of: dt.date, evaluator: str, engine_version: str) -> Judgement:
    versions = bundle.versions_on(as_of)
    place_fact = bundle.vocabulary.place_fact
    place = values.get(place_fact) if place_fact else None
    found = outcomes(versions, statuses, place)
    classification = classify(found)
    explainers = []
    for version, outcome in zip((v for v in versions if v.meta.encoded), found):
        explainer = _Explainer(bundle, version, statuses, values, submitted)
        explainer.explain(outcome)
        explainers.append(explainer)
    needed: dict[str, list[str]] = {}
    for x in explainers:
        for name, ids in x.needed.items():
            needed.setdefault(name, []).extend(i for i in ids if i not in needed[name])
    situation = Situation(bundle, versions, statuses, values, classification, found)
    missing = ask(situation, needed) if needed else MissingFacts(decisive=[], other=[])
    coverage = completeness(bundle, versions, place, values)

    standards, notes = _in_force(bundle, versions, place)
    notes = list(notes)
    if not found:
        notes.append(f"{as_of} 没有已编码且有效的标准版本，无法判定 / no encoded standard version is in force on {as_of}")
    findings = [f for x in explainers for f in x.findings]
    for f in findings:
        if f.citation.text_status != "verbatim":
            notes.append(f"条款 {f.criterion}（{f.citation.document_number} {f.citation.clause}）的文本状态为 "
                         f"{f.citation.text_status}，不是经核实的原文")
    combined = [c for x in explainers for c in x.combined]
    for c in combined:
        if c.major is not False and "unverified" in (c.elements_status, c.threshold_status, c.citation.text_status):
            notes.append(f"综合判定 {c.rule}（{c.citation.clause}）的要素范围或阈值未经核实原文"
                         f"（要素：{c.elements_status}，阈值：{c.threshold_status}）")
    return Judgement(classification=classification, label=label(classification, coverage), as_of=as_of,
                     findings=findings, combined=combined,
                     exceptions_pending=[p for x in explainers for p in x.pending.values()],
                     missing_facts=missing, coverage=coverage, standards=standards, notes=notes,
                     provenance=Provenance(rules_digest=bundle.digest, engine_version=engine_version,
                                           evaluator=evaluator, as_of=as_of))
