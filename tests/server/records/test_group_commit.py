"""Group commit with a fake write function: every row lands once, concurrent callers share
writes, a failed write fails exactly the callers of its group, and writes never overlap."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from server.records.group_commit import GroupCommit, GroupCommitFailed

THREADS = 16
WRITES_PER_THREAD = 50


class FakeStore:
    """A write function that keeps what it was given, taking ``seconds`` per call (a commit's
    flush), and notes how many calls were inside it at once."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.batches: list[list[str]] = []
        self.inside = 0
        self.most_inside = 0
        self._lock = threading.Lock()

    def write(self, rows: list[str]) -> None:
        with self._lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        time.sleep(self.seconds)
        with self._lock:
            self.batches.append(list(rows))
            self.inside -= 1

    def written(self) -> list[str]:
        with self._lock:
            return [row for batch in self.batches for row in batch]


def run_threads(work: Callable[[int], None], threads: int = THREADS) -> None:
    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(work, t) for t in range(threads)]:
            future.result(timeout=60)


def writing(commits: GroupCommit[str], writes: int) -> Callable[[int], None]:
    """A thread's work: ``writes`` calls, one row each."""

    def work(thread: int) -> None:
        for n in range(writes):
            commits.write([f"{thread}-{n}"])

    return work


def test_every_row_of_16_threads_writing_50_times_lands_exactly_once() -> None:
    store = FakeStore(seconds=0.0005)
    commits: GroupCommit[str] = GroupCommit(store.write)
    late: list[str] = []

    def writer(thread: int) -> None:
        for n in range(WRITES_PER_THREAD):
            row = f"{thread}-{n}"
            commits.write([row])
            # Durable on return: the row is already in a finished write.
            if row not in store.written():
                late.append(row)

    run_threads(writer)
    written = store.written()
    assert sorted(written) == sorted(
        f"{t}-{n}" for t in range(THREADS) for n in range(WRITES_PER_THREAD)
    )
    assert late == []


def test_concurrent_callers_share_far_fewer_writes_than_calls() -> None:
    store = FakeStore(seconds=0.002)
    commits: GroupCommit[str] = GroupCommit(store.write)
    run_threads(writing(commits, WRITES_PER_THREAD))
    calls = THREADS * WRITES_PER_THREAD
    assert len(store.written()) == calls
    assert len(store.batches) < calls / 4


def test_a_caller_alone_writes_its_own_rows_in_one_call() -> None:
    store = FakeStore()
    commits: GroupCommit[str] = GroupCommit(store.write)
    commits.write(["a", "b"])
    commits.write(["c"])
    assert store.batches == [["a", "b"], ["c"]]


def test_write_is_never_entered_by_two_callers_at_once() -> None:
    store = FakeStore(seconds=0.001)
    commits: GroupCommit[str] = GroupCommit(store.write)
    run_threads(writing(commits, 20))
    assert store.most_inside == 1
    assert len(store.written()) == THREADS * 20


class GatedStore:
    """A write function whose first call waits for ``release``, and whose second call fails
    (a commit that the database refused)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.batches: list[list[str]] = []

    def write(self, rows: list[str]) -> None:
        self.batches.append(list(rows))
        if len(self.batches) == 1:
            self.entered.set()
            assert self.release.wait(30)
        elif len(self.batches) == 2:
            raise OSError("disk full")


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_a_failed_write_fails_every_caller_of_its_group_and_the_next_group_succeeds() -> None:
    store = GatedStore()
    commits: GroupCommit[str] = GroupCommit(store.write)
    outcomes: dict[str, str] = {}

    def call(row: str) -> None:
        try:
            commits.write([row])
            outcomes[row] = "written"
        except GroupCommitFailed as error:
            assert isinstance(error.__cause__, OSError)
            assert "disk full" in str(error)
            outcomes[row] = "failed"

    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(call, "first")
        assert store.entered.wait(30)
        group = [pool.submit(call, row) for row in ("b", "c", "d")]
        # The three wait for the first write, in the group written next (the only way to see
        # that they have joined it is the pending rows).
        wait_for(lambda: len(commits._pending) == 3)
        store.release.set()
        for future in (first, *group):
            future.result(timeout=30)
    commits.write(["after"])
    assert outcomes == {"first": "written", "b": "failed", "c": "failed", "d": "failed"}
    assert [sorted(batch) for batch in store.batches] == [["first"], ["b", "c", "d"], ["after"]]


def test_a_failed_write_of_a_caller_alone_raises_group_commit_failed() -> None:
    def refuse(rows: list[str]) -> None:
        raise ConnectionError("database restarting")

    commits: GroupCommit[str] = GroupCommit(refuse)
    with pytest.raises(GroupCommitFailed, match="database restarting"):
        commits.write(["a"])
