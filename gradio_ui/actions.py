"""What the advisor can do: the advisor's inputs in, what to show out (no Gradio here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from gradio_ui import charts
from gradio_ui.categories import Categories
from gradio_ui.client import CreditScoreClient
from gradio_ui.compare_charts import comparison_figure
from gradio_ui.errors import InputError, Outcome, error_message, run_safely
from gradio_ui.model_view import ModelView, model_overview
from gradio_ui.parsing import is_ascii_digits
from gradio_ui.peer_scatter import default_axes, scatter_choices, scatter_figure, scatter_markdown
from gradio_ui.search import (
    SearchQuery,
    SearchView,
    empty_results,
    filter_choices,
    results_table,
    search_clients,
    search_request,
)
from gradio_ui.sections import (
    decision_markdown,
    default_features,
    explanation_figures,
    feature_choices,
    filter_profile,
    peer_groups_markdown,
    position_markdown,
    profile_display,
    profile_table,
)
from gradio_ui.settings import Language, UiSettings
from gradio_ui.suggestions import Suggestions, suggest, suggestions_markdown
from gradio_ui.texts import t
from gradio_ui.views import banner_html, decision_badge, reasons_markdown
from gradio_ui.whatif import (
    WhatIfDefaults,
    WhatIfInputs,
    WhatIfView,
    run_whatif,
    term_text,
    whatif_defaults,
)

__all__ = [
    "ClientView",
    "CompareView",
    "KeptChoices",
    "ModelView",
    "Outcome",
    "SearchQuery",
    "SearchView",
    "WhatIfInputs",
    "WhatIfView",
    "banner_for",
    "compare_features",
    "empty_results",
    "error_message",
    "filter_choices",
    "filter_profile",
    "load_client",
    "model_overview",
    "parse_client_id",
    "profile_display",
    "results_table",
    "run_safely",
    "run_whatif",
    "scatter_view",
    "search_clients",
    "search_request",
    "term_text",
]


def parse_client_id(text: object, language: Language) -> int:
    """A client id typed or clicked by the advisor; InputError when it is not digits."""
    cleaned = str(text if text is not None else "").strip()
    if not is_ascii_digits(cleaned):
        raise InputError(t(language, "error.client_id"))
    return int(cleaned)


@dataclass(frozen=True, slots=True)
class CompareView:
    """Who the client is compared with, the comparison figure and its text equivalent."""

    groups_markdown: str
    figure: go.Figure
    markdown: str
    # The client among similar clients on two features (None when no two were picked).
    scatter_figure: go.Figure | None = None
    scatter_markdown: str = ""


@dataclass(frozen=True, slots=True)
class ClientView:
    """Everything shown about one client, in one language."""

    client_id: int
    probability: float
    badge_html: str
    gauge: go.Figure
    decision_markdown: str
    reasons_markdown: str
    waterfall: go.Figure
    waterfall_note: str
    groups: go.Figure
    profile: pd.DataFrame
    profile_sections: list[str]
    feature_choices: list[tuple[str, str]]
    compared_features: list[str]
    comparison: CompareView
    scatter_choices: list[tuple[str, str]]
    scatter_axes: tuple[str, str]
    whatif: WhatIfDefaults
    notice: str
    suggestions: Suggestions
    suggestions_markdown: str


def compare_features(
    client: CreditScoreClient,
    client_id: int,
    features: Sequence[str],
    language: Language,
    axes: tuple[str, str] | None = None,
) -> CompareView:
    """The client's position on each feature among all, similar, repaid and defaulted clients,
    and with two `axes` among similar clients on those two."""
    if not features:
        raise InputError(t(language, "compare.empty"))
    scatter_features = _checked_axes(axes, language)
    response = client.compare(client_id, features, language, scatter_features=scatter_features)
    categories = Categories.of(client.model_info(language))
    scatter = response.scatter if response.HasField("scatter") else None
    return CompareView(
        groups_markdown=peer_groups_markdown(response, language),
        figure=comparison_figure(response.comparisons, language, categories),
        markdown=position_markdown(response, language, categories),
        scatter_figure=None if scatter is None else scatter_figure(scatter, language),
        scatter_markdown=""
        if scatter is None
        else scatter_markdown(scatter, response.similar_clients, language),
    )


def scatter_view(
    client: CreditScoreClient, client_id: int, axes: tuple[str, str], language: Language
) -> CompareView:
    """The client among similar clients on two features (the histograms of those two only)."""
    if not all(axes):
        raise InputError(t(language, "scatter.info"))
    return compare_features(client, client_id, list(axes), language, axes)


def _checked_axes(axes: tuple[str, str] | None, language: Language) -> tuple[str, ...]:
    if axes is None or not all(axes):
        return ()
    if axes[0] == axes[1]:
        raise InputError(t(language, "scatter.same"))
    return axes


@dataclass(frozen=True, slots=True)
class KeptChoices:
    """What the advisor chose to compare on the client's screen (feature names, the same in
    every language), kept when the screen is redrawn in another language."""

    compared: tuple[str, ...] = ()
    scatter_axes: tuple[str, str] = ("", "")


def load_client(
    client: CreditScoreClient,
    settings: UiSettings,
    client_id: int,
    language: Language,
    kept: KeptChoices | None = None,
) -> ClientView:
    """Everything about one stored client: decision, reasons, profile, comparison, what-if;
    the comparison on the features in ``kept`` when the advisor had chosen some."""
    kept = kept or KeptChoices()
    stored = client.get_client(client_id, language)
    model = client.model_info(language)
    explanation = client.explain(client_id, language)
    features = (
        list(kept.compared)
        or default_features(explanation)
        or [i.feature for i in model.global_importances[:4]]
    )
    axes = kept.scatter_axes if all(kept.scatter_axes) else default_axes(features, model)
    grey_zone = settings.grey_zone_points / 100
    waterfall, note, groups = explanation_figures(explanation, model, settings, language)
    profile = profile_table(stored, language)
    score = stored.score
    suggestions = suggest(client, client_id, language)
    return ClientView(
        client_id=client_id,
        probability=score.default_probability,
        badge_html=decision_badge(
            score,
            language,
            grey_zone=grey_zone,
            caption=t(language, "decision.client", client_id=client_id),
        ),
        gauge=charts.decision_gauge(
            score.default_probability, score.threshold, grey_zone, language
        ),
        decision_markdown=decision_markdown(score, model, settings, language),
        reasons_markdown=reasons_markdown(explanation, language),
        waterfall=waterfall,
        waterfall_note=note,
        groups=groups,
        profile=profile,
        profile_sections=list(dict.fromkeys(profile["section"])),
        feature_choices=feature_choices(model),
        compared_features=features,
        comparison=compare_features(client, client_id, features, language, axes),
        scatter_choices=scatter_choices(model),
        scatter_axes=axes,
        whatif=whatif_defaults(stored.application),
        notice=t(language, "app.synthetic") if model.training_data.synthetic else "",
        suggestions=suggestions,
        suggestions_markdown=suggestions_markdown(suggestions, language),
    )


def banner_for(message: str) -> str:
    """The alert banner of a message written by the app itself."""
    return banner_html(message)
