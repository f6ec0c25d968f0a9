"""The verdict alone, for re-judging many facilities (the impact of a change): classification,
whether the judgement is complete, and the clauses found, without the explanations and the decisive
questions a Judgement carries (they cost more than the verdict itself)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .bundle import Bundle
from .conditions import Kleene, Values
from .coverage import completeness
from .method import Classification, Plan, classify, outcomes


@dataclass(frozen=True)
class Found:
    """A clause that holds: named by document and clause number (ids may be renamed between rule sets)."""

    clause: str           # e.g. "GB 35181-2017 6.9"
    criterion: str        # its id in the rules judged
    counts: Kleene        # counts toward a major hazard (None: not yet known)


@dataclass(frozen=True)
class Verdict:
    classification: Classification
    complete: bool
    found: tuple[Found, ...]

    @property
    def clauses(self) -> frozenset[str]:
        return frozenset(f.clause for f in self.found)


def clause_name(document_number: str, clause: str) -> str:
    return f"{document_number} {clause}"


def verdict(bundle: Bundle, statuses: dict[str, Kleene], values: Values, as_of: dt.date) -> Verdict:
    versions = bundle.versions_on(as_of)
    place_fact = bundle.vocabulary.place_fact
    place: Any = values.get(place_fact) if place_fact else None
    found_outcomes = outcomes(versions, statuses, place)
    found = []
    for version, outcome in zip((v for v in versions if v.meta.encoded), found_outcomes):
        for element in Plan.of(version).elements:
            if statuses[element.id] is True:
                spec = element.entry.spec
                found.append(Found(clause_name(version.meta.document_number, spec.clause), spec.id,
                                   outcome.counts[element.id]))
    return Verdict(classify(found_outcomes), completeness(bundle, versions, place, values).complete, tuple(found))
