"""Protobuf ↔ domain records of the insight RPCs: Explain, GetClient, SearchClients, ComparePeers,
GetModelInfo."""

from __future__ import annotations

import math
from collections.abc import Mapping

from google.protobuf.descriptor import FieldDescriptor

from creditscore.v1 import application_pb2, credit_score_pb2
from server.contract import APPLICATION_FIELDS, category_labels
from server.insight.eligibility import ReasonUse, reason_use
from server.insight.explanation import Explanation
from server.insight.model_info import ModelInfo
from server.insight.peer_scatter import PeerScatter
from server.insight.peers import Distribution, FeatureComparison, PeerComparison, PeerGroup
from server.insight.profile import ClientProfile
from server.insight.reasons import Reason
from server.insight.search import ClientSummary, SearchPage, SearchQuery
from server.insight.store import FeatureValue

__all__ = [
    "application_columns",
    "application_from_columns",
    "client_response",
    "explain_response",
    "model_info_response",
    "peers_response",
    "search_query",
    "search_response",
]

pb = credit_score_pb2

_DECISIONS = {
    pb.DECISION_UNSPECIFIED: "any",
    pb.DECISION_APPROVE: "approve",
    pb.DECISION_REFUSE: "refuse",
}
_REASON_USES = {
    ReasonUse.GIVEN: pb.REASON_USE_GIVEN,
    ReasonUse.PROTECTED: pb.REASON_USE_PROTECTED,
    ReasonUse.NOT_ACTIONABLE: pb.REASON_USE_NOT_ACTIONABLE,
}


def application_columns() -> dict[str, str]:
    """Kaggle column -> Application field name, from the contract (server.contract)."""
    return {field.column: field.name for field in APPLICATION_FIELDS}


def application_from_columns(values: Mapping[str, FeatureValue]) -> application_pb2.Application:
    """An Application holding the given Kaggle columns; missing values stay unset."""
    message = application_pb2.Application()
    for entry in APPLICATION_FIELDS:
        value = values.get(entry.column)
        if value is None:
            continue
        field, name = entry.descriptor, entry.name
        if field.type == FieldDescriptor.TYPE_STRING:
            setattr(message, name, str(value))
        elif isinstance(value, str) or not math.isfinite(value):
            continue
        elif field.type == FieldDescriptor.TYPE_BOOL:
            setattr(message, name, value >= 0.5)
        elif field.type in (FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_INT64):
            setattr(message, name, round(value))
        else:
            setattr(message, name, float(value))
    return message


# ---------------------------------------------------------------------------------------------
# Explain
# ---------------------------------------------------------------------------------------------


def explain_response(
    explanation: Explanation,
    score: pb.ScoreResult,
    calibration: Mapping[str, object],
    request_id: str,
) -> pb.ExplainResponse:
    """ExplainResponse of an explanation and the score it explains."""
    return pb.ExplainResponse(
        request_id=request_id,
        score=score,
        scale=pb.CONTRIBUTION_SCALE_LOG_ODDS,
        base_value=explanation.base_value,
        model_output=explanation.model_output,
        calibration=_calibration(calibration),
        contributions=[
            pb.FeatureContribution(
                feature=c.feature,
                group=c.group,
                value=c.value,
                display_value=c.display_value,
                is_missing=c.is_missing,
                contribution=c.contribution,
            )
            for c in explanation.contributions
        ],
        group_contributions=[
            pb.GroupContribution(
                group=g.group, contribution=g.contribution, feature_count=g.feature_count
            )
            for g in explanation.groups
        ],
        refusal_reasons=[_reason(r) for r in explanation.refusal_reasons],
        approval_reasons=[_reason(r) for r in explanation.approval_reasons],
        language_code=explanation.language,
    )


def _calibration(calibration: Mapping[str, object]) -> pb.Calibration:
    return pb.Calibration(
        method=str(calibration.get("method", "platt")),
        slope=float(calibration["slope"]),  # type: ignore[arg-type]
        intercept=float(calibration["intercept"]),  # type: ignore[arg-type]
    )


def _reason(reason: Reason) -> pb.Reason:
    return pb.Reason(
        text=reason.text,
        feature=reason.feature,
        label=reason.label,
        display_value=reason.display_value,
        contribution=reason.contribution,
        percentile=reason.percentile,
    )


# ---------------------------------------------------------------------------------------------
# GetClient
# ---------------------------------------------------------------------------------------------


def client_response(profile: ClientProfile, score: pb.ScoreResult) -> pb.GetClientResponse:
    """GetClientResponse of a profile and the client's current score."""
    return pb.GetClientResponse(
        client_id=profile.client_id,
        score=score,
        application=application_from_columns(profile.application),
        fields=[
            pb.ProfileField(
                name=f.name,
                label=f.label,
                group=f.group,
                display_value=f.display_value,
                numeric_value=f.numeric_value,
                unit=f.unit,
                is_missing=f.is_missing,
            )
            for f in profile.fields
        ],
        language_code=profile.language,
    )


# ---------------------------------------------------------------------------------------------
# SearchClients
# ---------------------------------------------------------------------------------------------


def search_query(request: pb.SearchClientsRequest) -> SearchQuery:
    """The domain query of a SearchClients request (validated by the search itself)."""
    return SearchQuery(
        client_id_prefix=request.client_id_prefix,
        contract_types=tuple(request.contract_types),
        income_types=tuple(request.income_types),
        decision=_DECISIONS.get(request.decision, "invalid"),  # type: ignore[arg-type]
        min_probability=request.min_default_probability
        if request.HasField("min_default_probability")
        else None,
        max_probability=request.max_default_probability
        if request.HasField("max_default_probability")
        else None,
        order_by=request.order_by,
        page_size=request.page_size,
        page_token=request.page_token,
    )


def search_response(page: SearchPage) -> pb.SearchClientsResponse:
    """SearchClientsResponse of one page."""
    return pb.SearchClientsResponse(
        clients=[_summary(c) for c in page.clients],
        next_page_token=page.next_page_token,
        total_size=page.total_size,
    )


def _summary(client: ClientSummary) -> pb.ClientSummary:
    return pb.ClientSummary(
        client_id=client.client_id,
        default_probability=client.default_probability,
        decision=pb.DECISION_REFUSE if client.refused else pb.DECISION_APPROVE,
        contract_type=client.contract_type,
        income_type=client.income_type,
        income_amount=_finite(client.income_amount),
        credit_amount=_finite(client.credit_amount),
        age_years=_finite(client.age_years),
    )


def _finite(value: float) -> float:
    # The summary's numbers have no presence: a missing one is sent as 0 rather than NaN.
    return value if math.isfinite(value) else 0.0


# ---------------------------------------------------------------------------------------------
# ComparePeers
# ---------------------------------------------------------------------------------------------


def peers_response(comparison: PeerComparison) -> pb.ComparePeersResponse:
    """ComparePeersResponse of a peer comparison."""
    return pb.ComparePeersResponse(
        client_id=comparison.client_id,
        all_clients=_group(comparison.all_clients),
        similar_clients=_group(comparison.similar_clients),
        repaid_clients=_group(comparison.repaid_clients),
        defaulted_clients=_group(comparison.defaulted_clients),
        comparisons=[_comparison(c) for c in comparison.comparisons],
        language_code=comparison.language,
        scatter=None if comparison.scatter is None else _scatter(comparison.scatter),
    )


def _scatter(scatter: PeerScatter) -> pb.PeerScatter:
    x, y = scatter.x, scatter.y
    return pb.PeerScatter(
        x_feature=x.feature,
        x_label=x.label,
        x_unit=x.unit,
        y_feature=y.feature,
        y_label=y.label,
        y_unit=y.unit,
        client_x=x.client_value,
        client_y=y.client_value,
        client_x_display_value=x.client_display_value,
        client_y_display_value=y.client_display_value,
        points=[pb.PeerPoint(x=p.x, y=p.y, defaulted=p.defaulted) for p in scatter.points],
        eligible_client_count=scatter.eligible_client_count,
        missing_client_count=scatter.missing_client_count,
    )


def _group(group: PeerGroup) -> pb.PeerGroup:
    return pb.PeerGroup(
        label=group.label,
        rule=group.rule,
        client_count=group.client_count,
        default_rate=group.default_rate,
    )


def _comparison(comparison: FeatureComparison) -> pb.FeatureComparison:
    return pb.FeatureComparison(
        feature=comparison.feature,
        label=comparison.label,
        kind=pb.FEATURE_KIND_CATEGORICAL if comparison.categorical else pb.FEATURE_KIND_NUMERIC,
        unit=comparison.unit,
        client_value=comparison.client_value,
        client_display_value=comparison.client_display_value,
        client_value_missing=comparison.client_value_missing,
        all_clients=_distribution(comparison.all_clients),
        similar_clients=_distribution(comparison.similar_clients),
        repaid_clients=_distribution(comparison.repaid_clients),
        defaulted_clients=_distribution(comparison.defaulted_clients),
    )


def _distribution(distribution: Distribution) -> pb.Distribution:
    message = pb.Distribution(
        value_count=distribution.value_count,
        missing_count=distribution.missing_count,
        client_percentile=distribution.client_percentile,
        quantiles=[
            pb.Quantile(level=level, value=value) for level, value in distribution.quantiles
        ],
        category_counts=[
            pb.CategoryCount(category=category, count=count)
            for category, count in distribution.category_counts
        ],
    )
    if distribution.bin_edges:
        message.histogram.bin_edges.extend(distribution.bin_edges)
        message.histogram.counts.extend(distribution.bin_counts)
    return message


# ---------------------------------------------------------------------------------------------
# GetModelInfo
# ---------------------------------------------------------------------------------------------


def model_info_response(info: ModelInfo) -> pb.GetModelInfoResponse:
    """GetModelInfoResponse of the model card."""
    metrics = info.metrics
    message = pb.GetModelInfoResponse(
        model_version=info.model_version,
        threshold=info.threshold,
        costs=pb.Costs(
            false_negative=info.false_negative_cost, false_positive=info.false_positive_cost
        ),
        metrics=pb.ModelMetrics(
            roc_auc=metrics.roc_auc,
            pr_auc=metrics.pr_auc,
            ks=metrics.ks,
            brier=metrics.brier,
            business_cost=metrics.business_cost,
            business_cost_accept_all=metrics.business_cost_accept_all,
            business_cost_refuse_all=metrics.business_cost_refuse_all,
            refusal_rate=metrics.refusal_rate,
            evaluated_on=metrics.evaluated_on,
        ),
        calibration=pb.Calibration(
            method=info.calibration_method,
            slope=info.calibration_slope,
            intercept=info.calibration_intercept,
        ),
        training_data=pb.TrainingData(
            source=info.training.source,
            synthetic=info.training.synthetic,
            client_count=info.training.client_count,
            default_rate=info.training.default_rate,
        ),
        global_importances=[
            pb.FeatureImportance(feature=name, mean_abs_shap=value)
            for name, value in info.importances
        ],
        features=[
            pb.FeatureInfo(
                name=f.name,
                label=f.label,
                description=f.description,
                group=f.group,
                unit=f.unit,
                kind=pb.FEATURE_KIND_CATEGORICAL if f.categorical else pb.FEATURE_KIND_NUMERIC,
                source=pb.FEATURE_SOURCE_RAW if f.raw else pb.FEATURE_SOURCE_DERIVED,
                vocabulary=f.vocabulary,
                reason_use=_REASON_USES[reason_use(f.name)],
            )
            for f in info.features
        ],
        language_code=info.language,
        category_labels=[
            pb.CategoryLabels(
                field=field.name,
                column=field.column,
                values=[pb.CategoryLabel(value=v, label=label) for v, label in labels],
            )
            for field, labels in category_labels(info.language)
        ],
    )
    if info.created_at is not None:
        message.create_time.FromDatetime(info.created_at)
    return message
