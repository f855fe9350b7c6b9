"""Plotly figure placing a client among all, similar, repaid and defaulted clients."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui.categories import Categories
from gradio_ui.charts import COLORS
from gradio_ui.periods import with_period
from gradio_ui.settings import Language
from gradio_ui.texts import t

__all__ = ["client_category", "comparison_figure", "shown_categories"]

_MAX_CATEGORIES = 8
# Groups told apart by more than colour: the line's dash and the bars' hatching.
_DASHES = {"similar": "dashdot", "repaid": "solid", "defaulted": "dash"}
_PATTERNS = {"all": "", "similar": "/", "repaid": "", "defaulted": "x"}
_ROW_HEIGHT = 250
_SPACING = 0.08


def _short(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shares(counts: Sequence[int]) -> list[float]:
    total = sum(counts)
    return [100.0 * c / total if total else 0.0 for c in counts]


def _numeric_traces(
    comparison: pb.FeatureComparison, language: Language, show_legend: bool
) -> tuple[list[go.BaseTraceType], list[go.BaseTraceType]]:
    edges = list(comparison.all_clients.histogram.bin_edges)
    centers = [(a + b) / 2 for a, b in pairwise(edges)]
    widths = [b - a for a, b in pairwise(edges)]

    def bars(dist: pb.Distribution, key: str) -> go.Bar:
        return go.Bar(
            x=centers,
            y=_shares(dist.histogram.counts),
            width=widths,
            name=t(language, f"compare.{key}"),
            marker={"color": COLORS[key], "opacity": 0.55},
            legendgroup=key,
            showlegend=show_legend,
            hovertemplate="%{x:.3~g}: %{y:.1f}%<extra>"
            + t(language, f"compare.{key}")
            + "</extra>",
        )

    def line(dist: pb.Distribution, key: str) -> go.Scatter:
        return go.Scatter(
            x=centers,
            y=_shares(dist.histogram.counts),
            mode="lines",
            line={"color": COLORS[key], "width": 2.5, "shape": "hvh", "dash": _DASHES[key]},
            name=t(language, f"compare.{key}"),
            legendgroup=key,
            showlegend=show_legend,
            hovertemplate="%{x:.3~g}: %{y:.1f}%<extra>"
            + t(language, f"compare.{key}")
            + "</extra>",
        )

    left = [bars(comparison.all_clients, "all"), line(comparison.similar_clients, "similar")]
    right = [
        line(comparison.repaid_clients, "repaid"),
        line(comparison.defaulted_clients, "defaulted"),
    ]
    return left, right


def _category_traces(
    comparison: pb.FeatureComparison,
    language: Language,
    show_legend: bool,
    categories: Categories,
) -> tuple[list[go.BaseTraceType], list[go.BaseTraceType]]:
    values = shown_categories(comparison, categories)
    labels = _category_labels(comparison, values, categories)

    # The figure overlays bars (for histograms); categories get side-by-side bars by offset.
    def bars(dist: pb.Distribution, key: str, offset: float) -> go.Bar:
        counts = {c.category: c.count for c in dist.category_counts}
        total = sum(counts.values())
        return go.Bar(
            x=labels,
            y=[100.0 * counts.get(v, 0) / total if total else 0.0 for v in values],
            name=t(language, f"compare.{key}"),
            marker={
                "color": COLORS[key],
                "pattern": {"shape": _PATTERNS[key], "fgcolor": "#FFFFFF"},
            },
            width=0.4,
            offset=offset,
            legendgroup=key,
            showlegend=show_legend,
            hovertemplate="%{x}: %{y:.1f}%<extra>" + t(language, f"compare.{key}") + "</extra>",
        )

    left = [
        bars(comparison.all_clients, "all", -0.4),
        bars(comparison.similar_clients, "similar", 0),
    ]
    right = [
        bars(comparison.repaid_clients, "repaid", -0.4),
        bars(comparison.defaulted_clients, "defaulted", 0),
    ]
    return left, right


def client_category(comparison: pb.FeatureComparison, categories: Categories) -> str:
    """The client's category (a value, with Kaggle's spelling); the server shows its label."""
    return categories.value_of(comparison.feature, comparison.client_display_value)


def shown_categories(comparison: pb.FeatureComparison, categories: Categories) -> list[str]:
    """The categories drawn: the most frequent ones, and always the client's own (in place of
    the last when it is not among them), so that its ▼ has a bar to stand on."""
    values = [c.category for c in comparison.all_clients.category_counts]
    shown = values[:_MAX_CATEGORIES]
    own = client_category(comparison, categories)
    if own in values and own not in shown:
        shown[-1] = own
    return shown


def _category_labels(
    comparison: pb.FeatureComparison, values: Sequence[str], categories: Categories
) -> list[str]:
    """Short tick labels, made unique (two long labels may shorten alike, and Plotly would draw
    them, and a marker, on one tick)."""
    labels: list[str] = []
    for value in values:
        label = _short(categories.label(comparison.feature, value))
        while label in labels:
            label += "\u200b"
        labels.append(label)
    return labels


def _mark_client(
    figure: go.Figure, comparison: pb.FeatureComparison, row: int, categories: Categories
) -> None:
    # The ▼ sits on the tick of the client's category, which is labelled like the others.
    if comparison.kind == pb.FEATURE_KIND_CATEGORICAL:
        values = shown_categories(comparison, categories)
        own = client_category(comparison, categories)
        if own not in values:
            return
        tick = _category_labels(comparison, values, categories)[values.index(own)]
    for col in (1, 2):
        if comparison.kind == pb.FEATURE_KIND_CATEGORICAL:
            figure.add_annotation(
                x=tick,
                y=1.0,
                yref="y domain",
                text="▼",
                showarrow=False,
                font={"color": COLORS["ink"], "size": 16},
                row=row,
                col=col,
            )
        elif comparison.HasField("client_value"):
            figure.add_vline(
                x=comparison.client_value,
                line={"color": COLORS["ink"], "width": 2.5, "dash": "dot"},
                row=row,
                col=col,
            )


def _client_legend(language: Language) -> go.Scatter:
    # Shapes have no legend entry: an empty trace explains the dotted line (or ▼).
    return go.Scatter(
        x=[None],
        y=[None],
        mode="lines",
        line={"color": COLORS["ink"], "width": 2.5, "dash": "dot"},
        name=f"{t(language, 'compare.client')} (┆ / ▼)",
        showlegend=True,
    )


def comparison_figure(
    comparisons: Sequence[pb.FeatureComparison], language: Language, categories: Categories
) -> go.Figure:
    """One row per feature: all vs similar clients on the left, repaid vs defaulted on the
    right, shares of each group in %, the client marked by a dotted line (or ▼); categories
    with the server's labels."""
    titles: list[str] = []
    for comparison in comparisons:
        label = with_period(comparison.feature, comparison.label, language)
        titles += [f"<b>{label}</b> ({comparison.client_display_value})", ""]
    rows = max(len(comparisons), 1)
    height = 150 + _ROW_HEIGHT * rows
    figure = make_subplots(
        rows=rows,
        cols=2,
        subplot_titles=titles or None,
        horizontal_spacing=_SPACING,
        vertical_spacing=min(0.6 / rows, 0.16),
    )
    for row, comparison in enumerate(comparisons, start=1):
        categorical = comparison.kind == pb.FEATURE_KIND_CATEGORICAL
        if categorical:
            left, right = _category_traces(comparison, language, row == 1, categories)
        else:
            left, right = _numeric_traces(comparison, language, show_legend=row == 1)
        for trace in left:
            figure.add_trace(trace, row=row, col=1)
        for trace in right:
            figure.add_trace(trace, row=row, col=2)
        _mark_client(figure, comparison, row, categories)
        unit = f" ({comparison.unit})" if comparison.unit else ""
        # Category names label themselves; a title under slanted names would collide.
        x_title = (
            ""
            if categorical
            else f"{with_period(comparison.feature, comparison.label, language)}{unit}"
        )
        for col in (1, 2):
            figure.update_xaxes(title_text=x_title, row=row, col=col)
            figure.update_yaxes(title_text=t(language, "compare.share"), row=row, col=col)
            if categorical:
                figure.update_xaxes(tickangle=-20, row=row, col=col)
    figure.add_trace(_client_legend(language), row=1, col=1)
    half = (1 - _SPACING) / 2
    for center, key in ((half / 2, "compare.panel_peers"), (1 - half / 2, "compare.panel_outcome")):
        figure.add_annotation(
            text=f"<b>{t(language, key)}</b>",
            x=center,
            xanchor="center",
            y=1 + 45 / height,
            xref="paper",
            yref="paper",
            showarrow=False,
            font={"size": 14},
        )
    figure.update_layout(
        template="plotly_white",
        height=height,
        barmode="overlay",
        bargap=0.05,
        font={"family": "system-ui, sans-serif", "size": 12, "color": COLORS["ink"]},
        margin={"l": 10, "r": 20, "t": 110, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1 + 70 / height, "x": 0},
    )
    figure.update_annotations(font_size=13)
    return figure
