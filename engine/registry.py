"""The rules in service, replaced whole on reload (atomic activation).

A reload loads, validates and compiles the new files completely before anything changes;
a broken set is refused and the active one keeps serving. Requests hold a lease on the
engine they started with, so a swap never changes rules under a running judgement; a
retired engine is closed when its last lease ends.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .bundle import Bundle
from .engine import Engine, Evaluator
from .errors import EngineFault, RuleError
from .loader import load


@dataclass
class _Live:
    engine: Engine
    leases: int = 0
    retired: bool = False


@dataclass(frozen=True)
class ReloadResult:
    ok: bool
    at: dt.datetime
    digest: str | None
    problems: list[str] = field(default_factory=list)


class ActiveRules:
    def __init__(self, rules_dir: str | Path, evaluator: Evaluator = "durable"):
        self.rules_dir = Path(rules_dir)
        self._evaluator = evaluator
        self._state = threading.Lock()
        self._reloading = threading.Lock()
        self._live = _Live(Engine(load(self.rules_dir), evaluator))  # RuleError propagates at start-up
        self.last_reload = ReloadResult(True, _now(), self._live.engine.bundle.digest)

    @property
    def bundle(self) -> Bundle:
        return self._live.engine.bundle

    @contextmanager
    def lease(self) -> Iterator[Engine]:
        with self._state:
            live = self._live
            live.leases += 1
        try:
            yield live.engine
        finally:
            with self._state:
                live.leases -= 1
                close = live.retired and live.leases == 0
            if close:
                live.engine.close()

    def reload(self) -> ReloadResult:
        """Load, check and compile the rules directory; activate it only if all of that worked."""
        with self._reloading:
            try:
                engine = Engine(load(self.rules_dir), self._evaluator)
            except RuleError as exc:
                result = ReloadResult(False, _now(), None, [str(p) for p in exc.problems])
            except EngineFault as exc:
                result = ReloadResult(False, _now(), None, [str(exc)])
            else:
                with self._state:
                    old, self._live = self._live, _Live(engine)
                    old.retired = True
                    close = old.leases == 0
                if close:
                    old.engine.close()
                result = ReloadResult(True, _now(), engine.bundle.digest)
            self.last_reload = result
            return result

    def close(self) -> None:
        with self._state:
            self._live.retired = True
            close = self._live.leases == 0
        if close:
            self._live.engine.close()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
