"""kill -9 under load, repeated on one decision store: every decision a client received has its
record, with the very bytes it sent; the store opens cleanly after each crash; the records of
earlier rounds survive the later ones. On SQLite and on PostgreSQL.

Each round starts ``python -m server`` on the store, loads it with 32 callers (Score, list
ScoreBatch, Explain), sends SIGKILL while calls are in flight, then reads the store directly.
The per-round numbers go to stdout (pytest -s) and to test-artifacts/kill9_<backend>.txt.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pytest

from creditscore.v1 import application_pb2
from creditscore.v1 import decision_record_pb2 as records_pb
from server.records.migrations import SCHEMA_VERSION
from server.records.sql_store import SqlStore, open_store
from server.records.store import RecordFilter
from tests.server.conftest import REPO_ROOT
from tests.server.crash.conftest import BACKENDS, ServerLauncher, ServerProcess, wait_serving
from tests.server.crash.load import Acknowledged, Applications, LoadResult, load_until_killed

ROUNDS = 5
# Enough load for some hundreds of answered calls, short enough for ten rounds in minutes.
LOAD_SECONDS = 1.5
MIN_ACKNOWLEDGED = 300
MAX_LOAD_SECONDS = 20.0
REPORT_DIR = REPO_ROOT / "test-artifacts"
# Shown in a failure message: enough to see what went wrong, not a wall of keys.
SHOWN = 10

_Key = tuple[str, int | None]


@dataclass(frozen=True)
class StoreFindings:
    """What the store held after one crash, against what the clients were told."""

    # Records of this round's calls (a call killed before its answer may have one too).
    records_found: int
    # This round's acknowledged decisions without a record.
    lost: list[_Key]
    # The same over every round so far, and records that differ from their answer.
    lost_so_far: list[_Key]
    wrong_so_far: list[str]
    duplicates: list[_Key]


@dataclass(frozen=True)
class RoundReport:
    """What one crash showed: one row of the table."""

    round: int
    startup_seconds: float
    result: LoadResult
    findings: StoreFindings

    HEADER = (
        "round  start_s  load_s  acked_calls  acked_decisions  in_flight@kill  acked_after_kill"
        "  records_found  lost  lost_total  wrong_total  errors_before_kill  errors_after_kill"
    )

    def row(self) -> str:
        result, findings = self.result, self.findings
        after = ", ".join(f"{code} {n}" for code, n in result.failures_after_kill.items())
        return (
            f"{self.round:>5}  {self.startup_seconds:>7.1f}  {result.seconds_under_load:>6.2f}"
            f"  {result.acknowledged_calls:>11}  {len(result.acknowledged):>15}"
            f"  {result.in_flight_at_kill:>14}  {result.acknowledged_after_kill:>16}"
            f"  {findings.records_found:>13}  {len(findings.lost):>4}"
            f"  {len(findings.lost_so_far):>10}  {len(findings.wrong_so_far):>11}"
            f"  {len(result.failures_before_kill):>18}  {after or '-'}"
        )


class ReportTable:
    """The rows so far, printed one by one and kept in test-artifacts/kill9_<backend>.txt
    (rewritten after each round, so that a failing round leaves the table up to it)."""

    def __init__(self, backend: str) -> None:
        self._backend = backend
        self._rows: list[str] = []
        self._started = time.monotonic()

    def add(self, report: RoundReport) -> None:
        if not self._rows:
            print(f"\nkill -9 under load on {self._backend}\n{RoundReport.HEADER}")
        print(report.row())
        self._rows.append(report.row())
        seconds = time.monotonic() - self._started
        title = f"kill -9 under load on {self._backend}: {len(self._rows)} rounds on one store"
        text = "\n".join([f"{title}, {seconds:.0f} s", RoundReport.HEADER, *self._rows])
        REPORT_DIR.mkdir(exist_ok=True)
        (REPORT_DIR / f"kill9_{self._backend}.txt").write_text(text + "\n", encoding="utf-8")


class StoreCheck:
    """The store's records by (request id, batch index)."""

    def __init__(self, records: Iterable[records_pb.DecisionRecord]) -> None:
        self.by_key: dict[_Key, records_pb.DecisionRecord] = {}
        self.duplicates: list[_Key] = []
        for record in records:
            key = _key(record)
            if key in self.by_key:
                self.duplicates.append(key)
            self.by_key[key] = record

    def lost(self, acknowledged: Sequence[Acknowledged]) -> list[_Key]:
        return [ack.key for ack in acknowledged if ack.key not in self.by_key]

    def wrong(self, acknowledged: Sequence[Acknowledged]) -> list[str]:
        """Acknowledged decisions whose record says something else than the client was told
        or than it sent."""
        return [
            f"{ack.key}: {difference}"
            for ack in acknowledged
            if ack.key in self.by_key
            for difference in differences(ack, self.by_key[ack.key])
        ]

    def records_of(self, request_prefix: str) -> int:
        return sum(request_id.startswith(request_prefix) for request_id, _ in self.by_key)


def differences(ack: Acknowledged, record: records_pb.DecisionRecord) -> list[str]:
    sent_sha256 = hashlib.sha256(ack.application).hexdigest()
    expected = {
        "kind": (ack.kind, record.kind),
        "application bytes": (ack.application, record.application),
        "application_sha256": (sent_sha256, record.application_sha256),
        "default_probability": (ack.probability, record.default_probability),
        "model_decision": (ack.decision, record.model_decision),
        "threshold": (ack.threshold, record.threshold),
        "model_version": (ack.model_version, record.model_version),
    }
    return [
        _difference(name, sent, stored)
        for name, (sent, stored) in expected.items()
        if sent != stored
    ]


def _difference(name: str, sent: object, stored: object) -> str:
    if isinstance(sent, bytes) and isinstance(stored, bytes):
        at = next((i for i, (a, b) in enumerate(zip(sent, stored, strict=False)) if a != b), None)
        where = f"first differing byte {at}" if at is not None else "one is a prefix"
        return f"{name}: {len(sent)} bytes sent, {len(stored)} recorded, {where}"
    return f"{name}: answered {sent!r}, recorded {stored!r}"


def _key(record: records_pb.DecisionRecord) -> _Key:
    index = record.batch_index if record.HasField("batch_index") else None
    return record.request_id, index


def sqlite_integrity(path: str) -> str:
    """PRAGMA integrity_check on a connection of its own ("ok" when sound)."""
    with contextlib.closing(sqlite3.connect(path, timeout=30.0)) as connection:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    return "; ".join(str(row[0]) for row in rows)


def open_after_crash(backend: str, target: str, server: ServerProcess) -> SqlStore:
    """The store, opened as a restarting server would: it must open, at the current schema,
    and (SQLite) pass an integrity check first."""
    if backend == "sqlite":
        integrity = sqlite_integrity(target)
        assert integrity == "ok", f"SQLite integrity_check: {integrity}\n{server.log_tail()}"
    store = open_store(target)
    assert store.schema_version() == SCHEMA_VERSION, server.log_tail()
    return store


def check_store(
    backend: str,
    target: str,
    server: ServerProcess,
    request_prefix: str,
    this_round: Sequence[Acknowledged],
    so_far: Sequence[Acknowledged],
) -> StoreFindings:
    store = open_after_crash(backend, target, server)
    try:
        check = StoreCheck(store.scan(RecordFilter()))
    finally:
        store.close()
    return StoreFindings(
        records_found=check.records_of(f"{request_prefix}-"),
        lost=check.lost(this_round),
        lost_so_far=check.lost(so_far),
        wrong_so_far=check.wrong(so_far),
        duplicates=check.duplicates,
    )


def crash_round(
    request_prefix: str, target: str, launcher: ServerLauncher, applications: Applications
) -> tuple[float, LoadResult, ServerProcess]:
    """Start a server on the store, load it, SIGKILL it under load: its start-up time, the
    load's outcome and the (dead) server."""
    server = launcher.start(target, request_prefix)
    started = time.monotonic()
    address = wait_serving(server)
    startup = time.monotonic() - started
    result = load_until_killed(
        address,
        request_prefix,
        applications,
        lambda: os.kill(server.pid, signal.SIGKILL),
        min_seconds=LOAD_SECONDS,
        min_acknowledged=MIN_ACKNOWLEDGED,
        max_seconds=MAX_LOAD_SECONDS,
    )
    server.kill()  # reaps it: the store is only read once the process is gone
    return startup, result, server


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_kill9_under_load_loses_no_acknowledged_decision(
    backend: str,
    store_target: str,
    launcher: ServerLauncher,
    base_applications: list[application_pb2.Application],
):
    applications = Applications(base_applications)
    table = ReportTable(backend)
    acknowledged: list[Acknowledged] = []
    for round_ in range(ROUNDS):
        prefix = f"k9-{backend}-r{round_}"
        startup, result, server = crash_round(prefix, store_target, launcher, applications)
        context = f"round {round_} on {backend}\n{server.log_tail()}"
        failed = result.failures_before_kill
        assert failed == [], f"calls failed before the kill: {failed[:SHOWN]}: {context}"
        acknowledged.extend(result.acknowledged)
        found = check_store(
            backend, store_target, server, prefix, result.acknowledged, acknowledged
        )
        table.add(RoundReport(round_, startup, result, found))

        assert result.acknowledged_calls > 0, f"no call answered: {context}"
        lost, wrong, twice = found.lost_so_far, found.wrong_so_far, found.duplicates
        assert lost == [], f"{len(lost)} decisions lost: {lost[:SHOWN]}: {context}"
        assert wrong == [], f"records differ from answers: {wrong[:SHOWN]}: {context}"
        assert twice == [], f"recorded twice: {twice[:SHOWN]}: {context}"

    # The load was what it claims: every application distinct, every kind of call answered.
    sent = [ack.application for ack in acknowledged]
    assert len(set(sent)) == len(sent), "two calls sent the same application: the test is blind"
    assert {ack.kind for ack in acknowledged} == {
        records_pb.RECORD_KIND_SCORE,
        records_pb.RECORD_KIND_EXPLAIN,
    }
    assert any(ack.batch_index is not None for ack in acknowledged), "no ScoreBatch answered"
