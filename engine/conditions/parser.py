"""Conditions parsed from rule files into the tree, checked against the vocabulary as they are read."""

from __future__ import annotations

import datetime as dt
import difflib
from fractions import Fraction
from typing import Any
from collections.abc import Callable

from ..schema import FactDef
from .tree import All, AnyOf, Compare, Node, Ref, leaf_count

OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in")
ORDER_OPERATORS = ("lt", "le", "gt", "ge")
MAX_IN_VALUES = 40   # an `$or` of 40 equalities is the largest durable-rules was seen to accept
MAX_LEAVES = 64      # per condition, well under durable-rules' expression limits

Problem = Callable[[tuple, str, str], None]  # (path, zh, en)


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f"（是否想写 “{close[0]}”？）" if close else ""


def _suggest_en(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


class ConditionParser:
    """Turns the YAML form of a condition into a tree, checking it against the vocabulary.

    Leaf:  {fact: NAME, OP: OPERAND} with one OP of eq ne lt le gt ge in not_in;
           OPERAND is a constant, or {fact: OTHER} / {fact: OTHER, percent: P} for numbers.
    Group: {all: [...]} or {any: [...]}.
    A derived fact is used as {fact: NAME, eq: true|false}.
    """

    def __init__(self, facts: dict[str, FactDef], derived: Callable[[str], Node | None],
                 derived_names: list[str], broken: frozenset[str] = frozenset()):
        self.facts = facts
        self.derived = derived
        self.derived_names = derived_names
        self.broken = broken  # defined, but wrongly (reported there): a condition using one is skipped quietly

    def parse(self, raw: Any, path: tuple, problem: Problem) -> Node | None:
        node = self._node(raw, path, problem)
        if node is not None and leaf_count(node) > MAX_LEAVES:
            problem(path, f"条件过于复杂（超过 {MAX_LEAVES} 个比较），durable-rules 无法表达，请拆分为多条",
                    f"condition too complex (more than {MAX_LEAVES} comparisons) for durable-rules; split it")
            return None
        return node

    def _node(self, raw: Any, path: tuple, problem: Problem) -> Node | None:
        if not isinstance(raw, dict) or not raw:
            problem(path, "条件应为映射：{fact: …, 比较符: …} 或 {all: [...]} / {any: [...]}",
                    "a condition must be a mapping: {fact: …, <op>: …} or {all: [...]} / {any: [...]}")
            return None
        if "fact" in raw:
            return self._leaf(raw, path, problem)
        if len(raw) != 1 or next(iter(raw)) not in ("all", "any"):
            problem(path, f"不认识的条件写法 {sorted(map(str, raw))}：应为 fact、all 或 any",
                    f"unknown condition form {sorted(map(str, raw))}: expected fact, all or any")
            return None
        key, items = next(iter(raw.items()))
        if not isinstance(items, list) or not items:
            problem(path + (key,), f"“{key}” 后应为非空列表", f"'{key}' must be followed by a non-empty list")
            return None
        parsed = [self._node(item, path + (key, i), problem) for i, item in enumerate(items)]
        if any(p is None for p in parsed):
            return None
        return All(tuple(parsed)) if key == "all" else AnyOf(tuple(parsed))

    def _leaf(self, raw: dict, path: tuple, problem: Problem) -> Node | None:
        name = raw["fact"]
        ops = [k for k in raw if k != "fact"]
        if len(ops) != 1 or ops[0] not in OPERATORS:
            problem(path, f"比较条件须恰有一个比较符（{'、'.join(OPERATORS)}），实际为 {ops}",
                    f"a comparison needs exactly one operator of {', '.join(OPERATORS)}; got {ops}")
            return None
        op, operand = ops[0], raw[ops[0]]
        if not isinstance(name, str):
            problem(path + ("fact",), "事实名应为文字", "the fact name must be text")
            return None
        if name in self.broken:
            return None
        if name in self.derived_names:
            return self._derived_leaf(name, op, operand, path, problem)
        definition = self.facts.get(name)
        if definition is None:
            known = list(self.facts) + self.derived_names + sorted(self.broken)
            problem(path + ("fact",), f"未知事实 “{name}”，词汇表中没有{_suggest(name, known)}",
                    f"unknown fact '{name}': not in the vocabulary{_suggest_en(name, known)}")
            return None
        if op in ("in", "not_in"):
            return self._membership(name, definition, op, operand, path, problem)
        if isinstance(operand, dict):
            return self._fact_operand(name, definition, op, operand, path, problem)
        value = self._constant(definition, operand, path + (op,), problem)
        if value is _BAD:
            return None
        if op in ORDER_OPERATORS and definition.type not in ("integer", "number", "date"):
            problem(path + (op,), f"事实 “{name}”（{definition.type}）不能比较大小，只能用 eq/ne/in/not_in",
                    f"fact '{name}' ({definition.type}) cannot be ordered; use eq/ne/in/not_in")
            return None
        return Compare(name, op, value)

    def _derived_leaf(self, name: str, op: str, operand: Any, path: tuple, problem: Problem) -> Node | None:
        if op not in ("eq", "ne") or not isinstance(operand, bool):
            problem(path, f"派生事实 “{name}” 只能写 eq: true 或 eq: false",
                    f"derived fact '{name}' can only be used as eq: true or eq: false")
            return None
        body = self.derived(name)
        if body is None:
            return None
        return Ref(name, body, negated=(operand is False) == (op == "eq"))

    def _membership(self, name: str, definition: FactDef, op: str, operand: Any, path: tuple,
                    problem: Problem) -> Node | None:
        if not isinstance(operand, list) or not operand:
            problem(path + (op,), f"“{op}” 后应为非空取值列表", f"'{op}' must be followed by a non-empty list")
            return None
        if len(operand) > MAX_IN_VALUES:
            problem(path + (op,), f"取值列表超过 {MAX_IN_VALUES} 项，durable-rules 无法表达",
                    f"more than {MAX_IN_VALUES} values: durable-rules cannot express it")
            return None
        if len(set(map(repr, operand))) != len(operand):
            problem(path + (op,), "取值列表中有重复项", "the list has duplicate values")
            return None
        values = [self._constant(definition, v, path + (op, i), problem) for i, v in enumerate(operand)]
        if any(v is _BAD for v in values):
            return None
        if op == "in":
            leaves = tuple(Compare(name, "eq", v) for v in values)
            return leaves[0] if len(leaves) == 1 else AnyOf(leaves)
        leaves = tuple(Compare(name, "ne", v) for v in values)
        return leaves[0] if len(leaves) == 1 else All(leaves)

    def _fact_operand(self, name: str, definition: FactDef, op: str, operand: dict, path: tuple,
                      problem: Problem) -> Node | None:
        where = path + (op,)
        extra = set(operand) - {"fact", "percent"}
        other = operand.get("fact")
        if extra or not isinstance(other, str):
            problem(where, "与其他事实比较应写 {fact: 事实名} 或 {fact: 事实名, percent: 百分数}",
                    "comparing with another fact is written {fact: NAME} or {fact: NAME, percent: P}")
            return None
        if other in self.broken:
            return None
        other_def = self.facts.get(other)
        if other_def is None:
            problem(where + ("fact",), f"未知事实 “{other}”{_suggest(other, list(self.facts))}",
                    f"unknown fact '{other}'{_suggest_en(other, list(self.facts))}")
            return None
        numeric = ("integer", "number")
        comparable = (definition.type in numeric and other_def.type in numeric) or (
            definition.type == other_def.type and definition.values == other_def.values)
        if not comparable or (definition.unit != other_def.unit):
            problem(where, f"“{name}” 与 “{other}” 的类型或单位不同，不能比较",
                    f"'{name}' and '{other}' differ in type or unit and cannot be compared")
            return None
        ratio = Fraction(1)
        if "percent" in operand:
            percent = operand["percent"]
            if isinstance(percent, bool) or not isinstance(percent, (int, float)) or not 0 < percent <= 10000:
                problem(where + ("percent",), "percent 应为大于 0 的数（如 80 表示 80%）",
                        "percent must be a number above 0 (80 means 80 %)")
                return None
            if definition.type not in ("integer", "number"):
                problem(where + ("percent",), "只有数值事实才能按百分比比较", "only numeric facts take a percent")
                return None
            ratio = Fraction(str(percent)) / 100
        if op in ORDER_OPERATORS and definition.type not in ("integer", "number", "date"):
            problem(where, f"事实 “{name}” 不能比较大小", f"fact '{name}' cannot be ordered")
            return None
        return Compare(name, op, other=other, ratio=ratio)

    def _constant(self, definition: FactDef, value: Any, path: tuple, problem: Problem) -> Any:
        try:
            return constant_value(definition, value)
        except ValueError as exc:
            zh, en = exc.args
            problem(path, zh, en)
            return _BAD


_BAD = object()


def constant_value(definition: FactDef, value: Any) -> Any:
    """A value of the fact's type, as the engine holds it; ValueError(zh, en) if it is not."""
    kind = definition.type
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        raise ValueError("应为 true 或 false", "expected true or false")
    if kind in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("应为数值", "expected a number")
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("不能是 NaN 或无穷大", "must not be NaN or infinite")
        if kind == "integer" and isinstance(value, float):
            if not value.is_integer():
                raise ValueError("应为整数", "expected an integer")
            return int(value)  # 4.0 is an integer in JSON (and JSON Schema); many clients cannot send 4
        return value
    if kind == "enum":
        if isinstance(value, str) and value in (definition.values or {}):
            return value
        allowed = "、".join(f"{k}（{v}）" for k, v in (definition.values or {}).items())
        raise ValueError(f"“{value}” 不是允许的取值；允许：{allowed}",
                         f"'{value}' is not an allowed value; allowed: {', '.join(definition.values or {})}")
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.toordinal()
    raise ValueError("应为日期（YYYY-MM-DD）", "expected a date (YYYY-MM-DD)")
