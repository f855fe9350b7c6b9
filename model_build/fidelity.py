"""Fidelity of a synthetic Home Credit data set to real data: distances, missingness, risk signs."""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table
from scipy.stats import rankdata

from model_build.errors import DataError
from model_build.loader import read_table
from model_build.schema import APPLICATION_TRAIN, TABLES, TableSpec

__all__ = [
    "DIRECTION_GOAL_COLUMNS",
    "MAX_MISSING_GAP_POINTS",
    "MEDIAN_KS_GOAL",
    "NOISE_MARGIN",
    "NULL_SE_FACTOR",
    "ColumnFidelity",
    "FidelityReport",
    "FidelitySummary",
    "Goal",
    "Goals",
    "TableFidelity",
    "compare_directories",
    "compare_frames",
    "ks_distance",
    "noise_margin",
    "render_report",
    "report_to_dict",
    "resolve_table_file",
    "run_fidelity",
    "single_feature_auc",
    "total_variation",
]

logger = logging.getLogger(__name__)

MEDIAN_KS_GOAL = 0.10
MAX_MISSING_GAP_POINTS = 3.0
# An AUC closer to 0.5 than this has no reliable sign. The margin grows to NULL_SE_FACTOR
# standard errors of a no-signal AUC when rows are few: on the 7k-row real sample a column
# present in a third of the rows has a null standard error of about 0.023, and a fixed 0.02
# would report coin flips as direction changes.
NOISE_MARGIN = 0.02
NULL_SE_FACTOR = 2.0
DIRECTION_GOAL_COLUMNS: tuple[str, ...] = (
    "EXT_SOURCE_1",
    "EXT_SOURCE_2",
    "EXT_SOURCE_3",
    "DAYS_BIRTH",
    "DAYS_EMPLOYED",
    "AMT_CREDIT",
    "AMT_ANNUITY",
)
TARGET = "TARGET"
_WORST_SHOWN = 10

RULES: dict[str, str] = {
    "data": (
        "both directories are read with the project loader's cleaning: DAYS_* = 365243 and the "
        "XNA/XAP category codes count as missing; the derived DAYS_EMPLOYED_ANOM flag is not "
        "compared (it mirrors DAYS_EMPLOYED's missingness); SK_ID_* columns are skipped"
    ),
    "missing": "missing rate in % of rows per directory; gap = |synthetic - real| in points",
    "ks": "numeric columns: two-sample Kolmogorov-Smirnov statistic on the non-missing values",
    "tvd": (
        "categorical columns: total-variation distance between the category shares of the "
        "non-missing values (missing is not a level: the missing gap already measures it)"
    ),
    "auc": (
        "application_train only, single-feature ROC AUC against TARGET per directory. Numeric: "
        "the raw value, rows with a missing value dropped. Categorical: the in-sample "
        "per-category default rate (missing rows dropped), which is >= 0.5 by construction, "
        "so its direction is judged by synthetic_auc_real_rates (the synthetic rows scored "
        "with the real per-category rates). Constant columns get no AUC"
    ),
    "direction": (
        "a risk-direction mismatch is counted only when both AUCs are on opposite sides of 0.5 "
        f"and at least noise_margin away from it; noise_margin = max({NOISE_MARGIN}, "
        f"{NULL_SE_FACTOR:g} x sqrt((n1 + n0 + 1) / (12 n1 n0))), the standard error of an AUC "
        "without signal over the n1 defaulted and n0 other rows, taken for the side with the "
        "larger value. direction_agrees is null when either AUC is within the margin or not "
        "computable"
    ),
    "goals": (
        f"median KS over numeric application_train columns (TARGET excluded) <= "
        f"{MEDIAN_KS_GOAL}; every application_train column's missing gap <= "
        f"{MAX_MISSING_GAP_POINTS} points; risk direction preserved for "
        f"{', '.join(DIRECTION_GOAL_COLUMNS)}: the synthetic AUC lies on the same side of 0.5 "
        "as the real one (a real AUC within noise_margin of 0.5 has no direction to keep)"
    ),
}

Kind = Literal["numeric", "categorical"]
Status = Literal["compared", "skipped"]


@dataclass(frozen=True, slots=True)
class ColumnFidelity:
    """How one column of the synthetic table matches the same column of the real table."""

    column: str
    kind: Kind
    real_missing_pct: float
    synthetic_missing_pct: float
    missing_gap_points: float
    ks: float | None = None
    tvd: float | None = None
    real_auc: float | None = None
    synthetic_auc: float | None = None
    synthetic_auc_real_rates: float | None = None
    noise_margin: float | None = None
    direction_agrees: bool | None = None

    @property
    def distance(self) -> float | None:
        """KS for numeric columns, TVD for categorical ones."""
        return self.ks if self.kind == "numeric" else self.tvd

    @property
    def direction_mismatch(self) -> bool:
        return self.direction_agrees is False


@dataclass(frozen=True, slots=True)
class TableFidelity:
    """One Kaggle table: compared column by column, or skipped with the reason."""

    name: str
    status: Status
    reason: str | None = None
    real_file: str | None = None
    synthetic_file: str | None = None
    real_rows: int | None = None
    synthetic_rows: int | None = None
    median_ks: float | None = None
    median_tvd: float | None = None
    max_missing_gap_points: float | None = None
    columns: list[ColumnFidelity] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Goal:
    """One fidelity goal: whether it is met and the figure it was judged on."""

    passed: bool
    value: float | None
    target: str
    detail: str
    # The real figure the value is judged against (the real AUC for direction goals).
    reference: float | None = None


@dataclass(frozen=True, slots=True)
class Goals:
    median_ks: Goal
    missing_gap: Goal
    risk_direction: dict[str, Goal]

    def all_passed(self) -> bool:
        return (
            self.median_ks.passed
            and self.missing_gap.passed
            and all(g.passed for g in self.risk_direction.values())
        )


@dataclass(frozen=True, slots=True)
class FidelitySummary:
    median_ks: float | None
    max_missing_gap_points: float | None
    max_missing_gap_column: str | None
    risk_direction_mismatches: list[str]
    goals: Goals
    all_goals_passed: bool
    tables_compared: list[str]
    tables_skipped: list[str]


@dataclass(frozen=True, slots=True)
class FidelityReport:
    real: str
    synthetic: str
    summary: FidelitySummary
    tables: dict[str, TableFidelity]
    rules: dict[str, str]


# --------------------------------------------------------------------------- statistics


def ks_distance(real: np.ndarray, synthetic: np.ndarray) -> float:
    """Two-sample KS statistic (the same as ``scipy.stats.ks_2samp(...).statistic``)."""
    a = np.sort(np.asarray(real, dtype=np.float64))
    b = np.sort(np.asarray(synthetic, dtype=np.float64))
    # Both empirical CDFs only step at observed values, so checking the distinct ones is exact;
    # distinct values keep the work small on the 27M-row integer columns of the real data.
    points = np.union1d(_distinct_sorted(a), _distinct_sorted(b))
    cdf_a = np.searchsorted(a, points, side="right") / len(a)
    cdf_b = np.searchsorted(b, points, side="right") / len(b)
    return float(np.max(np.abs(cdf_a - cdf_b)))


def _distinct_sorted(values: np.ndarray) -> np.ndarray:
    if len(values) == 0:
        return values
    return values[np.concatenate([[True], values[1:] != values[:-1]])]


def total_variation(real: pd.Series, synthetic: pd.Series) -> float:
    """Half the L1 distance between the category shares of two series (missing values dropped)."""
    p = _shares(real)
    q = _shares(synthetic)
    p, q = p.align(q, fill_value=0.0)
    return float(0.5 * np.abs(p - q).sum())


def _shares(values: pd.Series) -> pd.Series:
    # Counting before converting labels to str avoids building millions of strings.
    shares = values.value_counts(normalize=True, dropna=True)
    shares.index = shares.index.astype(str)
    return shares.groupby(level=0).sum()


def _rank_auc(y: np.ndarray, score: np.ndarray) -> float | None:
    """ROC AUC from average ranks (Mann-Whitney U); None without both classes."""
    positive = y == 1
    n_pos = int(positive.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def single_feature_auc(values: pd.Series, target: pd.Series) -> float | None:
    """ROC AUC of one column against TARGET; None for constant or all-missing columns.

    Numeric values are used as the score; a categorical column is scored by its in-sample
    per-category default rate. Rows with a missing value are dropped in both cases.
    """
    present = values.notna().to_numpy()
    y = target.to_numpy()[present]
    if _is_categorical(values):
        codes, labels = _factorize(values[present])
        if len(labels) < 2:
            return None
        return _rank_auc(y, _category_rates(codes, y, len(labels))[codes])
    score = values.to_numpy(dtype=np.float64)[present]
    if len(score) == 0 or score.min() == score.max():
        return None
    return _rank_auc(y, score)


def _factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of present values and their labels as str (comparable across files)."""
    codes, uniques = pd.factorize(values)
    return codes, pd.Index(np.asarray(uniques, dtype=object).astype(str))


def _category_rates(codes: np.ndarray, y: np.ndarray, size: int) -> np.ndarray:
    counts = np.bincount(codes, minlength=size)
    return np.bincount(codes, weights=y.astype(np.float64), minlength=size) / counts


def _auc_with_real_rates(
    real: pd.Series, real_target: pd.Series, synthetic: pd.Series, synthetic_target: pd.Series
) -> float | None:
    """AUC of the synthetic column scored with the real per-category default rates.

    In-sample category rates always rank in the "right" order, so only this cross-scoring can
    tell whether the synthetic data kept which categories are the risky ones.
    """
    real_present = real.notna().to_numpy()
    real_y = real_target.to_numpy()[real_present]
    real_codes, real_labels = _factorize(real[real_present])
    if len(real_labels) < 2:
        return None
    rates = pd.Series(_category_rates(real_codes, real_y, len(real_labels)), index=real_labels)
    present = synthetic.notna().to_numpy()
    codes, labels = _factorize(synthetic[present])
    # A category unknown to the real data gets the real average rate: it ranks as neutral.
    label_rates = rates.reindex(labels).fillna(float(real_y.mean())).to_numpy()
    return _rank_auc(synthetic_target.to_numpy()[present], label_rates[codes])


def _is_categorical(values: pd.Series) -> bool:
    return isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object


def noise_margin(values: pd.Series, target: pd.Series) -> float | None:
    """Distance from 0.5 below which an AUC over the present rows of ``values`` is noise."""
    y = target.to_numpy()[values.notna().to_numpy()]
    n_pos = int((y == 1).sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    null_se = math.sqrt((n_pos + n_neg + 1) / (12.0 * n_pos * n_neg))
    return max(NOISE_MARGIN, NULL_SE_FACTOR * null_se)


def _clear_of_noise(auc: float | None, margin: float | None) -> bool:
    return auc is not None and margin is not None and abs(auc - 0.5) >= margin


def _direction_agrees(
    real_auc: float | None, synthetic_auc: float | None, margin: float | None
) -> bool | None:
    if not (_clear_of_noise(real_auc, margin) and _clear_of_noise(synthetic_auc, margin)):
        return None
    assert real_auc is not None and synthetic_auc is not None
    return (real_auc > 0.5) == (synthetic_auc > 0.5)


# --------------------------------------------------------------------------- comparison


def compare_frames(
    spec: TableSpec, real: pd.DataFrame, synthetic: pd.DataFrame
) -> list[ColumnFidelity]:
    """Compare every schema column of one table (except SK_ID_*) between two frames."""
    with_target = spec.name == APPLICATION_TRAIN.name
    return [
        _compare_column(column.name, real, synthetic, with_target=with_target)
        for column in spec.columns
        if not column.name.startswith("SK_ID_")
    ]


def _compare_column(
    name: str, real: pd.DataFrame, synthetic: pd.DataFrame, *, with_target: bool
) -> ColumnFidelity:
    a, b = real[name], synthetic[name]
    kind: Kind = "categorical" if _is_categorical(a) else "numeric"
    real_missing = _missing_pct(a)
    synthetic_missing = _missing_pct(b)
    ks = tvd = None
    if a.notna().any() and b.notna().any():
        if kind == "numeric":
            ks = ks_distance(a.dropna().to_numpy(), b.dropna().to_numpy())
        else:
            tvd = total_variation(a, b)
    record = ColumnFidelity(
        column=name,
        kind=kind,
        real_missing_pct=real_missing,
        synthetic_missing_pct=synthetic_missing,
        missing_gap_points=abs(synthetic_missing - real_missing),
        ks=ks,
        tvd=tvd,
    )
    if not with_target or name == TARGET:
        return record
    return _with_risk_direction(record, a, real[TARGET], b, synthetic[TARGET])


def _with_risk_direction(
    record: ColumnFidelity,
    real: pd.Series,
    real_target: pd.Series,
    synthetic: pd.Series,
    synthetic_target: pd.Series,
) -> ColumnFidelity:
    real_auc = single_feature_auc(real, real_target)
    synthetic_auc = single_feature_auc(synthetic, synthetic_target)
    margins = [noise_margin(real, real_target), noise_margin(synthetic, synthetic_target)]
    margin = max((m for m in margins if m is not None), default=None)
    cross = None
    judged_synthetic = synthetic_auc
    if record.kind == "categorical":
        cross = _auc_with_real_rates(real, real_target, synthetic, synthetic_target)
        judged_synthetic = cross
    return replace(
        record,
        real_auc=real_auc,
        synthetic_auc=synthetic_auc,
        synthetic_auc_real_rates=cross,
        noise_margin=margin,
        direction_agrees=_direction_agrees(real_auc, judged_synthetic, margin),
    )


def _missing_pct(values: pd.Series) -> float:
    return float(values.isna().mean() * 100.0) if len(values) else 0.0


def resolve_table_file(directory: Path, spec: TableSpec) -> Path | None:
    """``X.csv`` or, failing that, ``X_sample.csv`` (the shared real samples' naming)."""
    for name in (spec.filename, spec.filename.removesuffix(".csv") + "_sample.csv"):
        path = directory / name
        if path.is_file():
            return path
    return None


def _compare_table(spec: TableSpec, real_dir: Path, synthetic_dir: Path) -> TableFidelity:
    real_path = resolve_table_file(real_dir, spec)
    synthetic_path = resolve_table_file(synthetic_dir, spec)
    absent = [
        side for side, path in (("real", real_path), ("synthetic", synthetic_path)) if path is None
    ]
    if absent:
        reason = f"{spec.filename} absent from {' and '.join(absent)}"
        logger.info("%s: skipped (%s)", spec.name, reason)
        return TableFidelity(
            name=spec.name,
            status="skipped",
            reason=reason,
            real_file=str(real_path) if real_path else None,
            synthetic_file=str(synthetic_path) if synthetic_path else None,
        )
    assert real_path is not None and synthetic_path is not None
    real = read_table(spec, real_path)
    synthetic = read_table(spec, synthetic_path)
    columns = compare_frames(spec, real, synthetic)
    logger.info("%s: compared %d columns", spec.name, len(columns))
    return TableFidelity(
        name=spec.name,
        status="compared",
        real_file=str(real_path),
        synthetic_file=str(synthetic_path),
        real_rows=len(real),
        synthetic_rows=len(synthetic),
        median_ks=_median([c.ks for c in columns if c.column != TARGET]),
        median_tvd=_median([c.tvd for c in columns]),
        max_missing_gap_points=max((c.missing_gap_points for c in columns), default=None),
        columns=columns,
    )


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.median(present)) if present else None


def compare_directories(real: Path, synthetic: Path) -> FidelityReport:
    """Compare every Kaggle table present in both directories; raise DataError on bad files."""
    for directory in (real, synthetic):
        if not directory.is_dir():
            raise DataError(str(directory), "not a directory")
    tables = {spec.name: _compare_table(spec, real, synthetic) for spec in TABLES}
    return FidelityReport(
        real=str(real),
        synthetic=str(synthetic),
        summary=_summarise(tables),
        tables=tables,
        rules=dict(RULES),
    )


# --------------------------------------------------------------------------- summary and goals


def _summarise(tables: dict[str, TableFidelity]) -> FidelitySummary:
    application = tables[APPLICATION_TRAIN.name]
    columns = application.columns
    median_ks = _median([c.ks for c in columns if c.column != TARGET])
    worst = max(columns, key=lambda c: c.missing_gap_points, default=None)
    worst_name = worst.column if worst and worst.missing_gap_points > 0 else None
    mismatches = [c.column for c in columns if c.direction_mismatch]
    goals = Goals(
        median_ks=_median_ks_goal(median_ks),
        missing_gap=_missing_gap_goal(application),
        risk_direction={
            name: _direction_goal(application, name) for name in DIRECTION_GOAL_COLUMNS
        },
    )
    return FidelitySummary(
        median_ks=median_ks,
        max_missing_gap_points=worst.missing_gap_points if worst else None,
        max_missing_gap_column=worst_name,
        risk_direction_mismatches=mismatches,
        goals=goals,
        all_goals_passed=goals.all_passed(),
        tables_compared=[n for n, t in tables.items() if t.status == "compared"],
        tables_skipped=[n for n, t in tables.items() if t.status == "skipped"],
    )


def _median_ks_goal(median_ks: float | None) -> Goal:
    target = f"<= {MEDIAN_KS_GOAL:.2f}"
    if median_ks is None:
        return Goal(False, None, target, "application_train not compared")
    passed = median_ks <= MEDIAN_KS_GOAL
    return Goal(passed, median_ks, target, f"median KS {median_ks:.3f} over numeric columns")


def _missing_gap_goal(application: TableFidelity) -> Goal:
    target = f"<= {MAX_MISSING_GAP_POINTS:g} points for every application_train column"
    if application.status != "compared":
        return Goal(False, None, target, "application_train not compared")
    over = [c for c in application.columns if c.missing_gap_points > MAX_MISSING_GAP_POINTS]
    worst = application.max_missing_gap_points
    if not over:
        return Goal(True, worst, target, "all columns within the limit")
    over.sort(key=lambda c: c.missing_gap_points, reverse=True)
    shown = ", ".join(f"{c.column} {c.missing_gap_points:.1f}" for c in over[:5])
    more = f" and {len(over) - 5} more" if len(over) > 5 else ""
    return Goal(False, worst, target, f"{len(over)} column(s) over: {shown}{more}")


def _direction_goal(application: TableFidelity, name: str) -> Goal:
    record = next((c for c in application.columns if c.column == name), None)
    if record is None or record.real_auc is None or record.synthetic_auc is None:
        return Goal(False, None, "same side of 0.5 as the real AUC", "AUC not computable")
    real_auc, synthetic_auc = record.real_auc, record.synthetic_auc
    figures = f"real AUC {real_auc:.3f}, synthetic {synthetic_auc:.3f}"
    target = f"same side of 0.5 as the real AUC {real_auc:.3f}"
    if not _clear_of_noise(real_auc, record.noise_margin):
        detail = f"{figures}; real within ±{_fmt(record.noise_margin)} of 0.5: no direction to keep"
        return Goal(True, synthetic_auc, target, detail, real_auc)
    passed = (synthetic_auc > 0.5) == (real_auc > 0.5) and synthetic_auc != 0.5
    verdict = "kept" if passed else "lost or inverted"
    return Goal(passed, synthetic_auc, target, f"{figures}; direction {verdict}", real_auc)


# --------------------------------------------------------------------------- output


def report_to_dict(report: FidelityReport) -> dict[str, object]:
    """The JSON form: ``summary``, ``tables`` (per-column records), ``rules``, directories."""
    content = _finite(asdict(report))
    assert isinstance(content, dict)
    return content


def _finite(value: object) -> object:
    # NaN is not valid JSON; no figure here should be NaN, but a null is safer than a crash.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def run_fidelity(
    real: Path,
    synthetic: Path,
    json_path: Path | None = None,
    *,
    strict: bool = False,
    console: Console | None = None,
) -> int:
    """Compare, print the report and optionally write JSON; return the process exit code.

    The exit code is 0 once the report is produced; with ``strict`` it is 1 when a goal is
    missed. DataError (unreadable or invalid files) propagates to the caller.
    """
    report = compare_directories(real, synthetic)
    render_report(report, console or Console())
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report_to_dict(report), indent=2), encoding="utf-8")
        logger.info("fidelity report written to %s", json_path)
    return 1 if strict and not report.summary.all_goals_passed else 0


def render_report(report: FidelityReport, console: Console, *, worst: int = _WORST_SHOWN) -> None:
    """Summary and goals first, then the tables overview, then each table's worst columns."""
    console.print(f"[bold]Fidelity of {report.synthetic} to {report.real}[/bold]")
    console.print(_summary_table(report.summary))
    console.print(_overview_table(report.tables))
    for table in report.tables.values():
        if table.status == "compared" and table.columns:
            console.print(_worst_table(table, worst))
    console.print(
        f"[dim]Direction mismatches count only when both AUCs are ≥ max({NOISE_MARGIN}, "
        f"{NULL_SE_FACTOR:g} null standard errors) away from 0.5. Missing = blank, XNA/XAP and "
        "DAYS 365243. TVD ignores missing values. "
        "Categorical AUCs are in-sample; their direction uses the real category rates.[/dim]"
    )


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _mark(passed: bool) -> str:
    return "[green]✓[/green]" if passed else "[red]✗[/red]"


def _summary_table(summary: FidelitySummary) -> Table:
    goals = summary.goals
    table = Table(title="Summary (application_train)", title_justify="left")
    table.add_column("measure", no_wrap=True)
    for header in ("value", "goal", "ok"):
        table.add_column(header)
    table.add_row(
        "median KS", _fmt(summary.median_ks), goals.median_ks.target, _mark(goals.median_ks.passed)
    )
    gap = _fmt(summary.max_missing_gap_points, 1)
    if summary.max_missing_gap_column:
        gap += f" ({summary.max_missing_gap_column})"
    table.add_row(
        "max missing gap, pts",
        gap,
        f"<= {MAX_MISSING_GAP_POINTS:g} every column",
        _mark(goals.missing_gap.passed),
    )
    mismatches = ", ".join(summary.risk_direction_mismatches) or "none"
    table.add_row("direction mismatches", mismatches, "", "")
    for name, goal in goals.risk_direction.items():
        figures = f"{_fmt(goal.reference)} → {_fmt(goal.value)}"
        table.add_row(f"AUC {name}", figures, "same side of 0.5", _mark(goal.passed))
    table.add_row("all goals", "", "", _mark(summary.all_goals_passed))
    return table


def _overview_table(tables: dict[str, TableFidelity]) -> Table:
    table = Table(title="Tables", title_justify="left")
    table.add_column("table", no_wrap=True)
    for header in ("rows real / synth", "median KS", "median TVD", "max gap pts"):
        table.add_column(header)
    for item in tables.values():
        if item.status == "skipped":
            table.add_row(item.name, f"[yellow]skipped[/yellow]: {item.reason}", "", "", "")
            continue
        table.add_row(
            item.name,
            f"{item.real_rows:,} / {item.synthetic_rows:,}",
            _fmt(item.median_ks),
            _fmt(item.median_tvd),
            _fmt(item.max_missing_gap_points, 1),
        )
    return table


def _badness(record: ColumnFidelity) -> tuple[bool, float]:
    # Gaps are in points, distances in [0, 1]: put both on one scale, mismatches first.
    distance = record.distance or 0.0
    return record.direction_mismatch, max(distance, record.missing_gap_points / 100.0)


def _worst_table(item: TableFidelity, count: int) -> Table:
    with_auc = item.name == APPLICATION_TRAIN.name
    # Identical columns are left out: a perfect copy prints an empty table, not 10 zero rows.
    differing = [c for c in item.columns if any(_badness(c))]
    rows = sorted(differing, key=_badness, reverse=True)[:count]
    title = f"{item.name}: worst {len(rows)} of {len(item.columns)} columns"
    if not differing:
        title = f"{item.name}: all {len(item.columns)} columns identical in distribution"
    table = Table(title=title, title_justify="left")
    table.add_column("column", no_wrap=True)
    headers = ["distance", "missing % real → synth", "gap"]
    if with_auc:
        headers += ["AUC real → synth*", "direction"]
    for header in headers:
        table.add_column(header)
    for record in rows:
        cells = [
            record.column,
            f"{_fmt(record.distance)} {'KS' if record.kind == 'numeric' else 'TVD'}",
            f"{record.real_missing_pct:.1f} → {record.synthetic_missing_pct:.1f}",
            f"{record.missing_gap_points:.1f}",
        ]
        if with_auc:
            cells += [_auc_cell(record), _direction_cell(record)]
        table.add_row(*cells)
    if with_auc:
        table.caption = "* categorical: synthetic rows scored with the real category rates"
    return table


def _auc_cell(record: ColumnFidelity) -> str:
    synthetic = (
        record.synthetic_auc_real_rates if record.kind == "categorical" else record.synthetic_auc
    )
    return f"{_fmt(record.real_auc)} → {_fmt(synthetic)}"


def _direction_cell(record: ColumnFidelity) -> str:
    if record.real_auc is None:
        return "–"
    if record.direction_agrees is None:
        return "[dim]noise[/dim]"
    return "agrees" if record.direction_agrees else "[red]MISMATCH[/red]"
