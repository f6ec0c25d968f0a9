"""Conditions evaluated in plain Python, in three values: the oracle durable-rules is tested against."""

from __future__ import annotations

import operator
from fractions import Fraction

from .tree import All, Compare, Kleene, Node, Ref, Values, k_and, k_or

COMPARISONS = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le, "gt": operator.gt,
               "ge": operator.ge}


def ratio_of(value: float, ratio: Fraction) -> float:
    """other × ratio, computed exactly as the compiled durable-rules rule computes it
    (multiply, then divide, in doubles), so both evaluators agree to the last bit."""
    if ratio == 1:
        return value
    return value * float(ratio.numerator) / float(ratio.denominator)


def leaf_value(leaf: Compare, values: Values, op: str | None = None) -> Kleene:
    """The comparison's value (under `op` instead of its own, e.g. its negation), None when a
    fact it needs is missing."""
    if leaf.fact not in values or (leaf.other and leaf.other not in values):
        return None
    right = ratio_of(values[leaf.other], leaf.ratio) if leaf.other else leaf.value
    return COMPARISONS[op or leaf.op](values[leaf.fact], right)


def evaluate(node: Node, values: Values) -> Kleene:
    if isinstance(node, Compare):  # leaf_value, inlined: this is the oracle's and the questions' hot path
        if node.fact not in values or (node.other and node.other not in values):
            return None
        right = ratio_of(values[node.other], node.ratio) if node.other else node.value
        return COMPARISONS[node.op](values[node.fact], right)
    if isinstance(node, Ref):
        result = evaluate(node.body, values)
        return result if result is None or not node.negated else not result
    results = [evaluate(i, values) for i in node.items]
    return k_and(*results) if isinstance(node, All) else k_or(*results)
