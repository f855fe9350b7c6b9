"""The decision store's interface: append records durably, read them back by id, by filters
or by time range. Implementations: SQLite (embedded, the default) and PostgreSQL (several
server replicas), both in server.records.sql_store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from creditscore.v1 import decision_record_pb2 as pb

__all__ = ["DecisionStore", "Page", "RecordFilter", "StoreError"]


class StoreError(Exception):
    """The store cannot be opened, read or written; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class RecordFilter:
    """Which records to read; None / "" / 0 match every record."""

    client_id: int | None = None
    advisor_name: str = ""
    model_version: str = ""
    kind: int = 0
    # Microseconds since the epoch: start inclusive, end exclusive.
    start_us: int | None = None
    end_us: int | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """Records newest first, and the position to continue before (None on the last page)."""

    records: tuple[pb.DecisionRecord, ...]
    next_before: int | None


class DecisionStore(Protocol):
    """A durable, append-only log of DecisionRecord messages."""

    def append(self, records: Sequence[pb.DecisionRecord]) -> None:
        """Write ``records`` in one transaction, durable on return. An advisor's decision whose
        (caller, request_id) is already on record is skipped (read it back to compare)."""
        ...

    def get(self, record_id: str) -> pb.DecisionRecord | None: ...

    def advisor_decision(self, caller: str, request_id: str) -> pb.DecisionRecord | None:
        """The advisor's decision recorded by ``caller`` under ``request_id``."""
        ...

    def model_decision(self, request_id: str, client_id: int) -> pb.DecisionRecord | None:
        """The latest Score or Explain record of ``client_id`` made by call ``request_id``."""
        ...

    def page(self, where: RecordFilter, size: int, before: int | None) -> Page:
        """Up to ``size`` matching records, newest first, older than position ``before``."""
        ...

    def scan(self, where: RecordFilter, chunk: int = 1000) -> Iterator[pb.DecisionRecord]:
        """Every matching record, oldest first, read ``chunk`` at a time."""
        ...

    def schema_version(self) -> int: ...

    def close(self) -> None: ...

    @property
    def description(self) -> str:
        """Where the store is, for logs (never a password)."""
        ...
