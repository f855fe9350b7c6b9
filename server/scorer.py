"""The Scorer: stored clients and application rows to probabilities and decisions, the domain
behind Score, ScoreBatch and Explain's score (no protobuf here)."""

from __future__ import annotations

import enum
import itertools
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from model_build.features.application import (
    RAW_CATEGORICAL_COLUMNS,
    RAW_NUMERIC_COLUMNS,
)
from model_build.features.rows import UNSET_CODE, FeedBuilder
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
    "BatchScores",
    "Decision",
    "ScoreQueries",
    "ScoreQuery",
    "ScoreResult",
    "Scorer",
    "TimeRemaining",
    "no_deadline",
    "warm_up_kernels",
]

logger = logging.getLogger(__name__)

# Rows per onnxruntime call in a batch: large enough to amortise the call (a whole batch of
# the largest size), small enough to check the caller's deadline between calls.
CHUNK_ROWS = 1000
# Rows from which a chunk is split between parallel runs: below, the hand-off to another
# thread costs about what it saves (1,000 rows take about 7 ms on one core).
PARALLEL_ROWS = 128

_NOTHING_TO_SCORE = FieldViolation("application", "set client_id, application or both")

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
    columns are ignored); ``codes``: int16 [rows, len(RAW_CATEGORICAL_COLUMNS)], each value's
    code in the served CategoryCodes (``ServingArtifacts.feed_builder.codes``), UNSET_CODE
    where unset and UNKNOWN_CODE for a value outside them; ``non_finite``: (row, Kaggle column)
    of numbers sent as NaN or infinite; ``unknown``: (row, Kaggle column) -> the text of each
    UNKNOWN_CODE cell.
    """

    numeric: np.ndarray
    codes: np.ndarray
    non_finite: tuple[tuple[int, str], ...] = ()
    unknown: Mapping[tuple[int, str], str] = field(default_factory=dict)
    # Start of the field paths in errors: where the rows came from in the request.
    prefix: str = "application."

    def __len__(self) -> int:
        return len(self.numeric)


@dataclass(frozen=True, slots=True)
class ScoreQuery:
    """What to score: a stored client, an application payload (a row of ApplicationRows), or
    both (the payload with the stored client's credit history)."""

    client_id: int | None
    application_row: int | None


@dataclass(frozen=True, slots=True)
class ScoreQueries:
    """Several queries as arrays: item i is the stored client ``client_ids[i]`` when
    ``has_client[i]``, and row i of its ApplicationRows when ``has_application[i]`` (both:
    the payload with the stored client's credit history)."""

    client_ids: np.ndarray  # int64 [items]
    has_client: np.ndarray  # bool [items]
    has_application: np.ndarray  # bool [items]

    def __len__(self) -> int:
        return len(self.client_ids)


@dataclass(frozen=True, slots=True)
class BatchScores:
    """The outcome of each item: its probability, or its own error (NotFound,
    InvalidArgument) in ``errors``, where ``probabilities`` is NaN."""

    probabilities: np.ndarray  # float64 [items]
    errors: Mapping[int, DomainError]


class Scorer:
    """Scores queries with the served model; immutable, shared by every call."""

    def __init__(self, artifacts: ServingArtifacts, parallel_runs: int = 1) -> None:
        """``parallel_runs``: onnxruntime runs a large batch is split between, each on one
        thread so that every row's score is the one Score gives it."""
        self.artifacts = artifacts
        self.codes = artifacts.feed_builder.codes
        self.validator = ApplicationValidator(self.codes)
        self.threshold = artifacts.threshold
        self.model_version = artifacts.model_version
        # Stored clients by id, sorted, for vectorised lookups.
        ids = artifacts.features.client_ids
        self._order = np.argsort(ids, kind="stable")
        self._sorted_ids = ids[self._order]
        self._parallel_runs = parallel_runs
        self._pool = (
            ThreadPoolExecutor(parallel_runs - 1, thread_name_prefix="onnx-run")
            if parallel_runs > 1
            else None
        )
        self._warm_up()

    def _warm_up(self) -> None:
        """Run every compiled kernel once: numba compiles (or loads from its cache) on a
        first call, which no request should wait for."""
        warm_up_kernels(
            self.validator, self.artifacts.feed_builder, self.artifacts.history.rows_of([None])
        )

    def score(self, query: ScoreQuery, rows: ApplicationRows | None) -> ScoreResult:
        """Score one query; raises InvalidArgument or NotFound.

        The rules of ``score_items`` for one item, written for the latency of a single call:
        a handful of steps, no per-batch array set-up.
        """
        client_id = query.client_id
        one = self._checked(query, rows)
        if one is None:
            # The book's probability was computed by this very model (checked at start-up).
            stored = self.artifacts.features
            return self.result(client_id, float(stored.probability[stored.row_of[client_id]]))  # type: ignore[index]
        history = None if client_id is None else self.artifacts.history.rows_of([client_id])
        encoded = self.artifacts.feed_builder.encoded(one.numeric, one.codes, history)
        return self.result(client_id, float(self.artifacts.predict_encoded(encoded)[0]))

    def _checked(self, query: ScoreQuery, rows: ApplicationRows | None) -> ApplicationRows | None:
        """The query's application alone (None: a stored client alone), once valid; raises
        NotFound for an unknown client, InvalidArgument for nothing to score or a bad row."""
        client_id = query.client_id
        if client_id is not None and client_id not in self.artifacts.features.row_of:
            raise NotFound(f"client {client_id} is not a stored client")
        if query.application_row is None or rows is None:
            if client_id is None:
                raise InvalidArgument([_NOTHING_TO_SCORE])
            return None
        one = _one_row(rows, query.application_row)
        if one.non_finite or one.unknown or self.validator.any_broken(one.numeric, one.codes):
            found = self.validator.violations(
                one.numeric, one.codes, one.non_finite, one.unknown, one.prefix
            )
            raise InvalidArgument(found[0])
        return one

    def score_items(
        self,
        queries: ScoreQueries,
        rows: ApplicationRows,
        time_remaining: TimeRemaining = no_deadline,
    ) -> BatchScores:
        """Each item's probability, or its own InvalidArgument / NotFound; payloads go through
        onnxruntime together. Raises DeadlineExceeded when the caller's deadline passes."""
        probabilities = np.full(len(queries), np.nan)
        errors = self._errors(queries, rows)
        stored = queries.has_client & ~queries.has_application
        payloads = queries.has_application
        if errors:
            failed = np.zeros(len(queries), dtype=bool)
            failed[list(errors)] = True
            stored, payloads = stored & ~failed, payloads & ~failed
        if stored.any():
            # The book's probability was computed by this very model (checked at start-up).
            book_rows = self._book_rows(queries.client_ids[stored])
            probabilities[stored] = self.artifacts.features.probability[book_rows]
        items = np.flatnonzero(payloads)
        if len(items):
            probabilities[items] = self._payload_probabilities(items, queries, rows, time_remaining)
        return BatchScores(probabilities, errors)

    def result(self, client_id: int | None, probability: float) -> ScoreResult:
        """The ScoreResult of a probability."""
        decision = Decision.REFUSE if probability >= self.threshold else Decision.APPROVE
        return ScoreResult(client_id, probability, decision, self.threshold, self.model_version)

    def model_inputs(
        self, query: ScoreQuery, rows: ApplicationRows | None
    ) -> dict[str, np.ndarray]:
        """The ONNX feed (one row) of a query, as Score computes it; raises like score()."""
        one = self._checked(query, rows)
        if one is None:
            row = self.artifacts.features.row_of[query.client_id]  # type: ignore[index]
            return self.artifacts.features.feed(np.asarray([row]))
        history = (
            None if query.client_id is None else self.artifacts.history.rows_of([query.client_id])
        )
        return self.artifacts.feed_builder.feed(one.numeric, one.codes, history)

    def _errors(self, queries: ScoreQueries, rows: ApplicationRows) -> dict[int, DomainError]:
        """Each failing item's error: nothing to score, an unknown client, a bad payload."""
        errors: dict[int, DomainError] = {}
        has_client, has_application = queries.has_client, queries.has_application
        if not (has_client | has_application).all():
            for i in np.flatnonzero(~(has_client | has_application)).tolist():
                errors[i] = InvalidArgument([_NOTHING_TO_SCORE])
        if has_client.any():
            unknown = has_client & ~self._known(queries.client_ids)
            for i in np.flatnonzero(unknown).tolist():
                client = int(queries.client_ids[i])
                errors.setdefault(i, NotFound(f"client {client} is not a stored client"))
        if has_application.any():
            for i, violations in self._violations(has_application, rows).items():
                errors.setdefault(i, InvalidArgument(violations))
        return errors

    def _violations(
        self, has_application: np.ndarray, rows: ApplicationRows
    ) -> dict[int, list[FieldViolation]]:
        if has_application.all():
            return self.validator.violations(
                rows.numeric, rows.codes, rows.non_finite, rows.unknown, rows.prefix
            )
        # Rows of items without an application are blank: leave them out.
        applications = np.flatnonzero(has_application)
        position = {row: k for k, row in enumerate(applications.tolist())}
        found = self.validator.violations(
            rows.numeric[applications],
            rows.codes[applications],
            [(position[r], c) for r, c in rows.non_finite if r in position],
            {(position[r], c): v for (r, c), v in rows.unknown.items() if r in position},
            rows.prefix,
        )
        return {int(applications[k]): violations for k, violations in found.items()}

    def _known(self, client_ids: np.ndarray) -> np.ndarray:
        at = np.searchsorted(self._sorted_ids, client_ids)
        at[at == len(self._sorted_ids)] = 0
        return self._sorted_ids[at] == client_ids

    def _book_rows(self, client_ids: np.ndarray) -> np.ndarray:
        """Book rows of stored clients (all known)."""
        return self._order[np.searchsorted(self._sorted_ids, client_ids)]

    def _payload_inputs(
        self, items: np.ndarray, queries: ScoreQueries, rows: ApplicationRows
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Raw rows, codes and history rows (None: no item has a stored client) of items."""
        all_rows = len(items) == len(rows)
        numeric = rows.numeric if all_rows else rows.numeric[items]
        codes = rows.codes if all_rows else rows.codes[items]
        with_history = queries.has_client[items]
        if not with_history.any():
            return numeric, codes, None
        clients = queries.client_ids[items].tolist()
        history = self.artifacts.history.rows_of(
            [c if h else None for c, h in zip(clients, with_history.tolist(), strict=True)]
        )
        return numeric, codes, history

    def _payload_probabilities(
        self,
        items: np.ndarray,
        queries: ScoreQueries,
        rows: ApplicationRows,
        time_remaining: TimeRemaining,
    ) -> np.ndarray:
        parts = []
        for start in range(0, len(items), CHUNK_ROWS):
            _check_deadline(time_remaining)
            inputs = self._payload_inputs(items[start : start + CHUNK_ROWS], queries, rows)
            parts.append(self._predict(*inputs))
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _predict(
        self, numeric: np.ndarray, codes: np.ndarray, history: np.ndarray | None
    ) -> np.ndarray:
        """Probabilities of payload rows; a large chunk is split between parallel runs (the
        calling thread runs the first piece): the feature kernel and onnxruntime both run
        without the GIL."""
        if self._pool is None or len(numeric) < PARALLEL_ROWS:
            return self._encode_and_predict(numeric, codes, history)
        bounds = np.linspace(0, len(numeric), self._parallel_runs + 1).astype(int).tolist()
        pieces = [
            (numeric[a:b], codes[a:b], None if history is None else history[a:b])
            for a, b in itertools.pairwise(bounds)
        ]
        pending = [self._pool.submit(self._encode_and_predict, *piece) for piece in pieces[1:]]
        first = self._encode_and_predict(*pieces[0])
        return np.concatenate([first, *(future.result() for future in pending)])

    def _encode_and_predict(
        self, numeric: np.ndarray, codes: np.ndarray, history: np.ndarray | None
    ) -> np.ndarray:
        # The model cut at its encoded input: the same trees and calibration as model.onnx
        # (checked at start-up), without onnxruntime's string handling.
        encoded = self.artifacts.feed_builder.encoded(numeric, codes, history)
        return self.artifacts.predict_encoded(encoded)


def warm_up_kernels(
    validator: ApplicationValidator, builder: FeedBuilder, history_row: np.ndarray
) -> None:
    """Call every compiled kernel with the argument types requests give them (a history row:
    float64 [1, history columns], all NaN), so that numba compiles or loads each version."""
    blank = _blank_row()
    # Required fields unset: both the quick check and the detailed rules run.
    validator.violations(blank.numeric, blank.codes)
    for history in (None, history_row):
        builder.encoded(blank.numeric, blank.codes, history)
        builder.feed(blank.numeric, blank.codes, history)


def _blank_row() -> ApplicationRows:
    """One application with every field unset."""
    return ApplicationRows(
        np.full((1, len(RAW_NUMERIC_COLUMNS)), np.nan),
        np.full((1, len(RAW_CATEGORICAL_COLUMNS)), UNSET_CODE, dtype=np.int16),
    )


def _one_row(rows: ApplicationRows, row: int) -> ApplicationRows:
    """Row ``row`` of ``rows`` alone (``rows`` itself when it is its only row)."""
    if row == 0 and len(rows) == 1:
        return rows
    return ApplicationRows(
        rows.numeric[row : row + 1],
        rows.codes[row : row + 1],
        tuple((0, c) for r, c in rows.non_finite if r == row),
        {(0, c): v for (r, c), v in rows.unknown.items() if r == row},
        rows.prefix,
    )


def _check_deadline(time_remaining: TimeRemaining) -> None:
    remaining = time_remaining()
    if remaining is not None and remaining <= 0:
        raise DeadlineExceeded("the deadline passed before the batch was scored")
