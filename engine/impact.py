"""The impact of a change of rules: re-judge subjects (facilities with their facts) under the rules
in service and under candidate rules (an expert's edit, a new version file), and report which
verdicts change: the transitions (未发现隐患 → 重大事故隐患 …), by clause and by school, with the
subjects listed, and the changes of completeness.

Subjects come from a source (engine/impact_sources.py): the decision log's latest decision of each
subject, or, with no log, the bundled examples and the living documentation. Many subjects are
judged on every core, each worker process loading both rule sets once.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .reload.build_check import DEFAULT_TIMEOUT, check_build
from .bundle import Bundle, Version
from .engine import Engine
from .conditions import Kleene, evaluate
from .errors import FactError, RuleError, RuleProblem
from .loader import load
from .questions import LABELS
from .verdict import Verdict, verdict

REFUSED = "事实被拒绝"  # the rules' vocabulary refuses the subject's facts: nothing judged
COMPLETE = {True: "判定完整", False: "判定不完整", None: "—"}
CHUNK = 250            # subjects per trip to a worker
IN_PROCESS_BELOW = 2000  # fewer subjects are judged here: starting workers would cost more


@dataclass(frozen=True)
class Subject:
    """What is re-judged: facts as submitted, the day they were judged for (None: the impact's day)."""

    key: str              # unique within the run: a decision id, or a file and line
    label: str            # for the reader: facility, place, scenario
    school: str           # grouping of the report (the log's school; the bundled files' kind)
    source: str
    facts: dict[str, Any]
    as_of: dt.date | None = None


# One side of a subject's re-judgement, as the workers send it back (small, picklable):
# (classification or None when refused, complete, found clauses as (clause, counts), refusal text)
Outcome = tuple[str | None, bool | None, tuple[tuple[str, bool | None], ...], str | None]


class Side(BaseModel):
    classification: str | None   # major / ordinary / none / indeterminate; None: facts refused
    label: str
    complete: bool | None
    clauses: list[str]           # clauses found (document number and clause)
    refused: str | None


class SubjectImpact(BaseModel):
    key: str
    label: str
    school: str
    source: str
    as_of: dt.date
    old: Side
    new: Side
    entered: list[str]           # clauses found under the candidate rules only
    left: list[str]              # clauses found under the active rules only
    counting: list[str]          # clauses found under both whose counting toward a major hazard changed


class Transition(BaseModel):
    old: str
    new: str
    count: int
    subjects: list[str]          # keys (for a change of verdict; unchanged ones are only counted)


class ClauseImpact(BaseModel):
    clause: str
    entered: list[str]           # subject keys
    left: list[str]
    counting: list[str]


class SchoolImpact(BaseModel):
    school: str
    subjects: int
    changed: int
    transitions: dict[str, int]  # "旧 → 新" -> subjects


class ImpactReport(BaseModel):
    title: str
    as_of: dt.date | None        # None: each subject on its own recorded day
    default_day: dt.date         # the day of subjects that carry none
    active_digest: str
    candidate_digest: str
    candidate: str               # the candidate rules directory
    candidate_warnings: list[str]  # what lint points out in them without refusing them
    sources: list[str]
    subjects: int
    changed_subjects: int
    transitions: list[Transition]
    completeness: list[Transition]
    clauses: list[ClauseImpact]
    schools: list[SchoolImpact]
    changed: list[SubjectImpact]


class CandidateRefused(Exception):
    """Candidate rules that fail lint (problems at file and line) or cannot be built."""

    def __init__(self, problems: Sequence[RuleProblem], detail: str):
        super().__init__(detail)
        self.problems, self.detail = list(problems), detail


def check_candidate(candidate: Path, build_timeout: float = DEFAULT_TIMEOUT) -> Bundle:
    """The candidate once it loads and builds; CandidateRefused otherwise."""
    try:
        bundle = load(candidate)
    except RuleError as exc:
        raise CandidateRefused(exc.problems, f"候选规则有 {len(exc.problems)} 处错误，未作比较 / the candidate rules "
                                             f"have {len(exc.problems)} problem(s); nothing compared") from None
    built = check_build(candidate, build_timeout)
    if not built.ok:
        raise CandidateRefused([], f"{candidate}: {built.problem}")
    return bundle


# --- judging, here or in worker processes ----------------------------------------------------------

class RuleSetPair:
    """Both rule sets, as one worker judges with them. The candidate's conditions that are the active
    rules' own (same version, same compiled condition) take the status the active rules found for
    them; only those it changed or added are evaluated again (by the plain-Python evaluator, which
    decides the same conditions as durable-rules: tests/test_property_agreement.py). With the same
    fact vocabulary, the facts are checked once; and where the versions in force differ only in
    conditions and every changed condition came out as under the active rules, the candidate's
    verdict is the active one (the same statuses through the same method)."""

    def __init__(self, active: Bundle, candidate: Bundle):
        self.active, self.candidate = Engine(active), candidate
        self.same_vocabulary = active.vocabulary == candidate.vocabulary
        self.fallback = None if self.same_vocabulary else Engine(candidate)
        self.conditions: dict[str, list[tuple[str, Any, bool]]] = {}  # version key -> (condition id, condition, own)
        self.edited: dict[str, list[tuple[str, Any]]] = {}      # version key -> conditions it changed
        for condition_id, (version, node) in candidate.conditions.items():
            known = active.conditions.get(condition_id)
            own = known is not None and known[0].key == version.key and known[1] == node
            self.conditions.setdefault(version.key, []).append((condition_id, node, own))
            if not own:
                self.edited.setdefault(version.key, []).append((condition_id, node))
        self._same_method: dict[dt.date, bool] = {}

    def judge(self, facts: dict[str, Any], day: dt.date) -> tuple[Outcome, Outcome]:
        try:
            values, statuses = self.active.statuses(facts, day)
        except FactError as exc:
            old = _refused(exc)
            return old, (old if self.same_vocabulary else _one(self.fallback, facts, day))
        old = _outcome(verdict(self.active.bundle, statuses, values, day))
        if not self.same_vocabulary:
            return old, _one(self.fallback, facts, day)
        if self._same_but_conditions(day) and all(
                statuses.get(condition_id, ...) == evaluate(node, values)
                for key in self._keys_on(day) for condition_id, node in self.edited.get(key, ())):
            return old, old
        mine: dict[str, Kleene] = {}
        for version in self.candidate.versions_on(day):
            if version.meta.encoded:
                for condition_id, node, own in self.conditions.get(version.key, ()):
                    mine[condition_id] = statuses[condition_id] if own and condition_id in statuses else evaluate(node, values)
        return old, _outcome(verdict(self.candidate, mine, values, day))

    def _keys_on(self, day: dt.date) -> list[str]:
        return [v.key for v in self.candidate.versions_on(day) if v.meta.encoded]

    def _same_but_conditions(self, day: dt.date) -> bool:
        """The versions in force on the day are the same in both, but for their conditions."""
        if day not in self._same_method:
            mine, theirs = self.candidate.versions_on(day), self.active.bundle.versions_on(day)
            self._same_method[day] = [v.key for v in mine] == [v.key for v in theirs] and all(
                a.gap_scopes == b.gap_scopes and _without_conditions(a) == _without_conditions(b)
                for a, b in zip(mine, theirs))
        return self._same_method[day]

    def close(self) -> None:
        for engine in (self.active, self.fallback):
            if engine is not None:
                engine.close()


def _without_conditions(version: Version) -> dict[str, Any]:
    """A version's file as data, its criteria's and combined rules' conditions left out."""
    return version.meta.model_dump(exclude={"criteria": {"__all__": {"condition"}},
                                            "method": {"combined": {"__all__": {"category": {"condition"}}}}})


_pair: RuleSetPair | None = None  # a worker's, loaded once


def _load_pair(active: str, candidate: str) -> None:
    global _pair
    _pair = RuleSetPair(load(active), load(candidate))


def _outcome(v: Verdict) -> Outcome:
    return v.classification, v.complete, tuple(sorted({(f.clause, f.counts) for f in v.found})), None


def _refused(exc: FactError) -> Outcome:
    return None, None, (), "；".join(f"{p.fact}：{p.zh}" for p in exc.problems)


def _one(engine: Engine, facts: dict[str, Any], day: dt.date) -> Outcome:
    try:
        return _outcome(engine.verdict(facts, day))
    except FactError as exc:
        return _refused(exc)


def _judge_chunk(chunk: list[tuple[dict[str, Any], dt.date]]) -> list[tuple[Outcome, Outcome]]:
    return [_pair.judge(facts, day) for facts, day in chunk]


def _judge_all(active: str, candidate: str, work: list[tuple[dict[str, Any], dt.date]], workers: int,
               advance: Callable[[int], None]) -> list[tuple[Outcome, Outcome]]:
    chunks = [work[i:i + CHUNK] for i in range(0, len(work), CHUNK)]
    if workers <= 1 or len(work) < IN_PROCESS_BELOW:
        pair = RuleSetPair(load(active), load(candidate))
        try:
            out = []
            for chunk in chunks:
                out += [pair.judge(facts, day) for facts, day in chunk]
                advance(len(chunk))
            return out
        finally:
            pair.close()
    # spawn, not fork: the caller may be a server process with threads and durable-rules engines
    with multiprocessing.get_context("spawn").Pool(workers, _load_pair, (active, candidate)) as pool:
        out = []
        for judged in pool.imap(_judge_chunk, chunks):  # in order: results line up with the subjects
            out += judged
            advance(len(judged))
        return out


# --- the report ---------------------------------------------------------------------------------

def _side(o: Outcome) -> Side:
    classification, complete, found, refused = o
    word = REFUSED if classification is None else LABELS[classification]
    return Side(classification=classification, label=word, complete=complete, clauses=[c for c, _ in found],
                refused=refused)


def _changed(old: Outcome, new: Outcome) -> bool:
    return old[:3] != new[:3]


def impact(active: Path, candidate: Path, subjects: Iterable[Subject], sources: list[str], as_of: dt.date | None,
           default_day: dt.date, workers: int | None = None, progress: Callable[[int], Any] | None = None,
           build_timeout: float = DEFAULT_TIMEOUT) -> ImpactReport:
    """Re-judge every subject under both rule sets. `as_of` judges all on that day; otherwise each on
    its own day (default_day when it has none). progress(total) returns a callable advanced by counts."""
    checked = check_candidate(candidate, build_timeout)
    active_digest = load(active).digest
    listed = list(subjects)
    days = [as_of or s.as_of or default_day for s in listed]
    advance = progress(len(listed)) if progress else (lambda n: None)
    judged = _judge_all(str(active), str(candidate), [(s.facts, d) for s, d in zip(listed, days)],
                        workers or os.cpu_count() or 1, advance)
    report = _report(listed, days, judged, sources, as_of, default_day, active_digest, checked.digest, str(candidate))
    report.candidate_warnings = [str(w) for w in checked.warnings]
    return report


def _report(subjects: list[Subject], days: list[dt.date], judged: list[tuple[Outcome, Outcome]], sources: list[str],
            as_of: dt.date | None, default_day: dt.date, active_digest: str, candidate_digest: str,
            candidate: str) -> ImpactReport:
    transitions: dict[tuple[str, str], Transition] = {}
    completeness: dict[tuple[str, str], Transition] = {}
    clauses: dict[str, ClauseImpact] = {}
    schools: dict[str, SchoolImpact] = {}
    changed: list[SubjectImpact] = []
    for subject, day, (old, new) in zip(subjects, days, judged):
        a, b = _side(old), _side(new)
        verdict_changed = a.label != b.label
        key = (a.label, b.label)
        t = transitions.setdefault(key, Transition(old=a.label, new=b.label, count=0, subjects=[]))
        t.count += 1
        if verdict_changed:
            t.subjects.append(subject.key)
        school = schools.setdefault(subject.school, SchoolImpact(school=subject.school, subjects=0, changed=0,
                                                                 transitions={}))
        school.subjects += 1
        if not _changed(old, new):
            continue
        school.changed += 1
        words = f"{a.label} → {b.label}"
        school.transitions[words] = school.transitions.get(words, 0) + 1
        if a.complete != b.complete:
            ck = (COMPLETE[a.complete], COMPLETE[b.complete])
            c = completeness.setdefault(ck, Transition(old=ck[0], new=ck[1], count=0, subjects=[]))
            c.count += 1
            c.subjects.append(subject.key)
        before, after = dict(old[2]), dict(new[2])
        entered = sorted(set(after) - set(before))
        left = sorted(set(before) - set(after))
        counting = sorted(c for c in set(before) & set(after) if before[c] != after[c])
        for kind, names in (("entered", entered), ("left", left), ("counting", counting)):
            for name in names:
                getattr(clauses.setdefault(name, ClauseImpact(clause=name, entered=[], left=[], counting=[])),
                        kind).append(subject.key)
        changed.append(SubjectImpact(key=subject.key, label=subject.label, school=subject.school, source=subject.source,
                                     as_of=day, old=a, new=b, entered=entered, left=left, counting=counting))
    ordered = sorted(transitions.values(), key=lambda t: (t.old == t.new, -t.count, t.old, t.new))
    return ImpactReport(
        title="规则变更影响 / impact of a change of rules", as_of=as_of, default_day=default_day,
        active_digest=active_digest, candidate_digest=candidate_digest, candidate=candidate, candidate_warnings=[],
        sources=sources,
        subjects=len(subjects), changed_subjects=len(changed), transitions=ordered,
        completeness=sorted(completeness.values(), key=lambda t: -t.count),
        clauses=sorted(clauses.values(), key=lambda c: c.clause),
        schools=sorted(schools.values(), key=lambda s: (-s.changed, s.school)), changed=changed)
