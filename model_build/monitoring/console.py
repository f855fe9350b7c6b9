"""The monitor's summary on the console: a rich table of the score and the inputs to look at."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from model_build.monitoring.results import MonitorReport
from model_build.monitoring.stability import LIGHT_MEANING, Light

__all__ = ["print_summary"]

# Inputs listed besides the flagged ones: the most important.
TOP_FEATURES = 10
_STYLES: dict[Light, str] = {"green": "green", "amber": "yellow", "red": "bold red"}


def print_summary(report: MonitorReport, out: Path, console: Console | None = None) -> None:
    """Score, approval rate and the inputs that moved (plus the most important), on stdout."""
    console = console or Console()
    dev, cur = report.development, report.current
    console.print(
        f"model {report.model_version}: {cur.rows:,} applications ({cur.source}) against "
        f"{dev.rows:,} development clients"
    )
    table = Table()
    table.add_column("", no_wrap=True)
    # The rows come most important first; "noise" is the PSI that sampling alone reaches
    # (99th percentile) for that input's bins.
    for column in ("PSI", "light", "noise", "missing dev→now"):
        table.add_column(column, justify="right", no_wrap=True)
    score = report.score
    table.add_row(
        "score (bands)",
        f"{score.psi:.4f}",
        _light(score.light),
        f"{score.noise.p99:.4f}",
        "",
        end_section=True,
    )
    shown = [f for k, f in enumerate(report.features) if k < TOP_FEATURES or f.light != "green"]
    for feature in shown:
        table.add_row(
            feature.feature,
            f"{feature.psi:.4f}",
            _light(feature.light),
            f"{feature.noise.p99:.4f}",
            f"{feature.missing_development:.1%}→{feature.missing_current:.1%}",
        )
    console.print(table)
    lights = report.lights()
    console.print(
        f"approval rate {dev.approval_rate:.1%} → {cur.approval_rate:.1%} "
        f"({report.approval_rate_change:+.1%}); inputs: {len(lights['red'])} act, "
        f"{len(lights['amber'])} watch, {len(lights['green'])} stable"
    )
    if report.outcomes is not None:
        o = report.outcomes
        console.print(
            f"outcomes of {o.rows:,} applications: default rate {o.default_rate:.2%} (predicted "
            f"{o.mean_probability:.2%}), AUC {o.roc_auc:.3f}, KS {o.ks:.3f}, "
            f"{o.rank_order_breaks} rank-order break(s)"
        )
    for note in (*cur.notes, *report.warnings):
        console.print(f"note: {note}")
    console.print(f"report: {(out / 'monitor.html').resolve()} and monitor.json")


def _light(light: Light) -> str:
    return f"[{_STYLES[light]}]{LIGHT_MEANING[light]}[/]"
