"""Conditions rewritten into equivalent ones: negated, and with derived facts replaced by their definitions."""

from __future__ import annotations

from .tree import All, AnyOf, Compare, Node, Ref

NEGATED = {"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "le": "gt", "gt": "le"}


def negate(node: Node) -> Node:
    if isinstance(node, Compare):
        return Compare(node.fact, NEGATED[node.op], node.value, node.other, node.ratio)
    if isinstance(node, All):
        return AnyOf(tuple(negate(i) for i in node.items))
    if isinstance(node, AnyOf):
        return All(tuple(negate(i) for i in node.items))
    return Ref(node.name, node.body, not node.negated)


def expand(node: Node) -> Node:
    """The same condition with derived facts replaced by their definitions."""
    if isinstance(node, Ref):
        body = expand(node.body)
        return negate(body) if node.negated else body
    if isinstance(node, All):
        return All(tuple(expand(i) for i in node.items))
    if isinstance(node, AnyOf):
        return AnyOf(tuple(expand(i) for i in node.items))
    return node

