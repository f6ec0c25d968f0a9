"""The fact vocabulary: what a facility can be described by, and checking submitted facts.

durable-rules coerces silently ('50' > 100 is true, 'false' equals false, a missing
attribute is a quiet non-match), so every submitted value is checked against its declared
type here, before any evaluator sees it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .conditions import Compare, Node, Ref, Values, constant_value, display_value, evaluate, facts_of
from .errors import FactError, FactProblem
from .schema import DerivedDef, FactDef

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DEFAULT_LIMIT = 1e12  # numbers beyond this are not measurements; durable-rules holds doubles
# A close name is suggested for the first few unknown names of a facility only, and only for
# names of a sensible length: each suggestion costs milliseconds, and a 1 MB body holds
# 100,000 names (it held a server worker for minutes).
SUGGEST_AT_MOST = 3
SUGGEST_MAX_LENGTH = 64


@dataclass(frozen=True)
class DerivedFact:
    name: str
    definition: DerivedDef
    condition: Node


@dataclass(frozen=True)
class Constraint:
    """Facts that must not contradict each other (schema.ConstraintDef, conditions parsed)."""

    name: str
    label: str
    when: Node | None
    require: Node | None
    absent: tuple[str, ...]

    def violated(self, values: Values) -> list[str]:
        """The given facts that contradict each other under this constraint ([] if none do);
        a constraint whose facts are not all given is not violated."""
        if self.when is not None and evaluate(self.when, values) is not True:
            return []
        if self.require is not None and evaluate(self.require, values) is not False:
            return []
        named = facts_of(self.when) if self.when is not None else set()
        if self.require is not None:
            order = _ordered_facts(self.require) + sorted(named - set(_ordered_facts(self.require)))
        else:
            given = [n for n in self.absent if n in values]
            if not given:
                return []
            order = given + sorted(named)
        return [n for n in dict.fromkeys(order) if n in values]


def _ordered_facts(node: Node) -> list[str]:
    """Facts of a condition in the order they are written."""
    if isinstance(node, Compare):
        return [node.fact] + ([node.other] if node.other else [])
    if isinstance(node, Ref):
        return _ordered_facts(node.body)
    return [name for item in node.items for name in _ordered_facts(item)]


@dataclass(frozen=True)
class Vocabulary:
    facts: dict[str, FactDef]
    derived: dict[str, DerivedFact]
    hazards: dict[str, str]  # hazard kind -> Chinese label
    constraints: tuple[Constraint, ...] = ()

    @cached_property
    def place_fact(self) -> str | None:
        return next((name for name, f in self.facts.items() if f.place), None)

    @cached_property
    def constraints_on(self) -> dict[str, tuple[Constraint, ...]]:
        """Fact -> the constraints that name it."""
        out: dict[str, list[Constraint]] = {}
        for c in self.constraints:
            named = set().union(*(facts_of(n) for n in (c.when, c.require) if n is not None), c.absent)
            for name in named:
                out.setdefault(name, []).append(c)
        return {name: tuple(cs) for name, cs in out.items()}

    def label(self, name: str) -> str:
        if name in self.facts:
            return self.facts[name].label
        return self.derived[name].definition.label

    def derived_labels(self) -> dict[str, str]:
        return {name: d.definition.label for name, d in self.derived.items()}

    def check(self, submitted: Any) -> Values:
        """Submitted facts as engine values; FactError naming every wrong fact.

        A fact given as null is treated as not given (unknown), never as false or zero.
        """
        if not isinstance(submitted, Mapping):
            raise FactError([FactProblem("(facts)", "事实应为“名称: 值”的映射", "facts must be a name: value mapping")])
        values: Values = {}
        problems: list[FactProblem] = []
        unknown = 0
        for name, raw in submitted.items():
            problem = self._check_one(name, raw, values, suggest=unknown < SUGGEST_AT_MOST)
            if problem:
                problems.append(problem)
                unknown += name not in self.facts
        problems += self.contradictions(values)
        if problems:
            raise FactError(problems)
        return values

    def contradictions(self, values: Values) -> list[FactProblem]:
        out = []
        for constraint in self.constraints:
            names = constraint.violated(values)
            if names:
                shown_zh = "，".join(f"“{self.label(n)}”为 {self.show(n, values[n])}" for n in names)
                shown_en = ", ".join(f"{n} = {self.show(n, values[n])}" for n in names)
                out.append(FactProblem(names[0], f"与其他事实矛盾：{constraint.label}（{shown_zh}）",
                                       f"contradicts other facts ({constraint.name}): {shown_en}", tuple(names[1:])))
        return out

    def _check_one(self, name: Any, raw: Any, values: Values, suggest: bool = True) -> FactProblem | None:
        if not isinstance(name, str):
            return FactProblem(repr(name), "事实名应为文字", "a fact name must be text")
        definition = self.facts.get(name)
        if definition is None:
            if name in self.derived:
                return FactProblem(name, f"“{self.label(name)}”由其他事实推出，不能直接提交",
                                   f"'{name}' is derived from other facts and cannot be submitted")
            close = difflib.get_close_matches(name, list(self.facts), n=1) \
                if suggest and len(name) <= SUGGEST_MAX_LENGTH else []
            hint_zh = f"（是否想写 “{close[0]}”？）" if close else ""
            hint_en = f" (did you mean '{close[0]}'?)" if close else ""
            return FactProblem(name, f"未知事实，词汇表中没有{hint_zh}", f"unknown fact, not in the vocabulary{hint_en}")
        if raw is None:
            return None
        if definition.type == "date" and isinstance(raw, str) and ISO_DATE.fullmatch(raw):
            try:
                raw = dt.date.fromisoformat(raw)
            except ValueError:
                pass  # e.g. 2024-02-30: reported below as not a date
        try:
            value = constant_value(definition, raw)
        except ValueError as exc:
            zh, en = exc.args
            return FactProblem(name, f"“{definition.label}”{zh}", f"'{name}': {en}")
        if definition.type in ("integer", "number"):
            low = definition.minimum if definition.minimum is not None else -DEFAULT_LIMIT
            high = definition.maximum if definition.maximum is not None else DEFAULT_LIMIT
            if not low <= value <= high:
                # str() of an integer of more than 4,300 digits raises ValueError: huge ones are not spelt out
                zh, en = ((str(value), str(value)) if -10 ** 30 < value < 10 ** 30 else
                          ("大于 10^30 的数", "a number above 10^30") if value > 0 else
                          ("小于 -10^30 的数", "a number below -10^30"))
                return FactProblem(name, f"“{definition.label}”应在 {low:g} 到 {high:g} 之间，实际为 {zh}",
                                   f"'{name}' must be between {low:g} and {high:g}; got {en}")
        values[name] = value
        return None

    def show(self, name: str, value: Any) -> str:
        return display_value(self.facts[name], value)
