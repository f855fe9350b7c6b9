"""Versioned schema of the decision store, for SQLite and PostgreSQL.

A store records the versions applied in ``schema_migrations``; opening it applies the missing
ones in order, each in its own transaction, and refuses a store whose schema is newer than
this code. Migrations are only ever appended: a released one is never edited.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Migration"]


@dataclass(frozen=True, slots=True)
class Migration:
    """One step of the schema, in each dialect's SQL."""

    version: int
    description: str
    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]


# Indexed columns copy what filters and idempotency need from the record; the record itself is
# the contract's DecisionRecord message (deterministic protobuf bytes), so that what was
# recorded is read back exactly, field for field. No index on model_version: few distinct
# values, so newest-first pages find them by seq. SQLite's seq is the rowid without
# AUTOINCREMENT: records are never deleted, so ids only grow, and a commit does not rewrite
# sqlite_sequence.
_INDEXES = (
    "CREATE INDEX decision_records_client ON decision_records (client_id, seq)",
    # Partial: most traffic (scoring systems) names no advisor and skips this index. Queries
    # repeat the condition so that the planners may use it.
    "CREATE INDEX decision_records_advisor ON decision_records (advisor_name, seq)"
    " WHERE advisor_name <> ''",
    "CREATE INDEX decision_records_time ON decision_records (record_time_us)",
    "CREATE INDEX decision_records_request ON decision_records (request_id)",
    # An advisor's decision is idempotent by (caller, request_id).
    "CREATE UNIQUE INDEX decision_records_advisor_request"
    " ON decision_records (caller, request_id) WHERE kind = 3",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "decision records",
        sqlite=(
            """CREATE TABLE decision_records (
                seq INTEGER PRIMARY KEY,
                record_id TEXT NOT NULL UNIQUE,
                record_time_us INTEGER NOT NULL,
                kind INTEGER NOT NULL,
                request_id TEXT NOT NULL,
                caller TEXT NOT NULL,
                advisor_name TEXT NOT NULL,
                model_version TEXT NOT NULL,
                client_id INTEGER,
                record BLOB NOT NULL
            )""",
            *_INDEXES,
        ),
        postgres=(
            """CREATE TABLE decision_records (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                record_id TEXT NOT NULL UNIQUE,
                record_time_us BIGINT NOT NULL,
                kind SMALLINT NOT NULL,
                request_id TEXT NOT NULL,
                caller TEXT NOT NULL,
                advisor_name TEXT NOT NULL,
                model_version TEXT NOT NULL,
                client_id BIGINT,
                record BYTEA NOT NULL
            )""",
            *_INDEXES,
        ),
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1].version
