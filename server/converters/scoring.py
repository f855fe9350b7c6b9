"""Protobuf ↔ domain for Score and ScoreBatch: Application messages to matrices, results back."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from google.protobuf.descriptor import FieldDescriptor

from creditscore.v1 import application_pb2, credit_score_pb2
from model_build.features.application import RAW_CATEGORICAL_COLUMNS, RAW_NUMERIC_COLUMNS
from server.errors import DomainError, FieldViolation, InvalidArgument, status_for
from server.scoring import ApplicationRows, Decision, ScoreQuery, ScoreResult

__all__ = [
    "APPLICATION_COLUMNS",
    "APPLICATION_FIELD_PATHS",
    "MAX_BATCH_ITEMS",
    "application_rows",
    "batch_queries",
    "batch_response",
    "score_query",
    "score_response",
    "score_result_message",
]

MAX_BATCH_ITEMS = 1000

_APPLICATION = application_pb2.Application.DESCRIPTOR
# Kaggle column of every Application field, from its (Kaggle.column) option.
APPLICATION_COLUMNS: dict[str, str] = {
    field.name: field.GetOptions().Extensions[application_pb2.Kaggle.column]
    for field in _APPLICATION.fields
}
# Field path of every Kaggle column in error details, relative to a Score request.
APPLICATION_FIELD_PATHS: dict[str, str] = {
    column: f"application.{name}" for name, column in APPLICATION_COLUMNS.items()
}

_NUMERIC_INDEX = {name: j for j, name in enumerate(RAW_NUMERIC_COLUMNS)}
_CATEGORICAL_INDEX = {name: k for k, name in enumerate(RAW_CATEGORICAL_COLUMNS)}
# Where each field goes, keyed by descriptor (the objects ListFields returns): j >= 0 is column
# j of the numeric matrix, j < 0 column -1 - j of the categorical one.
_SLOTS: dict[FieldDescriptor, int] = {
    field: _NUMERIC_INDEX[APPLICATION_COLUMNS[field.name]]
    if field.type != FieldDescriptor.TYPE_STRING
    else -1 - _CATEGORICAL_INDEX[APPLICATION_COLUMNS[field.name]]
    for field in _APPLICATION.fields
}
_DECISIONS = {
    Decision.APPROVE: credit_score_pb2.DECISION_APPROVE,
    Decision.REFUSE: credit_score_pb2.DECISION_REFUSE,
}
_NAN = float("nan")


def application_rows(messages: Sequence[application_pb2.Application]) -> ApplicationRows:
    """One matrix row per Application message: set fields only, "" read as unset."""
    width, categories = len(RAW_NUMERIC_COLUMNS), len(RAW_CATEGORICAL_COLUMNS)
    numeric: list[list[float]] = []
    categorical: list[list[str | None]] = []
    numeric_set: list[int] = []
    slots = _SLOTS
    for message in messages:
        values: list[float] = [_NAN] * width
        labels: list[str | None] = [None] * categories
        fields = message.ListFields()
        strings = 0
        for field, value in fields:
            j = slots[field]
            if j >= 0:
                values[j] = value
            else:
                strings += 1
                if value:
                    labels[-1 - j] = value
        numeric.append(values)
        categorical.append(labels)
        numeric_set.append(len(fields) - strings)
    matrix = np.array(numeric, dtype=np.float64).reshape(len(messages), width)
    labels_matrix = np.array(categorical, dtype=object).reshape(len(messages), categories)
    return ApplicationRows(matrix, labels_matrix, _non_finite(matrix, numeric_set, messages))


def _non_finite(
    matrix: np.ndarray, numeric_set: list[int], messages: Sequence[application_pb2.Application]
) -> tuple[tuple[int, str], ...]:
    """Cells sent as NaN or infinite. A row with fewer finite numbers than numeric fields set
    holds one: only those rows are looked at again, field by field."""
    finite = np.isfinite(matrix).sum(axis=1)
    suspects = np.flatnonzero(finite != np.asarray(numeric_set, dtype=np.int64)).tolist()
    return tuple(
        (row, APPLICATION_COLUMNS[field.name])
        for row in suspects
        for field, value in messages[row].ListFields()
        if _SLOTS[field] >= 0 and not math.isfinite(value)
    )


def score_query(
    request: credit_score_pb2.ScoreRequest | credit_score_pb2.ExplainRequest,
) -> tuple[ScoreQuery, ApplicationRows | None]:
    """The query of a Score (or Explain, same fields) request and its application row."""
    client_id = request.client_id if request.HasField("client_id") else None
    if not request.HasField("application"):
        return ScoreQuery(client_id, None), None
    return ScoreQuery(client_id, 0), application_rows([request.application])


def batch_queries(
    request: credit_score_pb2.ScoreBatchRequest,
) -> tuple[list[ScoreQuery], ApplicationRows | None]:
    """Queries of a ScoreBatch request, their applications in one matrix."""
    count = len(request.requests)
    if not 1 <= count <= MAX_BATCH_ITEMS:
        raise InvalidArgument(
            [FieldViolation("requests", f"must hold 1 to {MAX_BATCH_ITEMS} items, got {count}")]
        )
    queries: list[ScoreQuery] = []
    applications: list[application_pb2.Application] = []
    for item in request.requests:
        client_id = item.client_id if item.HasField("client_id") else None
        if item.HasField("application"):
            queries.append(ScoreQuery(client_id, len(applications)))
            applications.append(item.application)
        else:
            queries.append(ScoreQuery(client_id, None))
    return queries, application_rows(applications) if applications else None


def score_result_message(result: ScoreResult) -> credit_score_pb2.ScoreResult:
    """The ScoreResult message of a domain result."""
    message = credit_score_pb2.ScoreResult(
        default_probability=result.probability,
        decision=_DECISIONS[result.decision],
        threshold=result.threshold,
        model_version=result.model_version,
    )
    if result.client_id is not None:
        message.client_id = result.client_id
    return message


def score_response(result: ScoreResult, request_id: str) -> credit_score_pb2.ScoreResponse:
    """The ScoreResponse of a domain result."""
    return credit_score_pb2.ScoreResponse(request_id=request_id, score=score_result_message(result))


def batch_response(
    outcomes: Sequence[ScoreResult | DomainError], request_id: str
) -> credit_score_pb2.ScoreBatchResponse:
    """The ScoreBatchResponse: each item's score, or its error status, with its index."""
    response = credit_score_pb2.ScoreBatchResponse(request_id=request_id)
    results = response.results
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, DomainError):
            results.add(index=index, error=status_for(outcome))
        else:
            results.add(index=index, score=score_result_message(outcome))
    return response
