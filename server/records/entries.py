"""DecisionRecord messages for what the server decided: a Score, a ScoreBatch item, an
Explain, an advisor's final decision. Pure builders: no I/O."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from creditscore.v1 import credit_score_pb2, decision_record_pb2
from server.security import Caller

__all__ = [
    "Call",
    "ModelDecision",
    "advisor_record",
    "batch_records",
    "explain_record",
    "is_override",
    "model_record",
    "score_record",
]

pb = decision_record_pb2


@dataclass(frozen=True, slots=True)
class Call:
    """The call being recorded: its request id and authenticated caller (None only when the
    server runs without the security interceptor, e.g. in unit tests)."""

    request_id: str
    caller: Caller | None


def score_record(
    call: Call,
    score: credit_score_pb2.ScoreResult,
    application: bytes,
    *,
    kind: int = pb.RECORD_KIND_SCORE,
) -> pb.DecisionRecord:
    """The record of one model decision; ``application`` is the canonical Application bytes
    scored (b"" for a stored client's own application)."""
    return model_record(
        call,
        ModelDecision(
            client_id=score.client_id if score.HasField("client_id") else None,
            probability=score.default_probability,
            decision=score.decision,
            threshold=score.threshold,
            model_version=score.model_version,
        ),
        application,
        kind=kind,
    )


@dataclass(frozen=True, slots=True)
class ModelDecision:
    """What the model said about one application."""

    client_id: int | None
    probability: float
    decision: int  # creditscore.v1.Decision
    threshold: float
    model_version: str


def model_record(
    call: Call,
    decided: ModelDecision,
    application: bytes,
    *,
    kind: int = pb.RECORD_KIND_SCORE,
) -> pb.DecisionRecord:
    """The record of one model decision."""
    record = _base(call, kind)
    _fill(record, decided, application)
    return record


def batch_records(
    call: Call, items: Sequence[tuple[int, ModelDecision, bytes]]
) -> list[pb.DecisionRecord]:
    """The records of a ScoreBatch's decided items ((index, decision, application) each):
    one time and one id stem for the call, each record ``<stem>-<index>``. Built from one
    template per call: a batch of 10,000 rows must not cost more to record than to score."""
    template = _base(call, pb.RECORD_KIND_SCORE)
    stem = template.record_id
    records = []
    for index, decided, application in items:
        record = pb.DecisionRecord()
        record.CopyFrom(template)
        record.record_id = f"{stem}-{index}"
        record.batch_index = index
        _fill(record, decided, application)
        records.append(record)
    return records


def _fill(record: pb.DecisionRecord, decided: ModelDecision, application: bytes) -> None:
    """What the model decided, and on which application, into ``record``."""
    record.model_version = decided.model_version
    if decided.client_id is not None:
        record.client_id = decided.client_id
    record.application = application
    record.application_sha256 = hashlib.sha256(application).hexdigest()
    record.default_probability = decided.probability
    record.model_decision = decided.decision  # type: ignore[assignment]
    record.threshold = decided.threshold


def explain_record(
    call: Call, response: credit_score_pb2.ExplainResponse, application: bytes
) -> pb.DecisionRecord:
    """The record of an Explain: its score and the reasons given."""
    record = score_record(call, response.score, application, kind=pb.RECORD_KIND_EXPLAIN)
    record.refusal_reasons.extend(response.refusal_reasons)
    record.approval_reasons.extend(response.approval_reasons)
    record.language_code = response.language_code
    return record


def advisor_record(
    call: Call, request: pb.RecordDecisionRequest, model: pb.DecisionRecord
) -> pb.DecisionRecord:
    """An advisor's final decision against the model decision ``model`` reviewed."""
    record = _base(call, pb.RECORD_KIND_ADVISOR_DECISION)
    for name in (
        "model_version",
        "application",
        "application_sha256",
        "default_probability",
        "model_decision",
        "threshold",
    ):
        setattr(record, name, getattr(model, name))
    record.client_id = request.client_id
    record.request_id = request.request_id
    record.final_decision = request.decision
    record.override_reason = request.override_reason
    record.note = request.note
    record.is_override = is_override(request.decision, model.model_decision)
    record.model_record_id = model.record_id
    return record


def is_override(final: int, model: int) -> bool:
    """Whether a final decision goes against the model's (a referral decides nothing)."""
    opposite = {
        pb.FINAL_DECISION_APPROVE: credit_score_pb2.DECISION_REFUSE,
        pb.FINAL_DECISION_REFUSE: credit_score_pb2.DECISION_APPROVE,
    }
    return opposite.get(final) == model  # type: ignore[call-overload]


def _base(call: Call, kind: int) -> pb.DecisionRecord:
    record = pb.DecisionRecord(record_id=uuid.uuid4().hex, kind=kind, request_id=call.request_id)  # type: ignore[arg-type]
    record.record_time.FromMicroseconds(time.time_ns() // 1000)
    if call.caller is not None:
        record.caller = call.caller.name
        record.caller_role = str(call.caller.role)
        record.advisor_name = call.caller.advisor_name or ""
    return record
