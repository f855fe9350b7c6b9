"""Plotly figures of the decision, its explanation, the model and the what-if."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from gradio_ui.formatting import (
    format_number,
    format_percent,
    format_points,
    logit,
    sigmoid,
    threshold_decimals,
)
from gradio_ui.settings import Language
from gradio_ui.texts import t

__all__ = [
    "COLORS",
    "Factor",
    "decision_gauge",
    "gauge_top",
    "group_bars",
    "importance_bars",
    "waterfall",
    "whatif_bars",
]

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
COLORS = {
    "up": "#D55E00",
    "down": "#0072B2",
    "all": "#A3A3A3",
    "similar": "#0072B2",
    "repaid": "#009E73",
    "defaulted": "#D55E00",
    "ink": "#1F2937",
    "grey_zone": "rgba(230, 159, 0, 0.22)",
    "approve_zone": "rgba(0, 158, 115, 0.16)",
    "refuse_zone": "rgba(213, 94, 0, 0.16)",
}
_FONT = {"family": "system-ui, sans-serif", "size": 13, "color": COLORS["ink"]}
_PROBABILITY_TICKS = (
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.03,
    0.05,
    0.07,
    0.1,
    0.15,
    0.2,
    0.3,
    0.4,
    0.5,
    0.6,
    0.7,
    0.8,
    0.9,
    0.95,
    0.98,
    0.99,
)


@dataclass(frozen=True, slots=True)
class Factor:
    """One bar of a contribution chart: a label and a signed value on the model's scale."""

    label: str
    contribution: float


def _base_layout(figure: go.Figure, *, title: str, height: int) -> go.Figure:
    figure.update_layout(
        template="plotly_white",
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        height=height,
        font=_FONT,
        margin={"l": 10, "r": 20, "t": 56, "b": 40},
        showlegend=False,
    )
    return figure


def _axis_max(*probabilities: float) -> float:
    # A gauge up to 100% squeezes the usual 2-20% into a sliver; stop at a round value instead.
    needed = max(probabilities) * 1.3
    return next((edge for edge in (0.2, 0.3, 0.5, 0.75) if needed <= edge), 1.0)


def gauge_top(threshold: float, grey_zone: float) -> float:
    """The gauge's end: set by the threshold alone, so that every client of a model is read
    on the same scale (a higher probability fills the gauge, its number says how high)."""
    return _axis_max(threshold + grey_zone, threshold * 2.5)


def decision_gauge(
    probability: float, threshold: float, grey_zone: float, language: Language
) -> go.Figure:
    """A gauge of the probability of default with the threshold and its grey zone, on a
    scale fixed by the threshold."""
    top = gauge_top(threshold, grey_zone)
    low, high = max(0.0, threshold - grey_zone), min(top, threshold + grey_zone)
    step = 5 if top <= 0.3 else 10
    ticks = list(range(0, round(top * 100) + 1, step))
    decimals = threshold_decimals(probability, threshold)
    # The number is an annotation, not the indicator's own: Plotly measures the latter once, and
    # misplaces it for good when the chart is drawn in a hidden tab.
    gauge = go.Indicator(
        mode="gauge",
        value=min(probability, top) * 100,
        gauge={
            "axis": {
                "range": [0, top * 100],
                "tickvals": ticks,
                "ticktext": [f"{format_number(v, language)}%" for v in ticks],
            },
            "bar": {"color": COLORS["ink"], "thickness": 0.28},
            "steps": [
                {"range": [0, low * 100], "color": COLORS["approve_zone"]},
                {"range": [low * 100, high * 100], "color": COLORS["grey_zone"]},
                {"range": [high * 100, top * 100], "color": COLORS["refuse_zone"]},
            ],
            "threshold": {
                "line": {"color": COLORS["ink"], "width": 4},
                "thickness": 0.9,
                "value": threshold * 100,
            },
        },
        domain={"x": [0, 1], "y": [0, 1]},
    )
    figure = go.Figure(gauge)
    figure.add_annotation(
        text=f"<b>{format_percent(probability, language, decimals)}</b>",
        x=0.5,
        y=0.1,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 40},
    )
    caption = (
        f"{t(language, 'decision.threshold')} {format_percent(threshold, language, decimals)} · "
        f"{t(language, 'decision.grey_zone')} {format_percent(low, language)}–"
        f"{format_percent(high, language)}"
    )
    figure.add_annotation(text=caption, x=0.5, y=-0.12, xref="paper", yref="paper", showarrow=False)
    _base_layout(figure, title=t(language, "decision.gauge_title"), height=290)
    # Room on both sides for the end ticks' labels ("0%", "30%"), which Plotly draws outside.
    figure.update_layout(margin={"l": 50, "r": 50, "t": 56, "b": 40})
    return figure


def _margin_of(probability: float, slope: float, intercept: float) -> float:
    clipped = min(max(probability, 1e-6), 1 - 1e-6)
    return (logit(clipped) - intercept) / slope


def _probability_axis(
    low: float, high: float, slope: float, intercept: float, language: Language
) -> dict[str, object]:
    ticks = [(p, _margin_of(p, slope, intercept)) for p in _PROBABILITY_TICKS]
    inside = [(p, m) for p, m in ticks if low <= m <= high]
    decimals = lambda p: 1 if p < 0.01 else 0  # noqa: E731 - a format rule, read inline
    return {
        "range": [low, high],
        "tickvals": [m for _, m in inside],
        "ticktext": [format_percent(p, language, decimals(p)) for p, _ in inside],
        "zeroline": False,
    }


def waterfall(
    factors: Sequence[Factor],
    *,
    base_value: float,
    slope: float,
    intercept: float,
    threshold: float,
    grey_zone: float,
    top_count: int,
    language: Language,
) -> go.Figure:
    """Contributions as floating bars from the average client to this client, on the model's
    (log-odds) scale with the axis labelled in probability; the strongest `top_count` factors,
    then the rest summed as "other factors"."""
    prob = lambda margin: sigmoid(slope * margin + intercept)  # noqa: E731
    ranked = sorted(factors, key=lambda f: abs(f.contribution), reverse=True)
    shown = list(ranked[:top_count])
    rest = ranked[top_count:]
    if rest:
        other = sum(f.contribution for f in rest)
        shown.append(Factor(t(language, "why.other", count=len(rest)), other))
    starts, position = [], base_value
    for factor in shown:
        starts.append(position)
        position += factor.contribution
    final = position
    texts = [
        format_points((prob(s + f.contribution) - prob(s)) * 100, language)
        for s, f in zip(starts, shown, strict=True)
    ]
    base_label = t(language, "why.base")
    final_label = t(language, "why.final")
    rows = [base_label, *(f.label for f in shown), final_label]
    figure = go.Figure()
    figure.add_bar(
        y=[f.label for f in shown],
        x=[f.contribution for f in shown],
        base=starts,
        orientation="h",
        marker_color=[COLORS["up"] if f.contribution > 0 else COLORS["down"] for f in shown],
        text=texts,
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}: %{text}<extra></extra>",
    )
    for label, margin in ((base_label, base_value), (final_label, final)):
        figure.add_scatter(
            y=[label],
            x=[margin],
            mode="markers+text",
            marker={"symbol": "diamond", "size": 14, "color": COLORS["ink"]},
            text=[format_percent(prob(margin), language)],
            textposition="middle right",
            hoverinfo="skip",
        )
    path = [
        base_value,
        final,
        *starts,
        *(s + f.contribution for s, f in zip(starts, shown, strict=True)),
    ]
    threshold_margin = _margin_of(threshold, slope, intercept)
    low = min(*path, threshold_margin) - 0.35
    high = max(*path, threshold_margin) + 0.6
    figure.add_vrect(
        x0=_margin_of(max(threshold - grey_zone, 1e-6), slope, intercept),
        x1=_margin_of(min(threshold + grey_zone, 1 - 1e-6), slope, intercept),
        fillcolor=COLORS["grey_zone"],
        line_width=0,
        layer="below",
    )
    figure.add_vline(
        x=threshold_margin,
        line={"color": COLORS["ink"], "dash": "dash", "width": 2},
        annotation_text=f"{t(language, 'decision.threshold')} "
        f"{format_percent(threshold, language)}",
        annotation_position="top",
    )
    _base_layout(
        figure,
        title=t(language, "why.waterfall_title", count=min(top_count, len(ranked))),
        height=110 + 30 * len(rows),
    )
    figure.update_xaxes(
        title_text=t(language, "why.axis"),
        **_probability_axis(low, high, slope, intercept, language),
    )
    figure.update_yaxes(categoryorder="array", categoryarray=rows, autorange="reversed")
    figure.update_layout(bargap=0.35)
    return figure


def group_bars(groups: Sequence[Factor], language: Language) -> go.Figure:
    """Contributions summed by business theme, largest effect first."""
    ordered = [
        Factor(g.label[:1].upper() + g.label[1:], g.contribution)
        for g in sorted(groups, key=lambda g: abs(g.contribution), reverse=True)
    ]
    figure = go.Figure(
        go.Bar(
            y=[g.label for g in ordered],
            x=[g.contribution for g in ordered],
            orientation="h",
            # Direction reads from the side of zero (see the axis title); colour only repeats it.
            marker_color=[COLORS["up"] if g.contribution > 0 else COLORS["down"] for g in ordered],
            customdata=[
                t(language, "why.raises" if g.contribution > 0 else "why.lowers") for g in ordered
            ],
            hovertemplate="%{y}: %{customdata} (%{x:+.3f})<extra></extra>",
        )
    )
    _base_layout(
        figure, title=t(language, "why.groups_title"), height=100 + 30 * max(len(ordered), 2)
    )
    figure.update_xaxes(title_text=t(language, "why.groups_axis"), zeroline=True)
    figure.update_yaxes(autorange="reversed")
    return figure


def importance_bars(
    items: Sequence[Factor], *, title: str, axis_title: str, color: str = COLORS["down"]
) -> go.Figure:
    """Global importance (mean |SHAP|) of features or themes, most important on top."""
    figure = go.Figure(
        go.Bar(
            y=[i.label for i in items],
            x=[i.contribution for i in items],
            orientation="h",
            marker_color=color,
            hovertemplate="%{y}: %{x:.3f}<extra></extra>",
        )
    )
    _base_layout(figure, title=title, height=100 + 26 * max(len(items), 2))
    figure.update_xaxes(title_text=axis_title)
    figure.update_yaxes(autorange="reversed")
    return figure


def whatif_bars(
    before: float, after: float, threshold: float, grey_zone: float, language: Language
) -> go.Figure:
    """The stored file's probability beside the simulation's, against the threshold."""
    labels = [t(language, "whatif.current"), t(language, "whatif.simulated")]
    values = [before, after]
    figure = go.Figure(
        go.Bar(
            y=labels,
            x=[v * 100 for v in values],
            orientation="h",
            marker_color=[COLORS["up"] if v >= threshold else COLORS["down"] for v in values],
            text=[format_percent(v, language) for v in values],
            textposition="outside",
            cliponaxis=False,
            hoverinfo="skip",
        )
    )
    top = _axis_max(before, after, threshold + grey_zone) * 100
    figure.add_vrect(
        x0=max(threshold - grey_zone, 0) * 100,
        x1=(threshold + grey_zone) * 100,
        fillcolor=COLORS["grey_zone"],
        line_width=0,
        layer="below",
    )
    figure.add_vline(
        x=threshold * 100,
        line={"color": COLORS["ink"], "dash": "dash", "width": 2},
        annotation_text=f"{t(language, 'decision.threshold')} "
        f"{format_percent(threshold, language)}",
        annotation_position="top",
    )
    _base_layout(figure, title=t(language, "whatif.chart_title"), height=230)
    figure.update_xaxes(range=[0, top], ticksuffix="%", title_text=t(language, "search.band"))
    figure.update_yaxes(autorange="reversed")
    figure.update_layout(bargap=0.45)
    return figure
