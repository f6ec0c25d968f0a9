"""Accepted rule sets, kept whole, where every process of one server can find them.

The rules directory is where experts edit; it may hold a half-finished or refused edit at
any moment. What a server serves is a copy: a reload first copies the directory into the
store, loads, checks and builds that copy, and only then publishes it under its digest and
names it active. Every process (a worker following a reload, a worker started in place of
one that died) loads the active copy, never the directory, so all of them serve exactly the
bytes that were checked, whatever is in the directory by then.

    <store>/sets/<digest>/...   an accepted copy (facts/, standards/, lists/)
    <store>/active              "<digest> <ns>" of the set in service (replaced atomically)
    <store>/last-attempt.json   the latest reload attempt by any process, accepted or refused
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

KEEP = 4  # published sets kept: the active one and the few before it, which followers may still be loading


class RuleStore:
    def __init__(self, directory: Path, shared: bool = True):
        """shared: other processes may publish here too (False: a private store, nothing to follow)."""
        self.directory = Path(directory)
        self.shared = shared
        self._sets = self.directory / "sets"
        self._active = self.directory / "active"
        self._attempt = self.directory / "last-attempt.json"
        self._sets.mkdir(parents=True, exist_ok=True)

    def stage(self, rules_dir: Path) -> Path:
        """A private copy of the YAML files in rules_dir (misplaced ones too, for the loader to
        refuse), to load, check and build before publishing. OSError if it cannot be read."""
        if not Path(rules_dir).is_dir():
            raise FileNotFoundError(2, "规则目录不存在 / no such directory", str(rules_dir))
        staging = Path(tempfile.mkdtemp(prefix="staging-", dir=self.directory))
        for path in Path(rules_dir).rglob("*.y*ml"):
            target = staging / path.relative_to(rules_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        return staging

    def discard(self, staging: Path) -> None:
        shutil.rmtree(staging, ignore_errors=True)

    def publish(self, staging: Path, digest: str) -> str:
        """Keep a checked copy under its digest and name it active; the announcement written."""
        target = self.path_of(digest)
        try:
            staging.rename(target)
        except OSError:  # already published (the same files reloaded again): keep the one there
            if not target.is_dir():
                raise
            self.discard(staging)
        os.utime(target)  # newest first when old sets are pruned
        announcement = f"{digest} {time.time_ns()}"
        self._replace(self._active, announcement)
        self._prune(keep=digest)
        return announcement

    def record_attempt(self, record: str) -> None:
        """What the latest reload attempt came to, for every process of the server to report."""
        self._replace(self._attempt, record)

    def last_attempt(self) -> str | None:
        try:
            return self._attempt.read_text(encoding="utf-8") or None
        except OSError:
            return None

    @staticmethod
    def _replace(path: Path, text: str) -> None:
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)  # readers see the old or the new text, never half of one

    def active(self) -> str | None:
        """The active announcement ("<digest> <ns>"), or None before the first publication."""
        try:
            return self._active.read_text() or None
        except OSError:
            return None

    def path_of(self, digest: str) -> Path:
        return self._sets / digest

    def wait(self, seconds: float, stop: threading.Event) -> None:
        """Until another process may have published (here: a look every `seconds`), or stop is set."""
        stop.wait(seconds)

    def close(self) -> None:
        """Nothing held open here (a database store holds its listening connection)."""

    def _prune(self, keep: str) -> None:
        sets = sorted(self._sets.iterdir(), key=_mtime, reverse=True)
        for old in sets[KEEP:]:
            if old.name != keep:
                shutil.rmtree(old, ignore_errors=True)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:  # pruned meanwhile by another process of the server
        return 0
