"""From condition statuses to a judgement: each version's method applied (engine/method.py),
which clause fired on which facts, the exceptions still to confirm, how complete the judgement
is (engine/coverage.py), and the questions that decide it (engine/questions.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .bundle import Bundle, Version, ask_ranks
from .conditions import Kleene, Values, describe, facts_behind, missing_behind, negate
from .coverage import applies_to_place, completeness
from .judgement import CombinedOutcome, FactShown, Finding, Judgement, PendingException, Provenance, StandardInForce, citation
from .method import Outcome, Plan, classify, outcomes
from .notes import assumed_in_force_note, date_notes, gap_text, nothing_in_force_note, unverified_notes, verdict_label
from .questions import MissingFacts, Situation, ask


class _Explainer:
    """Findings, combined outcomes, pending exceptions and missing facts of one version's outcome."""

    def __init__(self, bundle: Bundle, version: Version, status: dict[str, Kleene], values: Values,
                 submitted: dict[str, Any], ranks: dict[str, int]):
        self.bundle, self.version, self.status, self.values, self.submitted = bundle, version, status, values, submitted
        self.ranks = ranks  # the facts the versions' ask_order lists: asked for first
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
        for name in missing_behind(entry.condition, self.values, self.ranks):
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
                facts=missing_behind(gate.entry.condition, self.values, self.ranks), elements=[])
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
            for name in missing_behind(rule.category, self.values, self.ranks):
                ids = self.needed.setdefault(name, [])
                if rule.id not in ids:
                    ids.append(rule.id)
        if category is not False and (counted or undecided):
            self.combined.append(CombinedOutcome(
                rule=spec.id, citation=citation(self.version, spec.clause, spec.text, spec.text_status, spec.source),
                category=spec.category.label, category_holds=category, counted=counted, undecided=undecided,
                count=len(counted), at_least=spec.at_least, elements_status=spec.elements_status,
                threshold_status=spec.threshold_status, major=major))


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
                gaps=[gap_text(g) for g in v.meta.gaps], notes=date_notes(v)))
            if applies and v.meta.effective.date is None:
                notes.append(assumed_in_force_note(v))
        found = bundle.memo.setdefault(key, (standards, tuple(notes)))
    return found


def assess(bundle: Bundle, *, statuses: dict[str, Kleene], values: Values, submitted: dict[str, Any],
           as_of: dt.date, evaluator: str, engine_version: str) -> Judgement:
    """The judgement of one facility: the methods of the versions in force applied to its
    conditions' statuses, each finding with the facts behind it, and what is missing."""
    versions = bundle.versions_on(as_of)
    place_fact = bundle.vocabulary.place_fact
    place = values.get(place_fact) if place_fact else None
    found = outcomes(versions, statuses, place)
    classification = classify(found)
    explainers = []
    ranks = ask_ranks(versions)
    for version, outcome in zip((v for v in versions if v.meta.encoded), found):
        explainer = _Explainer(bundle, version, statuses, values, submitted, ranks)
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
        notes.append(nothing_in_force_note(as_of))
    findings = [f for x in explainers for f in x.findings]
    combined = [c for x in explainers for c in x.combined]
    notes += unverified_notes(findings, combined)
    return Judgement(classification=classification, label=verdict_label(classification, coverage), as_of=as_of,
                     findings=findings, combined=combined,
                     exceptions_pending=[p for x in explainers for p in x.pending.values()],
                     missing_facts=missing, coverage=coverage, standards=standards, notes=notes,
                     provenance=Provenance(rules_digest=bundle.digest, engine_version=engine_version,
                                           evaluator=evaluator, as_of=as_of))
