"""The creditscore.v1.CreditScoreService servicer: request bytes parsed by the protobuf
library and checked against the contract's rules, domain calls, protobuf out."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

import grpc

from creditscore.v1 import credit_score_pb2
from server.contract import RequestParser
from server.converters.score_messages import ScoreMessages, score_response
from server.errors import PermissionDenied, grpc_errors
from server.logging_setup import current_request_id
from server.raw_requests import add_raw_service
from server.records.entries import Call, batch_records, explain_record, score_record
from server.records.recorder import DecisionRecorder
from server.scorer import Scorer
from server.security import Caller, current_caller

__all__ = [
    "CreditScoreServicer",
    "Insight",
    "Readiness",
    "add_to_server",
    "required_caller",
]

_SERVICE = credit_score_pb2.DESCRIPTOR.services_by_name["CreditScoreService"]

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
        self, request: credit_score_pb2.ExplainRequest, *, caller: Caller | None
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

    def suggest_changes(
        self,
        request: credit_score_pb2.SuggestChangesRequest,
        request_id: str = "",
        *,
        caller: Caller | None,
    ) -> credit_score_pb2.SuggestChangesResponse: ...


class CreditScoreServicer:
    """Score and ScoreBatch here; the other RPCs delegate to the insight service. Every
    handler gets the request's bytes, so that bytes that are not a valid message are answered
    like any bad input (INVALID_ARGUMENT) rather than by gRPC's INTERNAL. Register it with
    ``add_to_server``."""

    def __init__(
        self,
        scorer: Scorer,
        insight: Insight,
        messages: ScoreMessages,
        recorder: DecisionRecorder,
    ) -> None:
        self._scorer = scorer
        self._insight = insight
        self._messages = messages
        self._recorder = recorder
        self._requests = RequestParser(_SERVICE)

    @grpc_errors
    def Score(
        self, request: bytes, context: grpc.ServicerContext
    ) -> credit_score_pb2.ScoreResponse:
        parsed = self._requests.parse(credit_score_pb2.ScoreRequest, request)
        query, rows = self._messages.query(parsed)
        response = score_response(self._scorer.score(query, rows), current_request_id())
        if self._recorder.recording:
            self._recorder.write([score_record(_call(), response.score, _canonical(parsed))])
        self._recorder.given((response.score.default_probability,))
        return response

    @grpc_errors
    def ScoreBatch(
        self, request: bytes, context: grpc.ServicerContext
    ) -> credit_score_pb2.ScoreBatchResponse:
        batch = self._messages.batch(
            self._requests.parse(credit_score_pb2.ScoreBatchRequest, request)
        )
        scores = self._scorer.score_items(batch.queries, batch.rows, context.time_remaining)
        response = self._messages.batch_response(batch, scores, current_request_id())
        if self._recorder.recording:
            items = self._messages.decided_items(batch, scores)
            self._recorder.write(batch_records(_call(), items))
        self._recorder.given(scores.probabilities)
        return response

    @grpc_errors
    def Explain(
        self, request: bytes, context: grpc.ServicerContext
    ) -> credit_score_pb2.ExplainResponse:
        parsed = self._requests.parse(credit_score_pb2.ExplainRequest, request)
        caller = required_caller()
        response = self._insight.explain(parsed, caller=caller)
        response.request_id = current_request_id()
        if self._recorder.recording:
            call = Call(response.request_id, caller)
            self._recorder.write([explain_record(call, response, _canonical(parsed))])
        self._recorder.given((response.score.default_probability,))
        return response

    @grpc_errors
    def GetClient(
        self, request: bytes, context: grpc.ServicerContext
    ) -> credit_score_pb2.GetClientResponse:
        parsed = self._requests.parse(credit_score_pb2.GetClientRequest, request)
        return self._insight.get_client(parsed)

    @grpc_errors
    def SearchClients(
        self, request: bytes, context: grpc.ServicerContext
    ) -> credit_score_pb2.SearchClientsResponse:
        parsed = self._requests.parse(credit_score_pb2.SearchClientsRequest, request)
        return self._insight.search_clients(parsed)

    @grpc_errors
    def ComparePeers(
        self, request: bytes, context: grpc.ServicerContext
    ) -> credit_score_pb2.ComparePeersResponse:
        parsed = self._requests.parse(credit_score_pb2.ComparePeersRequest, request)
        return self._insight.compare_peers(parsed)

    @grpc_errors
    def GetModelInfo(
        self, request: bytes, context: grpc.ServicerContext
    ) -> credit_score_pb2.GetModelInfoResponse:
        parsed = self._requests.parse(credit_score_pb2.GetModelInfoRequest, request)
        return self._insight.get_model_info(parsed)

    @grpc_errors
    def SuggestChanges(
        self, request: bytes, context: grpc.ServicerContext
    ) -> credit_score_pb2.SuggestChangesResponse:
        parsed = self._requests.parse(credit_score_pb2.SuggestChangesRequest, request)
        caller = required_caller()
        # Nothing is recorded: the options are not decisions (see the contract).
        return self._insight.suggest_changes(parsed, current_request_id(), caller=caller)


def required_caller() -> Caller:
    """The caller of a guarded call. The security interceptor sets it on every call of the
    guarded services; without one the server was assembled without it, and a role check made
    in the handler (a stored client's Explain, the decision record) must not be skipped."""
    caller = current_caller()
    if caller is None:
        raise PermissionDenied("no authenticated caller")
    return caller


def _call() -> Call:
    return Call(current_request_id(), current_caller())


def _canonical(request: credit_score_pb2.ScoreRequest | credit_score_pb2.ExplainRequest) -> bytes:
    """The request's Application as scored, in deterministic bytes; b"" when none was sent."""
    if not request.HasField("application"):
        return b""
    return request.application.SerializeToString(deterministic=True)


def add_to_server(servicer: CreditScoreServicer, server: grpc.Server) -> None:
    """Register every CreditScoreService method; handlers get the request bytes."""
    add_raw_service(server, _SERVICE, servicer)
