import datetime

from creditscore.v1 import credit_score_pb2 as _credit_score_pb2
from creditscore.v1 import rules_pb2 as _rules_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RecordKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECORD_KIND_UNSPECIFIED: _ClassVar[RecordKind]
    RECORD_KIND_SCORE: _ClassVar[RecordKind]
    RECORD_KIND_EXPLAIN: _ClassVar[RecordKind]
    RECORD_KIND_ADVISOR_DECISION: _ClassVar[RecordKind]

class FinalDecision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FINAL_DECISION_UNSPECIFIED: _ClassVar[FinalDecision]
    FINAL_DECISION_APPROVE: _ClassVar[FinalDecision]
    FINAL_DECISION_REFUSE: _ClassVar[FinalDecision]
    FINAL_DECISION_REFER: _ClassVar[FinalDecision]

class OverrideReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OVERRIDE_REASON_UNSPECIFIED: _ClassVar[OverrideReason]
    OVERRIDE_REASON_INCOME_VERIFIED: _ClassVar[OverrideReason]
    OVERRIDE_REASON_GUARANTEE_PROVIDED: _ClassVar[OverrideReason]
    OVERRIDE_REASON_DATA_CORRECTED: _ClassVar[OverrideReason]
    OVERRIDE_REASON_HISTORY_EXPLAINED: _ClassVar[OverrideReason]
    OVERRIDE_REASON_AFFORDABILITY: _ClassVar[OverrideReason]
    OVERRIDE_REASON_ADVERSE_INFORMATION: _ClassVar[OverrideReason]
    OVERRIDE_REASON_POLICY_RULE: _ClassVar[OverrideReason]
    OVERRIDE_REASON_OTHER: _ClassVar[OverrideReason]
RECORD_KIND_UNSPECIFIED: RecordKind
RECORD_KIND_SCORE: RecordKind
RECORD_KIND_EXPLAIN: RecordKind
RECORD_KIND_ADVISOR_DECISION: RecordKind
FINAL_DECISION_UNSPECIFIED: FinalDecision
FINAL_DECISION_APPROVE: FinalDecision
FINAL_DECISION_REFUSE: FinalDecision
FINAL_DECISION_REFER: FinalDecision
OVERRIDE_REASON_UNSPECIFIED: OverrideReason
OVERRIDE_REASON_INCOME_VERIFIED: OverrideReason
OVERRIDE_REASON_GUARANTEE_PROVIDED: OverrideReason
OVERRIDE_REASON_DATA_CORRECTED: OverrideReason
OVERRIDE_REASON_HISTORY_EXPLAINED: OverrideReason
OVERRIDE_REASON_AFFORDABILITY: OverrideReason
OVERRIDE_REASON_ADVERSE_INFORMATION: OverrideReason
OVERRIDE_REASON_POLICY_RULE: OverrideReason
OVERRIDE_REASON_OTHER: OverrideReason

class RecordDecisionRequest(_message.Message):
    __slots__ = ("request_id", "client_id", "decision", "model_request_id", "override_reason", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    MODEL_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OVERRIDE_REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    client_id: int
    decision: FinalDecision
    model_request_id: str
    override_reason: OverrideReason
    note: str
    def __init__(self, request_id: _Optional[str] = ..., client_id: _Optional[int] = ..., decision: _Optional[_Union[FinalDecision, str]] = ..., model_request_id: _Optional[str] = ..., override_reason: _Optional[_Union[OverrideReason, str]] = ..., note: _Optional[str] = ...) -> None: ...

class RecordDecisionResponse(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: DecisionRecord
    def __init__(self, record: _Optional[_Union[DecisionRecord, _Mapping]] = ...) -> None: ...

class ListDecisionsRequest(_message.Message):
    __slots__ = ("client_id", "advisor_name", "model_version", "kind", "start_time", "end_time", "page_size", "page_token")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    ADVISOR_NAME_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    client_id: int
    advisor_name: str
    model_version: str
    kind: RecordKind
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, client_id: _Optional[int] = ..., advisor_name: _Optional[str] = ..., model_version: _Optional[str] = ..., kind: _Optional[_Union[RecordKind, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDecisionsResponse(_message.Message):
    __slots__ = ("records", "next_page_token")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[DecisionRecord]
    next_page_token: str
    def __init__(self, records: _Optional[_Iterable[_Union[DecisionRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetDecisionRequest(_message.Message):
    __slots__ = ("record_id",)
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    def __init__(self, record_id: _Optional[str] = ...) -> None: ...

class GetDecisionResponse(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: DecisionRecord
    def __init__(self, record: _Optional[_Union[DecisionRecord, _Mapping]] = ...) -> None: ...

class DecisionRecord(_message.Message):
    __slots__ = ("record_id", "record_time", "kind", "request_id", "batch_index", "caller", "caller_role", "advisor_name", "model_version", "client_id", "application", "application_sha256", "default_probability", "model_decision", "threshold", "refusal_reasons", "approval_reasons", "language_code", "final_decision", "override_reason", "note", "is_override", "model_record_id")
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_TIME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_INDEX_FIELD_NUMBER: _ClassVar[int]
    CALLER_FIELD_NUMBER: _ClassVar[int]
    CALLER_ROLE_FIELD_NUMBER: _ClassVar[int]
    ADVISOR_NAME_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_SHA256_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    MODEL_DECISION_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_REASONS_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_REASONS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_CODE_FIELD_NUMBER: _ClassVar[int]
    FINAL_DECISION_FIELD_NUMBER: _ClassVar[int]
    OVERRIDE_REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    IS_OVERRIDE_FIELD_NUMBER: _ClassVar[int]
    MODEL_RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    record_time: _timestamp_pb2.Timestamp
    kind: RecordKind
    request_id: str
    batch_index: int
    caller: str
    caller_role: str
    advisor_name: str
    model_version: str
    client_id: int
    application: bytes
    application_sha256: str
    default_probability: float
    model_decision: _credit_score_pb2.Decision
    threshold: float
    refusal_reasons: _containers.RepeatedCompositeFieldContainer[_credit_score_pb2.Reason]
    approval_reasons: _containers.RepeatedCompositeFieldContainer[_credit_score_pb2.Reason]
    language_code: str
    final_decision: FinalDecision
    override_reason: OverrideReason
    note: str
    is_override: bool
    model_record_id: str
    def __init__(self, record_id: _Optional[str] = ..., record_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kind: _Optional[_Union[RecordKind, str]] = ..., request_id: _Optional[str] = ..., batch_index: _Optional[int] = ..., caller: _Optional[str] = ..., caller_role: _Optional[str] = ..., advisor_name: _Optional[str] = ..., model_version: _Optional[str] = ..., client_id: _Optional[int] = ..., application: _Optional[bytes] = ..., application_sha256: _Optional[str] = ..., default_probability: _Optional[float] = ..., model_decision: _Optional[_Union[_credit_score_pb2.Decision, str]] = ..., threshold: _Optional[float] = ..., refusal_reasons: _Optional[_Iterable[_Union[_credit_score_pb2.Reason, _Mapping]]] = ..., approval_reasons: _Optional[_Iterable[_Union[_credit_score_pb2.Reason, _Mapping]]] = ..., language_code: _Optional[str] = ..., final_decision: _Optional[_Union[FinalDecision, str]] = ..., override_reason: _Optional[_Union[OverrideReason, str]] = ..., note: _Optional[str] = ..., is_override: _Optional[bool] = ..., model_record_id: _Optional[str] = ...) -> None: ...
