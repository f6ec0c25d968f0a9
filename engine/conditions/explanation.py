"""Why a condition has its value: the facts that make it true, and the missing facts to ask for next."""

from __future__ import annotations

from collections.abc import Callable

from .evaluation import leaf_value
from .rewriting import NEGATED
from .tree import All, Compare, Kleene, Node, Ref, Values, asked_first, k_and, k_or


def _value(node: Node, values: Values, positive: bool, collect: Callable[[Node], list[str]],
           wanted: Kleene, ranks: dict[str, int] | None = None) -> tuple[Kleene, list[str]]:
    """The value of the node (of its negation when not positive), evaluated once per node, and,
    when it is `wanted`, the facts behind it in depth-first order (repeats removed by the caller).
    `wanted` True: the facts of every true part; None: those of the undecided parts, within an
    `all` of its first undecided part only (first as `ranks`, the ask_order, puts them)."""
    if isinstance(node, Compare):
        value = leaf_value(node, values, node.op if positive else NEGATED[node.op])
        return value, (collect(node) if value is wanted else [])
    if isinstance(node, Ref):
        negated = node.negated != (not positive)  # negate(Ref) is the Ref with the flag flipped
        if wanted is None:  # undecided either way: the body as written
            value, found = _value(node.body, values, True, collect, wanted, ranks)
            return (value if value is None or not node.negated else not value), found
        return _value(node.body, values, not negated, collect, wanted, ranks)
    parts = [_value(item, values, positive, collect, wanted, ranks) for item in node.items]
    results = [v for v, _ in parts]
    # negate(all) is an any of the negations
    value = k_and(*results) if isinstance(node, All) == (positive or wanted is None) else k_or(*results)
    if value is not wanted:
        return value, []
    if wanted is None and isinstance(node, All):
        if not ranks:
            return value, next(found for v, found in parts if v is None)
        found_in = {id(item): found for item, (v, found) in zip(node.items, parts) if v is None}
        return value, next(found_in[id(item)] for item in asked_first(node.items, ranks) if id(item) in found_in)
    return value, [name for v, found in parts if v is wanted for name in found]


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def facts_behind(node: Node, values: Values) -> list[str]:
    """The facts that make a true condition true (in order, without repeats)."""
    def collect(leaf: Compare) -> list[str]:
        return [leaf.fact, leaf.other] if leaf.other else [leaf.fact]

    value, found = _value(node, values, True, collect, True)
    return _unique(found) if value is True else []


def missing_behind(node: Node, values: Values, ranks: dict[str, int] | None = None) -> list[str]:
    """The missing facts to ask for next to decide an unknown condition: within an `all`, those
    of its first undecided part only (rule files put gate questions such as "is there a boiler?"
    first, and their answer may settle the rest; a version's ask_order, `ranks`, puts the parts
    reading the facts it lists first); within an `any`, those of every undecided part."""
    def collect(leaf: Compare) -> list[str]:
        return [name for name in (leaf.fact, leaf.other) if name and name not in values]

    value, found = _value(node, values, True, collect, None, ranks)
    return _unique(found) if value is None else []
