"""The condition tree: comparisons, `all`, `any` and derived facts, and three-valued logic.

A condition is true, false, or unknown (None) when a fact it needs is missing (Kleene
logic: `all` is false as soon as one part is false, `any` is true as soon as one part is
true). The same tree is compiled for durable-rules (`engine.durable_backend`) and evaluated
in plain Python (`evaluation`), which is the oracle and the source of every explanation.

Values inside the engine: booleans, numbers, enum codes (str), and dates as ordinal days.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

Kleene = bool | None
Values = dict[str, Any]  # fact name -> engine value (missing facts are absent)


def k_and(*values: Kleene) -> Kleene:
    """Kleene AND: false if any is false, else unknown if any is unknown, else true."""
    return False if False in values else (None if None in values else True)


def k_or(*values: Kleene) -> Kleene:
    """Kleene OR: true if any is true, else unknown if any is unknown, else false."""
    return True if True in values else (None if None in values else False)


@dataclass(frozen=True)
class Compare:
    """fact <op> constant, or fact <op> other_fact × ratio."""

    fact: str
    op: str
    value: Any = None
    other: str | None = None
    ratio: Fraction = Fraction(1)


@dataclass(frozen=True)
class All:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Ref:
    """A derived fact used in a condition: true when its definition is (not, if negated)."""

    name: str
    body: Node
    negated: bool = False


Node = Compare | All | AnyOf | Ref


def facts_of(node: Node) -> set[str]:
    if isinstance(node, Compare):
        return {node.fact} | ({node.other} if node.other else set())
    if isinstance(node, Ref):
        return facts_of(node.body)
    return set().union(*(facts_of(i) for i in node.items))


def asked_first(items: tuple[Node, ...], ranks: dict[str, int] | None) -> tuple[Node, ...]:
    """The parts of an `all` in the order they are asked: those reading a fact that `ranks` (a
    version's ask_order) lists first, by the first listed fact each reads; the rest as written."""
    if not ranks:
        return items
    unlisted = len(ranks)
    return tuple(sorted(items, key=lambda item: min((ranks.get(f, unlisted) for f in facts_of(item)), default=unlisted)))


def leaf_count(node: Node) -> int:
    if isinstance(node, Compare):
        return 1
    if isinstance(node, Ref):
        return leaf_count(node.body)
    return sum(leaf_count(i) for i in node.items)

