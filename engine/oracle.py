"""Plain-Python evaluator of the same compiled conditions: the test oracle for durable-rules."""

from __future__ import annotations

from .bundle import Bundle
from .conditions import Kleene, Values, evaluate


class OracleEvaluator:
    def __init__(self, bundle: Bundle):
        self._by_version: dict[str, list] = {}
        for condition_id, (version, node) in bundle.conditions.items():
            self._by_version.setdefault(version.key, []).append((condition_id, node))

    def statuses(self, values: Values, versions: list[str]) -> dict[str, Kleene]:
        return {condition_id: evaluate(node, values)
                for version in versions for condition_id, node in self._by_version.get(version, [])}

    def close(self) -> None:
        """Nothing to release; present so both evaluators are used the same way."""
