"""monitor.html: the monitor's figures as one self-contained page of plotly charts."""

from __future__ import annotations

import html
from pathlib import Path

import plotly.graph_objects as go

from model_build.monitoring.characteristics import FeatureStability
from model_build.monitoring.outcomes import Outcomes
from model_build.monitoring.results import MonitorReport
from model_build.monitoring.stability import ACT_PSI, LIGHT_MEANING, WATCH_PSI, Light

__all__ = ["write_page"]

# Bars of the PSI chart: the most important inputs, plus every input that is not green.
PLOTTED_FEATURES = 30
COLOURS: dict[Light, str] = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828"}
DEVELOPMENT_COLOUR = "#90a4ae"
CURRENT_COLOUR = "#1565c0"


def write_page(report: MonitorReport, path: Path) -> None:
    """Write the report as HTML; plotly.js is embedded once, so the page works offline."""
    figures = [_score_figure(report), _psi_figure(report.features)]
    if report.outcomes is not None:
        figures.append(_outcome_figure(report.outcomes))
    figures.append(_table_figure(report.features))
    charts = [
        figure.to_html(full_html=False, include_plotlyjs=k == 0) for k, figure in enumerate(figures)
    ]
    body = "\n".join([_header(report), *charts])
    path.write_text(
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>Stability monitor — model {html.escape(report.model_version)}</title>"
        "<style>body{font-family:sans-serif;margin:2em;max-width:1100px}"
        "li{margin:.2em 0}</style></head>"
        f"<body>\n{body}\n</body></html>\n",
        encoding="utf-8",
    )


def _header(report: MonitorReport) -> str:
    lights = report.lights()
    score = report.score
    items = [
        f"Development: {report.development.source} — {report.development.rows:,} clients, "
        f"approval rate {report.development.approval_rate:.1%}",
        f"Current: {report.current.source} — {report.current.rows:,} applications, approval "
        f"rate {report.current.approval_rate:.1%} ({report.approval_rate_change:+.1%})",
        f"Score PSI {score.psi:.4f}: {_verdict(score.light)} (noise without drift about "
        f"{score.noise.mean:.4f}, 99th percentile {score.noise.p99:.4f})",
        f"Inputs: {len(lights['red'])} act, {len(lights['amber'])} watch, "
        f"{len(lights['green'])} stable; act: {', '.join(lights['red']) or 'none'}",
        f"Score bands: {score.band_source}.",
        report.thresholds.note,
        *report.current.notes,
        *(f"Warning: {w}" for w in report.warnings),
    ]
    listed = "".join(f"<li>{html.escape(item)}</li>" for item in items)
    title = f"Stability monitor — model {report.model_version}"
    return f"<h1>{html.escape(title)}</h1><p>{html.escape(report.created_at)}</p><ul>{listed}</ul>"


def _verdict(light: Light) -> str:
    return f"{light} ({LIGHT_MEANING[light]})"


def _score_figure(report: MonitorReport) -> go.Figure:
    score = report.score
    labels = [f"{b.band}: {b.lower:.3f}-{b.upper:.3f}" for b in score.bands]
    figure = go.Figure(
        [
            go.Bar(
                name="development",
                x=labels,
                y=[b.development_share for b in score.bands],
                marker_color=DEVELOPMENT_COLOUR,
            ),
            go.Bar(
                name="current",
                x=labels,
                y=[b.current_share for b in score.bands],
                marker_color=COLOURS[score.light],
            ),
        ]
    )
    figure.update_layout(
        title=f"Score distribution by band — PSI {score.psi:.4f}, {_verdict(score.light)}",
        xaxis_title="score band (probability of default)",
        yaxis_title="share of applications",
        yaxis_tickformat=".0%",
        barmode="group",
    )
    return figure


def _psi_figure(features: list[FeatureStability]) -> go.Figure:
    shown = [f for k, f in enumerate(features) if k < PLOTTED_FEATURES or f.light != "green"][
        ::-1
    ]  # the most important at the top
    figure = go.Figure(
        [
            go.Bar(
                name="PSI",
                orientation="h",
                y=[f.feature for f in shown],
                x=[f.psi for f in shown],
                marker_color=[COLOURS[f.light] for f in shown],
                customdata=[[f.importance, f.noise.p99] for f in shown],
                hovertemplate="%{y}: PSI %{x:.4f}<br>importance %{customdata[0]:.4f}"
                "<br>noise (99th pct) %{customdata[1]:.4f}<extra></extra>",
            ),
            go.Scatter(
                name="sampling noise (99th percentile)",
                mode="markers",
                y=[f.feature for f in shown],
                x=[f.noise.p99 for f in shown],
                marker={"symbol": "line-ns-open", "size": 12, "color": "#455a64"},
            ),
        ]
    )
    for value, text, side in ((WATCH_PSI, "watch", "top left"), (ACT_PSI, "act", "top right")):
        figure.add_vline(
            x=value, line_dash="dash", annotation_text=f"{text} {value}", annotation_position=side
        )
    figure.update_layout(
        title="Characteristic stability (PSI) of the model's inputs, the most important first",
        xaxis_title="PSI",
        height=max(400, 22 * len(shown) + 150),
        yaxis={"tickfont": {"size": 10}},
    )
    return figure


def _outcome_figure(outcomes: Outcomes) -> go.Figure:
    bands = [b for b in outcomes.bands if b.rows > 0]
    labels = [str(b.band) for b in bands]
    figure = go.Figure(
        [
            go.Bar(
                name="observed default rate",
                x=labels,
                y=[b.default_rate for b in bands],
                marker_color=CURRENT_COLOUR,
            ),
            go.Scatter(
                name="predicted (mean probability)",
                x=labels,
                y=[b.mean_probability for b in bands],
                mode="lines+markers",
                line_color="#e65100",
            ),
        ]
    )
    reference = ""
    if outcomes.development_roc_auc is not None and outcomes.development_ks is not None:
        reference = (
            f" (build, out-of-fold: {outcomes.development_roc_auc:.3f} / "
            f"{outcomes.development_ks:.3f})"
        )
    figure.update_layout(
        title=f"Default rate by score band — AUC {outcomes.roc_auc:.3f}, KS {outcomes.ks:.3f}"
        f"{reference}; {outcomes.rank_order_breaks} rank-order break(s)",
        xaxis_title="score band (1 = lowest predicted risk)",
        yaxis_title="default rate",
        yaxis_tickformat=".0%",
    )
    return figure


def _table_figure(features: list[FeatureStability]) -> go.Figure:
    def share(value: float | None) -> str:
        return "" if value is None else f"{value:.2%}"

    columns = {
        "input": [f.feature for f in features],
        "importance": [f"{f.importance:.4f}" for f in features],
        "PSI": [f"{f.psi:.4f}" for f in features],
        "light": [_verdict(f.light) for f in features],
        "noise p99": [f"{f.noise.p99:.4f}" for f in features],
        "missing dev": [share(f.missing_development) for f in features],
        "missing now": [share(f.missing_current) for f in features],
        "outside dev range": [share(f.outside_development_range) for f in features],
        "refused by contract now": [share(f.outside_contract_current) for f in features],
    }
    fill = [[_pale(f.light) for f in features]] * len(columns)
    figure = go.Figure(
        go.Table(
            columnwidth=[3, 1, 1, 1.3, 1, 1, 1, 1, 1.2],
            header={"values": list(columns), "align": "left"},
            cells={"values": list(columns.values()), "align": "left", "fill_color": fill},
        )
    )
    figure.update_layout(
        title="Every input: PSI, missing and out-of-range rates",
        height=min(4000, 60 + 26 * len(features)),
    )
    return figure


def _pale(light: Light) -> str:
    return {"green": "#e8f5e9", "amber": "#fff8e1", "red": "#ffebee"}[light]
