"""creditscore.v1.DecisionRecordService: advisors' final decisions, and the record read back
by advisors and auditors (who may call what: server.security.roles)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import grpc

from creditscore.v1 import credit_score_pb2
from creditscore.v1 import decision_record_pb2 as pb
from server.contract import RequestParser, quote, request_rule
from server.converters.score_messages import score_result_message
from server.errors import (
    FieldViolation,
    InvalidArgument,
    NotFound,
    Unavailable,
    grpc_errors,
)
from server.logging_setup import current_request_id
from server.raw_requests import add_raw_service
from server.records.entries import Call, advisor_record, is_override, score_record
from server.records.recorder import DecisionRecorder
from server.records.store import DecisionStore, Page, RecordFilter, StoreError
from server.scorer import ScoreQuery, Scorer
from server.servicer import required_caller

__all__ = ["DecisionRecordServicer", "add_to_server"]

logger = logging.getLogger(__name__)
_Result = TypeVar("_Result")

SERVICE = pb.DESCRIPTOR.services_by_name["DecisionRecordService"]
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = int(request_rule("ListDecisionsRequest", "page_size").high)
# Reasons that say nothing by themselves: the note must.
_NOTE_REQUIRED_REASONS = frozenset({pb.OVERRIDE_REASON_OTHER})


class DecisionRecordServicer:
    """RecordDecision, ListDecisions, GetDecision over the recorder's store. Register it with
    ``add_to_server``."""

    def __init__(self, recorder: DecisionRecorder, scorer: Scorer) -> None:
        self._recorder = recorder
        self._scorer = scorer
        self._requests = RequestParser(SERVICE)

    @grpc_errors
    def RecordDecision(
        self, request: bytes, context: grpc.ServicerContext
    ) -> pb.RecordDecisionResponse:
        parsed = self._requests.parse(pb.RecordDecisionRequest, request)
        store = self._store()
        call = _call()
        caller = call.caller.name  # type: ignore[union-attr]
        earlier = store.advisor_decision(caller, parsed.request_id)
        if earlier is not None:
            return pb.RecordDecisionResponse(record=_same_decision(store, earlier, parsed))
        model, new_records = self._model_decision(store, call, parsed)
        _check_reasons(parsed, model)
        self._recorder.write([*new_records, advisor_record(call, parsed, model)])
        self._recorder.given(record.default_probability for record in new_records)
        # Read back: a concurrent retry with the same request_id may have been first.
        recorded = store.advisor_decision(caller, parsed.request_id)
        if recorded is None:
            raise Unavailable("the decision was not found on record after writing; retry")
        return pb.RecordDecisionResponse(record=_same_decision(store, recorded, parsed))

    @grpc_errors
    def ListDecisions(
        self, request: bytes, context: grpc.ServicerContext
    ) -> pb.ListDecisionsResponse:
        parsed = self._requests.parse(pb.ListDecisionsRequest, request)
        store = self._store()
        where = _filter(parsed)
        fingerprint = _fingerprint(parsed)
        before = _page_position(parsed.page_token, fingerprint)
        page = store.page(where, parsed.page_size or DEFAULT_PAGE_SIZE, before)
        token = "" if page.next_before is None else _page_token(page.next_before, fingerprint)
        return pb.ListDecisionsResponse(records=page.records, next_page_token=token)

    @grpc_errors
    def GetDecision(self, request: bytes, context: grpc.ServicerContext) -> pb.GetDecisionResponse:
        parsed = self._requests.parse(pb.GetDecisionRequest, request)
        record = self._store().get(parsed.record_id)
        if record is None:
            raise NotFound(f"no decision record {quote(parsed.record_id)}")
        return pb.GetDecisionResponse(record=record)

    def _store(self) -> _Reads:
        store = self._recorder.store
        if store is None:
            raise Unavailable("this server keeps no decision record (started with --record off)")
        return _Reads(store)

    def _model_decision(
        self, store: _Reads, call: Call, request: pb.RecordDecisionRequest
    ) -> tuple[pb.DecisionRecord, list[pb.DecisionRecord]]:
        """The model decision reviewed, and the records to write with the advisor's."""
        if request.model_request_id:
            found = store.model_decision(request.model_request_id, request.client_id)
            if found is None:
                raise InvalidArgument(
                    [
                        FieldViolation(
                            "model_request_id",
                            f"no Score or Explain of client {request.client_id} with request"
                            f" id {quote(request.model_request_id)} is on record",
                        )
                    ]
                )
            return found, []
        # NotFound when the client is not stored.
        result = self._scorer.score(ScoreQuery(request.client_id, None), None)
        model = score_record(call, score_result_message(result), b"")
        return model, [model]


class _Reads:
    """The store's reads, their failures reported as UNAVAILABLE (retry later) without the
    driver's text: a database that is down is neither the caller's error nor a server bug."""

    def __init__(self, store: DecisionStore) -> None:
        self._store = store

    def get(self, record_id: str) -> pb.DecisionRecord | None:
        return self._guarded(self._store.get, record_id)

    def advisor_decision(self, caller: str, request_id: str) -> pb.DecisionRecord | None:
        return self._guarded(self._store.advisor_decision, caller, request_id)

    def model_decision(self, request_id: str, client_id: int) -> pb.DecisionRecord | None:
        return self._guarded(self._store.model_decision, request_id, client_id)

    def page(self, where: RecordFilter, size: int, before: int | None) -> Page:
        return self._guarded(self._store.page, where, size, before)

    @staticmethod
    def _guarded(read: Callable[..., _Result], *args: Any) -> _Result:
        try:
            return read(*args)
        except StoreError as error:
            logger.error("decision record not readable: %s", error)
            raise Unavailable("the decision record cannot be read now; retry later") from None


def add_to_server(servicer: DecisionRecordServicer, server: grpc.Server) -> None:
    """Register every DecisionRecordService method; handlers get the request bytes."""
    add_raw_service(server, SERVICE, servicer)


def _call() -> Call:
    return Call(current_request_id(), required_caller())


def _check_reasons(request: pb.RecordDecisionRequest, model: pb.DecisionRecord) -> None:
    found: list[FieldViolation] = []
    overrides = is_override(request.decision, model.model_decision)
    decided = pb.FinalDecision.Name(request.decision)
    if overrides and not request.override_reason:
        found.append(
            FieldViolation(
                "override_reason",
                f"required: {decided} differs from the model's decision"
                f" ({_model_name(model.model_decision)})",
            )
        )
    if request.override_reason and not overrides and request.decision != pb.FINAL_DECISION_REFER:
        found.append(
            FieldViolation(
                "override_reason", f"only for a decision that differs from the model's ({decided})"
            )
        )
    note_needed = (
        request.decision == pb.FINAL_DECISION_REFER
        or request.override_reason in _NOTE_REQUIRED_REASONS
    )
    if note_needed and not request.note.strip():
        found.append(FieldViolation("note", "required: say why"))
    if found:
        raise InvalidArgument(found)


def _model_name(decision: int) -> str:
    return credit_score_pb2.Decision.Name(decision)


def _same_decision(
    store: _Reads, recorded: pb.DecisionRecord, request: pb.RecordDecisionRequest
) -> pb.DecisionRecord:
    """``recorded`` when it is the decision ``request`` asks for (a retry); INVALID_ARGUMENT
    when the request id was used for another decision, or against another model decision."""
    same = (
        recorded.client_id == request.client_id
        and recorded.final_decision == request.decision
        and recorded.override_reason == request.override_reason
        and recorded.note == request.note
    )
    if same and request.model_request_id:
        reviewed = store.get(recorded.model_record_id)
        same = reviewed is not None and reviewed.request_id == request.model_request_id
    if not same:
        raise InvalidArgument(
            [
                FieldViolation(
                    "request_id",
                    f"already used for another decision (record {recorded.record_id});"
                    " use a new request id",
                )
            ]
        )
    return recorded


def _filter(request: pb.ListDecisionsRequest) -> RecordFilter:
    start = _micros(request, "start_time")
    end = _micros(request, "end_time")
    if start is not None and end is not None and end <= start:
        raise InvalidArgument([FieldViolation("end_time", "must be after start_time")])
    return RecordFilter(
        client_id=request.client_id if request.HasField("client_id") else None,
        advisor_name=request.advisor_name,
        model_version=request.model_version,
        kind=int(request.kind),
        start_us=start,
        end_us=end,
    )


# google.protobuf.Timestamp's documented range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
_MIN_SECONDS, _MAX_SECONDS = -62_135_596_800, 253_402_300_799


def _micros(request: pb.ListDecisionsRequest, name: str) -> int | None:
    if not request.HasField(name):
        return None
    stamp = getattr(request, name)
    if not (_MIN_SECONDS <= stamp.seconds <= _MAX_SECONDS and 0 <= stamp.nanos < 1_000_000_000):
        raise InvalidArgument(
            [
                FieldViolation(
                    name, "must be a valid time from year 1 to 9999 (nanos 0 to 999999999)"
                )
            ]
        )
    return int(stamp.ToMicroseconds())


def _fingerprint(request: pb.ListDecisionsRequest) -> str:
    filters = pb.ListDecisionsRequest()
    filters.CopyFrom(request)
    filters.ClearField("page_token")
    filters.ClearField("page_size")
    return hashlib.sha256(filters.SerializeToString(deterministic=True)).hexdigest()[:12]


def _page_token(before: int, fingerprint: str) -> str:
    text = json.dumps({"before": before, "filters": fingerprint}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _page_position(token: str, fingerprint: str) -> int | None:
    if not token:
        return None
    bad = InvalidArgument(
        [FieldViolation("page_token", "not a token of this listing (its filters changed?)")]
    )
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(data, dict) or data.get("filters") != fingerprint:
        raise bad
    before = data.get("before")
    if not isinstance(before, int) or isinstance(before, bool) or before < 1:
        raise bad
    return before
