"""Conditions and values in Chinese words, for people reading the list and the judgements."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..schema import FactDef
from .tree import All, AnyOf, Node, Ref

OP_WORDS = {"eq": "等于", "ne": "不等于", "lt": "小于", "le": "不大于", "gt": "大于", "ge": "不小于"}


def describe(node: Node, facts: dict[str, FactDef], derived_labels: dict[str, str]) -> str:
    """The condition in Chinese words, for people reading the list."""
    if isinstance(node, Ref):
        return f"{derived_labels[node.name]}{'为否' if node.negated else '为是'}"
    if isinstance(node, All):
        return "（" + " 且 ".join(describe(i, facts, derived_labels) for i in node.items) + "）"
    if isinstance(node, AnyOf):
        return "（" + " 或 ".join(describe(i, facts, derived_labels) for i in node.items) + "）"
    definition = facts[node.fact]
    if node.other:
        right = facts[node.other].label
        if node.ratio != 1:
            right += f"的{float(node.ratio * 100):g}%"
    else:
        right = display_value(definition, node.value)
    if definition.type in ("boolean", "enum") and node.op in ("eq", "ne"):  # 门窗……为是, 所在位置不为地下室
        return f"{definition.label}{'为' if node.op == 'eq' else '不为'}{right}"
    return f"{definition.label}{OP_WORDS[node.op]}{right}"


def display_value(definition: FactDef, value: Any) -> str:
    """An engine value as a person reads it."""
    if definition.type == "boolean":
        return "是" if value else "否"
    if definition.type == "enum":
        return definition.values[value]
    if definition.type == "date":
        return dt.date.fromordinal(value).isoformat()
    return f"{value:g}{definition.unit or ''}" if isinstance(value, float) else f"{value}{definition.unit or ''}"
