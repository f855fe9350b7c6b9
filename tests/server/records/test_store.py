"""The decision store on SQLite and PostgreSQL: records read back exactly, filters, paging
newest first, scans oldest first, idempotent advisor decisions, migrations, durability
settings, and clear errors when the database is missing or goes away."""

from __future__ import annotations

import contextlib
import random
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import psycopg
import pytest

from benchmarks.local_postgres import LocalPostgres
from creditscore.v1 import credit_score_pb2
from creditscore.v1 import decision_record_pb2 as pb
from server.records.migrations import SCHEMA_VERSION
from server.records.sql_store import SqlStore, open_store
from server.records.store import RecordFilter, StoreError
from tests.server.records.conftest import BACKENDS, new_real_database, pg_ctl, target_of

T0_US = 1_700_000_000_000_000
CLIENTS = (100_001, 100_002, 100_003)
ADVISORS = ("", "Marie Curie", "Ada Lovelace")
VERSIONS = ("model-a", "model-b")
KINDS = (pb.RECORD_KIND_SCORE, pb.RECORD_KIND_EXPLAIN, pb.RECORD_KIND_ADVISOR_DECISION)
FILLED = 30


def make_record(n: int, **fields: object) -> pb.DecisionRecord:
    """Record number ``n``, made ``n`` ms after T0, with a client (or none), advisor, model
    version and kind drawn from seed ``n``: the same record each time, filters mixing."""
    draw = random.Random(n)
    kind = draw.choice(KINDS)
    record = pb.DecisionRecord(
        record_id=f"record-{n:04d}",
        kind=kind,
        request_id=f"request-{n}",
        caller="advisor-caller" if kind == pb.RECORD_KIND_ADVISOR_DECISION else "scoring-caller",
        caller_role="advisor",
        advisor_name=draw.choice(ADVISORS),
        model_version=draw.choice(VERSIONS),
        application=b"\x11" * (n % 5),
        application_sha256="ab" * 32,
        default_probability=n / 1000,
        model_decision=credit_score_pb2.DECISION_APPROVE,
        threshold=0.42,
    )
    client = draw.choice((None, *CLIENTS))
    if client is not None:
        record.client_id = client
    record.record_time.FromMicroseconds(T0_US + n * 1000)
    for name, value in fields.items():
        if name == "client_id" and value is None:
            record.ClearField("client_id")
        else:
            setattr(record, name, value)
    return record


def detailed_record() -> pb.DecisionRecord:
    """A record with every field set, values that a lossy store would change."""
    record = make_record(
        7,
        batch_index=0,
        application=bytes(range(256)),
        default_probability=0.1 + 0.2,
        threshold=1 / 3,
        language_code="fr",
        final_decision=pb.FINAL_DECISION_REFER,
        override_reason=pb.OVERRIDE_REASON_OTHER,
        note="Revenus à vérifier — pièce manquante 🧾",
        is_override=True,
        model_record_id="record-0001",
    )
    record.record_time.nanos = 123_456_000
    reason = credit_score_pb2.Reason(
        text="Âge", feature="DAYS_BIRTH", label="Age", display_value="43 ans", contribution=0.5
    )
    record.refusal_reasons.append(reason)
    reason.percentile = 12.5
    record.approval_reasons.extend([reason, reason])
    return record


def deterministic(record: pb.DecisionRecord) -> bytes:
    return record.SerializeToString(deterministic=True)


@contextlib.contextmanager
def opened(target: str) -> Iterator[SqlStore]:
    store = open_store(target)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(params=BACKENDS)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return target_of(request.param, tmp_path, request)


@pytest.fixture
def store(target: str) -> Iterator[SqlStore]:
    with opened(target) as store:
        yield store


@pytest.fixture(scope="module", params=BACKENDS)
def filled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SqlStore]:
    """A store holding records 1..FILLED (appended in three transactions), for read-only
    tests."""
    where = tmp_path_factory.mktemp("filled")
    with opened(target_of(request.param, where, request)) as store:
        records = [make_record(n) for n in range(1, FILLED + 1)]
        for start in range(0, FILLED, 10):
            store.append(records[start : start + 10])
        yield store


def ids(records: Iterable[pb.DecisionRecord]) -> list[str]:
    return [record.record_id for record in records]


def expected_ids(match: Callable[[pb.DecisionRecord], bool]) -> list[str]:
    """Ids of the filled store's records that ``match``, newest first."""
    return [r.record_id for r in (make_record(n) for n in range(FILLED, 0, -1)) if match(r)]


def every_page(store: SqlStore, where: RecordFilter, size: int) -> list[list[str]]:
    pages, before = [], None
    while True:
        page = store.page(where, size, before)
        pages.append(ids(page.records))
        if page.next_before is None:
            return pages
        before = page.next_before


def record_time_us(record: pb.DecisionRecord) -> int:
    return int(record.record_time.ToMicroseconds())


FILTERS: dict[str, tuple[RecordFilter, Callable[[pb.DecisionRecord], bool]]] = {
    "client_id": (RecordFilter(client_id=CLIENTS[1]), lambda r: r.client_id == CLIENTS[1]),
    "advisor_name": (
        RecordFilter(advisor_name="Marie Curie"),
        lambda r: r.advisor_name == "Marie Curie",
    ),
    "model_version": (
        RecordFilter(model_version="model-b"),
        lambda r: r.model_version == "model-b",
    ),
    "kind": (
        RecordFilter(kind=pb.RECORD_KIND_EXPLAIN),
        lambda r: r.kind == pb.RECORD_KIND_EXPLAIN,
    ),
    "start_time_inclusive": (
        RecordFilter(start_us=T0_US + 12_000),
        lambda r: record_time_us(r) >= T0_US + 12_000,
    ),
    "end_time_exclusive": (
        RecordFilter(end_us=T0_US + 12_000),
        lambda r: record_time_us(r) < T0_US + 12_000,
    ),
    "time_range": (
        RecordFilter(start_us=T0_US + 5_000, end_us=T0_US + 20_000),
        lambda r: T0_US + 5_000 <= record_time_us(r) < T0_US + 20_000,
    ),
    "client_and_kind": (
        RecordFilter(client_id=CLIENTS[0], kind=pb.RECORD_KIND_SCORE),
        lambda r: r.client_id == CLIENTS[0] and r.kind == pb.RECORD_KIND_SCORE,
    ),
    "advisor_version_and_time": (
        RecordFilter(advisor_name="Ada Lovelace", model_version="model-a", start_us=T0_US + 4_000),
        lambda r: (
            r.advisor_name == "Ada Lovelace"
            and r.model_version == "model-a"
            and record_time_us(r) >= T0_US + 4_000
        ),
    ),
    "everything_combined": (
        RecordFilter(
            client_id=CLIENTS[0],
            advisor_name="Marie Curie",
            model_version="model-a",
            kind=pb.RECORD_KIND_ADVISOR_DECISION,
            start_us=T0_US + 1_000,
            end_us=T0_US + 30_000,
        ),
        lambda r: (
            r.HasField("client_id")
            and r.client_id == CLIENTS[0]
            and r.advisor_name == "Marie Curie"
            and r.model_version == "model-a"
            and r.kind == pb.RECORD_KIND_ADVISOR_DECISION
            and T0_US + 1_000 <= record_time_us(r) < T0_US + 30_000
        ),
    ),
}


# -- writing and reading back ----------------------------------------------------------------


def test_a_record_is_read_back_byte_identical_by_get_page_and_scan(store: SqlStore) -> None:
    record = detailed_record()
    store.append([record])
    by_page = store.page(RecordFilter(), 10, None).records
    read = [store.get(record.record_id), *by_page, *store.scan(RecordFilter())]
    assert [deterministic(r) for r in read if r is not None] == [deterministic(record)] * 3


def test_get_of_an_unknown_record_id_is_none(store: SqlStore) -> None:
    store.append([make_record(1)])
    assert store.get("no-such-record") is None


def test_an_empty_append_writes_nothing(store: SqlStore) -> None:
    store.append([])
    assert store.page(RecordFilter(), 10, None).records == ()


def test_the_unfiltered_listing_has_every_record_newest_first(filled: SqlStore) -> None:
    assert ids(filled.page(RecordFilter(), 100, None).records) == expected_ids(lambda r: True)


@pytest.mark.parametrize("name", FILTERS)
def test_a_filter_selects_exactly_its_records_newest_first(filled: SqlStore, name: str) -> None:
    where, match = FILTERS[name]
    wanted = expected_ids(match)
    assert wanted, "the filter must select something to show anything"
    assert len(wanted) < FILLED
    assert ids(filled.page(where, 100, None).records) == wanted


@pytest.mark.parametrize("size", [1, 3, 7, 10, FILLED, FILLED + 1])
def test_pages_go_newest_first_without_duplicates_or_gaps(filled: SqlStore, size: int) -> None:
    pages = every_page(filled, RecordFilter(), size)
    assert [record_id for page in pages for record_id in page] == expected_ids(lambda r: True)
    assert all(len(page) == size for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= size


def test_paging_a_filter_continues_within_the_filter(filled: SqlStore) -> None:
    where, match = FILTERS["advisor_name"]
    pages = every_page(filled, where, 2)
    assert len(pages) > 2
    assert [record_id for page in pages for record_id in page] == expected_ids(match)


def test_the_page_of_an_empty_selection_is_the_last(filled: SqlStore) -> None:
    page = filled.page(RecordFilter(client_id=999), 10, None)
    assert page.records == ()
    assert page.next_before is None


@pytest.mark.parametrize("chunk", [1, 4, 10, FILLED, 1000])
def test_a_scan_reads_every_record_oldest_first_across_chunks(filled: SqlStore, chunk: int) -> None:
    assert ids(filled.scan(RecordFilter(), chunk)) == expected_ids(lambda r: True)[::-1]


def test_a_filtered_scan_reads_the_filter_oldest_first(filled: SqlStore) -> None:
    where, match = FILTERS["kind"]
    assert ids(filled.scan(where, 3)) == expected_ids(match)[::-1]


def test_the_model_decision_is_the_latest_score_or_explain_of_that_call_and_client(
    store: SqlStore,
) -> None:
    older = make_record(1, kind=pb.RECORD_KIND_SCORE, request_id="call", client_id=CLIENTS[0])
    newer = make_record(2, kind=pb.RECORD_KIND_EXPLAIN, request_id="call", client_id=CLIENTS[0])
    advisor = make_record(
        3, kind=pb.RECORD_KIND_ADVISOR_DECISION, request_id="call", client_id=CLIENTS[0]
    )
    store.append([older, newer, advisor])
    found = store.model_decision("call", CLIENTS[0])
    assert found is not None and found.record_id == newer.record_id
    assert store.model_decision("call", CLIENTS[1]) is None
    assert store.model_decision("other-call", CLIENTS[0]) is None


# -- advisor decisions are idempotent --------------------------------------------------------


def advisor_decision(n: int, caller: str, request_id: str) -> pb.DecisionRecord:
    return make_record(
        n, kind=pb.RECORD_KIND_ADVISOR_DECISION, caller=caller, request_id=request_id
    )


def test_a_duplicate_advisor_decision_is_skipped_and_the_rest_of_its_append_written(
    store: SqlStore,
) -> None:
    first = advisor_decision(1, "advisor-caller", "decision-1")
    store.append([first])
    store.append(
        [make_record(2), advisor_decision(3, "advisor-caller", "decision-1"), make_record(4)]
    )
    assert ids(store.scan(RecordFilter())) == [first.record_id, "record-0002", "record-0004"]
    found = store.advisor_decision("advisor-caller", "decision-1")
    assert found is not None and deterministic(found) == deterministic(first)


def test_a_duplicate_within_one_append_keeps_the_first(store: SqlStore) -> None:
    store.append(
        [
            advisor_decision(1, "advisor-caller", "decision-1"),
            advisor_decision(2, "advisor-caller", "decision-1"),
        ]
    )
    assert ids(store.scan(RecordFilter())) == ["record-0001"]


def test_the_same_request_id_of_another_caller_is_another_decision(store: SqlStore) -> None:
    store.append([advisor_decision(1, "advisor-a", "decision-1")])
    store.append([advisor_decision(2, "advisor-b", "decision-1")])
    assert ids(store.scan(RecordFilter())) == ["record-0001", "record-0002"]
    found = store.advisor_decision("advisor-b", "decision-1")
    assert found is not None and found.record_id == "record-0002"


def test_model_records_may_share_a_request_id(store: SqlStore) -> None:
    # A ScoreBatch call records one item per row under the call's request id.
    store.append([make_record(n, request_id="batch", batch_index=n) for n in (3, 6, 9)])
    assert len(list(store.scan(RecordFilter()))) == 3


# -- schema migrations -----------------------------------------------------------------------


def migrations_of(store_target: str) -> list[tuple[int, str]]:
    """schema_migrations read with the engine's own driver, not with the store."""
    sql = "SELECT version, description FROM schema_migrations ORDER BY version"
    if store_target.startswith("postgresql://"):
        with psycopg.connect(store_target) as connection:
            return [tuple(row) for row in connection.execute(sql).fetchall()]
    # sqlite3's own context manager commits but does not close.
    with contextlib.closing(sqlite3.connect(store_target)) as connection:
        return [tuple(row) for row in connection.execute(sql).fetchall()]


def add_migration_row(store_target: str, version: int) -> None:
    sql = f"INSERT INTO schema_migrations VALUES ({version}, 'from the future', 0)"
    if store_target.startswith("postgresql://"):
        with psycopg.connect(store_target, autocommit=True) as connection:
            connection.execute(sql)
        return
    with contextlib.closing(sqlite3.connect(store_target, isolation_level=None)) as connection:
        connection.execute(sql)


def test_a_new_store_is_at_the_schema_version_of_the_code(store: SqlStore, target: str) -> None:
    assert store.schema_version() == SCHEMA_VERSION == 1
    assert migrations_of(target) == [(1, "decision records")]


def test_reopening_a_store_applies_no_migration_again_and_keeps_its_records(
    target: str,
) -> None:
    with opened(target) as store:
        store.append([make_record(1)])
    with opened(target) as store:
        assert ids(store.scan(RecordFilter())) == ["record-0001"]
    assert migrations_of(target) == [(1, "decision records")]


def test_a_store_with_a_newer_schema_refuses_to_open_naming_both_versions(target: str) -> None:
    with opened(target):
        pass
    add_migration_row(target, 99)
    with pytest.raises(StoreError, match=r"schema version 99.*this server's 1"):
        open_store(target)


def test_two_stores_opening_one_fresh_postgresql_database_at_once_both_succeed(
    postgres: LocalPostgres,
) -> None:
    # Replicas starting together: the migration lock makes one migrate and the other wait.
    for _ in range(3):
        target = new_real_database(postgres)
        start = threading.Barrier(2)
        stores: list[SqlStore] = []
        failed: list[BaseException] = []

        def open_one(
            target: str = target,
            start: threading.Barrier = start,
            stores: list[SqlStore] = stores,
            failed: list[BaseException] = failed,
        ) -> None:
            start.wait()
            try:
                stores.append(open_store(target))
            except BaseException as error:  # reported below, with the other thread's
                failed.append(error)

        threads = [threading.Thread(target=open_one) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert failed == []
        assert [store.schema_version() for store in stores] == [1, 1]
        assert migrations_of(target) == [(1, "decision records")]
        for store in stores:
            store.close()


# -- SQLite settings and unusable paths --------------------------------------------------------


def test_sqlite_connections_use_wal_and_a_full_sync_on_every_commit(tmp_path: Path) -> None:
    with opened(str(tmp_path / "decisions.sqlite")) as store:
        # The store's own connections: synchronous is a setting of each connection.
        for connection in (store._writer, store._reader):
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert connection.execute("PRAGMA synchronous").fetchone()[0] == 2


def test_a_directory_is_not_a_sqlite_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=rf"cannot open the decision store \(SQLite {tmp_path}\)"):
        open_store(str(tmp_path))


def test_a_path_under_a_regular_file_is_not_a_sqlite_store(tmp_path: Path) -> None:
    regular = tmp_path / "file.txt"
    regular.write_text("not a directory")
    with pytest.raises(StoreError, match=rf"cannot create the directory .*{regular}"):
        open_store(str(regular / "decisions.sqlite"))


def test_a_missing_directory_of_a_sqlite_store_is_created(tmp_path: Path) -> None:
    with opened(str(tmp_path / "a" / "b" / "decisions.sqlite")) as store:
        store.append([make_record(1)])
    assert (tmp_path / "a" / "b" / "decisions.sqlite").is_file()


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "decisions.sqlite"
    path.write_bytes(b"this is not a SQLite database, it is text" * 100)
    with pytest.raises(StoreError, match=r"decisions\.sqlite"):
        open_store(str(path))


# -- PostgreSQL going away and coming back ---------------------------------------------------


def test_an_unreachable_postgresql_is_a_store_error_without_the_password() -> None:
    with pytest.raises(StoreError, match="cannot open the decision store") as raised:
        open_store("postgresql://user:secret-password@127.0.0.1:1/decisions")
    assert "secret-password" not in str(raised.value)


def test_append_raises_store_error_while_postgresql_is_down_and_writes_once_it_is_back(
    lone_postgres: LocalPostgres,
) -> None:
    with opened(lone_postgres.url) as store:
        store.append([make_record(1)])
        pg_ctl(lone_postgres, "stop")
        for n in (2, 3):  # the second write finds the connection the first one lost
            with pytest.raises(StoreError, match=r"decision store write failed|cannot open"):
                store.append([make_record(n)])
        with pytest.raises(StoreError):
            store.get("record-0001")
        pg_ctl(lone_postgres, "start")
        store.append([make_record(4)])
        assert ids(store.scan(RecordFilter())) == ["record-0001", "record-0004"]
