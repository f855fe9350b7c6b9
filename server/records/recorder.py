"""The decision recorder: records written durably, concurrent callers sharing a commit, before
any response leaves the server."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from creditscore.v1 import decision_record_pb2 as pb
from server.errors import Unavailable
from server.records.group_commit import GroupCommit, GroupCommitFailed
from server.records.store import DecisionStore

__all__ = ["DecisionRecorder"]

logger = logging.getLogger(__name__)


class DecisionRecorder:
    """Writes records to ``store`` (None: recording off, as ``--record off`` asks)."""

    def __init__(self, store: DecisionStore | None) -> None:
        self._store = store
        self._commits: GroupCommit[pb.DecisionRecord] | None = (
            None if store is None else GroupCommit(store.append)
        )

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

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
