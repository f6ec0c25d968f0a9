"""The decision log as the service uses it: where it is (settings), and a judgement recorded
before it is answered, or the request fails with a problem (503)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from fastapi import Request

from engine import Judgement
from engine.decisions import Decision, DecisionLog, RecordingError, database_for
from engine.decisions.rule_sets import DatabaseRuleStore
from engine.reload.rule_store import RuleStore

from .problems import RequestProblem
from .settings import Settings

DECISION_HEADER = "X-Decision-ID"  # a single judgement's id in the decision log
NOT_RECORDED = "判定未能记入决定日志，未作答复 / the judgement could not be recorded in the decision log; not answered"


class Recorder:
    """Decisions of one app; off (nothing recorded) when the log is."""

    def __init__(self, settings: Settings):
        self._private = None if settings.state_dir else tempfile.TemporaryDirectory(prefix="hazard-state-")
        self.state_dir = settings.state_dir or Path(self._private.name)
        self.database = database_for(settings.database_url, self.state_dir) if settings.decision_log else None
        self.log = DecisionLog(self.database) if self.database else None

    def rule_store(self) -> RuleStore:
        """Where the server's processes (and, with PostgreSQL, the replicas) find the published rule sets."""
        shared = self._private is None or bool(self.database and self.database.postgres)  # else: this process alone
        if self.database:
            return DatabaseRuleStore(self.state_dir, self.database, shared)
        return RuleStore(self.state_dir, shared)

    def decision(self, request: Request, received: dt.datetime, judgement: Judgement, facts: dict[str, Any],
                 subject: Any, item_id: str | None = None) -> Decision | None:
        """What to record of a judgement (None: the log is off)."""
        if self.log is None:
            return None
        fields = subject.fields() if subject is not None else {}
        if item_id is not None:  # a batch item's id is the caller's facility id unless the subject says otherwise
            fields.setdefault("facility_id", item_id)
        return Decision.of(judgement, facts, request.state.request_id, received, fields or None, item_id)

    async def record(self, decisions: list[Decision | None]) -> None:
        """Committed, or RequestProblem 503: nothing is answered that the log does not hold."""
        decisions = [d for d in decisions if d is not None]
        if self.log is not None and decisions:
            try:
                await self.log.record_async(decisions)
            except RecordingError as exc:
                raise _unavailable(exc) from None

    def record_blocking(self, decisions: list[Decision | None]) -> None:
        """record(), from a thread of the pool."""
        decisions = [d for d in decisions if d is not None]
        if self.log is not None and decisions:
            try:
                self.log.record(decisions)
            except RecordingError as exc:
                raise _unavailable(exc) from None


def _unavailable(exc: RecordingError) -> RequestProblem:
    return RequestProblem(503, "决定日志不可用 / decision log unavailable", f"{NOT_RECORDED}: {exc}")
