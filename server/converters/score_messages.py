"""Score, ScoreBatch and Explain messages ↔ the Scorer's domain: requests as the protobuf
library parsed them to queries and rows, results back to messages."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from creditscore.v1 import credit_score_pb2 as pb
from model_build.features.rows import CategoryCodes
from server.contract import rule_of
from server.converters.application_rows import ApplicationReader
from server.errors import FieldViolation, InvalidArgument, status_for
from server.records.entries import ModelDecision
from server.scorer import (
    ApplicationRows,
    BatchScores,
    Decision,
    ScoreQueries,
    ScoreQuery,
    ScoreResult,
)

__all__ = [
    "MAX_BATCH_ITEMS",
    "BatchRequest",
    "ScoreMessages",
    "score_response",
    "score_result_message",
]

# Items of a list-form batch: the contract's rule on ScoreBatchRequest.requests.
MAX_BATCH_ITEMS = rule_of(  # type: ignore[union-attr]
    pb.ScoreBatchRequest.DESCRIPTOR.fields_by_name["requests"]
).max_length

_DECISIONS = {
    Decision.APPROVE: pb.DECISION_APPROVE,
    Decision.REFUSE: pb.DECISION_REFUSE,
}
_NOTHING = FieldViolation("requests", "set requests (a list) or columns, not both or neither")


class BatchRequest:
    """A parsed ScoreBatchRequest as the Scorer takes it, and which form it came in."""

    __slots__ = ("columnar", "items", "queries", "rows")

    def __init__(
        self,
        queries: ScoreQueries,
        rows: ApplicationRows,
        columnar: bool,
        items: Sequence[pb.ScoreRequest] = (),
    ) -> None:
        self.queries, self.rows, self.columnar = queries, rows, columnar
        # The list form's requests, whose Applications the decision record keeps as sent.
        self.items = items


class ScoreMessages:
    """Reads Score / ScoreBatch / Explain requests and writes their responses; immutable,
    shared by every call."""

    def __init__(self, codes: CategoryCodes, model_version: str, threshold: float) -> None:
        self._reader = ApplicationReader(codes)
        self._model_version = model_version
        self._threshold = threshold

    def query(
        self, request: pb.ScoreRequest | pb.ExplainRequest
    ) -> tuple[ScoreQuery, ApplicationRows | None]:
        """The query of a Score or Explain request and its application row."""
        client_id = request.client_id if request.HasField("client_id") else None
        if not request.HasField("application"):
            return ScoreQuery(client_id, None), None
        return ScoreQuery(client_id, 0), self._reader.messages([request.application])

    def batch(self, request: pb.ScoreBatchRequest) -> BatchRequest:
        """The queries and rows of a ScoreBatchRequest, in either form."""
        has_columns = request.HasField("columns")
        if has_columns == bool(request.requests):
            raise InvalidArgument([_NOTHING])
        if has_columns:
            queries, rows = self._reader.columns(request.columns)
            return BatchRequest(queries, rows, columnar=True)
        items = request.requests
        if len(items) > MAX_BATCH_ITEMS:
            raise InvalidArgument(
                [FieldViolation("requests", f"at most {MAX_BATCH_ITEMS} items, got {len(items)}")]
            )
        has_client = np.fromiter((r.HasField("client_id") for r in items), bool, len(items))
        has_application = np.fromiter((r.HasField("application") for r in items), bool, len(items))
        client_ids = np.fromiter((r.client_id for r in items), np.int64, len(items))
        # Items without an application keep a row of missing values, which nothing scores.
        with_application = np.flatnonzero(has_application).tolist()
        rows = self._reader.messages(
            [items[k].application for k in with_application], with_application, len(items)
        )
        return BatchRequest(
            ScoreQueries(client_ids, has_client, has_application), rows, False, items
        )

    def decided_items(
        self, batch: BatchRequest, scores: BatchScores
    ) -> list[tuple[int, ModelDecision, bytes]]:
        """Each scored item (not those with an error): its index, what the model decided and
        the canonical bytes of the Application scored (b"" for a stored client's own)."""
        probabilities = scores.probabilities
        queries = batch.queries
        scored = [i for i in np.flatnonzero(~np.isnan(probabilities)).tolist()]
        with_payload = [i for i in scored if queries.has_application[i]]
        if batch.columnar:
            canonical = self._reader.canonical(batch.rows, with_payload)
        else:
            canonical = [
                batch.items[i].application.SerializeToString(deterministic=True)
                for i in with_payload
            ]
        applications = dict(zip(with_payload, canonical, strict=True))
        threshold, version = self._threshold, self._model_version
        decided = []
        for i in scored:
            probability = float(probabilities[i])
            client = int(queries.client_ids[i]) if queries.has_client[i] else None
            decision = pb.DECISION_REFUSE if probability >= threshold else pb.DECISION_APPROVE
            decided.append(
                (
                    i,
                    ModelDecision(client, probability, decision, threshold, version),
                    applications.get(i, b""),
                )
            )
        return decided

    def batch_response(
        self, batch: BatchRequest, scores: BatchScores, request_id: str
    ) -> pb.ScoreBatchResponse:
        """Each item's score, or its error status, with its index."""
        errors = [
            pb.ScoreBatchResult(index=index, error=status_for(error))
            for index, error in sorted(scores.errors.items())
        ]
        if batch.columnar:
            return pb.ScoreBatchResponse(
                request_id=request_id, results=errors, columns=self._columns(scores)
            )
        response = pb.ScoreBatchResponse(request_id=request_id)
        self._results(batch.queries, scores, errors, response)
        return response

    def _columns(self, scores: BatchScores) -> pb.ScoreColumns:
        probabilities = scores.probabilities
        decisions = np.where(
            np.isnan(probabilities),
            pb.DECISION_UNSPECIFIED,
            np.where(probabilities >= self._threshold, pb.DECISION_REFUSE, pb.DECISION_APPROVE),
        ).astype(np.uint8)
        return pb.ScoreColumns(
            default_probabilities=probabilities.astype("<f8").tobytes(),
            decisions=decisions.tobytes(),
            threshold=self._threshold,
            model_version=self._model_version,
        )

    def _results(
        self,
        queries: ScoreQueries,
        scores: BatchScores,
        errors: list[pb.ScoreBatchResult],
        response: pb.ScoreBatchResponse,
    ) -> None:
        """Each item's result, added to ``response`` in place: filling the library's own
        sub-messages costs half of building each one and copying it in."""
        failed = {result.index: result for result in errors}
        add = response.results.add
        threshold, version = self._threshold, self._model_version
        refuse, approve = pb.DECISION_REFUSE, pb.DECISION_APPROVE
        items = zip(
            scores.probabilities.tolist(),
            queries.has_client.tolist(),
            queries.client_ids.tolist(),
            strict=True,
        )
        for index, (probability, known, client) in enumerate(items):
            if index in failed:
                add().CopyFrom(failed[index])
                continue
            score = add(index=index).score
            if known:
                score.client_id = client
            score.default_probability = probability
            score.decision = refuse if probability >= threshold else approve
            score.threshold = threshold
            score.model_version = version


def score_result_message(result: ScoreResult) -> pb.ScoreResult:
    """The ScoreResult message of a domain result."""
    message = pb.ScoreResult(
        default_probability=result.probability,
        decision=_DECISIONS[result.decision],
        threshold=result.threshold,
        model_version=result.model_version,
    )
    if result.client_id is not None:
        message.client_id = result.client_id
    return message


def score_response(result: ScoreResult, request_id: str) -> pb.ScoreResponse:
    """The ScoreResponse of a domain result."""
    return pb.ScoreResponse(request_id=request_id, score=score_result_message(result))
