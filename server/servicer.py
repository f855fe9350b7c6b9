"""The creditscore.v1.CreditScoreService servicer: protobuf in, domain calls, protobuf out."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

import grpc

from creditscore.v1 import credit_score_pb2, credit_score_pb2_grpc
from server.converters.scoring import (
    batch_queries,
    batch_response,
    score_query,
    score_response,
)
from server.errors import grpc_errors
from server.logging_setup import current_request_id
from server.scoring import Scorer

__all__ = ["CreditScoreServicer", "Insight", "Readiness"]

logger = logging.getLogger(__name__)


class Readiness:
    """Whether the server takes new calls: set once serving, cleared when shutting down.

    Calls are not refused here: before start-up the port is closed, and once shutting down
    gRPC itself refuses new calls (UNAVAILABLE) while the calls in flight finish. Readiness
    is what KServe's ServerReady / ModelReady report.
    """

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    def is_ready(self) -> bool:
        return self._event.is_set()


class Insight(Protocol):
    """What the servicer needs from server.insight.InsightService."""

    def explain(
        self, request: credit_score_pb2.ExplainRequest
    ) -> credit_score_pb2.ExplainResponse: ...

    def get_client(
        self, request: credit_score_pb2.GetClientRequest
    ) -> credit_score_pb2.GetClientResponse: ...

    def search_clients(
        self, request: credit_score_pb2.SearchClientsRequest
    ) -> credit_score_pb2.SearchClientsResponse: ...

    def compare_peers(
        self, request: credit_score_pb2.ComparePeersRequest
    ) -> credit_score_pb2.ComparePeersResponse: ...

    def get_model_info(
        self, request: credit_score_pb2.GetModelInfoRequest
    ) -> credit_score_pb2.GetModelInfoResponse: ...


class CreditScoreServicer(credit_score_pb2_grpc.CreditScoreServiceServicer):
    """Score and ScoreBatch here; the other RPCs delegate to the insight service."""

    def __init__(self, scorer: Scorer, insight: Insight) -> None:
        self._scorer = scorer
        self._insight = insight

    @grpc_errors
    def Score(
        self, request: credit_score_pb2.ScoreRequest, context: grpc.ServicerContext
    ) -> credit_score_pb2.ScoreResponse:
        query, rows = score_query(request)
        return score_response(self._scorer.score(query, rows), current_request_id())

    @grpc_errors
    def ScoreBatch(
        self, request: credit_score_pb2.ScoreBatchRequest, context: grpc.ServicerContext
    ) -> credit_score_pb2.ScoreBatchResponse:
        queries, rows = batch_queries(request)
        outcomes = self._scorer.score_batch(queries, rows, context.time_remaining)
        return batch_response(outcomes, current_request_id())

    @grpc_errors
    def Explain(
        self, request: credit_score_pb2.ExplainRequest, context: grpc.ServicerContext
    ) -> credit_score_pb2.ExplainResponse:
        response = self._insight.explain(request)
        response.request_id = current_request_id()
        return response

    @grpc_errors
    def GetClient(
        self, request: credit_score_pb2.GetClientRequest, context: grpc.ServicerContext
    ) -> credit_score_pb2.GetClientResponse:
        return self._insight.get_client(request)

    @grpc_errors
    def SearchClients(
        self, request: credit_score_pb2.SearchClientsRequest, context: grpc.ServicerContext
    ) -> credit_score_pb2.SearchClientsResponse:
        return self._insight.search_clients(request)

    @grpc_errors
    def ComparePeers(
        self, request: credit_score_pb2.ComparePeersRequest, context: grpc.ServicerContext
    ) -> credit_score_pb2.ComparePeersResponse:
        return self._insight.compare_peers(request)

    @grpc_errors
    def GetModelInfo(
        self, request: credit_score_pb2.GetModelInfoRequest, context: grpc.ServicerContext
    ) -> credit_score_pb2.GetModelInfoResponse:
        return self._insight.get_model_info(request)
