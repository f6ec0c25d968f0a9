"""From condition statuses to a judgement: each version's method applied, then one verdict.

Per standard version in force (all of it data in the version file):
- an element counts toward a major hazard when it holds, every precondition governing it
  holds, and no exemption governing it holds (three-valued, so "unknown" propagates);
- direct: any counting direct element ⇒ major;
- combined: per rule, when its place category holds, the number of counting elements
  against its threshold (at_least);
Across versions (none encoded in force: indeterminate): major if any version says major; indeterminate if that may be so for want
of facts; ordinary if an element holds without a major; indeterminate if an element may
hold; otherwise none. A missing fact never yields "none".
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel

from .bundle import Bundle, Version
from .conditions import Kleene, Values, facts_behind, missing_behind, negate

Classification = Literal["major", "ordinary", "none", "indeterminate"]
LABELS = {"major": "重大事故隐患", "ordinary": "一般隐患", "none": "未发现隐患", "indeterminate": "无法判定"}


def k_and(*values: Kleene) -> Kleene:
    return False if False in values else (None if None in values else True)


def k_or(*values: Kleene) -> Kleene:
    return True if True in values else (None if None in values else False)


def k_not(value: Kleene) -> Kleene:
    return None if value is None else not value


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
    title: str
    clause: str
    text: str
    text_status: str
    source: str


class Finding(BaseModel):
    criterion: str
    method: str
    citation: Citation
    facts: list[FactShown]
    counts_toward_major: bool | None
    blocked_by: list[str] = []
    deferred_to: list[str] = []  # standards whose judgement applies instead (precedence clause)
    hazards: list[str] = []
    note: str | None = None


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


class MissingFact(BaseModel):
    name: str
    label: str
    description: str
    unit: str | None = None
    needed_by: list[str]


class StandardInForce(BaseModel):
    standard: str
    version: str
    document_number: str
    title: str
    encoded: bool
    applies_to_place: bool  # some criterion of it applies to the submitted kind of place (or that is unknown)
    gaps: list[str] = []
    notes: list[str] = []


class Provenance(BaseModel):
    rules_digest: str
    engine_version: str
    evaluator: str
    as_of: dt.date


class Judgement(BaseModel):
    classification: Classification
    label: str
    as_of: dt.date
    findings: list[Finding]
    combined: list[CombinedOutcome]
    missing_facts: list[MissingFact]
    standards: list[StandardInForce]
    notes: list[str]
    provenance: Provenance


def citation(version: Version, clause: str, text: str, text_status: str, source: str) -> Citation:
    meta = version.meta
    return Citation(standard=version.standard, version=version.version, document_number=meta.document_number,
                    title=meta.title, clause=clause, text=text, text_status=text_status, source=source)


class _Element:
    """A direct or combined element with what governs it, worked out once per version."""

    __slots__ = ("criterion", "id", "direct", "governing", "preconditions", "exemptions", "yields")

    def __init__(self, criterion, gates: list, precedence):
        self.criterion, self.id = criterion, criterion.id
        self.direct = criterion.spec.method == "direct"
        self.governing = tuple(g for g in gates if g.spec.governs is None or self.id in g.spec.governs)
        self.preconditions = tuple(g.id for g in self.governing if g.spec.method == "precondition")
        self.exemptions = tuple(g.id for g in self.governing if g.spec.method == "exemption")
        # hazard kinds on which this element defers to another standard (precedence clause)
        self.yields = (frozenset(criterion.spec.hazards) & frozenset(precedence.yields_on)) if precedence else frozenset()


class _Plan:
    """One version's method as data, derived once (kept in Version.memo), not on every judgement."""

    def __init__(self, version: Version):
        gates = [c for c in version.criteria if c.spec.method in ("exemption", "precondition")]
        self.elements = tuple(_Element(c, gates, version.meta.precedence)
                              for c in version.criteria if c.spec.method in ("direct", "combined"))
        self._hazards = tuple((c.spec.applies_to, c.spec.hazards) for c in version.criteria
                              if c.spec.method in ("direct", "combined") and c.spec.hazards)
        self._kinds_by_place: dict[Any, frozenset[str]] = {}
        self._scopes = tuple(c.spec.applies_to for c in version.criteria)
        self.no_counts: dict[str, Kleene] = {e.id: False for e in self.elements}
        meta = version.meta
        self.standard = dict(standard=version.standard, version=version.version, document_number=meta.document_number,
                             title=meta.title, encoded=meta.encoded, gaps=[f"{g.clause}：{g.reason}" for g in meta.gaps],
                             notes=_date_notes(version))

    @staticmethod
    def of(version: Version) -> _Plan:
        plan = version.memo.get("judgement")
        if plan is None:
            plan = version.memo.setdefault("judgement", _Plan(version))
        return plan

    def applies_to_place(self, place: Any) -> bool:
        """False only when every criterion is limited to other kinds of place (an unencoded
        version's scope is unknown, so it counts as applying)."""
        return not self._scopes or place is None or any(s is None or place in s for s in self._scopes)

    def kinds_covered(self, place: Any) -> frozenset[str]:
        """Hazard kinds of this version's direct and combined criteria that apply to the place."""
        kinds = self._kinds_by_place.get(place)
        if kinds is None:
            kinds = frozenset(kind for applies_to, hazards in self._hazards
                              if applies_to is None or place is None or place in applies_to for kind in hazards)
            self._kinds_by_place[place] = kinds
        return kinds


class _Assessment:
    """One version's method applied to the condition statuses."""

    def __init__(self, bundle: Bundle, version: Version, status: dict[str, Kleene], values: Values,
                 submitted: dict[str, Any], covering: dict[str, set[str]]):
        """covering: hazard kind -> document numbers of the in-force versions with criteria about it
        that apply to this place."""
        self.bundle, self.version, self.status, self.values, self.submitted = bundle, version, status, values, submitted
        self.findings: list[Finding] = []
        self.combined: list[CombinedOutcome] = []
        self.needed: dict[str, list[str]] = {}  # missing fact -> ids of entries that need it
        own = version.meta.document_number
        plan = _Plan.of(version)
        self.counts: dict[str, Kleene] = dict(plan.no_counts)
        direct: Kleene = False
        present: Kleene = False
        for e in plan.elements:
            element_status = status[e.id]
            if element_status is False:
                continue  # counts False; adds nothing to the verdict, the findings or the missing facts
            present = k_or(present, element_status)
            if e.governing:
                gate = k_and(*(status[i] for i in e.preconditions), k_not(k_or(*(status[i] for i in e.exemptions))))
            else:
                gate = True
            deferred = sorted({doc for kind in e.yields for doc in covering.get(kind, ()) if doc != own}) if e.yields else []
            count = self.counts[e.id] = False if deferred else k_and(element_status, gate)
            if e.direct:
                direct = k_or(direct, count)
            if element_status is None:
                self._need(e.criterion)
            if element_status is not False and gate is None:
                for g in e.governing:
                    if status[g.id] is None:
                        self._need(g)
            if element_status:
                blockers = [g for g in e.governing if status[g.id] is (g.spec.method == "exemption")]
                self.findings.append(self._finding(e.criterion, count, blockers, deferred))
                self.findings += [self._finding(g, None, []) for g in blockers
                                  if g.id not in {f.criterion for f in self.findings}]
        combined = k_or(*(self._combined(rule) for rule in version.combined))
        self.major = k_or(direct, combined)
        self.present = present

    def _need(self, entry) -> None:
        node = self.version_node(entry.id)
        for name in missing_behind(node, self.values):
            self.needed.setdefault(name, []).append(entry.id)

    def version_node(self, test_id: str):
        return self.bundle.tests[test_id][1]

    def _facts(self, node, holds: bool) -> list[FactShown]:
        vocab = self.bundle.vocabulary
        names = facts_behind(node if holds else negate(node), self.values)
        return [FactShown(name=n, label=vocab.label(n), value=self.submitted[n], display=vocab.show(n, self.values[n]),
                          unit=vocab.facts[n].unit) for n in names]

    def _finding(self, entry, counts: Kleene, blockers: list, deferred: list[str] = ()) -> Finding:
        spec = entry.spec
        holds = self.status[entry.id] is True
        return Finding(criterion=spec.id, method=spec.method,
                       citation=citation(self.version, spec.clause, spec.text, spec.text_status, spec.source),
                       facts=self._facts(entry.condition, holds), counts_toward_major=counts,
                       blocked_by=[b.id for b in blockers], deferred_to=list(deferred), hazards=spec.hazards,
                       note=spec.note)

    def _combined(self, rule) -> Kleene:
        spec = rule.spec
        category = self.status[rule.id]
        counted = [e for e in spec.elements if self.counts.get(e) is True]
        undecided = [e for e in spec.elements if self.counts.get(e) is None]
        if category is False or len(counted) + len(undecided) < spec.at_least:
            outcome: Kleene = False
        elif len(counted) >= spec.at_least:
            outcome = category
        else:
            outcome = None
        if outcome is None and category is None:
            for name in missing_behind(rule.category, self.values):
                self.needed.setdefault(name, []).append(rule.id)
        if category is not False and (counted or undecided):
            self.combined.append(CombinedOutcome(
                rule=spec.id, citation=citation(self.version, spec.clause, spec.text, spec.text_status, spec.source),
                category=spec.category.label, category_holds=category, counted=counted, undecided=undecided,
                count=len(counted), at_least=spec.at_least, elements_status=spec.elements_status,
                threshold_status=spec.threshold_status, major=outcome))
        return outcome


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


def assess(bundle: Bundle, statuses: dict[str, Kleene], values: Values, submitted: dict[str, Any],
           as_of: dt.date, evaluator: str, engine_version: str) -> Judgement:
    versions = bundle.versions_on(as_of)
    place_fact = bundle.vocabulary.place_fact
    place = values.get(place_fact) if place_fact else None
    covering: dict[str, set[str]] = {}
    for v in versions:
        for kind in _Plan.of(v).kinds_covered(place):
            covering.setdefault(kind, set()).add(v.meta.document_number)
    assessments = [_Assessment(bundle, v, statuses, values, submitted, covering) for v in versions if v.meta.encoded]
    major = k_or(*(a.major for a in assessments))
    present = k_or(*(a.present for a in assessments))
    if not assessments:
        classification = "indeterminate"  # nothing encoded applies: that is not "no hazard"
    elif major is True:
        classification = "major"
    elif major is None:
        classification = "indeterminate"
    elif present is True:
        classification = "ordinary"
    elif present is None:
        classification = "indeterminate"
    else:
        classification = "none"

    needed: dict[str, list[str]] = {}
    for a in assessments:
        for name, ids in a.needed.items():
            needed.setdefault(name, []).extend(i for i in ids if i not in needed[name])
    vocab = bundle.vocabulary
    missing = [MissingFact(name=n, label=vocab.label(n), description=vocab.facts[n].description,
                           unit=vocab.facts[n].unit, needed_by=ids) for n, ids in needed.items()]

    standards, notes = [], []
    for v in versions:
        plan = _Plan.of(v)
        standards.append(StandardInForce(**plan.standard, applies_to_place=plan.applies_to_place(place)))
        if not v.meta.encoded:
            notes.append(f"{v.meta.document_number}《{v.meta.title}》在 {as_of} 有效，但其条文尚未编码，"
                         f"本次判定未包含该标准，也未改用其被替代的旧版本")
    if not assessments:
        notes.append(f"{as_of} 没有已编码且有效的标准版本，无法判定 / no encoded standard version is in force on {as_of}")
    findings = [f for a in assessments for f in a.findings]
    for f in findings:
        if f.citation.text_status != "verbatim":
            notes.append(f"条款 {f.criterion}（{f.citation.document_number} {f.citation.clause}）的文本状态为 "
                         f"{f.citation.text_status}，不是经核实的原文")
    combined = [c for a in assessments for c in a.combined]
    for c in combined:
        if c.major is not False and "unverified" in (c.elements_status, c.threshold_status, c.citation.text_status):
            notes.append(f"综合判定 {c.rule}（{c.citation.clause}）的要素范围或阈值未经核实原文"
                         f"（要素：{c.elements_status}，阈值：{c.threshold_status}）")
    return Judgement(classification=classification, label=LABELS[classification], as_of=as_of, findings=findings,
                     combined=combined, missing_facts=missing, standards=standards, notes=notes,
                     provenance=Provenance(rules_digest=bundle.digest, engine_version=engine_version,
                                           evaluator=evaluator, as_of=as_of))
