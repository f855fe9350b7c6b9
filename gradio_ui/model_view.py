"""The "how the model works" page: global importance and the model card in plain words."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import plotly.graph_objects as go

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui import charts
from gradio_ui.client import CreditScoreClient
from gradio_ui.formatting import format_number, format_percent
from gradio_ui.settings import Language
from gradio_ui.texts import t

__all__ = ["ModelView", "model_markdown", "model_overview", "never_reasons_text"]

_TOP_FEATURES = 15


@dataclass(frozen=True, slots=True)
class ModelView:
    """Global importance by feature and by theme, and the model card."""

    features: go.Figure
    groups: go.Figure
    markdown: str
    model: pb.GetModelInfoResponse


def model_markdown(model: pb.GetModelInfoResponse, language: Language) -> str:
    """The model card for a non-expert: data, method, quality, threshold, limits."""
    metrics = model.metrics
    refusal_rate = format_percent(metrics.refusal_rate, language, 0)
    cost_ratio = (
        metrics.business_cost / metrics.business_cost_accept_all
        if metrics.business_cost_accept_all
        else 0.0
    )
    card = t(
        language,
        "model.card",
        clients=format_number(model.training_data.client_count, language),
        default_rate=format_percent(model.training_data.default_rate, language),
        features=format_number(len(model.features), language),
        threshold=format_percent(model.threshold, language),
        auc=format_number(metrics.roc_auc, language, 3),
        refusal_rate=refusal_rate,
        cost_ratio=format_percent(cost_ratio, language, 0),
    )
    parts = [
        card,
        t(language, "model.limits", refusal_rate=refusal_rate),
        never_reasons_text(model, language),
        t(language, "model.reading"),
    ]
    if model.training_data.synthetic:
        parts.append(f"**{t(language, 'app.synthetic')}**")
    return "\n\n".join(parts)


def never_reasons_text(model: pb.GetModelInfoResponse, language: Language) -> str:
    """What the model weighs but never gives a client as a reason (the server's list)."""
    protected = [
        f.label or f.name for f in model.features if f.reason_use == pb.REASON_USE_PROTECTED
    ]
    opaque = [f for f in model.features if f.reason_use == pb.REASON_USE_NOT_ACTIONABLE]
    return t(
        language,
        "model.never_reasons",
        protected=", ".join(protected),
        count=format_number(len(opaque), language),
    )


def model_overview(client: CreditScoreClient, language: Language) -> ModelView:
    """Global importance (mean |SHAP|) of the top features and of each theme."""
    model = client.model_info(language)
    labels = {f.name: f.label or f.name for f in model.features}
    groups_of = {f.name: f.group for f in model.features}
    top = [
        charts.Factor(labels.get(i.feature, i.feature), i.mean_abs_shap)
        for i in model.global_importances[:_TOP_FEATURES]
    ]
    by_group: dict[str, float] = defaultdict(float)
    for importance in model.global_importances:
        by_group[groups_of.get(importance.feature, "?")] += importance.mean_abs_shap
    groups = [charts.Factor(g, v) for g, v in sorted(by_group.items(), key=lambda kv: -kv[1])]
    axis = t(language, "model.axis")
    return ModelView(
        features=charts.importance_bars(top, title=t(language, "model.title"), axis_title=axis),
        groups=charts.importance_bars(
            groups,
            title=t(language, "model.groups_title"),
            axis_title=axis,
            color=charts.COLORS["repaid"],
        ),
        markdown=model_markdown(model, language),
        model=model,
    )
