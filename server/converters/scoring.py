"""Protobuf ↔ domain for Score and ScoreBatch: request bytes to matrices, results back."""

from __future__ import annotations

from creditscore.v1 import application_pb2, credit_score_pb2
from model_build.features.rows import CategoryCodes
from server.converters.wire import DecodedRequests, ResponseWriter, TooManyItems, WireDecoder
from server.errors import FieldViolation, InvalidArgument, status_for
from server.scoring import (
    ApplicationRows,
    BatchScores,
    Decision,
    ScoreQueries,
    ScoreQuery,
    ScoreResult,
)

__all__ = [
    "APPLICATION_COLUMNS",
    "APPLICATION_FIELD_PATHS",
    "MAX_BATCH_ITEMS",
    "ScoringWire",
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

_DECISIONS = {
    Decision.APPROVE: credit_score_pb2.DECISION_APPROVE,
    Decision.REFUSE: credit_score_pb2.DECISION_REFUSE,
}


class ScoringWire:
    """Score and ScoreBatch requests from their bytes, responses to bytes (server.converters.
    wire does the reading and writing); immutable, shared by every call."""

    def __init__(self, codes: CategoryCodes, model_version: str, threshold: float) -> None:
        self._decoder = WireDecoder(codes)
        self._writer = ResponseWriter(model_version, threshold)

    def batch_request(self, data: bytes) -> tuple[ScoreQueries, ApplicationRows]:
        """The queries of a ScoreBatchRequest, their applications in one matrix."""
        try:
            decoded = self._decoder.decode(data, batch=True, max_items=MAX_BATCH_ITEMS)
        except TooManyItems as error:
            raise _batch_size_error(error.items) from None
        except ValueError as error:
            raise InvalidArgument(
                [], f"not a valid {_request_name(True)} message ({error})"
            ) from None
        if len(decoded) == 0:
            raise _batch_size_error(0)
        return _queries(decoded), _rows(decoded)

    def query(
        self,
        request: credit_score_pb2.ScoreRequest | credit_score_pb2.ExplainRequest,
        data: bytes | None = None,
    ) -> tuple[ScoreQuery, ApplicationRows | None]:
        """The query of a parsed Score or Explain request and its application row; ``data``:
        the bytes it was parsed from, if at hand (else it is written again)."""
        client_id = request.client_id if request.HasField("client_id") else None
        if not request.HasField("application"):
            return ScoreQuery(client_id, None), None
        # The bytes of a message the library parsed: the decoder cannot refuse them.
        data = request.SerializeToString() if data is None else data
        return ScoreQuery(client_id, 0), _rows(self._decoder.decode(data, batch=False))

    def batch_response(self, queries: ScoreQueries, scores: BatchScores, request_id: str) -> bytes:
        """ScoreBatchResponse bytes: each item's score, or its error status, with its index."""
        errors = [
            (index, credit_score_pb2.ScoreBatchResult(index=index, error=status_for(error)))
            for index, error in scores.errors.items()
        ]
        return self._writer.batch_response(
            queries.has_client, queries.client_ids, scores.probabilities, errors, request_id
        )


def _queries(decoded: DecodedRequests) -> ScoreQueries:
    return ScoreQueries(decoded.client_ids, decoded.has_client, decoded.has_application)


def _rows(decoded: DecodedRequests) -> ApplicationRows:
    return ApplicationRows(decoded.numeric, decoded.codes, decoded.non_finite, decoded.unknown)


def _request_name(batch: bool) -> str:
    name = "ScoreBatchRequest" if batch else "ScoreRequest"
    return f"{credit_score_pb2.DESCRIPTOR.package}.{name}"


def _batch_size_error(count: int) -> InvalidArgument:
    return InvalidArgument(
        [FieldViolation("requests", f"must hold 1 to {MAX_BATCH_ITEMS} items, got {count}")]
    )


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
