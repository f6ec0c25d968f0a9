"""The judging entry point: facts and a date in, a Judgement out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

from .assessment import assess
from .bundle import Bundle
from .conditions import Kleene, Values
from .durable_backend import DurableRuleset
from .judgement import Judgement
from .oracle import OracleEvaluator
from .verdict import Verdict, verdict

try:
    ENGINE_VERSION = version("edu-hazard-list")
except PackageNotFoundError:  # running from a source tree that was never installed
    ENGINE_VERSION = "0+source"

Evaluator = Literal["durable", "oracle"]


class Engine:
    """Judges facilities under one bundle. `durable` is the product path; `oracle` evaluates the
    same compiled conditions in plain Python (to check durable-rules and to explain)."""

    def __init__(self, bundle: Bundle, evaluator: Evaluator = "durable"):
        self.bundle = bundle
        self.evaluator_name = evaluator
        if evaluator == "durable":
            self._evaluator = DurableRuleset({tid: (v.key, node) for tid, (v, node) in bundle.conditions.items()})
        else:
            self._evaluator = OracleEvaluator(bundle)

    def judge(self, facts: Mapping[str, Any], as_of: dt.date) -> Judgement:
        """Raises FactError (naming each wrong fact) before anything is judged."""
        values, statuses = self.statuses(facts, as_of)
        return assess(self.bundle, statuses=statuses, values=values, submitted=dict(facts), as_of=as_of,
                      evaluator=self.evaluator_name, engine_version=ENGINE_VERSION)

    def verdict(self, facts: Mapping[str, Any], as_of: dt.date) -> Verdict:
        """The judgement's verdict alone (engine/verdict.py); raises FactError like judge."""
        values, statuses = self.statuses(facts, as_of)
        return verdict(self.bundle, statuses, values, as_of)

    def statuses(self, facts: Mapping[str, Any], as_of: dt.date) -> tuple[Values, dict[str, Kleene]]:
        """The checked facts, and each condition of the versions in force: True, False or None (unknown)."""
        values = self.bundle.vocabulary.check(facts)
        versions = [v.key for v in self.bundle.versions_on(as_of) if v.meta.encoded]
        return values, self._evaluator.statuses(values, versions)

    def close(self) -> None:
        self._evaluator.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
