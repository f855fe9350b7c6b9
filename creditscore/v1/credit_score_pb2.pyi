import datetime

from creditscore.v1 import application_pb2 as _application_pb2
from creditscore.v1 import rules_pb2 as _rules_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.rpc import status_pb2 as _status_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Decision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DECISION_UNSPECIFIED: _ClassVar[Decision]
    DECISION_APPROVE: _ClassVar[Decision]
    DECISION_REFUSE: _ClassVar[Decision]

class ContributionScale(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONTRIBUTION_SCALE_UNSPECIFIED: _ClassVar[ContributionScale]
    CONTRIBUTION_SCALE_LOG_ODDS: _ClassVar[ContributionScale]

class FeatureKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FEATURE_KIND_UNSPECIFIED: _ClassVar[FeatureKind]
    FEATURE_KIND_NUMERIC: _ClassVar[FeatureKind]
    FEATURE_KIND_CATEGORICAL: _ClassVar[FeatureKind]

class FeatureSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FEATURE_SOURCE_UNSPECIFIED: _ClassVar[FeatureSource]
    FEATURE_SOURCE_RAW: _ClassVar[FeatureSource]
    FEATURE_SOURCE_DERIVED: _ClassVar[FeatureSource]

class ReasonUse(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REASON_USE_UNSPECIFIED: _ClassVar[ReasonUse]
    REASON_USE_GIVEN: _ClassVar[ReasonUse]
    REASON_USE_PROTECTED: _ClassVar[ReasonUse]
    REASON_USE_NOT_ACTIONABLE: _ClassVar[ReasonUse]

class ScoreZone(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCORE_ZONE_UNSPECIFIED: _ClassVar[ScoreZone]
    SCORE_ZONE_REFUSED: _ClassVar[ScoreZone]
    SCORE_ZONE_BORDERLINE: _ClassVar[ScoreZone]
    SCORE_ZONE_CLEAR: _ClassVar[ScoreZone]

class ChangeLever(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANGE_LEVER_UNSPECIFIED: _ClassVar[ChangeLever]
    CHANGE_LEVER_LOAN_AMOUNT: _ClassVar[ChangeLever]
    CHANGE_LEVER_DURATION: _ClassVar[ChangeLever]
    CHANGE_LEVER_DOWN_PAYMENT: _ClassVar[ChangeLever]
    CHANGE_LEVER_CO_BORROWER_INCOME: _ClassVar[ChangeLever]
DECISION_UNSPECIFIED: Decision
DECISION_APPROVE: Decision
DECISION_REFUSE: Decision
CONTRIBUTION_SCALE_UNSPECIFIED: ContributionScale
CONTRIBUTION_SCALE_LOG_ODDS: ContributionScale
FEATURE_KIND_UNSPECIFIED: FeatureKind
FEATURE_KIND_NUMERIC: FeatureKind
FEATURE_KIND_CATEGORICAL: FeatureKind
FEATURE_SOURCE_UNSPECIFIED: FeatureSource
FEATURE_SOURCE_RAW: FeatureSource
FEATURE_SOURCE_DERIVED: FeatureSource
REASON_USE_UNSPECIFIED: ReasonUse
REASON_USE_GIVEN: ReasonUse
REASON_USE_PROTECTED: ReasonUse
REASON_USE_NOT_ACTIONABLE: ReasonUse
SCORE_ZONE_UNSPECIFIED: ScoreZone
SCORE_ZONE_REFUSED: ScoreZone
SCORE_ZONE_BORDERLINE: ScoreZone
SCORE_ZONE_CLEAR: ScoreZone
CHANGE_LEVER_UNSPECIFIED: ChangeLever
CHANGE_LEVER_LOAN_AMOUNT: ChangeLever
CHANGE_LEVER_DURATION: ChangeLever
CHANGE_LEVER_DOWN_PAYMENT: ChangeLever
CHANGE_LEVER_CO_BORROWER_INCOME: ChangeLever

class ScoreRequest(_message.Message):
    __slots__ = ("client_id", "application")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    client_id: int
    application: _application_pb2.Application
    def __init__(self, client_id: _Optional[int] = ..., application: _Optional[_Union[_application_pb2.Application, _Mapping]] = ...) -> None: ...

class ScoreResponse(_message.Message):
    __slots__ = ("request_id", "score")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    score: ScoreResult
    def __init__(self, request_id: _Optional[str] = ..., score: _Optional[_Union[ScoreResult, _Mapping]] = ...) -> None: ...

class ScoreResult(_message.Message):
    __slots__ = ("client_id", "default_probability", "decision", "threshold", "model_version")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    client_id: int
    default_probability: float
    decision: Decision
    threshold: float
    model_version: str
    def __init__(self, client_id: _Optional[int] = ..., default_probability: _Optional[float] = ..., decision: _Optional[_Union[Decision, str]] = ..., threshold: _Optional[float] = ..., model_version: _Optional[str] = ...) -> None: ...

class ScoreBatchRequest(_message.Message):
    __slots__ = ("requests", "columns")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[ScoreRequest]
    columns: ApplicationColumns
    def __init__(self, requests: _Optional[_Iterable[_Union[ScoreRequest, _Mapping]]] = ..., columns: _Optional[_Union[ApplicationColumns, _Mapping]] = ...) -> None: ...

class ApplicationColumns(_message.Message):
    __slots__ = ("row_count", "client_ids", "numeric", "categorical")
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    CLIENT_IDS_FIELD_NUMBER: _ClassVar[int]
    NUMERIC_FIELD_NUMBER: _ClassVar[int]
    CATEGORICAL_FIELD_NUMBER: _ClassVar[int]
    row_count: int
    client_ids: bytes
    numeric: _containers.RepeatedCompositeFieldContainer[NumericColumn]
    categorical: _containers.RepeatedCompositeFieldContainer[CategoryColumn]
    def __init__(self, row_count: _Optional[int] = ..., client_ids: _Optional[bytes] = ..., numeric: _Optional[_Iterable[_Union[NumericColumn, _Mapping]]] = ..., categorical: _Optional[_Iterable[_Union[CategoryColumn, _Mapping]]] = ...) -> None: ...

class NumericColumn(_message.Message):
    __slots__ = ("field", "values")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    field: str
    values: bytes
    def __init__(self, field: _Optional[str] = ..., values: _Optional[bytes] = ...) -> None: ...

class CategoryColumn(_message.Message):
    __slots__ = ("field", "dictionary", "codes", "values")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DICTIONARY_FIELD_NUMBER: _ClassVar[int]
    CODES_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    field: str
    dictionary: _containers.RepeatedScalarFieldContainer[str]
    codes: bytes
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, field: _Optional[str] = ..., dictionary: _Optional[_Iterable[str]] = ..., codes: _Optional[bytes] = ..., values: _Optional[_Iterable[str]] = ...) -> None: ...

class ScoreBatchResponse(_message.Message):
    __slots__ = ("request_id", "results", "columns")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    results: _containers.RepeatedCompositeFieldContainer[ScoreBatchResult]
    columns: ScoreColumns
    def __init__(self, request_id: _Optional[str] = ..., results: _Optional[_Iterable[_Union[ScoreBatchResult, _Mapping]]] = ..., columns: _Optional[_Union[ScoreColumns, _Mapping]] = ...) -> None: ...

class ScoreColumns(_message.Message):
    __slots__ = ("default_probabilities", "decisions", "threshold", "model_version")
    DEFAULT_PROBABILITIES_FIELD_NUMBER: _ClassVar[int]
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    default_probabilities: bytes
    decisions: bytes
    threshold: float
    model_version: str
    def __init__(self, default_probabilities: _Optional[bytes] = ..., decisions: _Optional[bytes] = ..., threshold: _Optional[float] = ..., model_version: _Optional[str] = ...) -> None: ...

class ScoreBatchResult(_message.Message):
    __slots__ = ("index", "score", "error")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    index: int
    score: ScoreResult
    error: _status_pb2.Status
    def __init__(self, index: _Optional[int] = ..., score: _Optional[_Union[ScoreResult, _Mapping]] = ..., error: _Optional[_Union[_status_pb2.Status, _Mapping]] = ...) -> None: ...

class ExplainRequest(_message.Message):
    __slots__ = ("client_id", "application", "language_code")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_CODE_FIELD_NUMBER: _ClassVar[int]
    client_id: int
    application: _application_pb2.Application
    language_code: str
    def __init__(self, client_id: _Optional[int] = ..., application: _Optional[_Union[_application_pb2.Application, _Mapping]] = ..., language_code: _Optional[str] = ...) -> None: ...

class ExplainResponse(_message.Message):
    __slots__ = ("request_id", "score", "scale", "base_value", "model_output", "calibration", "contributions", "group_contributions", "refusal_reasons", "approval_reasons", "language_code")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    SCALE_FIELD_NUMBER: _ClassVar[int]
    BASE_VALUE_FIELD_NUMBER: _ClassVar[int]
    MODEL_OUTPUT_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTIONS_FIELD_NUMBER: _ClassVar[int]
    GROUP_CONTRIBUTIONS_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_REASONS_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_REASONS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_CODE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    score: ScoreResult
    scale: ContributionScale
    base_value: float
    model_output: float
    calibration: Calibration
    contributions: _containers.RepeatedCompositeFieldContainer[FeatureContribution]
    group_contributions: _containers.RepeatedCompositeFieldContainer[GroupContribution]
    refusal_reasons: _containers.RepeatedCompositeFieldContainer[Reason]
    approval_reasons: _containers.RepeatedCompositeFieldContainer[Reason]
    language_code: str
    def __init__(self, request_id: _Optional[str] = ..., score: _Optional[_Union[ScoreResult, _Mapping]] = ..., scale: _Optional[_Union[ContributionScale, str]] = ..., base_value: _Optional[float] = ..., model_output: _Optional[float] = ..., calibration: _Optional[_Union[Calibration, _Mapping]] = ..., contributions: _Optional[_Iterable[_Union[FeatureContribution, _Mapping]]] = ..., group_contributions: _Optional[_Iterable[_Union[GroupContribution, _Mapping]]] = ..., refusal_reasons: _Optional[_Iterable[_Union[Reason, _Mapping]]] = ..., approval_reasons: _Optional[_Iterable[_Union[Reason, _Mapping]]] = ..., language_code: _Optional[str] = ...) -> None: ...

class FeatureContribution(_message.Message):
    __slots__ = ("feature", "group", "value", "display_value", "is_missing", "contribution")
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_VALUE_FIELD_NUMBER: _ClassVar[int]
    IS_MISSING_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    feature: str
    group: str
    value: float
    display_value: str
    is_missing: bool
    contribution: float
    def __init__(self, feature: _Optional[str] = ..., group: _Optional[str] = ..., value: _Optional[float] = ..., display_value: _Optional[str] = ..., is_missing: _Optional[bool] = ..., contribution: _Optional[float] = ...) -> None: ...

class GroupContribution(_message.Message):
    __slots__ = ("group", "contribution", "feature_count")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    FEATURE_COUNT_FIELD_NUMBER: _ClassVar[int]
    group: str
    contribution: float
    feature_count: int
    def __init__(self, group: _Optional[str] = ..., contribution: _Optional[float] = ..., feature_count: _Optional[int] = ...) -> None: ...

class Reason(_message.Message):
    __slots__ = ("text", "feature", "label", "display_value", "contribution", "percentile")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_VALUE_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    PERCENTILE_FIELD_NUMBER: _ClassVar[int]
    text: str
    feature: str
    label: str
    display_value: str
    contribution: float
    percentile: float
    def __init__(self, text: _Optional[str] = ..., feature: _Optional[str] = ..., label: _Optional[str] = ..., display_value: _Optional[str] = ..., contribution: _Optional[float] = ..., percentile: _Optional[float] = ...) -> None: ...

class GetClientRequest(_message.Message):
    __slots__ = ("client_id", "language_code")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_CODE_FIELD_NUMBER: _ClassVar[int]
    client_id: int
    language_code: str
    def __init__(self, client_id: _Optional[int] = ..., language_code: _Optional[str] = ...) -> None: ...

class GetClientResponse(_message.Message):
    __slots__ = ("client_id", "score", "application", "fields", "language_code")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_CODE_FIELD_NUMBER: _ClassVar[int]
    client_id: int
    score: ScoreResult
    application: _application_pb2.Application
    fields: _containers.RepeatedCompositeFieldContainer[ProfileField]
    language_code: str
    def __init__(self, client_id: _Optional[int] = ..., score: _Optional[_Union[ScoreResult, _Mapping]] = ..., application: _Optional[_Union[_application_pb2.Application, _Mapping]] = ..., fields: _Optional[_Iterable[_Union[ProfileField, _Mapping]]] = ..., language_code: _Optional[str] = ...) -> None: ...

class ProfileField(_message.Message):
    __slots__ = ("name", "label", "group", "display_value", "numeric_value", "unit", "is_missing")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_VALUE_FIELD_NUMBER: _ClassVar[int]
    NUMERIC_VALUE_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    IS_MISSING_FIELD_NUMBER: _ClassVar[int]
    name: str
    label: str
    group: str
    display_value: str
    numeric_value: float
    unit: str
    is_missing: bool
    def __init__(self, name: _Optional[str] = ..., label: _Optional[str] = ..., group: _Optional[str] = ..., display_value: _Optional[str] = ..., numeric_value: _Optional[float] = ..., unit: _Optional[str] = ..., is_missing: _Optional[bool] = ...) -> None: ...

class SearchClientsRequest(_message.Message):
    __slots__ = ("client_id_prefix", "contract_types", "income_types", "decision", "min_default_probability", "max_default_probability", "order_by", "page_size", "page_token")
    CLIENT_ID_PREFIX_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_TYPES_FIELD_NUMBER: _ClassVar[int]
    INCOME_TYPES_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    MIN_DEFAULT_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    MAX_DEFAULT_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    client_id_prefix: str
    contract_types: _containers.RepeatedScalarFieldContainer[str]
    income_types: _containers.RepeatedScalarFieldContainer[str]
    decision: Decision
    min_default_probability: float
    max_default_probability: float
    order_by: str
    page_size: int
    page_token: str
    def __init__(self, client_id_prefix: _Optional[str] = ..., contract_types: _Optional[_Iterable[str]] = ..., income_types: _Optional[_Iterable[str]] = ..., decision: _Optional[_Union[Decision, str]] = ..., min_default_probability: _Optional[float] = ..., max_default_probability: _Optional[float] = ..., order_by: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class SearchClientsResponse(_message.Message):
    __slots__ = ("clients", "next_page_token", "total_size")
    CLIENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    clients: _containers.RepeatedCompositeFieldContainer[ClientSummary]
    next_page_token: str
    total_size: int
    def __init__(self, clients: _Optional[_Iterable[_Union[ClientSummary, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class ClientSummary(_message.Message):
    __slots__ = ("client_id", "default_probability", "decision", "contract_type", "income_type", "income_amount", "credit_amount", "age_years")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_TYPE_FIELD_NUMBER: _ClassVar[int]
    INCOME_TYPE_FIELD_NUMBER: _ClassVar[int]
    INCOME_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CREDIT_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AGE_YEARS_FIELD_NUMBER: _ClassVar[int]
    client_id: int
    default_probability: float
    decision: Decision
    contract_type: str
    income_type: str
    income_amount: float
    credit_amount: float
    age_years: float
    def __init__(self, client_id: _Optional[int] = ..., default_probability: _Optional[float] = ..., decision: _Optional[_Union[Decision, str]] = ..., contract_type: _Optional[str] = ..., income_type: _Optional[str] = ..., income_amount: _Optional[float] = ..., credit_amount: _Optional[float] = ..., age_years: _Optional[float] = ...) -> None: ...

class ComparePeersRequest(_message.Message):
    __slots__ = ("client_id", "features", "histogram_bin_count", "language_code", "scatter_features", "scatter_max_points")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    HISTOGRAM_BIN_COUNT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_CODE_FIELD_NUMBER: _ClassVar[int]
    SCATTER_FEATURES_FIELD_NUMBER: _ClassVar[int]
    SCATTER_MAX_POINTS_FIELD_NUMBER: _ClassVar[int]
    client_id: int
    features: _containers.RepeatedScalarFieldContainer[str]
    histogram_bin_count: int
    language_code: str
    scatter_features: _containers.RepeatedScalarFieldContainer[str]
    scatter_max_points: int
    def __init__(self, client_id: _Optional[int] = ..., features: _Optional[_Iterable[str]] = ..., histogram_bin_count: _Optional[int] = ..., language_code: _Optional[str] = ..., scatter_features: _Optional[_Iterable[str]] = ..., scatter_max_points: _Optional[int] = ...) -> None: ...

class ComparePeersResponse(_message.Message):
    __slots__ = ("client_id", "all_clients", "similar_clients", "repaid_clients", "defaulted_clients", "comparisons", "language_code", "scatter")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    ALL_CLIENTS_FIELD_NUMBER: _ClassVar[int]
    SIMILAR_CLIENTS_FIELD_NUMBER: _ClassVar[int]
    REPAID_CLIENTS_FIELD_NUMBER: _ClassVar[int]
    DEFAULTED_CLIENTS_FIELD_NUMBER: _ClassVar[int]
    COMPARISONS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_CODE_FIELD_NUMBER: _ClassVar[int]
    SCATTER_FIELD_NUMBER: _ClassVar[int]
    client_id: int
    all_clients: PeerGroup
    similar_clients: PeerGroup
    repaid_clients: PeerGroup
    defaulted_clients: PeerGroup
    comparisons: _containers.RepeatedCompositeFieldContainer[FeatureComparison]
    language_code: str
    scatter: PeerScatter
    def __init__(self, client_id: _Optional[int] = ..., all_clients: _Optional[_Union[PeerGroup, _Mapping]] = ..., similar_clients: _Optional[_Union[PeerGroup, _Mapping]] = ..., repaid_clients: _Optional[_Union[PeerGroup, _Mapping]] = ..., defaulted_clients: _Optional[_Union[PeerGroup, _Mapping]] = ..., comparisons: _Optional[_Iterable[_Union[FeatureComparison, _Mapping]]] = ..., language_code: _Optional[str] = ..., scatter: _Optional[_Union[PeerScatter, _Mapping]] = ...) -> None: ...

class PeerScatter(_message.Message):
    __slots__ = ("x_feature", "x_label", "x_unit", "y_feature", "y_label", "y_unit", "client_x", "client_y", "client_x_display_value", "client_y_display_value", "points", "eligible_client_count", "missing_client_count")
    X_FEATURE_FIELD_NUMBER: _ClassVar[int]
    X_LABEL_FIELD_NUMBER: _ClassVar[int]
    X_UNIT_FIELD_NUMBER: _ClassVar[int]
    Y_FEATURE_FIELD_NUMBER: _ClassVar[int]
    Y_LABEL_FIELD_NUMBER: _ClassVar[int]
    Y_UNIT_FIELD_NUMBER: _ClassVar[int]
    CLIENT_X_FIELD_NUMBER: _ClassVar[int]
    CLIENT_Y_FIELD_NUMBER: _ClassVar[int]
    CLIENT_X_DISPLAY_VALUE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_Y_DISPLAY_VALUE_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    ELIGIBLE_CLIENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    MISSING_CLIENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    x_feature: str
    x_label: str
    x_unit: str
    y_feature: str
    y_label: str
    y_unit: str
    client_x: float
    client_y: float
    client_x_display_value: str
    client_y_display_value: str
    points: _containers.RepeatedCompositeFieldContainer[PeerPoint]
    eligible_client_count: int
    missing_client_count: int
    def __init__(self, x_feature: _Optional[str] = ..., x_label: _Optional[str] = ..., x_unit: _Optional[str] = ..., y_feature: _Optional[str] = ..., y_label: _Optional[str] = ..., y_unit: _Optional[str] = ..., client_x: _Optional[float] = ..., client_y: _Optional[float] = ..., client_x_display_value: _Optional[str] = ..., client_y_display_value: _Optional[str] = ..., points: _Optional[_Iterable[_Union[PeerPoint, _Mapping]]] = ..., eligible_client_count: _Optional[int] = ..., missing_client_count: _Optional[int] = ...) -> None: ...

class PeerPoint(_message.Message):
    __slots__ = ("x", "y", "defaulted")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    DEFAULTED_FIELD_NUMBER: _ClassVar[int]
    x: float
    y: float
    defaulted: bool
    def __init__(self, x: _Optional[float] = ..., y: _Optional[float] = ..., defaulted: _Optional[bool] = ...) -> None: ...

class PeerGroup(_message.Message):
    __slots__ = ("label", "rule", "client_count", "default_rate")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_RATE_FIELD_NUMBER: _ClassVar[int]
    label: str
    rule: str
    client_count: int
    default_rate: float
    def __init__(self, label: _Optional[str] = ..., rule: _Optional[str] = ..., client_count: _Optional[int] = ..., default_rate: _Optional[float] = ...) -> None: ...

class FeatureComparison(_message.Message):
    __slots__ = ("feature", "label", "kind", "unit", "client_value", "client_display_value", "client_value_missing", "all_clients", "similar_clients", "repaid_clients", "defaulted_clients")
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    CLIENT_VALUE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_DISPLAY_VALUE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_VALUE_MISSING_FIELD_NUMBER: _ClassVar[int]
    ALL_CLIENTS_FIELD_NUMBER: _ClassVar[int]
    SIMILAR_CLIENTS_FIELD_NUMBER: _ClassVar[int]
    REPAID_CLIENTS_FIELD_NUMBER: _ClassVar[int]
    DEFAULTED_CLIENTS_FIELD_NUMBER: _ClassVar[int]
    feature: str
    label: str
    kind: FeatureKind
    unit: str
    client_value: float
    client_display_value: str
    client_value_missing: bool
    all_clients: Distribution
    similar_clients: Distribution
    repaid_clients: Distribution
    defaulted_clients: Distribution
    def __init__(self, feature: _Optional[str] = ..., label: _Optional[str] = ..., kind: _Optional[_Union[FeatureKind, str]] = ..., unit: _Optional[str] = ..., client_value: _Optional[float] = ..., client_display_value: _Optional[str] = ..., client_value_missing: _Optional[bool] = ..., all_clients: _Optional[_Union[Distribution, _Mapping]] = ..., similar_clients: _Optional[_Union[Distribution, _Mapping]] = ..., repaid_clients: _Optional[_Union[Distribution, _Mapping]] = ..., defaulted_clients: _Optional[_Union[Distribution, _Mapping]] = ...) -> None: ...

class Distribution(_message.Message):
    __slots__ = ("value_count", "missing_count", "client_percentile", "quantiles", "histogram", "category_counts")
    VALUE_COUNT_FIELD_NUMBER: _ClassVar[int]
    MISSING_COUNT_FIELD_NUMBER: _ClassVar[int]
    CLIENT_PERCENTILE_FIELD_NUMBER: _ClassVar[int]
    QUANTILES_FIELD_NUMBER: _ClassVar[int]
    HISTOGRAM_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_COUNTS_FIELD_NUMBER: _ClassVar[int]
    value_count: int
    missing_count: int
    client_percentile: float
    quantiles: _containers.RepeatedCompositeFieldContainer[Quantile]
    histogram: Histogram
    category_counts: _containers.RepeatedCompositeFieldContainer[CategoryCount]
    def __init__(self, value_count: _Optional[int] = ..., missing_count: _Optional[int] = ..., client_percentile: _Optional[float] = ..., quantiles: _Optional[_Iterable[_Union[Quantile, _Mapping]]] = ..., histogram: _Optional[_Union[Histogram, _Mapping]] = ..., category_counts: _Optional[_Iterable[_Union[CategoryCount, _Mapping]]] = ...) -> None: ...

class Quantile(_message.Message):
    __slots__ = ("level", "value")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    level: float
    value: float
    def __init__(self, level: _Optional[float] = ..., value: _Optional[float] = ...) -> None: ...

class Histogram(_message.Message):
    __slots__ = ("bin_edges", "counts")
    BIN_EDGES_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    bin_edges: _containers.RepeatedScalarFieldContainer[float]
    counts: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, bin_edges: _Optional[_Iterable[float]] = ..., counts: _Optional[_Iterable[int]] = ...) -> None: ...

class CategoryCount(_message.Message):
    __slots__ = ("category", "count")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    category: str
    count: int
    def __init__(self, category: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class GetModelInfoRequest(_message.Message):
    __slots__ = ("language_code",)
    LANGUAGE_CODE_FIELD_NUMBER: _ClassVar[int]
    language_code: str
    def __init__(self, language_code: _Optional[str] = ...) -> None: ...

class GetModelInfoResponse(_message.Message):
    __slots__ = ("model_version", "create_time", "threshold", "costs", "metrics", "calibration", "training_data", "global_importances", "features", "language_code", "category_labels")
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    COSTS_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_FIELD_NUMBER: _ClassVar[int]
    TRAINING_DATA_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_IMPORTANCES_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_CODE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_LABELS_FIELD_NUMBER: _ClassVar[int]
    model_version: str
    create_time: _timestamp_pb2.Timestamp
    threshold: float
    costs: Costs
    metrics: ModelMetrics
    calibration: Calibration
    training_data: TrainingData
    global_importances: _containers.RepeatedCompositeFieldContainer[FeatureImportance]
    features: _containers.RepeatedCompositeFieldContainer[FeatureInfo]
    language_code: str
    category_labels: _containers.RepeatedCompositeFieldContainer[CategoryLabels]
    def __init__(self, model_version: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., threshold: _Optional[float] = ..., costs: _Optional[_Union[Costs, _Mapping]] = ..., metrics: _Optional[_Union[ModelMetrics, _Mapping]] = ..., calibration: _Optional[_Union[Calibration, _Mapping]] = ..., training_data: _Optional[_Union[TrainingData, _Mapping]] = ..., global_importances: _Optional[_Iterable[_Union[FeatureImportance, _Mapping]]] = ..., features: _Optional[_Iterable[_Union[FeatureInfo, _Mapping]]] = ..., language_code: _Optional[str] = ..., category_labels: _Optional[_Iterable[_Union[CategoryLabels, _Mapping]]] = ...) -> None: ...

class CategoryLabels(_message.Message):
    __slots__ = ("field", "column", "values")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    field: str
    column: str
    values: _containers.RepeatedCompositeFieldContainer[CategoryLabel]
    def __init__(self, field: _Optional[str] = ..., column: _Optional[str] = ..., values: _Optional[_Iterable[_Union[CategoryLabel, _Mapping]]] = ...) -> None: ...

class CategoryLabel(_message.Message):
    __slots__ = ("value", "label")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    value: str
    label: str
    def __init__(self, value: _Optional[str] = ..., label: _Optional[str] = ...) -> None: ...

class Costs(_message.Message):
    __slots__ = ("false_negative", "false_positive")
    FALSE_NEGATIVE_FIELD_NUMBER: _ClassVar[int]
    FALSE_POSITIVE_FIELD_NUMBER: _ClassVar[int]
    false_negative: float
    false_positive: float
    def __init__(self, false_negative: _Optional[float] = ..., false_positive: _Optional[float] = ...) -> None: ...

class ModelMetrics(_message.Message):
    __slots__ = ("roc_auc", "pr_auc", "ks", "brier", "business_cost", "business_cost_accept_all", "business_cost_refuse_all", "refusal_rate", "evaluated_on")
    ROC_AUC_FIELD_NUMBER: _ClassVar[int]
    PR_AUC_FIELD_NUMBER: _ClassVar[int]
    KS_FIELD_NUMBER: _ClassVar[int]
    BRIER_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_COST_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_COST_ACCEPT_ALL_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_COST_REFUSE_ALL_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_RATE_FIELD_NUMBER: _ClassVar[int]
    EVALUATED_ON_FIELD_NUMBER: _ClassVar[int]
    roc_auc: float
    pr_auc: float
    ks: float
    brier: float
    business_cost: float
    business_cost_accept_all: float
    business_cost_refuse_all: float
    refusal_rate: float
    evaluated_on: str
    def __init__(self, roc_auc: _Optional[float] = ..., pr_auc: _Optional[float] = ..., ks: _Optional[float] = ..., brier: _Optional[float] = ..., business_cost: _Optional[float] = ..., business_cost_accept_all: _Optional[float] = ..., business_cost_refuse_all: _Optional[float] = ..., refusal_rate: _Optional[float] = ..., evaluated_on: _Optional[str] = ...) -> None: ...

class Calibration(_message.Message):
    __slots__ = ("method", "slope", "intercept")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    SLOPE_FIELD_NUMBER: _ClassVar[int]
    INTERCEPT_FIELD_NUMBER: _ClassVar[int]
    method: str
    slope: float
    intercept: float
    def __init__(self, method: _Optional[str] = ..., slope: _Optional[float] = ..., intercept: _Optional[float] = ...) -> None: ...

class TrainingData(_message.Message):
    __slots__ = ("source", "synthetic", "client_count", "default_rate")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SYNTHETIC_FIELD_NUMBER: _ClassVar[int]
    CLIENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_RATE_FIELD_NUMBER: _ClassVar[int]
    source: str
    synthetic: bool
    client_count: int
    default_rate: float
    def __init__(self, source: _Optional[str] = ..., synthetic: _Optional[bool] = ..., client_count: _Optional[int] = ..., default_rate: _Optional[float] = ...) -> None: ...

class FeatureImportance(_message.Message):
    __slots__ = ("feature", "mean_abs_shap")
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    MEAN_ABS_SHAP_FIELD_NUMBER: _ClassVar[int]
    feature: str
    mean_abs_shap: float
    def __init__(self, feature: _Optional[str] = ..., mean_abs_shap: _Optional[float] = ...) -> None: ...

class FeatureInfo(_message.Message):
    __slots__ = ("name", "label", "description", "group", "unit", "kind", "source", "vocabulary", "reason_use")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    VOCABULARY_FIELD_NUMBER: _ClassVar[int]
    REASON_USE_FIELD_NUMBER: _ClassVar[int]
    name: str
    label: str
    description: str
    group: str
    unit: str
    kind: FeatureKind
    source: FeatureSource
    vocabulary: _containers.RepeatedScalarFieldContainer[str]
    reason_use: ReasonUse
    def __init__(self, name: _Optional[str] = ..., label: _Optional[str] = ..., description: _Optional[str] = ..., group: _Optional[str] = ..., unit: _Optional[str] = ..., kind: _Optional[_Union[FeatureKind, str]] = ..., source: _Optional[_Union[FeatureSource, str]] = ..., vocabulary: _Optional[_Iterable[str]] = ..., reason_use: _Optional[_Union[ReasonUse, str]] = ...) -> None: ...

class SuggestChangesRequest(_message.Message):
    __slots__ = ("client_id", "application", "language_code", "max_options")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_CODE_FIELD_NUMBER: _ClassVar[int]
    MAX_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    client_id: int
    application: _application_pb2.Application
    language_code: str
    max_options: int
    def __init__(self, client_id: _Optional[int] = ..., application: _Optional[_Union[_application_pb2.Application, _Mapping]] = ..., language_code: _Optional[str] = ..., max_options: _Optional[int] = ...) -> None: ...

class SuggestChangesResponse(_message.Message):
    __slots__ = ("request_id", "score", "zone", "target_default_probability", "options", "note", "language_code")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    ZONE_FIELD_NUMBER: _ClassVar[int]
    TARGET_DEFAULT_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_CODE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    score: ScoreResult
    zone: ScoreZone
    target_default_probability: float
    options: _containers.RepeatedCompositeFieldContainer[ChangeOption]
    note: str
    language_code: str
    def __init__(self, request_id: _Optional[str] = ..., score: _Optional[_Union[ScoreResult, _Mapping]] = ..., zone: _Optional[_Union[ScoreZone, str]] = ..., target_default_probability: _Optional[float] = ..., options: _Optional[_Iterable[_Union[ChangeOption, _Mapping]]] = ..., note: _Optional[str] = ..., language_code: _Optional[str] = ...) -> None: ...

class ChangeOption(_message.Message):
    __slots__ = ("levers", "changes", "application", "score", "change_size", "text")
    LEVERS_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    levers: _containers.RepeatedScalarFieldContainer[ChangeLever]
    changes: _containers.RepeatedCompositeFieldContainer[InputChange]
    application: _application_pb2.Application
    score: ScoreResult
    change_size: float
    text: str
    def __init__(self, levers: _Optional[_Iterable[_Union[ChangeLever, str]]] = ..., changes: _Optional[_Iterable[_Union[InputChange, _Mapping]]] = ..., application: _Optional[_Union[_application_pb2.Application, _Mapping]] = ..., score: _Optional[_Union[ScoreResult, _Mapping]] = ..., change_size: _Optional[float] = ..., text: _Optional[str] = ...) -> None: ...

class InputChange(_message.Message):
    __slots__ = ("field", "value_before", "value_after", "label", "display_value_before", "display_value_after")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    VALUE_BEFORE_FIELD_NUMBER: _ClassVar[int]
    VALUE_AFTER_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_VALUE_BEFORE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_VALUE_AFTER_FIELD_NUMBER: _ClassVar[int]
    field: str
    value_before: float
    value_after: float
    label: str
    display_value_before: str
    display_value_after: str
    def __init__(self, field: _Optional[str] = ..., value_before: _Optional[float] = ..., value_after: _Optional[float] = ..., label: _Optional[str] = ..., display_value_before: _Optional[str] = ..., display_value_after: _Optional[str] = ...) -> None: ...
