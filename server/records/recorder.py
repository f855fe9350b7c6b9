"""The decision recorder: records written durably, concurrent callers sharing a commit, before
any response leaves the server."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Protocol

from creditscore.v1 import decision_record_pb2 as pb
from server.errors import Unavailable
from server.records.group_commit import GroupCommit, GroupCommitFailed
from server.records.store import DecisionStore

__all__ = ["DecisionObserver", "DecisionRecorder"]

logger = logging.getLogger(__name__)


class DecisionObserver(Protocol):
    """Sees every decision given, and how many records became durable (live metrics)."""

    def observe_decisions(self, probabilities: Iterable[float]) -> None: ...

    def observe_written(self, count: int) -> None: ...


class DecisionRecorder:
    """Writes records to ``store`` (None: recording off, as ``--record off`` asks), telling
    ``observer`` (the live metrics, when on) about them."""

    def __init__(
        self, store: DecisionStore | None, observer: DecisionObserver | None = None
    ) -> None:
        self._store = store
        self._observer = observer
        self._commits: GroupCommit[pb.DecisionRecord] | None = (
            None if store is None else GroupCommit(store.append)
        )

    @property
    def recording(self) -> bool:
        """Whether records are written (``--record on``): with recording off, callers skip
        building them (a 10,000-row batch's records cost more than its scoring)."""
        return self._store is not None

    @property
    def store(self) -> DecisionStore | None:
        return self._store

    def write(self, records: Sequence[pb.DecisionRecord]) -> None:
        """Return once ``records`` are durable. Unavailable when they cannot be written: the
        call then gives no decision, since a decision must never go out unrecorded."""
        if self._commits is None:
            return
        try:
            self._commits.write(records)
        except GroupCommitFailed as error:
            logger.error("decision record not written: %s", error)
            raise Unavailable(
                "the decision record cannot be written, so no decision is given; retry later"
            ) from None
        if self._observer is not None:
            self._observer.observe_written(len(records))

    def given(self, probabilities: Iterable[float]) -> None:
        """Tell the live metrics (when on) about model decisions given with these
        probabilities, once their records are durable (or at once with recording off); without
        metrics nothing is read."""
        if self._observer is not None:
            # NaN: a batch item that failed with its own error, no decision given.
            self._observer.observe_decisions(p for p in probabilities if p == p)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
