"""A loaded, validated set of rule files: what every evaluator and renderer works from.

Immutable once built, so a new bundle can be swapped in whole while the old one finishes
its work (atomic activation).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .conditions import Node, facts_of
from .errors import RuleProblem
from .schema import CombinedRule, Criterion, DateMark, ListFile, VersionFile
from .vocabulary import Vocabulary

BUNDLED_RULES = Path(__file__).resolve().parent.parent / "rules"  # the rule files that ship with the engine


@dataclass(frozen=True)
class CompiledCriterion:
    """A criterion with its condition parsed (place kinds folded in)."""

    spec: Criterion
    condition: Node
    line: int | None
    id: str = field(init=False)  # the spec's, kept at hand: judging reads it for every entry

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", self.spec.id)


@dataclass(frozen=True)
class CompiledCombined:
    spec: CombinedRule
    category: Node
    line: int | None
    id: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", self.spec.id)


@dataclass(frozen=True)
class Version:
    standard: str
    version: str
    file: str
    meta: VersionFile
    criteria: tuple[CompiledCriterion, ...]
    combined: tuple[CompiledCombined, ...]
    # per gap of meta.gaps, the kinds of place it concerns (None: every kind; empty: none)
    gap_scopes: tuple[frozenset[str] | None, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.standard}@{self.version}"

    def in_force(self, day: dt.date) -> bool:
        start = self.meta.effective.date
        end = self.meta.superseded.date if self.meta.superseded else None
        return (start is None or start <= day) and (end is None or day < end)

    @cached_property
    def memo(self) -> dict:
        """Structures derived from this version once, on first use, by whoever judges with it
        (e.g. which gates govern which element); never changed afterwards."""
        return {}

    def dates_used(self) -> list[tuple[str, DateMark]]:
        """The dates that decide when this version is in force."""
        marks = [("effective", self.meta.effective)]
        if self.meta.superseded:
            marks.append(("superseded", self.meta.superseded))
        return marks


def ask_ranks(versions: list[Version]) -> dict[str, int]:
    """The facts the versions declare in `ask_order`, each with its place: asked in this order
    before every fact not listed (those keep the order the conditions read them in). The first
    version's list comes first; a fact listed by two versions keeps its first place."""
    ranks: dict[str, int] = {}
    for version in versions:
        for name in version.meta.ask_order:
            ranks.setdefault(name, len(ranks))
    return ranks


@dataclass(frozen=True)
class Bundle:
    vocabulary: Vocabulary
    versions: tuple[Version, ...]
    digest: str
    lists: dict[str, ListFile]  # list id (file stem) -> declared list
    # what lint points out without refusing the rules (e.g. a threshold its clause's text does not state)
    warnings: tuple[RuleProblem, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)  # a former id -> the entry's id now

    def current_id(self, entry_id: str) -> str:
        """The id an entry has now, also when asked for by an id it had before."""
        return self.aliases.get(entry_id, entry_id)

    def versions_on(self, day: dt.date) -> list[Version]:
        return [v for v in self.versions if v.in_force(day)]

    @cached_property
    def memo(self) -> dict:
        """Structures derived from this bundle once, on first use (e.g. the facts the versions in
        force on some day read); never changed afterwards."""
        return {}

    @cached_property
    def conditions(self) -> dict[str, tuple[Version, Node]]:
        """Every condition an evaluator decides: criteria and combined-rule categories, by id."""
        out: dict[str, tuple[Version, Node]] = {}
        for version in self.versions:
            for criterion in version.criteria:
                out[criterion.id] = (version, criterion.condition)
            for rule in version.combined:
                out[rule.id] = (version, rule.category)
        return out

    @cached_property
    def criteria(self) -> dict[str, tuple[Version, CompiledCriterion]]:
        return {c.id: (v, c) for v in self.versions for c in v.criteria}

    @cached_property
    def readers(self) -> dict[str, tuple[str, ...]]:
        """Fact -> the ids of the conditions that read it (derived facts resolved)."""
        out: dict[str, list[str]] = {}
        for condition_id, (_, node) in self.conditions.items():
            for name in facts_of(node):
                out.setdefault(name, []).append(condition_id)
        return {name: tuple(ids) for name, ids in out.items()}
