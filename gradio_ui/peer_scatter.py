"""The client among a sample of similar clients on two characteristics the advisor picks: the
axes' choices, the plotly scatter and its text equivalent."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui.charts import COLORS
from gradio_ui.formatting import format_number
from gradio_ui.periods import with_period
from gradio_ui.settings import Language
from gradio_ui.texts import t

__all__ = ["default_axes", "scatter_choices", "scatter_figure", "scatter_markdown"]

# Tall enough for two axes' titles and a legend under the plot on a 390-px-wide phone.
_HEIGHT = 460


def scatter_choices(model: pb.GetModelInfoResponse) -> list[tuple[str, str]]:
    """Numeric features as (label, name), the most important first: a category has no place
    on an axis."""
    language: Language = "fr" if model.language_code == "fr" else "en"
    numeric = {
        f.name: with_period(f.name, f.label or f.name, language)
        for f in model.features
        if _numeric(f)
    }
    ranked = [i.feature for i in model.global_importances if i.feature in numeric]
    rest = sorted(set(numeric) - set(ranked), key=lambda n: numeric[n].casefold())
    return [(numeric[n], n) for n in [*ranked, *rest]]


def default_axes(compared: Sequence[str], model: pb.GetModelInfoResponse) -> tuple[str, str]:
    """The first two numeric features among those compared (the decision's main reasons), then
    the most important ones."""
    numeric = [name for _, name in scatter_choices(model)]
    kept = set(numeric)
    picked = list(dict.fromkeys([*(n for n in compared if n in kept), *numeric]))
    return (picked[0], picked[1]) if len(picked) >= 2 else ("", "")


def _numeric(feature: pb.FeatureInfo) -> bool:
    return feature.kind == pb.FEATURE_KIND_NUMERIC


def _axis_title(scatter: pb.PeerScatter, axis: str, language: Language) -> str:
    feature, label, unit = (
        getattr(scatter, f"{axis}_{part}") for part in ("feature", "label", "unit")
    )
    label = with_period(feature, label, language)
    return f"{label} ({unit})" if unit else label


def scatter_figure(scatter: pb.PeerScatter, language: Language) -> go.Figure:
    """Similar clients who repaid (○) and defaulted (✕), and the client as a large ★ with its
    name: groups told apart by shape as well as colour."""
    figure = go.Figure()
    for defaulted, key, symbol in ((False, "repaid", "circle-open"), (True, "defaulted", "x")):
        points = [p for p in scatter.points if p.defaulted == defaulted]
        figure.add_scatter(
            x=[p.x for p in points],
            y=[p.y for p in points],
            mode="markers",
            name=t(language, f"scatter.{key}"),
            marker={"symbol": symbol, "size": 7, "color": COLORS[key], "opacity": 0.75},
            hovertemplate="%{x:,.3~g}; %{y:,.3~g}<extra>"
            + t(language, f"scatter.{key}")
            + "</extra>",
        )
    if scatter.HasField("client_x") and scatter.HasField("client_y"):
        figure.add_scatter(
            x=[scatter.client_x],
            y=[scatter.client_y],
            mode="markers",
            name=t(language, "scatter.client"),
            marker={
                "symbol": "star",
                "size": 22,
                "color": COLORS["ink"],
                "line": {"color": "#FFFFFF", "width": 1.5},
            },
            hovertemplate=f"{scatter.client_x_display_value}; {scatter.client_y_display_value}"
            f"<extra>{t(language, 'scatter.client')}</extra>",
        )
        figure.add_annotation(
            x=scatter.client_x,
            y=scatter.client_y,
            text=f"<b>{t(language, 'scatter.client')}</b>",
            showarrow=True,
            arrowhead=0,
            ax=0,
            ay=-34,
            bgcolor="rgba(255,255,255,0.85)",
            font={"size": 13, "color": COLORS["ink"]},
        )
    figure.update_layout(
        template="plotly_white",
        height=_HEIGHT,
        font={"family": "system-ui, sans-serif", "size": 12, "color": COLORS["ink"]},
        margin={"l": 10, "r": 16, "t": 20, "b": 10},
        # French numbers: decimal comma, thin-space thousands (0,2 and 202 500).
        separators=",\u202f" if language == "fr" else ".,",
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0},
        xaxis={"title": {"text": _axis_title(scatter, "x", language)}, "automargin": True},
        yaxis={"title": {"text": _axis_title(scatter, "y", language)}, "automargin": True},
    )
    return figure


def scatter_markdown(scatter: pb.PeerScatter, similar: pb.PeerGroup, language: Language) -> str:
    """The scatter in words: where the client is, what the points are and who is left out."""
    placed = scatter.HasField("client_x") and scatter.HasField("client_y")
    lines = [
        t(
            language,
            "scatter.client_line",
            x_label=scatter.x_label,
            x_value=scatter.client_x_display_value,
            y_label=scatter.y_label,
            y_value=scatter.client_y_display_value,
        )
    ]
    if not placed:
        lines.append(t(language, "scatter.client_missing"))
    if scatter.points:
        lines.append(
            t(
                language,
                "scatter.sample",
                shown=format_number(len(scatter.points), language),
                eligible=format_number(scatter.eligible_client_count, language),
                rule=similar.rule,
            )
        )
    else:
        lines.append(t(language, "scatter.none"))
    if scatter.missing_client_count:
        lines.append(
            t(
                language,
                "scatter.left_out",
                count=format_number(scatter.missing_client_count, language),
            )
        )
    return "\n\n".join(lines)
