"""Published rule sets in the database: kept by digest for good (a decision names the one that
judged it, and replay loads it again), with which one is active and the latest reload attempt.

DatabaseRuleStore is engine.reload.rule_store.RuleStore with the database as the place every process
finds the sets: the processes of one server (SQLite under its state directory) or the replicas
on several machines (PostgreSQL). A set is loaded from a copy the store writes under its local
directory from the database's text, byte for byte. With PostgreSQL a publication is announced
with NOTIFY in the transaction that makes it active; followers LISTEN, and look anyway every
few seconds in case a notice was lost with a connection.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from ..reload.rule_store import RuleStore
from .database import Database, now_text

log = logging.getLogger("hazard.rules")
CHANNEL = "hazard_rules_published"


def read_files(directory: Path) -> dict[str, str]:
    """The YAML files of a rule set, by path under the directory, byte for byte (UTF-8 text: a
    set that loaded is UTF-8)."""
    root = Path(directory)
    return {str(p.relative_to(root)): p.read_bytes().decode("utf-8") for p in sorted(root.rglob("*.y*ml"))}


def write_files(files: dict[str, str], directory: Path) -> None:
    for name, text in files.items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))


def keep(database: Database, conn: Any, digest: str, files: dict[str, str]) -> None:
    """Keep a set by digest, once (the digest names its bytes), in the caller's transaction."""
    database.execute(conn, "INSERT INTO rule_sets (digest, files, published_at) VALUES (?, ?, ?) "
                           "ON CONFLICT (digest) DO NOTHING", (digest, json.dumps(files, ensure_ascii=False), now_text()))


def kept(database: Database, digest: str) -> dict[str, str] | None:
    rows = database.query("SELECT files FROM rule_sets WHERE digest = ?", (digest,))
    return json.loads(rows[0][0]) if rows else None


class DatabaseRuleStore(RuleStore):
    LOOK_ANYWAY_SECONDS = 5.0  # PostgreSQL: a look without a notice, in case one was missed

    def __init__(self, directory: Path, database: Database, shared: bool = True):
        super().__init__(directory, shared)
        self.database = database
        self._listener: Any = None

    def publish(self, staging: Path, digest: str) -> str:
        files = read_files(staging)
        announcement = f"{digest} {time.time_ns()}"

        def make_active(conn: Any) -> None:
            keep(self.database, conn, digest, files)
            self.database.execute(conn, "INSERT INTO rules_active (one, announcement) VALUES (1, ?) "
                                        "ON CONFLICT (one) DO UPDATE SET announcement = excluded.announcement",
                                  (announcement,))
            if self.database.postgres:
                conn.execute(f"NOTIFY {CHANNEL}")

        self.database.write(make_active)
        self._cache(staging, digest)
        return announcement

    def _cache(self, staging: Path, digest: str) -> None:
        target = super().path_of(digest)
        try:
            staging.rename(target)
        except OSError:  # cached already
            self.discard(staging)
        self._prune(keep=digest)

    def active(self) -> str | None:
        rows = self.database.query("SELECT announcement FROM rules_active WHERE one = 1")
        return rows[0][0] if rows else None

    def path_of(self, digest: str) -> Path:
        """A local copy of the set, written from the database if this machine has none yet."""
        target = super().path_of(digest)
        if target.is_dir():
            return target
        files = kept(self.database, digest)
        if files is None:
            return target  # not published: loading it fails, naming the directory
        staging = Path(tempfile.mkdtemp(prefix="fetched-", dir=self.directory))
        write_files(files, staging)
        self._cache(staging, digest)
        return target

    def record_attempt(self, record: str) -> None:
        self.database.write(lambda conn: self.database.execute(
            conn, "INSERT INTO reload_attempts (one, record) VALUES (1, ?) "
                  "ON CONFLICT (one) DO UPDATE SET record = excluded.record", (record,)))

    def last_attempt(self) -> str | None:
        rows = self.database.query("SELECT record FROM reload_attempts WHERE one = 1")
        return rows[0][0] if rows else None

    def wait(self, seconds: float, stop: threading.Event) -> None:
        if not self.database.postgres:
            super().wait(seconds, stop)
            return
        deadline = time.monotonic() + self.LOOK_ANYWAY_SECONDS
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                if self._listener is None:
                    self._listener = self.database.connect()
                    self._listener.execute(f"LISTEN {CHANNEL}")
                for _ in self._listener.notifies(timeout=seconds, stop_after=1):
                    return
            except Exception as exc:  # noqa: BLE001 - a lost connection: listen again on a new one
                log.warning("listening for rule publications failed: %s", exc)
                self._close_listener()
                stop.wait(seconds)
                return

    def _close_listener(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass
            self._listener = None

    def close(self) -> None:
        self._close_listener()

