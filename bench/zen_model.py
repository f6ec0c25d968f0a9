"""The bundle's compiled conditions as a GoRules JSON Decision Model (JDM), run by zen-engine.

zen-engine (PyPI `zen-engine`, GoRules' Rust engine) is the peer a user might pick instead of
durable-rules. This module GENERATES its decision model from the same compiled condition trees
(engine/conditions.py: Compare / All / AnyOf / Ref) that durable-rules and the oracle run, so all
three decide the same conditions; the verdict is then made by the same `engine.assessment.assess`.

Three values in ZEN's expression language. Its `and` / `or` reject null operands, so each
condition is computed as a number: 2 = true, 1 = unknown (a fact it needs is missing), 0 = false;
`all` is the minimum of its parts, `any` the maximum, a negated derived fact is 2 − x. That is
Kleene's logic, the one the engine uses.

Numbers. ZEN computes in decimals, the engine in IEEE doubles. Comparing two facts, or a fact
with a constant, orders the same either way (a double converts to the shortest decimal that
reads back as it). Arithmetic does not: `other × 80 %` is 0.28 in decimals but 0.27999999999999997
in doubles, which flips a comparison at the threshold. So the one product the conditions hold
(`fact op other × percent`) is computed by the caller exactly as the engine computes it
(`conditions.ratio_of`) and passed in as an input; ZEN compares it.

One decision per set of versions in force (made on first use), so that, like durable-rules, only
the conditions of the versions in force are evaluated, in one call per judgement.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

from engine.bundle import Bundle
from engine.conditions import All, Compare, Kleene, Node, Ref, Values, ratio_of

try:
    import zen
except ImportError:  # bench-only dependency: pip install -e '.[bench]'
    zen = None

_OPS = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_KLEENE = {2: True, 1: None, 0: False}


def available() -> bool:
    return zen is not None


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")  # plain digits: the shortest decimal of the double
    if isinstance(value, str):
        return json.dumps(value)
    raise TypeError(f"no ZEN literal for {value!r}")


class _Names:
    """Context keys: facts as v<i>, products other × ratio as r<i> (fact names need not be identifiers)."""

    def __init__(self) -> None:
        self.facts: dict[str, str] = {}
        self.products: dict[tuple[str, Fraction], str] = {}

    def fact(self, name: str) -> str:
        return self.facts.setdefault(name, f"v{len(self.facts)}")

    def product(self, other: str, ratio: Fraction) -> str:
        return self.products.setdefault((other, ratio), f"r{len(self.products)}")


def expression(node: Node, names: _Names) -> str:
    """A ZEN expression worth 2 (true), 1 (unknown) or 0 (false)."""
    if isinstance(node, Compare):
        left = names.fact(node.fact)
        if node.other is None:
            right, needed = _literal(node.value), [left]
        else:
            right = names.fact(node.other) if node.ratio == 1 else names.product(node.other, node.ratio)
            needed = [left, right]
        missing = " or ".join(f"{n} == null" for n in needed)
        return f"(({missing}) ? 1 : (({left} {_OPS[node.op]} {right}) ? 2 : 0))"
    if isinstance(node, Ref):
        body = expression(node.body, names)
        return f"(2 - {body})" if node.negated else body
    parts = ", ".join(expression(item, names) for item in node.items)
    return f"{'min' if isinstance(node, All) else 'max'}([{parts}])"


def decision_model(conditions: list[tuple[str, Node]], names: _Names) -> dict:
    """A JDM graph: request → one expression node (c<i> per condition) → response."""
    expressions = [{"id": f"e{i}", "key": f"c{i}", "value": expression(node, names)}
                   for i, (_, node) in enumerate(conditions)]
    return {
        "nodes": [
            {"id": "request", "type": "inputNode", "name": "request", "position": {"x": 0, "y": 0}, "content": {}},
            {"id": "conditions", "type": "expressionNode", "name": "conditions", "position": {"x": 300, "y": 0},
             "content": {"expressions": expressions}},
            {"id": "response", "type": "outputNode", "name": "response", "position": {"x": 600, "y": 0}, "content": {}},
        ],
        "edges": [
            {"id": "in", "sourceId": "request", "targetId": "conditions", "type": "edge"},
            {"id": "out", "sourceId": "conditions", "targetId": "response", "type": "edge"},
        ],
    }


class ZenEvaluator:
    """Same interface as the engine's evaluators: statuses(values, versions) -> {condition id: Kleene}."""

    def __init__(self, bundle: Bundle):
        if zen is None:
            raise RuntimeError("zen-engine is not installed (pip install -e '.[bench]')")
        self._engine = zen.ZenEngine()
        self._names = _Names()
        self._by_version: dict[str, list[tuple[str, Node]]] = {}
        for test_id, (version, node) in bundle.conditions.items():
            self._by_version.setdefault(version.key, []).append((test_id, node))
        self._decisions: dict[tuple[str, ...], tuple[Any, list[str]]] = {}
        self.models: dict[tuple[str, ...], dict] = {}  # the generated JDM, for inspection

    def _decision(self, versions: list[str]) -> tuple[Any, list[str]]:
        key = tuple(versions)
        made = self._decisions.get(key)
        if made is None:
            conditions = [c for v in versions for c in self._by_version.get(v, [])]
            model = decision_model(conditions, self._names)
            self.models[key] = model
            made = self._decisions[key] = (self._engine.create_decision(zen.ZenDecisionContent(json.dumps(model))), [i for i, _ in conditions])
        return made

    def statuses(self, values: Values, versions: list[str]) -> dict[str, Kleene]:
        decision, ids = self._decision(versions)
        facts = self._names.facts
        context = {facts[name]: value for name, value in values.items() if name in facts}
        for (other, ratio), key in self._names.products.items():
            if other in values:
                context[key] = ratio_of(values[other], ratio)
        result = decision.evaluate(context)["result"]
        return {test_id: _KLEENE[result[f"c{i}"]] for i, test_id in enumerate(ids)}

    def close(self) -> None:
        """Nothing to release."""
