"""Thin typed client of the CreditScoreService and the DecisionRecordService: deadlines, request
ids, errors, model cards."""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from creditscore.v1 import (
    application_pb2,
    credit_score_pb2,
    credit_score_pb2_grpc,
    decision_record_pb2,
    decision_record_pb2_grpc,
)
from gradio_ui.settings import ServerCredentials

__all__ = ["CreditScoreClient", "ErrorKind", "FieldViolation", "ServiceError", "Superseded"]

logger = logging.getLogger(__name__)

Response = TypeVar("Response")


class ErrorKind(StrEnum):
    """What went wrong, in the terms an advisor needs (each has its own message in texts)."""

    UNAVAILABLE = "unavailable"
    TIMEOUT = "timeout"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    # The app's own account on the server may not make this call (its role): an operator's fix.
    DENIED = "denied"
    INTERNAL = "internal"


_KIND_BY_CODE = {
    grpc.StatusCode.UNAVAILABLE: ErrorKind.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED: ErrorKind.TIMEOUT,
    grpc.StatusCode.NOT_FOUND: ErrorKind.NOT_FOUND,
    grpc.StatusCode.INVALID_ARGUMENT: ErrorKind.INVALID,
    grpc.StatusCode.PERMISSION_DENIED: ErrorKind.DENIED,
}


@dataclass(frozen=True, slots=True)
class FieldViolation:
    """One problem of a rejected request (google.rpc.BadRequest.FieldViolation)."""

    field: str
    description: str


class ServiceError(Exception):
    """A failed call, reduced to what the UI shows: a kind, the server's words, a reference."""

    def __init__(
        self,
        kind: ErrorKind,
        detail: str,
        *,
        request_id: str,
        violations: Sequence[FieldViolation] = (),
    ) -> None:
        super().__init__(f"{kind}: {detail} (request {request_id})")
        self.kind = kind
        self.detail = detail
        self.request_id = request_id
        self.violations = tuple(violations)


class Superseded(Exception):
    """A call not made: the advisor asked for something newer meanwhile (see `guarded`)."""


def _violations(error: grpc.RpcError) -> tuple[FieldViolation, ...]:
    try:
        status = rpc_status.from_call(error)
    except ValueError:
        return ()
    found: list[FieldViolation] = []
    for detail in status.details if status else ():
        bad_request = error_details_pb2.BadRequest()
        if detail.Unpack(bad_request):
            found.extend(
                FieldViolation(v.field, v.description) for v in bad_request.field_violations
            )
    return tuple(found)


def _to_service_error(error: grpc.RpcError, request_id: str) -> ServiceError:
    code = error.code() if isinstance(error, grpc.Call) else grpc.StatusCode.UNKNOWN
    details = (error.details() if isinstance(error, grpc.Call) else None) or ""
    kind = _KIND_BY_CODE.get(code, ErrorKind.INTERNAL)
    if kind in (ErrorKind.INTERNAL, ErrorKind.DENIED):
        # The server logs the cause under the request id; the UI shows only the reference.
        logger.error("call %s failed with %s: %s", request_id, code.name, details)
    violations = _violations(error) if kind is ErrorKind.INVALID else ()
    return ServiceError(kind, details, request_id=request_id, violations=violations)


def _channel(address: str, credentials: ServerCredentials) -> grpc.Channel:
    if not credentials.tls:
        if credentials.token:
            logger.warning("the server token goes to %s without TLS (no --server-ca)", address)
        return grpc.insecure_channel(address)
    tls = grpc.ssl_channel_credentials(
        root_certificates=credentials.root_certificates,
        private_key=credentials.private_key,
        certificate_chain=credentials.certificate_chain,
    )
    return grpc.secure_channel(address, tls)


class CreditScoreClient:
    """One channel to the scoring server (its CreditScoreService and DecisionRecordService);
    every call has a deadline, an x-request-id, the app's bearer token (when configured), and,
    through `as_advisor`, the advisor's name.

    The model card (GetModelInfo) is fetched once per language: it does not change while a
    model is served, and every screen needs it (threshold, category labels). A score made by
    another model version (the server was redeployed) drops the kept cards."""

    def __init__(
        self,
        address: str,
        *,
        deadline_seconds: float = 10.0,
        credentials: ServerCredentials | None = None,
    ) -> None:
        credentials = credentials or ServerCredentials()
        self.address = address
        self._deadline_seconds = deadline_seconds
        self._channel = _channel(address, credentials)
        self._stub = credit_score_pb2_grpc.CreditScoreServiceStub(self._channel)
        self._records = decision_record_pb2_grpc.DecisionRecordServiceStub(self._channel)
        self._explain_observer: Callable[[credit_score_pb2.ExplainResponse], None] | None = None
        self._still_wanted: Callable[[], bool] | None = None
        self._metadata: tuple[tuple[str, str], ...] = (
            (("authorization", f"Bearer {credentials.token}"),) if credentials.token else ()
        )
        # Shared by the app's sessions, i.e. threads: single dict operations are atomic, and
        # two sessions fetching the same card at once is harmless.
        self._model_infos: dict[str, credit_score_pb2.GetModelInfoResponse] = {}

    def as_advisor(self, advisor: str | None) -> CreditScoreClient:
        """This client acting for a logged-in advisor: the same channel and model cards, with
        "x-advisor-name: <advisor>" on every call (nothing added for None). Close only the
        client it came from."""
        acting = copy.copy(self)
        base = tuple(item for item in self._metadata if item[0] != "x-advisor-name")
        acting._metadata = (*base, ("x-advisor-name", advisor)) if advisor else base
        return acting

    def observing_explains(
        self, observer: Callable[[credit_score_pb2.ExplainResponse], None]
    ) -> CreditScoreClient:
        """This client handing every Explain response it receives to `observer`, e.g. so that
        the decision panel can name the Explain a screen was built from (its request id is the
        model decision the advisor reviewed). Close only the client it came from."""
        observing = copy.copy(self)
        observing._explain_observer = observer
        return observing

    def guarded(self, still_wanted: Callable[[], bool]) -> CreditScoreClient:
        """This client raising Superseded instead of making a call once `still_wanted()` is
        False: an answer nobody will see is not worth the server's time. Close only the client
        it came from."""
        guarded = copy.copy(self)
        guarded._still_wanted = still_wanted
        return guarded

    def close(self) -> None:
        """Closes the channel."""
        self._channel.close()

    def __enter__(self) -> CreditScoreClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _call(self, method: Callable[..., Response], request: Any) -> Response:
        if self._still_wanted is not None and not self._still_wanted():
            raise Superseded
        request_id = uuid.uuid4().hex
        try:
            return method(
                request,
                timeout=self._deadline_seconds,
                metadata=(("x-request-id", request_id), *self._metadata),
            )
        except grpc.RpcError as error:
            raise _to_service_error(error, request_id) from None

    def model_info(self, language: str) -> credit_score_pb2.GetModelInfoResponse:
        """The serving model's card: threshold, costs, metrics, importances, catalogue,
        category labels (fetched once per language; treat it as read-only)."""
        known = self._model_infos.get(language)
        if known is None:
            request = credit_score_pb2.GetModelInfoRequest(language_code=language)
            known = self._call(self._stub.GetModelInfo, request)
            self._model_infos[language] = known
        return known

    def _saw_model(self, score: credit_score_pb2.ScoreResult) -> None:
        """Drops the kept model cards when a score comes from another model version."""
        if any(m.model_version != score.model_version for m in self._model_infos.values()):
            self._model_infos.clear()

    def search(
        self, request: credit_score_pb2.SearchClientsRequest
    ) -> credit_score_pb2.SearchClientsResponse:
        """One page of stored clients matching the request's filters."""
        return self._call(self._stub.SearchClients, request)

    def get_client(self, client_id: int, language: str) -> credit_score_pb2.GetClientResponse:
        """A stored client: score, stored application and display profile."""
        request = credit_score_pb2.GetClientRequest(client_id=client_id, language_code=language)
        response = self._call(self._stub.GetClient, request)
        self._saw_model(response.score)
        return response

    def explain(
        self,
        client_id: int,
        language: str,
        application: application_pb2.Application | None = None,
    ) -> credit_score_pb2.ExplainResponse:
        """Exact contributions, groups and plain-language reasons of a client's score."""
        request = credit_score_pb2.ExplainRequest(
            client_id=client_id, application=application, language_code=language
        )
        response = self._call(self._stub.Explain, request)
        if self._explain_observer is not None:
            self._explain_observer(response)
        return response

    def compare(
        self,
        client_id: int,
        features: Sequence[str],
        language: str,
        bin_count: int = 24,
        scatter_features: Sequence[str] = (),
    ) -> credit_score_pb2.ComparePeersResponse:
        """The client's position among all, similar, repaid and defaulted clients; with two
        `scatter_features`, also among a sample of similar clients on those two."""
        request = credit_score_pb2.ComparePeersRequest(
            client_id=client_id,
            features=list(features),
            histogram_bin_count=bin_count,
            language_code=language,
            scatter_features=list(scatter_features),
        )
        return self._call(self._stub.ComparePeers, request)

    def score(
        self, client_id: int, application: application_pb2.Application | None = None
    ) -> credit_score_pb2.ScoreResponse:
        """Scores a stored client, or an edited application with the client's stored history."""
        request = credit_score_pb2.ScoreRequest(client_id=client_id, application=application)
        response = self._call(self._stub.Score, request)
        self._saw_model(response.score)
        return response

    def suggest_changes(
        self, client_id: int, language: str, max_options: int = 3
    ) -> credit_score_pb2.SuggestChangesResponse:
        """What would change the decision of a stored client (for a refused or borderline
        file: up to `max_options` changes of the loan or income, each scored)."""
        request = credit_score_pb2.SuggestChangesRequest(
            client_id=client_id, language_code=language, max_options=max_options
        )
        return self._call(self._stub.SuggestChanges, request)

    def record_decision(
        self, request: decision_record_pb2.RecordDecisionRequest
    ) -> decision_record_pb2.RecordDecisionResponse:
        """Records the advisor's final decision (idempotent by the request's request_id)."""
        return self._call(self._records.RecordDecision, request)

    def list_decisions(
        self, request: decision_record_pb2.ListDecisionsRequest
    ) -> decision_record_pb2.ListDecisionsResponse:
        """One page of decision records matching the request's filters, newest first."""
        return self._call(self._records.ListDecisions, request)
