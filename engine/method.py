"""One standard version's method applied to condition statuses, all of it data in the version file.

Default logic, as the law is written: a direct or combined element that holds counts toward a
major hazard unless something *established* takes it out.
- An exemption whose condition holds, or a precondition whose condition fails, takes out the
  elements it governs.
- Read as an exception (`reading.kind: exception`, e.g. GB 35181-2017 5.1.2 and 5.1.3), an
  exemption or precondition whose facts are unknown takes nothing out: the element counts and
  the gate is pending, an exception still to be confirmed (待确认的排除情形).
- Read as part of the hazard's definition (`reading.kind: definition`, e.g. GB 45067-2024
  "仍继续使用"), an unknown one leaves the element's count unknown (three-valued).
- An element about a kind of hazard that another in-force standard covering this place
  governs (a precedence clause) does not count here.
direct: any counting direct element ⇒ major; combined: per rule whose place category holds, the
counting elements against its threshold (at_least). Across versions: major if any version says
major; indeterminate if that may be so for want of facts; ordinary if an element holds without a
major; indeterminate if an element may hold; otherwise none. Nothing encoded in force:
indeterminate. A missing fact never yields "none".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .bundle import CompiledCombined, CompiledCriterion, Version
from .conditions import Kleene, k_or

Classification = Literal["major", "ordinary", "none", "indeterminate"]


@dataclass(frozen=True)
class Gate:
    """An exemption or precondition as it acts on the elements it governs."""

    entry: CompiledCriterion
    takes_out_when: bool  # the status that takes elements out: an exemption holds, a precondition fails
    exception: bool       # unknown takes nothing out (else: unknown leaves the count unknown)
    id: str


@dataclass(frozen=True)
class Element:
    entry: CompiledCriterion
    direct: bool
    gates: tuple[Gate, ...]
    yields: frozenset[str]  # hazard kinds on which it defers to another standard (precedence)
    id: str


class Plan:
    """A version's method as data, derived once per version (kept in Version.memo)."""

    def __init__(self, version: Version):
        meta = version.meta
        gates = [Gate(c, c.spec.method == "exemption", c.spec.reading is not None and c.spec.reading.kind == "exception",
                      c.id) for c in version.criteria if c.spec.method in ("exemption", "precondition")]
        precedence = frozenset(meta.precedence.yields_on) if meta.precedence else frozenset()
        self.version = version
        self.elements = tuple(
            Element(c, c.spec.method == "direct",
                    tuple(g for g in gates if g.entry.spec.governs is None or c.id in g.entry.spec.governs),
                    frozenset(c.spec.hazards) & precedence, c.id)
            for c in version.criteria if c.spec.method in ("direct", "combined"))
        self.gates = tuple(gates)
        self.element_ids = tuple(e.id for e in self.elements)
        self.direct_ids = tuple(e.id for e in self.elements if e.direct)
        self.combined: tuple[CompiledCombined, ...] = version.combined
        # condition id -> the elements it decides (its own, or as one of their gates), and the
        # combined rules those elements (or the rule's own category) belong to
        self.elements_of: dict[str, tuple[Element, ...]] = {}
        for e in self.elements:
            for condition_id in (e.id, *(g.id for g in e.gates)):
                self.elements_of[condition_id] = (*self.elements_of.get(condition_id, ()), e)
        self.rules_of: dict[str, tuple[CompiledCombined, ...]] = {}
        for rule in self.combined:
            for condition_id in {rule.id, *rule.spec.elements, *(g.id for e in self.elements if e.id in rule.spec.elements
                                                           for g in e.gates)}:
                self.rules_of[condition_id] = (*self.rules_of.get(condition_id, ()), rule)
        self._hazards = tuple((c.spec.applies_to, c.spec.hazards) for c in version.criteria
                              if c.spec.method in ("direct", "combined") and c.spec.hazards)
        self._kinds_by_place: dict[Any, frozenset[str]] = {}

    @staticmethod
    def of(version: Version) -> Plan:
        plan = version.memo.get("method")
        if plan is None:
            plan = version.memo.setdefault("method", Plan(version))
        return plan

    def kinds_covered(self, place: Any) -> frozenset[str]:
        """Hazard kinds of this version's direct and combined criteria that apply to the place."""
        kinds = self._kinds_by_place.get(place)
        if kinds is None:
            kinds = frozenset(kind for applies_to, hazards in self._hazards
                              if applies_to is None or place is None or place in applies_to for kind in hazards)
            self._kinds_by_place[place] = kinds
        return kinds


@dataclass
class Outcome:
    """One version's method applied to the statuses of one facility."""

    counts: dict[str, Kleene] = field(default_factory=dict)         # element -> counts toward a major hazard
    taken_out: dict[str, list[Gate]] = field(default_factory=dict)  # element -> established gates taking it out
    pending: dict[str, list[Gate]] = field(default_factory=dict)    # element (counting) -> unknown exceptions
    undecided: dict[str, list[Gate]] = field(default_factory=dict)  # element -> unknown definitional gates
    deferred: dict[str, list[str]] = field(default_factory=dict)    # element -> standards judging it instead
    combined: dict[str, Kleene] = field(default_factory=dict)       # combined rule -> major
    major: Kleene = False
    present: Kleene = False


def apply(plan: Plan, status: dict[str, Kleene], covering: dict[str, set[str]],
          base: Outcome | None = None, changed: frozenset[str] = frozenset()) -> Outcome:
    """covering: hazard kind -> document numbers of the in-force versions with criteria about it that
    apply to this place (for precedence). With `base` (this version's outcome before some statuses
    changed), only the elements and combined rules those `changed` conditions concern are worked
    out again: the questions try many answers, each touching a few conditions."""
    out = Outcome()
    if base is None:
        elements, rules = plan.elements, plan.combined
    else:
        out.counts, out.taken_out, out.pending = dict(base.counts), dict(base.taken_out), dict(base.pending)
        out.undecided, out.deferred, out.combined = dict(base.undecided), dict(base.deferred), dict(base.combined)
        elements = list({e.id: e for t in changed for e in plan.elements_of.get(t, ())}.values())
        rules = list({r.id: r for t in changed for r in plan.rules_of.get(t, ())}.values())
        for e in elements:
            for found in (out.counts, out.taken_out, out.pending, out.undecided, out.deferred):
                found.pop(e.id, None)
    own = plan.version.meta.document_number
    for e in elements:
        _element(e, status[e.id], status, covering, own, out)
    for rule in rules:
        out.combined[rule.id] = _combined(rule, status[rule.id], out.counts)
    out.major = k_or(*(out.counts.get(i, False) for i in plan.direct_ids), *out.combined.values())
    out.present = k_or(*(status[i] for i in plan.element_ids))
    return out


def _element(e: Element, holds: Kleene, status: dict[str, Kleene], covering: dict[str, set[str]], own: str,
             out: Outcome) -> None:
    if holds is False:
        return  # counts False: adds nothing to the verdict, the findings or the questions
    taken, pending, undecided = [], [], []
    for g in e.gates:
        gate = status[g.id]
        if gate is g.takes_out_when:
            taken.append(g)
        elif gate is None:
            (pending if g.exception else undecided).append(g)
    deferred = sorted({doc for kind in e.yields for doc in covering.get(kind, ()) if doc != own}) if e.yields else []
    if taken or deferred:
        count: Kleene = False
    else:
        count = None if (holds is None or undecided) else True
    out.counts[e.id] = count
    if taken:
        out.taken_out[e.id] = taken
    if pending and count is not False:
        out.pending[e.id] = pending
    if undecided and not taken:
        out.undecided[e.id] = undecided
    if deferred:
        out.deferred[e.id] = deferred


def _combined(rule: CompiledCombined, category: Kleene, counts: dict[str, Kleene]) -> Kleene:
    if category is False:
        return False
    spec = rule.spec
    counted = sum(1 for e in spec.elements if counts.get(e) is True)
    undecided = sum(1 for e in spec.elements if counts.get(e, False) is None)
    if counted + undecided < spec.at_least:
        return False
    return category if counted >= spec.at_least else None


def covering(versions: list[Version], place: Any) -> dict[str, set[str]]:
    """Hazard kind -> document numbers of the versions with criteria about it that apply to the place."""
    out: dict[str, set[str]] = {}
    for v in versions:
        for kind in Plan.of(v).kinds_covered(place):
            out.setdefault(kind, set()).add(v.meta.document_number)
    return out


def classify(outcomes: list[Outcome]) -> Classification:
    if not outcomes:
        return "indeterminate"  # nothing encoded applies: that is not "no hazard"
    major = k_or(*(o.major for o in outcomes))
    if major is True:
        return "major"
    if major is None:
        return "indeterminate"
    present = k_or(*(o.present for o in outcomes))
    return {True: "ordinary", None: "indeterminate", False: "none"}[present]


def outcomes(versions: list[Version], status: dict[str, Kleene], place: Any) -> list[Outcome]:
    """Each encoded version's outcome, in the order given."""
    cover = covering(versions, place)
    return [apply(Plan.of(v), status, cover) for v in versions if v.meta.encoded]
