"""The creditscore.v1.CreditScoreService servicer: protobuf in, domain calls, protobuf out."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

import grpc
from google.protobuf import message_factory

from creditscore.v1 import credit_score_pb2
from server.converters.scoring import ScoringWire, score_response
from server.errors import grpc_errors, parse_request
from server.logging_setup import current_request_id
from server.scoring import Scorer

__all__ = ["BYTES_METHODS", "CreditScoreServicer", "Insight", "Readiness", "add_to_server"]

_SERVICE = credit_score_pb2.DESCRIPTOR.services_by_name["CreditScoreService"]
# Methods whose handlers return bytes: their converters write the wire format directly
# (server.converters.wire), which is what keeps a 1,000-item batch cheap. Every handler gets
# the request's bytes, so that bytes that are not a valid message are answered like any bad
# input (INVALID_ARGUMENT) rather than by gRPC's INTERNAL.
BYTES_METHODS = frozenset({"ScoreBatch"})

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


class CreditScoreServicer:
    """Score and ScoreBatch (request and response as bytes) here; the other RPCs delegate to
    the insight service. Register it with ``add_to_server``."""

    def __init__(self, scorer: Scorer, insight: Insight, wire: ScoringWire) -> None:
        self._scorer = scorer
        self._insight = insight
        self._wire = wire

    @grpc_errors
    def Score(
        self, request: bytes, context: grpc.ServicerContext
    ) -> credit_score_pb2.ScoreResponse:
        query, rows = self._wire.query(
            parse_request(credit_score_pb2.ScoreRequest, request), request
        )
        return score_response(self._scorer.score(query, rows), current_request_id())

    @grpc_errors
    def ScoreBatch(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        queries, rows = self._wire.batch_request(request)
        scores = self._scorer.score_items(queries, rows, context.time_remaining)
        return self._wire.batch_response(queries, scores, current_request_id())

    @grpc_errors
    def Explain(
        self, request: bytes, context: grpc.ServicerContext
    ) -> credit_score_pb2.ExplainResponse:
        response = self._insight.explain(parse_request(credit_score_pb2.ExplainRequest, request))
        response.request_id = current_request_id()
        return response

    @grpc_errors
    def GetClient(
        self, request: bytes, context: grpc.ServicerContext
    ) -> credit_score_pb2.GetClientResponse:
        return self._insight.get_client(parse_request(credit_score_pb2.GetClientRequest, request))

    @grpc_errors
    def SearchClients(
        self, request: bytes, context: grpc.ServicerContext
    ) -> credit_score_pb2.SearchClientsResponse:
        return self._insight.search_clients(
            parse_request(credit_score_pb2.SearchClientsRequest, request)
        )

    @grpc_errors
    def ComparePeers(
        self, request: bytes, context: grpc.ServicerContext
    ) -> credit_score_pb2.ComparePeersResponse:
        return self._insight.compare_peers(
            parse_request(credit_score_pb2.ComparePeersRequest, request)
        )

    @grpc_errors
    def GetModelInfo(
        self, request: bytes, context: grpc.ServicerContext
    ) -> credit_score_pb2.GetModelInfoResponse:
        return self._insight.get_model_info(
            parse_request(credit_score_pb2.GetModelInfoRequest, request)
        )


def add_to_server(servicer: CreditScoreServicer, server: grpc.Server) -> None:
    """Register every CreditScoreService method, as the generated
    ``add_CreditScoreServiceServicer_to_server`` does, except that handlers get the request
    bytes and BYTES_METHODS return the response bytes."""
    handlers = {}
    for method in _SERVICE.methods:
        response = message_factory.GetMessageClass(method.output_type)
        raw = method.name in BYTES_METHODS
        handlers[method.name] = grpc.unary_unary_rpc_method_handler(
            getattr(servicer, method.name),
            response_serializer=None if raw else response.SerializeToString,
        )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(_SERVICE.full_name, handlers),)
    )
    server.add_registered_method_handlers(_SERVICE.full_name, handlers)
