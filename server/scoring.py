"""Scoring of stored clients and application payloads: the domain behind Score and ScoreBatch."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from model_build.features.application import RAW_CATEGORICAL_COLUMNS, RAW_NUMERIC_COLUMNS
from model_build.features.rows import clean_raw_application
from server.artifacts import ServingArtifacts
from server.errors import (
    DeadlineExceeded,
    DomainError,
    FieldViolation,
    InvalidArgument,
    NotFound,
)
from server.validation import ApplicationValidator

__all__ = [
    "ApplicationRows",
    "Decision",
    "ScoreQuery",
    "ScoreResult",
    "Scorer",
    "TimeRemaining",
    "no_deadline",
]

logger = logging.getLogger(__name__)

# Rows per onnxruntime call in a batch: large enough to amortise the call, small enough to
# check the caller's deadline between calls.
CHUNK_ROWS = 512

# Seconds left before the caller's deadline, or None without a deadline.
TimeRemaining = Callable[[], float | None]


def no_deadline() -> float | None:
    """A TimeRemaining without deadline."""
    return None


class Decision(enum.Enum):
    """The credit decision at the model's threshold."""

    APPROVE = "APPROVE"
    REFUSE = "REFUSE"


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """The outcome of scoring one application."""

    client_id: int | None
    probability: float
    decision: Decision
    threshold: float
    model_version: str


@dataclass(frozen=True, slots=True)
class ApplicationRows:
    """Application payloads as received, one row each, before validation and cleaning.

    ``numeric``: float64 [rows, len(RAW_NUMERIC_COLUMNS)], NaN where unset (the anomaly flag
    columns are ignored); ``categorical``: object [rows, len(RAW_CATEGORICAL_COLUMNS)], str or
    None where unset; ``non_finite``: (row, Kaggle column) of values sent as NaN or infinite.
    """

    numeric: np.ndarray
    categorical: np.ndarray
    non_finite: tuple[tuple[int, str], ...] = ()

    @classmethod
    def empty(cls, rows: int) -> ApplicationRows:
        """``rows`` rows with every field unset, for a converter to fill."""
        return cls(
            np.full((rows, len(RAW_NUMERIC_COLUMNS)), np.nan),
            np.full((rows, len(RAW_CATEGORICAL_COLUMNS)), None, dtype=object),
        )


@dataclass(frozen=True, slots=True)
class ScoreQuery:
    """What to score: a stored client, an application payload (a row of ApplicationRows), or
    both (the payload with the stored client's credit history)."""

    client_id: int | None
    application_row: int | None


class Scorer:
    """Scores queries with the served model; immutable, shared by every call."""

    def __init__(self, artifacts: ServingArtifacts, field_paths: Mapping[str, str]) -> None:
        """``field_paths`` maps a Kaggle column to its field path in errors."""
        self.artifacts = artifacts
        self.validator = ApplicationValidator(artifacts.catalog, field_paths)
        self._threshold = artifacts.threshold
        self._version = artifacts.model_version

    def score(self, query: ScoreQuery, rows: ApplicationRows | None) -> ScoreResult:
        """Score one query; raises InvalidArgument or NotFound."""
        (outcome,) = self.score_batch([query], rows)
        if isinstance(outcome, DomainError):
            raise outcome
        return outcome

    def score_batch(
        self,
        queries: Sequence[ScoreQuery],
        rows: ApplicationRows | None,
        time_remaining: TimeRemaining = no_deadline,
    ) -> list[ScoreResult | DomainError]:
        """Each query's result, or its own InvalidArgument / NotFound; payloads go through
        onnxruntime together. Raises DeadlineExceeded when the caller's deadline passes."""
        outcomes: list[ScoreResult | DomainError | None] = [None] * len(queries)
        stored = self.artifacts.features
        invalid = self._violations(rows)
        payloads: list[tuple[int, ScoreQuery]] = []
        for i, query in enumerate(queries):
            error = self._query_error(query, invalid)
            if error is not None:
                outcomes[i] = error
            elif query.application_row is None:
                # The book's probability was computed by this very model (checked at start-up).
                row = stored.row_of[query.client_id]  # type: ignore[index]
                outcomes[i] = self._result(query.client_id, float(stored.probability[row]))
            else:
                payloads.append((i, query))
        if payloads:
            assert rows is not None  # a payload query names a row of rows
            probabilities = self._payload_probabilities(
                [q for _, q in payloads], rows, time_remaining
            )
            for (i, query), probability in zip(payloads, probabilities.tolist(), strict=True):
                outcomes[i] = self._result(query.client_id, probability)
        return outcomes  # type: ignore[return-value]

    def model_inputs(
        self, query: ScoreQuery, rows: ApplicationRows | None
    ) -> dict[str, np.ndarray]:
        """The ONNX feed (one row) of a query, as Score computes it; raises like score()."""
        error = self._query_error(query, self._violations(rows))
        if error is not None:
            raise error
        if query.application_row is None:
            row = self.artifacts.features.row_of[query.client_id]  # type: ignore[index]
            return self.artifacts.features.feed(np.asarray([row]))
        assert rows is not None
        return self._payload_feed([query], rows)

    def _violations(self, rows: ApplicationRows | None) -> dict[int, list[FieldViolation]]:
        if rows is None or len(rows.numeric) == 0:
            return {}
        return self.validator.violations(rows.numeric, rows.categorical, rows.non_finite)

    def _query_error(
        self, query: ScoreQuery, invalid: Mapping[int, list[FieldViolation]]
    ) -> DomainError | None:
        if query.client_id is None and query.application_row is None:
            return InvalidArgument(
                [FieldViolation("application", "set client_id, application or both")]
            )
        if query.client_id is not None and query.client_id not in self.artifacts.features.row_of:
            return NotFound(f"client {query.client_id} is not a stored client")
        if query.application_row is not None and query.application_row in invalid:
            return InvalidArgument(invalid[query.application_row])
        return None

    def _payload_feed(
        self, queries: Sequence[ScoreQuery], rows: ApplicationRows
    ) -> dict[str, np.ndarray]:
        positions = np.asarray([q.application_row for q in queries], dtype=np.intp)
        # Fancy indexing copies, so cleaning in place leaves the caller's rows untouched.
        raw = clean_raw_application(rows.numeric[positions], rows.categorical[positions])
        client_ids = [q.client_id for q in queries]
        history = None
        if any(c is not None for c in client_ids):
            history = self.artifacts.history.rows_of(client_ids)
        return self.artifacts.feed_builder.feed(raw, history)

    def _payload_probabilities(
        self, queries: Sequence[ScoreQuery], rows: ApplicationRows, time_remaining: TimeRemaining
    ) -> np.ndarray:
        parts = []
        for start in range(0, len(queries), CHUNK_ROWS):
            _check_deadline(time_remaining)
            feed = self._payload_feed(queries[start : start + CHUNK_ROWS], rows)
            parts.append(self.artifacts.predict(feed))
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _result(self, client_id: int | None, probability: float) -> ScoreResult:
        decision = Decision.REFUSE if probability >= self._threshold else Decision.APPROVE
        return ScoreResult(client_id, probability, decision, self._threshold, self._version)


def _check_deadline(time_remaining: TimeRemaining) -> None:
    remaining = time_remaining()
    if remaining is not None and remaining <= 0:
        raise DeadlineExceeded("the deadline passed before the batch was scored")
