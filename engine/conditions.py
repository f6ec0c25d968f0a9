"""Conditions over facts: parsed from rule files into a small tree, evaluated in three values.

A condition is true, false, or unknown (None) when a fact it needs is missing (Kleene
logic: `all` is false as soon as one part is false, `any` is true as soon as one part is
true). The same tree is compiled for durable-rules (`durable_backend`) and evaluated here in
plain Python, which is the oracle and the source of every explanation.

Values inside the engine: booleans, numbers, enum codes (str), and dates as ordinal days.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Union

from .schema import FactDef

Kleene = Union[bool, None]
Values = dict[str, Any]  # fact name -> engine value (missing facts are absent)

OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in")
ORDER_OPERATORS = ("lt", "le", "gt", "ge")
NEGATED = {"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "le": "gt", "gt": "le"}
OP_WORDS = {"eq": "等于", "ne": "不等于", "lt": "小于", "le": "不大于", "gt": "大于", "ge": "不小于"}
MAX_IN_VALUES = 40   # an `$or` of 40 equalities is the largest durable-rules was seen to accept
MAX_LEAVES = 64      # per condition, well under durable-rules' expression limits


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


Node = Union[Compare, All, AnyOf, Ref]


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


def facts_of(node: Node) -> set[str]:
    if isinstance(node, Compare):
        return {node.fact} | ({node.other} if node.other else set())
    if isinstance(node, Ref):
        return facts_of(node.body)
    return set().union(*(facts_of(i) for i in node.items))


def leaf_count(node: Node) -> int:
    if isinstance(node, Compare):
        return 1
    if isinstance(node, Ref):
        return leaf_count(node.body)
    return sum(leaf_count(i) for i in node.items)


# --- evaluation (the oracle) -------------------------------------------------------------

def ratio_of(value: float, ratio: Fraction) -> float:
    """other × ratio, computed exactly as the compiled durable-rules rule computes it
    (multiply, then divide, in doubles), so both evaluators agree to the last bit."""
    if ratio == 1:
        return value
    return value * float(ratio.numerator) / float(ratio.denominator)


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "eq":
        return left == right
    if op == "ne":
        return left != right
    if op == "lt":
        return left < right
    if op == "le":
        return left <= right
    if op == "gt":
        return left > right
    return left >= right


def evaluate(node: Node, values: Values) -> Kleene:
    if isinstance(node, Compare):
        if node.fact not in values or (node.other and node.other not in values):
            return None
        right = ratio_of(values[node.other], node.ratio) if node.other else node.value
        return _compare(node.op, values[node.fact], right)
    if isinstance(node, Ref):
        result = evaluate(node.body, values)
        return result if result is None or not node.negated else not result
    results = [evaluate(i, values) for i in node.items]
    if isinstance(node, All):
        return False if False in results else (None if None in results else True)
    return True if True in results else (None if None in results else False)


def _value(node: Node, values: Values, positive: bool, collect: Callable[[Node], list[str]],
           wanted: Kleene) -> tuple[Kleene, list[str]]:
    """The value of the node (of its negation when not positive), evaluated once per node, and,
    when it is `wanted`, the facts behind it in depth-first order (repeats removed by the caller).
    `wanted` True: the facts of every true part; None: those of the undecided parts, within an
    `all` of its first undecided part only."""
    if isinstance(node, Compare):
        if node.fact not in values or (node.other and node.other not in values):
            value: Kleene = None
        else:
            right = ratio_of(values[node.other], node.ratio) if node.other else node.value
            value = _compare(node.op if positive else NEGATED[node.op], values[node.fact], right)
        return value, (collect(node) if value is wanted else [])
    if isinstance(node, Ref):
        negated = node.negated != (not positive)  # negate(Ref) is the Ref with the flag flipped
        if wanted is None:  # undecided either way: the body as written
            value, found = _value(node.body, values, True, collect, wanted)
            return (value if value is None or not node.negated else not value), found
        return _value(node.body, values, not negated, collect, wanted)
    parts = [_value(item, values, positive, collect, wanted) for item in node.items]
    results = [v for v, _ in parts]
    if isinstance(node, All) == (positive or wanted is None):  # negate(all) is an any of the negations
        value = False if False in results else (None if None in results else True)
    else:
        value = True if True in results else (None if None in results else False)
    if value is not wanted:
        return value, []
    if wanted is None and isinstance(node, All):
        return value, next(found for v, found in parts if v is None)
    return value, [name for v, found in parts if v is wanted for name in found]


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def facts_behind(node: Node, values: Values) -> list[str]:
    """The facts that make a true condition true (in order, without repeats)."""
    def collect(leaf: Compare) -> list[str]:
        return [leaf.fact, leaf.other] if leaf.other else [leaf.fact]

    value, found = _value(node, values, True, collect, True)
    return _unique(found) if value is True else []


def missing_behind(node: Node, values: Values) -> list[str]:
    """The missing facts to ask for next to decide an unknown condition: within an `all`, those
    of its first undecided part only (rule files put gate questions such as "is there a boiler?"
    first, and their answer may settle the rest); within an `any`, those of every undecided part."""
    def collect(leaf: Compare) -> list[str]:
        return [name for name in (leaf.fact, leaf.other) if name and name not in values]

    value, found = _value(node, values, True, collect, None)
    return _unique(found) if value is None else []


# --- parsing from rule files ---------------------------------------------------------------

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
