"""The rules in service, replaced whole on reload (atomic activation).

A reload loads, validates and compiles the new files completely before anything changes;
a broken set is refused and the active one keeps serving. Requests hold a lease on the
engine they started with, so a swap never changes rules under a running judgement; a
retired engine is closed when its last lease ends.

Several processes serving the same rules (server workers) share a signal file: a process
that activated new rules writes its digest there, and the others, noticing the change on
their next lease, reload too.

Rule files are untrusted: before a reload builds them here, a child process builds them
with a timeout (engine.build_check), since durable-rules may hang holding the GIL or abort
the process on some sets that pass lint. A process following another's announcement skips
that when it loaded exactly the files the announcer checked (same digest).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .build_check import DEFAULT_TIMEOUT, check_build
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
    SIGNAL_CHECK_SECONDS = 0.5

    def __init__(self, rules_dir: str | Path, evaluator: Evaluator = "durable", signal_file: Path | None = None,
                 build_timeout: float = DEFAULT_TIMEOUT):
        self.rules_dir = Path(rules_dir)
        self.build_timeout = build_timeout
        self._signal_file = signal_file
        self._signal_seen = self._read_signal()
        self._signal_next_check = 0.0
        self._evaluator = evaluator
        self._state = threading.Lock()
        self._reloading = threading.Lock()
        self._live = _Live(Engine(load(self.rules_dir), evaluator))  # RuleError propagates at start-up
        self.last_reload = ReloadResult(True, _now(), self._live.engine.bundle.digest)

    @property
    def bundle(self) -> Bundle:
        self._follow_signal()
        return self._live.engine.bundle

    @contextmanager
    def lease(self) -> Iterator[Engine]:
        self._follow_signal()
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

    def reload(self, announce: bool = True, checked_digest: str | None = None) -> ReloadResult:
        """Load, check and compile the rules directory; activate it only if all of that worked
        (and then, if announce, tell the other processes sharing the signal file).
        checked_digest: files with this digest were already built in a child process."""
        with self._reloading:
            try:
                bundle = load(self.rules_dir)
                problem = self._check_build(bundle, checked_digest)
                if problem:
                    raise EngineFault(problem)
                engine = Engine(bundle, self._evaluator)
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
                if announce:
                    self._write_signal(engine.bundle.digest)
            self.last_reload = result
            return result

    def _check_build(self, bundle: Bundle, checked_digest: str | None) -> str | None:
        """Why the loaded bundle must not be built in this process, or None."""
        if self._evaluator != "durable" or bundle.digest == checked_digest:
            return None
        check = check_build(self.rules_dir, self.build_timeout)
        if not check.ok:
            return check.problem
        if check.digest != bundle.digest:
            return ("规则文件在重新加载期间被修改，未启用，请再次重新加载 / the rule files changed during the reload; "
                    "not activated, reload again")
        return None

    def _read_signal(self) -> str | None:
        try:
            return self._signal_file.read_text() if self._signal_file else None
        except OSError:
            return None

    def _write_signal(self, digest: str) -> None:
        if self._signal_file is None:
            return
        tmp = self._signal_file.with_name(f"{self._signal_file.name}.{os.getpid()}")
        tmp.write_text(f"{digest} {time.time_ns()}")
        tmp.replace(self._signal_file)  # atomic: readers see the old or the new signal, never half
        self._signal_seen = self._read_signal()

    def _follow_signal(self) -> None:
        """Reload when another process announced new rules (looked at twice a second at most)."""
        if self._signal_file is None or time.monotonic() < self._signal_next_check:
            return
        self._signal_next_check = time.monotonic() + self.SIGNAL_CHECK_SECONDS
        current = self._read_signal()
        if current and current != self._signal_seen:
            self._signal_seen = current
            # following, not announcing: no ping-pong between processes; the announcer built these files
            self.reload(announce=False, checked_digest=current.split(" ", 1)[0])

    def close(self) -> None:
        with self._state:
            self._live.retired = True
            close = self._live.leases == 0
        if close:
            self._live.engine.close()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
