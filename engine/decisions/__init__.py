"""The decision log: every judgement served, recorded append-only in a hash chain, with the
rule sets the decisions name, kept by digest so that any decision can be replayed.

Where: PostgreSQL when a URL is given (HAZARD_DATABASE_URL: shared by replicas on several
machines), else a SQLite file (decisions.sqlite3) under the server's state directory; the same
schema, migrations/NNNN_*.sql applied in order (engine/decisions/database.py).

The store's API (engine.decisions.log.DecisionLog):

    log = DecisionLog(database_for(url, state_dir))
    log.record([Decision.of(judgement, facts, request_id, received_at, subject)])  # once committed
    await log.record_async([...])        # the same, from an event loop (group commits either way)
    log.get(id) / log.find(subject=..., classification=..., received_from=..., before=seq, limit=...)
    log.verify() -> (records checked, ChainBreak | None)
    log.latest_per_subject() -> Iterator[Latest]
        the latest recorded decision of each distinct subject (same subject dict = same subject;
        decisions without a subject are left out), oldest first, each with: subject (dict of
        facility_id / school / place / inspector as sent), as_of (ISO date), facts (dict, as
        submitted), classification, criteria (the findings' criterion ids), rules_digest,
        decision_id. What `hazard impact` re-judges under candidate rules.

Rule sets: rule_sets.DatabaseRuleStore (published sets, the active one, reload attempts in the
database; LISTEN/NOTIFY on PostgreSQL), rule_sets.kept(database, digest) -> files.
Replay: replay.replay(log, decision, engine_now=None).
"""

from __future__ import annotations

from pathlib import Path

from .database import SQLITE_FILE, Database, DatabaseError
from .log import ChainBreak, DecisionLog, Latest, RecordingError
from .records import SUBJECT_FIELDS, Decision, Subject


def database_for(url: str | None, state_dir: Path | None) -> Database:
    """PostgreSQL at url, else the SQLite file under the state directory."""
    if url:
        return Database(url)
    if state_dir is None:
        raise DatabaseError("未配置数据库：请设置 HAZARD_DATABASE_URL 或 HAZARD_STATE_DIR，或用 --database / no database: "
                            "set HAZARD_DATABASE_URL or HAZARD_STATE_DIR, or pass --database")
    return Database(Path(state_dir) / SQLITE_FILE)


__all__ = ["SUBJECT_FIELDS", "ChainBreak", "Database", "DatabaseError", "Decision", "DecisionLog", "Latest",
           "RecordingError", "Subject", "database_for"]
