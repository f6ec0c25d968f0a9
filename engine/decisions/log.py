"""The append-only decision log: group commits, the hash chain, queries.

record() returns once the decisions are committed. Callers in one process hand their decisions
to one writer thread, which commits everything waiting in one transaction (a group commit):
under load many requests share a commit and its sync. Every process appends under the
database's exclusive lock, reading the chain's last hash inside that transaction, so the chain
stays one chain whichever process or machine appends.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from .database import Database, DatabaseError
from .records import COLUMNS, GENESIS, SUBJECT_FIELDS, Decision, searchable

log = logging.getLogger("hazard.decisions")
GROUP_MAX = 2_000  # decisions per transaction at most: a stream's chunks, many requests' singles


class RecordingError(Exception):
    """A decision could not be committed: the judgement must not be answered."""


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    id: str | None
    reason: str  # Chinese / English

    def __str__(self) -> str:
        return f"第 {self.seq} 条（{self.id}）：{self.reason}"


@dataclass(frozen=True)
class Latest:
    """A subject's latest recorded decision, as issue-13-impact re-judges it."""

    subject: dict[str, str]
    as_of: str
    facts: dict[str, Any]
    classification: str
    criteria: list[str]
    rules_digest: str
    decision_id: str


class DecisionLog:
    def __init__(self, database: Database):
        self.database = database
        self._waiting: queue.SimpleQueue[tuple[list[Decision], Future] | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._start = threading.Lock()

    # -- appending ----------------------------------------------------------------------------
    def submit(self, decisions: list[Decision]) -> Future:
        """Hand decisions to the writer; the future's result is the list as chained, once committed."""
        done: Future = Future()
        if not decisions:
            done.set_result([])
            return done
        with self._start:
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._write_loop, name="decision-log-writer", daemon=True)
                self._writer.start()
        self._waiting.put((decisions, done))
        return done

    def record(self, decisions: list[Decision]) -> list[Decision]:
        """Commit the decisions (RecordingError if they could not be)."""
        return self.submit(decisions).result()

    async def record_async(self, decisions: list[Decision]) -> list[Decision]:
        return await asyncio.wrap_future(self.submit(decisions))

    def close(self) -> None:
        if self._writer is not None and self._writer.is_alive():
            self._waiting.put(None)
            self._writer.join(timeout=30)

    def _write_loop(self) -> None:
        conn = None
        while True:
            first = self._waiting.get()
            if first is None:
                break
            group = [first]
            count = len(first[0])
            while count < GROUP_MAX:
                try:
                    more = self._waiting.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._waiting.put(None)  # stop after this group
                    break
                group.append(more)
                count += len(more[0])
            conn = self._commit(conn, group)
            if conn is None and len(group) > 1:  # one request's records may be what failed: each on its own
                for one in group:
                    conn = self._commit(conn, [one])
        if conn is not None:
            conn.close()

    def _commit(self, conn: Any, group: list[tuple[list[Decision], Future]]) -> Any:
        """Commit a group and settle its futures; the connection to go on with (None after a failure,
        when the futures are left unsettled if there are several, for each to be tried alone)."""
        try:
            conn = conn or self.database.connect()
            chained = self._append(conn, [d for decisions, _ in group for d in decisions])
        except Exception as exc:  # noqa: BLE001 - the requests fail, none is answered unrecorded
            log.exception("decision log: commit failed")
            if conn is not None:
                try:
                    conn.close()
                except Exception:  # noqa: BLE001 - a broken connection: dropped either way
                    pass
            if len(group) == 1:
                group[0][1].set_exception(RecordingError(
                    f"判定未能记入决定日志 / the judgement could not be recorded: {exc}"))
            return None
        at = 0
        for decisions, done in group:
            done.set_result(chained[at:at + len(decisions)])
            at += len(decisions)
        return conn

    def _append(self, conn: Any, decisions: list[Decision]) -> list[Decision]:
        db = self.database
        with db.transaction(conn, exclusive=True):
            last = db.execute(conn, "SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (int(last[0]), last[1]) if last else (0, GENESIS)
            chained = []
            for decision in decisions:
                seq += 1
                decision = decision.chained(seq, prev)
                prev = decision.hash
                chained.append(decision)
            db.executemany(conn, f"INSERT INTO decisions ({COLUMNS}) VALUES ({', '.join('?' * 21)})",
                           [d.row() for d in chained])
        return chained

    # -- reading -------------------------------------------------------------------------------
    def get(self, decision_id: str) -> Decision | None:
        rows = self.database.query(f"SELECT {COLUMNS} FROM decisions WHERE id = ?", (decision_id,))
        return Decision.from_row(rows[0]) if rows else None

    def find(self, *, subject: dict[str, str] | None = None, classification: str | None = None,
             received_from: str | None = None, received_to: str | None = None, request_id: str | None = None,
             before: int | None = None, limit: int = 50) -> list[Decision]:
        """Newest first; before: a seq (the cursor of the previous page). received_*: ISO date or time
        (from inclusive, to exclusive)."""
        where, params = [], []
        for name, value in (subject or {}).items():
            if name not in SUBJECT_FIELDS:
                raise ValueError(name)
            where.append(f"{name} = ?")
            params.append(searchable(value))
        for clause, value in (("classification = ?", classification), ("received_at >= ?", received_from),
                              ("received_at < ?", received_to), ("request_id = ?", request_id), ("seq < ?", before)):
            if value is not None:
                where.append(clause)
                params.append(value)
        sql = f"SELECT {COLUMNS} FROM decisions" + (" WHERE " + " AND ".join(where) if where else "")
        rows = self.database.query(sql + " ORDER BY seq DESC LIMIT ?", (*params, limit))
        return [Decision.from_row(r) for r in rows]

    def count(self) -> int:
        return int(self.database.query("SELECT COUNT(*) FROM decisions")[0][0])

    def request_ids(self) -> set[str]:
        return {r[0] for r in self.database.query("SELECT DISTINCT request_id FROM decisions")}

    def all(self, batch: int = 1_000) -> Iterator[Decision]:
        """Every decision in chain order, read a batch at a time."""
        after = 0
        while True:
            rows = self.database.query(f"SELECT {COLUMNS} FROM decisions WHERE seq > ? ORDER BY seq LIMIT ?",
                                       (after, batch))
            if not rows:
                return
            for row in rows:
                yield Decision.from_row(row)
            after = int(rows[-1][0])

    def verify(self) -> tuple[int, ChainBreak | None]:
        """Walk the chain: how many records hold, and the first place it breaks (None: whole)."""
        expected_seq, prev, checked = 1, GENESIS, 0
        for decision in self.all():
            if decision.seq != expected_seq:
                return checked, ChainBreak(expected_seq, None, f"缺少第 {expected_seq} 条（下一条为第 {decision.seq} 条）/ "
                                                               f"record {expected_seq} is missing (next is {decision.seq})")
            if decision.prev_hash != prev:
                return checked, ChainBreak(decision.seq, decision.id, "所记前一条的哈希与前一条不符：前一条被改动或替换 / "
                                                                      "its previous hash does not match the record before")
            if decision.computed_hash() != decision.hash or not decision.columns_agree:
                return checked, ChainBreak(decision.seq, decision.id, "内容与其哈希不符：本条被改动 / its content does "
                                                                      "not match its hash: the record was changed")
            prev, expected_seq, checked = decision.hash, expected_seq + 1, checked + 1
        return checked, None

    def latest_per_subject(self) -> Iterator[Latest]:
        """The latest recorded decision of each distinct subject (decisions with no subject left out)."""
        rows = self.database.query(
            "SELECT d.subject, d.as_of, d.facts, d.classification, d.criteria, d.rules_digest, d.id FROM decisions d "
            "JOIN (SELECT subject, MAX(seq) AS seq FROM decisions WHERE subject IS NOT NULL GROUP BY subject) latest "
            "ON d.seq = latest.seq ORDER BY d.seq")
        for subject, as_of, facts, classification, criteria, digest, decision_id in rows:
            yield Latest(json.loads(subject), as_of, json.loads(facts), classification, json.loads(criteria), digest,
                         decision_id)


__all__ = ["ChainBreak", "DatabaseError", "DecisionLog", "Latest", "RecordingError"]
