"""One database, SQLite or PostgreSQL, with the same schema and versioned migrations.

SQL is written once with `?` placeholders (SQLite's); for PostgreSQL (psycopg 3) they become `%s`.
Appends are serialised across processes and machines: SQLite takes its write lock at the start
of the transaction (BEGIN IMMEDIATE), PostgreSQL a transaction-scoped advisory lock. Migrations
are the numbered files of migrations/, each applied once, in order, under that same lock, and
named in schema_migrations.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

MIGRATIONS = Path(__file__).with_name("migrations")
APPEND_LOCK = 130013  # the PostgreSQL advisory lock every appending transaction holds
SQLITE_FILE = "decisions.sqlite3"
T = TypeVar("T")


class DatabaseError(Exception):
    """The database cannot be reached or refused a statement (message: Chinese / English)."""


class Database:
    def __init__(self, target: str | Path):
        """target: a postgresql:// URL, or the path of a SQLite file (created if absent)."""
        text = str(target)
        self.postgres = text.startswith(("postgresql://", "postgres://"))
        self.target = text
        if not self.postgres:
            Path(text).parent.mkdir(parents=True, exist_ok=True)
        self.migrate()

    def __repr__(self) -> str:
        return f"Database({'PostgreSQL' if self.postgres else self.target})"

    def connect(self) -> Any:
        """A new connection in autocommit mode: transactions are opened explicitly (transaction())."""
        try:
            if self.postgres:
                import psycopg

                return psycopg.connect(self.target, autocommit=True, connect_timeout=10)
            conn = sqlite3.connect(self.target, timeout=60, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer, nor it for them
            conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: a commit survives a killed process
            return conn
        except Exception as exc:  # noqa: BLE001 - sqlite3 and psycopg raise their own kinds
            raise DatabaseError(f"无法连接数据库 / cannot connect to the database {self}: {exc}") from exc

    def sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self.postgres else statement

    def execute(self, conn: Any, statement: str, params: Sequence[Any] = ()) -> Any:
        return conn.execute(self.sql(statement), tuple(params))

    def executemany(self, conn: Any, statement: str, rows: list[Sequence[Any]]) -> None:
        if self.postgres:
            with conn.cursor() as cur:
                cur.executemany(self.sql(statement), rows)
        else:
            conn.executemany(statement, rows)

    @contextmanager
    def transaction(self, conn: Any, exclusive: bool = False) -> Iterator[Any]:
        """A transaction on conn; exclusive: the one appender at a time, across every process."""
        if self.postgres:
            with conn.transaction():
                if exclusive:
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (APPEND_LOCK,))
                yield conn
            return
        conn.execute("BEGIN IMMEDIATE" if exclusive else "BEGIN")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple]:
        conn = self.connect()
        try:
            return list(self.execute(conn, statement, params).fetchall())
        finally:
            conn.close()

    def write(self, work: Callable[[Any], T]) -> T:
        """work(conn) in an exclusive transaction on a connection of its own."""
        conn = self.connect()
        try:
            with self.transaction(conn, exclusive=True):
                return work(conn)
        finally:
            conn.close()

    def migrate(self) -> list[str]:
        """Apply the migrations not yet applied; the names applied now."""
        def apply(conn: Any) -> list[str]:
            self.execute(conn, "CREATE TABLE IF NOT EXISTS schema_migrations "
                               "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            done = {row[0] for row in self.execute(conn, "SELECT version FROM schema_migrations").fetchall()}
            applied = []
            for version, path in migrations():
                if version in done:
                    continue
                for statement in _statements(path.read_text(encoding="utf-8")):
                    self.execute(conn, statement)
                self.execute(conn, "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                             (version, path.name, now_text()))
                applied.append(path.name)
            return applied

        for attempt in range(50):  # SQLite: a first start of several workers at once
            try:
                return self.write(apply)
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 49:
                    raise DatabaseError(f"数据库迁移失败 / migrating the database failed: {exc}") from exc
                time.sleep(0.1)
        return []


def migrations() -> list[tuple[int, Path]]:
    """The numbered migration files (0001_name.sql ...), in order."""
    found = [(int(p.name.split("_", 1)[0]), p) for p in MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.sql")]
    return sorted(found)


def _statements(script: str) -> list[str]:
    """A migration file's statements (no semicolon inside a statement: the files are ours)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def now_text() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
