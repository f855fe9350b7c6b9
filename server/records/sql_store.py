"""The decision store on SQL: SQLite (WAL, synchronous=FULL) or PostgreSQL (psycopg 3).

Both speak DB-API 2 in autocommit mode with explicit BEGIN / COMMIT, so the one class below
serves both; a Dialect holds what differs (connecting, placeholders, the migration lock).
Writes go through one connection, one transaction at a time (server.records.group_commit
groups concurrent callers); reads use their own connection, so an export or a page of records
never waits for a commit.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from creditscore.v1 import decision_record_pb2 as pb
from server.records.migrations import MIGRATIONS, SCHEMA_VERSION, Migration
from server.records.store import DecisionStore, Page, RecordFilter, StoreError

__all__ = ["SqlStore", "open_store", "postgres_url"]

_ADVISOR = pb.RECORD_KIND_ADVISOR_DECISION
_MODEL_KINDS = (pb.RECORD_KIND_SCORE, pb.RECORD_KIND_EXPLAIN)
# Rows per INSERT statement: 9 values each, within SQLite's oldest bound of 999 parameters.
_ROWS_PER_INSERT = 100
_COLUMNS = (
    "record_id, record_time_us, kind, request_id, caller, advisor_name, model_version,"
    " client_id, record"
)


@dataclass(frozen=True, slots=True)
class Dialect:
    """What differs between the SQL engines."""

    name: str
    connect: Callable[[], Any]
    placeholder: str
    begin_write: str
    # Run first in a migration's transaction, so that replicas starting together migrate once.
    migration_lock: str | None
    statements: Callable[[Migration], tuple[str, ...]]
    # Errors of the engine (connection lost, disk full, ...), reported as StoreError.
    errors: tuple[type[Exception], ...]
    # Batches a transaction's statements into one exchange with the server, where it can.
    pipeline: Callable[[Any], contextlib.AbstractContextManager[Any]] = lambda connection: (
        contextlib.nullcontext()
    )


def postgres_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def open_store(target: str, *, read_only: bool = False) -> SqlStore:
    """The store at ``target``: a PostgreSQL URL, or the path of a SQLite file (created with
    its directory when missing, and migrated). ``read_only`` (export, replay): nothing is
    created or migrated, so an auditor's read-only copy opens too. StoreError says what to
    fix when it cannot be opened."""
    if postgres_url(target):
        return SqlStore(_postgres(target), _redacted(target), read_only=read_only)
    path = Path(target)
    if read_only:
        if not path.is_file():
            raise StoreError(f"no decision store at {path}")
        return SqlStore(_sqlite(path, read_only=True), f"SQLite {path}", read_only=True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(
            f"cannot create the directory of the decision store {path}: {error}"
        ) from None
    return SqlStore(_sqlite(path), f"SQLite {path}")


class SqlStore(DecisionStore):
    """A DecisionStore on one SQL engine; thread-safe."""

    def __init__(self, dialect: Dialect, description: str, *, read_only: bool = False) -> None:
        self._dialect = dialect
        self._description = description
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._writer = self._connect()
        try:
            if read_only:
                self._check_version()
            else:
                self._migrate()
        except BaseException:
            with contextlib.suppress(*dialect.errors):
                self._writer.close()
            raise
        self._reader = self._connect()

    @property
    def description(self) -> str:
        return self._description

    def append(self, records: Sequence[pb.DecisionRecord]) -> None:
        rows = [_row(record) for record in records]
        if not rows:
            return
        chunks = [rows[i : i + _ROWS_PER_INSERT] for i in range(0, len(rows), _ROWS_PER_INSERT)]
        with self._write_lock:
            if len(chunks) == 1:
                # One statement is a transaction of its own in autocommit mode: no BEGIN and
                # COMMIT, so a commit leaves Python once (each time a driver gives up the GIL,
                # taking it back under load can wait a whole switch interval, 5 ms).
                self._transaction(lambda cursor: self._insert(cursor, rows), single=True)
            else:

                def insert_all(cursor: Any) -> None:
                    for chunk in chunks:
                        self._insert(cursor, chunk)

                self._transaction(insert_all)

    def get(self, record_id: str) -> pb.DecisionRecord | None:
        return self._one("record_id = {p}", (record_id,))

    def advisor_decision(self, caller: str, request_id: str) -> pb.DecisionRecord | None:
        return self._one(
            "kind = {p} AND caller = {p} AND request_id = {p}", (_ADVISOR, caller, request_id)
        )

    def model_decision(self, request_id: str, client_id: int) -> pb.DecisionRecord | None:
        return self._one(
            "request_id = {p} AND client_id = {p} AND kind IN ({p}, {p})",
            (request_id, client_id, *_MODEL_KINDS),
        )

    def page(self, where: RecordFilter, size: int, before: int | None) -> Page:
        conditions, values = self._conditions(where)
        if before is not None:
            conditions.append("seq < {p}")
            values.append(before)
        rows = self._read(
            f"SELECT seq, record FROM decision_records{_where(conditions)}"
            " ORDER BY seq DESC LIMIT {p}",
            (*values, size + 1),
        )
        records = tuple(_record(row[1]) for row in rows[:size])
        more = len(rows) > size
        return Page(records, int(rows[size - 1][0]) if more else None)

    def scan(self, where: RecordFilter, chunk: int = 1000) -> Iterator[pb.DecisionRecord]:
        after = 0
        conditions, values = self._conditions(where)
        conditions.append("seq > {p}")
        sql = (
            f"SELECT seq, record FROM decision_records{_where(conditions)} ORDER BY seq LIMIT {{p}}"
        )
        while True:
            rows = self._read(sql, (*values, after, chunk))
            for row in rows:
                yield _record(row[1])
            if len(rows) < chunk:
                return
            after = int(rows[-1][0])

    def schema_version(self) -> int:
        rows = self._read("SELECT MAX(version) FROM schema_migrations", ())
        return int(rows[0][0] or 0)

    def close(self) -> None:
        with self._write_lock, self._read_lock:
            for connection in (self._writer, self._reader):
                with contextlib.suppress(*self._dialect.errors):
                    connection.close()

    # -- internals ---------------------------------------------------------------------------

    def _connect(self) -> Any:
        try:
            return self._dialect.connect()
        except self._dialect.errors as error:
            raise StoreError(
                f"cannot open the decision store ({self._description}): {_one_line(error)}"
            ) from None

    def _sql(self, text: str) -> str:
        return text.replace("{p}", self._dialect.placeholder)

    def _insert(self, cursor: Any, rows: list[tuple[object, ...]]) -> None:
        """Insert ``rows`` with one multi-row statement (already recorded ids are skipped:
        retries of a durable write add nothing)."""
        one = "(" + ", ".join([self._dialect.placeholder] * len(rows[0])) + ")"
        sql = (
            f"INSERT INTO decision_records ({_COLUMNS}) VALUES {', '.join([one] * len(rows))}"
            " ON CONFLICT DO NOTHING"
        )
        cursor.execute(sql, [value for row in rows for value in row])

    def _transaction(self, work: Callable[[Any], object], *, single: bool = False) -> None:
        """Run ``work`` in one write transaction on the writer connection (lock held);
        ``single``: ``work`` runs one statement, its own transaction (autocommit)."""
        try:
            cursor = self._writer.cursor()
        except self._dialect.errors:
            # Lost, and not replaced by _abandon (the database was down then): connect again,
            # or StoreError saying why not.
            self._writer = self._reconnect(self._writer)
            cursor = self._writer.cursor()
        try:
            # PostgreSQL: BEGIN, the inserts and COMMIT leave in one round trip.
            if single:
                work(cursor)
            else:
                with self._dialect.pipeline(self._writer):
                    cursor.execute(self._dialect.begin_write)
                    work(cursor)
                    cursor.execute("COMMIT")
        except self._dialect.errors as error:
            if not single:
                self._abandon(cursor)
            raise StoreError(
                f"decision store write failed ({self._description}): {error}"
            ) from error
        finally:
            cursor.close()

    def _abandon(self, cursor: Any) -> None:
        """Roll back; a connection that cannot is replaced (e.g. PostgreSQL restarted)."""
        try:
            cursor.execute("ROLLBACK")
        except self._dialect.errors:
            with contextlib.suppress(*self._dialect.errors):
                self._writer.close()
            # On failure the next write tries again and reports it.
            with contextlib.suppress(*self._dialect.errors):
                self._writer = self._dialect.connect()

    def _read(self, sql: str, values: Sequence[object]) -> list[tuple[Any, ...]]:
        with self._read_lock:
            for attempt in (1, 2):
                try:
                    cursor = self._reader.cursor()
                    try:
                        cursor.execute(self._sql(sql), tuple(values))
                        return list(cursor.fetchall())
                    finally:
                        cursor.close()
                except self._dialect.errors as error:
                    if attempt == 2:
                        raise StoreError(
                            f"decision store read failed ({self._description}): {error}"
                        ) from error
                    self._reader = self._reconnect(self._reader)
        raise AssertionError("unreachable")

    def _reconnect(self, connection: Any) -> Any:
        with contextlib.suppress(*self._dialect.errors):
            connection.close()
        return self._connect()

    def _one(self, condition: str, values: Sequence[object]) -> pb.DecisionRecord | None:
        rows = self._read(
            f"SELECT record FROM decision_records WHERE {condition} ORDER BY seq DESC LIMIT 1",
            values,
        )
        return _record(rows[0][0]) if rows else None

    @staticmethod
    def _conditions(where: RecordFilter) -> tuple[list[str], list[object]]:
        conditions: list[str] = []
        values: list[object] = []
        if where.advisor_name:
            # Spelled out for the partial index on advisor_name (migrations).
            conditions.append("advisor_name <> ''")
        for column, value, wanted in (
            ("client_id", where.client_id, where.client_id is not None),
            ("advisor_name", where.advisor_name, bool(where.advisor_name)),
            ("model_version", where.model_version, bool(where.model_version)),
            ("kind", where.kind, bool(where.kind)),
        ):
            if wanted:
                conditions.append(f"{column} = {{p}}")
                values.append(value)
        if where.start_us is not None:
            conditions.append("record_time_us >= {p}")
            values.append(where.start_us)
        if where.end_us is not None:
            conditions.append("record_time_us < {p}")
            values.append(where.end_us)
        return conditions, values

    def _migrate(self) -> None:
        with self._write_lock:
            for migration in MIGRATIONS:
                self._transaction(lambda c, m=migration: self._apply(c, m))  # type: ignore[misc]
            self._check_version()

    def _apply(self, cursor: Any, migration: Migration) -> None:
        if self._dialect.migration_lock:
            cursor.execute(self._dialect.migration_lock)
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, description TEXT NOT NULL,"
            " applied_at_us BIGINT NOT NULL)"
        )
        cursor.execute(
            self._sql("SELECT 1 FROM schema_migrations WHERE version = {p}"),
            (migration.version,),
        )
        if cursor.fetchone() is not None:
            return
        for statement in self._dialect.statements(migration):
            cursor.execute(statement)
        cursor.execute(
            self._sql("INSERT INTO schema_migrations VALUES ({p}, {p}, {p})"),
            (migration.version, migration.description, time.time_ns() // 1000),
        )

    def _check_version(self) -> None:
        cursor = self._writer.cursor()
        try:
            cursor.execute("SELECT MAX(version) FROM schema_migrations")
            found, why = int(cursor.fetchone()[0] or 0), "no schema"
        except self._dialect.errors as error:
            found, why = 0, _one_line(error)
        finally:
            cursor.close()
        if found == 0:
            raise StoreError(f"{self._description} holds no decision record ({why})")
        if found > SCHEMA_VERSION:
            raise StoreError(
                f"the decision store ({self._description}) has schema version {found}, newer"
                f" than this server's {SCHEMA_VERSION}: run a newer server"
            )


def _one_line(error: Exception) -> str:
    """Drivers' messages span lines (psycopg adds hints); an operator's error is one line."""
    return " ".join(str(error).split())


def _where(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def _row(record: pb.DecisionRecord) -> tuple[object, ...]:
    return (
        record.record_id,
        record.record_time.seconds * 1_000_000 + record.record_time.nanos // 1000,
        int(record.kind),
        record.request_id,
        record.caller,
        record.advisor_name,
        record.model_version,
        record.client_id if record.HasField("client_id") else None,
        record.SerializeToString(deterministic=True),
    )


def _record(data: bytes | memoryview) -> pb.DecisionRecord:
    return pb.DecisionRecord.FromString(bytes(data))


def _sqlite(path: Path, *, read_only: bool = False) -> Dialect:
    def connect() -> sqlite3.Connection:
        # Autocommit mode (isolation_level None) with explicit BEGIN: DDL and DML alike run in
        # the transactions this module opens. check_same_thread off: calls come from gRPC's
        # worker threads, one at a time per connection (the store's locks).
        if read_only:
            return sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
                timeout=30.0,
            )
        connection = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        connection.execute("PRAGMA journal_mode=WAL")
        # FULL: every commit is flushed to disk before it returns (a decision acknowledged to
        # a caller survives power loss, not only a crash of the process).
        connection.execute("PRAGMA synchronous=FULL")
        return connection

    return Dialect(
        name="sqlite",
        connect=connect,
        placeholder="?",
        begin_write="BEGIN IMMEDIATE",
        migration_lock=None,
        statements=lambda migration: migration.sqlite,
        errors=(sqlite3.Error,),
    )


def _postgres(url: str) -> Dialect:
    import psycopg  # only a PostgreSQL store needs the driver loaded

    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)

    return Dialect(
        name="postgresql",
        connect=connect,
        placeholder="%s",
        begin_write="BEGIN",
        # Serialises migrations between replicas starting at once (released at commit).
        migration_lock="SELECT pg_advisory_xact_lock(4242001)",
        statements=lambda migration: migration.postgres,
        errors=(psycopg.Error,),
        pipeline=lambda connection: connection.pipeline(),
    )


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"PostgreSQL {host}{port}{parts.path or ''}"
