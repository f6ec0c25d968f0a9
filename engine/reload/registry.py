"""The rules in service, replaced whole on reload (atomic activation).

A reload copies the rules directory into the rule store, loads, validates and builds that
copy completely, and only then publishes it and swaps it in; a broken set is refused and the
active one keeps serving. Requests hold a lease on the engine they started with, so a swap
never changes rules under a running judgement; a retired engine is closed when its last
lease ends.

Several processes serving the same rules (server workers) share one store: the others notice
a publication within half a second, in a background thread, and load that same copy; a process
started later (in place of a worker that died) starts from it, whatever the directory holds by then.

Rule files are untrusted: a reload builds them in a child process with a timeout
(engine.reload.build_check) before building them here, since durable-rules may hang holding the GIL
or abort the process on some sets that pass lint. A published copy has been through that.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..bundle import Bundle
from ..engine import Engine, Evaluator
from ..errors import EngineFault, RuleError, RuleProblem
from ..loader import load
from .build_check import DEFAULT_TIMEOUT, check_build
from .rule_store import RuleStore

log = logging.getLogger("hazard.rules")


@dataclass
class _Live:
    engine: Engine
    leases: int = 0
    retired: bool = False


@dataclass(frozen=True)
class ReloadResult:
    """One reload attempt: accepted (ok, the digest activated) or refused (why, with files and lines)."""

    ok: bool
    at: dt.datetime
    digest: str | None
    problems: list[RuleProblem] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"ok": self.ok, "at": self.at.isoformat(), "digest": self.digest,
                           "problems": [asdict(p) for p in self.problems]}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ReloadResult:
        raw = json.loads(text)
        problems = [RuleProblem(**{**p, "path": tuple(p["path"])}) for p in raw["problems"]]
        return cls(raw["ok"], dt.datetime.fromisoformat(raw["at"]), raw["digest"], problems)


class ActiveRules:
    FOLLOW_CHECK_SECONDS = 0.5

    def __init__(self, rules_dir: str | Path, evaluator: Evaluator = "durable", store_dir: Path | None = None,
                 build_timeout: float = DEFAULT_TIMEOUT, store: RuleStore | None = None):
        """store_dir: shared by the processes serving these rules (None: a private one); store: the
        one they share instead (engine.decisions.rule_sets: in a database, shared across machines).
        Starts from the set published there, if any; otherwise publishes the directory's
        (RuleError at start-up if it is broken)."""
        self.rules_dir = Path(rules_dir)
        self.build_timeout = build_timeout
        self._evaluator = evaluator
        shared = store.shared if store is not None else store_dir is not None
        self._private_store = None if store or store_dir else tempfile.TemporaryDirectory(prefix="hazard-rules-")
        self._store = store or RuleStore(store_dir or Path(self._private_store.name))
        self._state = threading.Lock()
        self._reloading = threading.Lock()
        self._closed = threading.Event()
        published = self._store.active()
        if published:
            engine = Engine(self._load_published(published), evaluator)
        else:  # the operator's files at start-up: built here (hazard serve checked them in a child first)
            engine, published = self._accept(build_in_child=False)
        self._published_seen = published
        self._live = _Live(engine)
        self.active_since = _now()
        self.follow_error: str | None = None  # why the latest publication by another process could not be followed
        if shared:  # others may publish there: follow in the background, so that no request waits for a load
            threading.Thread(target=self._follow_publications, name="rules-follower", daemon=True).start()

    @property
    def bundle(self) -> Bundle:
        return self._live.engine.bundle

    def published_copy(self) -> Path:
        """The store's copy the rules in service were loaded from (the directory may hold an edit since)."""
        return self._store.path_of(self.bundle.digest)

    @property
    def last_reload(self) -> ReloadResult | None:
        """The latest reload attempt by any process serving these rules (None before the first)."""
        record = self._store.last_attempt()
        return ReloadResult.from_json(record) if record else None

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
        """Copy, load, check and build the rules directory; publish and activate the copy only
        if all of that worked."""
        with self._reloading:
            try:
                engine, published = self._accept(build_in_child=self._evaluator == "durable")
            except RuleError as exc:
                result = ReloadResult(False, _now(), None, exc.problems)
            except (EngineFault, OSError) as exc:
                result = ReloadResult(False, _now(), None, [self._whole_set_problem(str(exc))])
            except Exception as exc:  # noqa: BLE001 - a refused reload, never a 500; the old rules keep serving
                log.exception("reload failed")
                result = ReloadResult(False, _now(), None, [self._whole_set_problem(
                    f"重新加载时引擎出错（引擎的缺陷，已记录）/ the engine failed while reloading (a defect, logged): "
                    f"{type(exc).__name__}: {exc}")])
            else:
                self._published_seen = published
                self._activate(engine)
                result = ReloadResult(True, _now(), engine.bundle.digest)
            self._store.record_attempt(result.to_json())
            return result

    def _whole_set_problem(self, message: str) -> RuleProblem:
        """A reason that concerns the whole set (the build, the directory), in the loader's form."""
        zh, _, en = message.partition(" / ")
        return RuleProblem(str(self.rules_dir), None, (), zh, en or zh)

    def _accept(self, build_in_child: bool) -> tuple[Engine, str]:
        bundle, staging = _checked_copy(self._store, self.rules_dir, self.build_timeout, build_in_child)
        try:
            engine = Engine(bundle, self._evaluator)
        except BaseException:
            self._store.discard(staging)
            raise
        return engine, self._store.publish(staging, bundle.digest)

    def _load_published(self, published: str) -> Bundle:
        digest = published.split(" ", 1)[0]
        bundle = load(self._store.path_of(digest), shown_as=self.rules_dir)
        if bundle.digest != digest:
            raise EngineFault(f"已发布的规则副本与其摘要不符 / the published copy {digest} does not match its digest")
        return bundle

    def _follow_publications(self) -> None:
        while not self._closed.is_set():
            self._store.wait(self.FOLLOW_CHECK_SECONDS, self._closed)
            if not self._closed.is_set():
                try:
                    self._follow()
                except Exception as exc:  # noqa: BLE001 - the store unreachable (a database down): look again later
                    self.follow_error = str(exc)
                    log.warning("cannot look for rules published by other processes: %s", exc)

    def _follow(self) -> None:
        """Serve what another process published. A copy that cannot be loaded (pruned meanwhile)
        is tried again at the next look."""
        with self._reloading:  # after a reload of this process's own, there is nothing new to follow
            published = self._store.active()
            if not published or published == self._published_seen:
                return
            try:
                if published.split(" ", 1)[0] != self._live.engine.bundle.digest:
                    self._activate(Engine(self._load_published(published), self._evaluator))
                self._published_seen = published
                self.follow_error = None
            except Exception as exc:  # noqa: BLE001 - the follower must outlive a bad copy; the fault is reported
                self.follow_error = str(exc)
                log.warning("cannot follow the rules published as %s: %s", published, exc)

    def _activate(self, engine: Engine) -> None:
        with self._state:
            old, self._live = self._live, _Live(engine)
            self.active_since = _now()
            old.retired = True
            close = old.leases == 0
        if close:
            old.engine.close()

    def close(self) -> None:
        self._closed.set()
        self._store.close()
        with self._state:
            self._live.retired = True
            close = self._live.leases == 0
        if close:
            self._live.engine.close()
        if self._private_store:
            self._private_store.cleanup()


def publish(rules_dir: Path, store: RuleStore, build_timeout: float = DEFAULT_TIMEOUT) -> str:
    """Check the rules directory (lint, then a build in a child process) and publish it as the
    set a server's processes start from; its digest. RuleError / EngineFault / OSError if not."""
    bundle, staging = _checked_copy(store, Path(rules_dir), build_timeout, build_in_child=True)
    store.publish(staging, bundle.digest)
    return bundle.digest


def _checked_copy(store: RuleStore, rules_dir: Path, build_timeout: float, build_in_child: bool
                  ) -> tuple[Bundle, Path]:
    """A staged copy of the directory, loaded (and built in a child process); the caller
    publishes or discards the copy."""
    staging = store.stage(rules_dir)
    try:
        bundle = load(staging, shown_as=rules_dir)
        if build_in_child:
            check = check_build(staging, build_timeout)
            if not check.ok:
                raise EngineFault(check.problem)
    except BaseException:
        store.discard(staging)
        raise
    return bundle, staging


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
