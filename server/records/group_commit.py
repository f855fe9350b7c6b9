"""Group commit: calls that write at the same time share one transaction and one flush.

Leader and followers, without a writer thread: the first call to find no write in progress
writes everything pending (its own rows and those of the calls that queued meanwhile) and
commits; the others wait for the group they joined. A call alone pays one commit and no
thread hand-off; 16 calls in flight pay about one commit per group.

Each group has its own condition, so a commit wakes the calls it made durable and one call of
the next group (its leader), not every waiting thread: with 16 calls in flight, waking all of
them at each commit cost more CPU than the inserts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["GroupCommit", "GroupCommitFailed"]

_Row = TypeVar("_Row")


class GroupCommitFailed(Exception):
    """The group's transaction failed: none of its rows is durable."""


class _Group:
    __slots__ = ("done", "error", "members")

    def __init__(self, lock: threading.Lock) -> None:
        self.done = False
        self.error: BaseException | None = None
        self.members = threading.Condition(lock)


class GroupCommit(Generic[_Row]):
    """Writes rows with ``write`` (one durable transaction per call of it), grouping the rows
    of concurrent callers. Thread-safe; ``write`` is never called twice at once."""

    def __init__(self, write: Callable[[list[_Row]], None]) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._pending: list[_Row] = []
        self._open = _Group(self._lock)
        self._writing = False

    def write(self, rows: Sequence[_Row]) -> None:
        """Return once ``rows`` are durable; GroupCommitFailed (from the store's error) when
        their transaction failed."""
        with self._lock:
            self._pending.extend(rows)
            group = self._open
            while not group.done:
                if self._writing:
                    group.members.wait()
                else:
                    self._lead()
        if group.error is not None:
            raise GroupCommitFailed(str(group.error)) from group.error

    def _lead(self) -> None:
        """Write the open group (called with the lock held; released while writing)."""
        self._writing = True
        batch, self._pending = self._pending, []
        group, self._open = self._open, _Group(self._lock)
        self._lock.release()
        try:
            self._write(batch)
        except BaseException as error:  # reported to every caller of the group, never lost
            group.error = error
            if not isinstance(error, Exception):
                raise
        finally:
            self._lock.acquire()
            group.done = True
            self._writing = False
            group.members.notify_all()
            # The calls that queued during this write lead themselves: one of them suffices.
            self._open.members.notify()
