"""The fidelity report measures how far a synthetic data set is from real data, column by column."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from model_build.errors import DataError
from model_build.fidelity import (
    DIRECTION_GOAL_COLUMNS,
    NOISE_MARGIN,
    ColumnFidelity,
    FidelityReport,
    compare_directories,
    ks_distance,
    noise_margin,
    resolve_table_file,
    run_fidelity,
    total_variation,
)
from model_build.schema import APPLICATION_TRAIN, BUREAU, TABLES

TRAIN_SAMPLE = "application_train_sample.csv"
BLANKED_ROWS = 700


def _column(report: FidelityReport, table: str, name: str) -> ColumnFidelity:
    return next(c for c in report.tables[table].columns if c.column == name)


# --------------------------------------------------------------------------- statistics


def test_ks_distance_is_the_scipy_two_sample_statistic_including_ties():
    rng = np.random.default_rng(0)
    for a, b in [
        (rng.normal(size=500), rng.normal(0.3, 1.2, size=800)),
        (rng.integers(0, 5, size=300).astype(float), rng.integers(1, 7, size=1000).astype(float)),
        (np.array([1.0]), np.array([1.0, 2.0])),
    ]:
        assert ks_distance(a, b) == pytest.approx(ks_2samp(a, b).statistic, abs=1e-12)


def test_total_variation_compares_category_shares_of_present_values_only():
    real = pd.Series(["a", "a", "b", None], dtype="category")
    synthetic = pd.Series(["a", "c", None, None, None])
    # Shares without missing values: real a 2/3, b 1/3; synthetic a 1/2, c 1/2.
    assert total_variation(real, synthetic) == pytest.approx(0.5 * (1 / 6 + 1 / 3 + 1 / 2))
    assert total_variation(real, real) == 0.0


def test_noise_margin_is_002_on_many_rows_and_two_null_standard_errors_on_few():
    rng = np.random.default_rng(1)
    target = pd.Series((rng.random(100_000) < 0.08).astype(np.int8))
    assert noise_margin(pd.Series(rng.normal(size=100_000)), target) == NOISE_MARGIN
    sparse = pd.Series(np.where(np.arange(100_000) < 2_000, 1.0, np.nan))
    n_pos = int(target[:2_000].sum())
    n_neg = 2_000 - n_pos
    expected = 2 * np.sqrt((n_pos + n_neg + 1) / (12 * n_pos * n_neg))
    assert expected > NOISE_MARGIN
    assert noise_margin(sparse, target) == pytest.approx(expected)


# --------------------------------------------------------------------------- real vs itself


def test_real_sample_compared_with_itself_is_a_perfect_match(
    shared_data: Path, real_kaggle_dir: Path
):
    # The shared folder (X_sample.csv names) on one side, Kaggle names on the other.
    report = compare_directories(shared_data, real_kaggle_dir)
    summary = report.summary
    assert summary.tables_compared == [spec.name for spec in TABLES]
    assert summary.median_ks == 0.0
    assert summary.max_missing_gap_points == 0.0
    assert summary.risk_direction_mismatches == []
    assert summary.all_goals_passed
    for table in report.tables.values():
        assert table.real_rows == table.synthetic_rows
        for column in table.columns:
            assert not column.column.startswith("SK_ID_")
            assert column.missing_gap_points == 0.0
            assert column.distance in (0.0, None), (table.name, column.column)
            assert column.real_auc == column.synthetic_auc
            assert column.direction_agrees is not False


def test_real_files_are_found_under_kaggle_or_sample_names(tmp_path: Path, shared_data: Path):
    (tmp_path / "bureau_sample.csv").symlink_to(shared_data / "bureau_sample.csv")
    assert resolve_table_file(tmp_path, BUREAU) == tmp_path / "bureau_sample.csv"
    (tmp_path / "bureau.csv").symlink_to(shared_data / "bureau_sample.csv")
    assert resolve_table_file(tmp_path, BUREAU) == tmp_path / "bureau.csv"
    assert resolve_table_file(tmp_path, APPLICATION_TRAIN) is None


# --------------------------------------------------------------------------- hand-made pair


@dataclass(frozen=True)
class Pair:
    """A real application sample and a copy with known damage, and the report on them."""

    real: pd.DataFrame  # numeric view of the real sample
    synthetic: pd.DataFrame
    report: FidelityReport
    real_dir: Path
    synthetic_dir: Path


def _damaged_copy(raw: pd.DataFrame) -> pd.DataFrame:
    """The real rows with a few columns changed in known ways; the rest is byte-identical."""
    out = raw.copy()
    # Far shift: every synthetic value above every real one, ranks (and AUC) unchanged.
    out["DAYS_BIRTH"] = (pd.to_numeric(raw["DAYS_BIRTH"]) + 100_000).astype(str)
    # Blanked rows: a missing-rate gap of about 10 points.
    out.loc[: BLANKED_ROWS - 1, "AMT_ANNUITY"] = ""
    # Inverted risk: high EXT_SOURCE_3 now means high risk.
    out["EXT_SOURCE_3"] = _numeric_text(1.0 - pd.to_numeric(raw["EXT_SOURCE_3"]))
    # Inverted within the noise band: real AUC about 0.49, so no direction to contradict.
    out["AMT_INCOME_TOTAL"] = _numeric_text(-pd.to_numeric(raw["AMT_INCOME_TOTAL"]))
    # Swapped labels: men (the riskier group) become women and vice versa.
    out["CODE_GENDER"] = raw["CODE_GENDER"].map({"M": "F", "F": "M"})
    return out


def _numeric_text(values: pd.Series) -> pd.Series:
    return values.map(lambda v: "" if pd.isna(v) else repr(float(v)))


@pytest.fixture(scope="module")
def pair(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Pair:
    root = tmp_path_factory.mktemp("pair")
    real_dir, synthetic_dir = root / "real", root / "synthetic"
    real_dir.mkdir()
    synthetic_dir.mkdir()
    (real_dir / TRAIN_SAMPLE).symlink_to(shared_data / TRAIN_SAMPLE)
    raw = pd.read_csv(shared_data / TRAIN_SAMPLE, dtype=str, keep_default_na=False)
    damaged = _damaged_copy(raw)
    damaged.to_csv(synthetic_dir / APPLICATION_TRAIN.filename, index=False)
    return Pair(
        real=pd.read_csv(shared_data / TRAIN_SAMPLE),
        synthetic=pd.read_csv(synthetic_dir / APPLICATION_TRAIN.filename),
        report=compare_directories(real_dir, synthetic_dir),
        real_dir=real_dir,
        synthetic_dir=synthetic_dir,
    )


def test_untouched_columns_have_zero_distance_and_gap(pair: Pair):
    for name in ("EXT_SOURCE_1", "EXT_SOURCE_2", "AMT_CREDIT", "OCCUPATION_TYPE", "TARGET"):
        record = _column(pair.report, "application_train", name)
        assert record.distance == 0.0, name
        assert record.missing_gap_points == 0.0, name
        assert record.real_auc == record.synthetic_auc, name


def test_a_shifted_column_has_ks_one_but_keeps_its_risk_direction(pair: Pair):
    record = _column(pair.report, "application_train", "DAYS_BIRTH")
    assert record.ks == 1.0
    assert record.synthetic_auc == pytest.approx(record.real_auc)
    assert record.direction_agrees is True
    assert pair.report.summary.goals.risk_direction["DAYS_BIRTH"].passed


def test_blanked_rows_show_as_a_missing_gap_in_points_and_fail_the_goal(pair: Pair):
    record = _column(pair.report, "application_train", "AMT_ANNUITY")
    real_pct = pair.real["AMT_ANNUITY"].isna().mean() * 100
    synthetic_pct = pair.synthetic["AMT_ANNUITY"].isna().mean() * 100
    assert synthetic_pct - real_pct == pytest.approx(BLANKED_ROWS / len(pair.real) * 100, abs=0.1)
    assert record.real_missing_pct == pytest.approx(real_pct)
    assert record.synthetic_missing_pct == pytest.approx(synthetic_pct)
    assert record.missing_gap_points == pytest.approx(synthetic_pct - real_pct)
    summary = pair.report.summary
    assert summary.max_missing_gap_column == "AMT_ANNUITY"
    assert summary.max_missing_gap_points == pytest.approx(record.missing_gap_points)
    assert not summary.goals.missing_gap.passed
    assert "AMT_ANNUITY" in summary.goals.missing_gap.detail


def test_an_inverted_risk_relationship_is_a_direction_mismatch(pair: Pair):
    record = _column(pair.report, "application_train", "EXT_SOURCE_3")
    assert record.real_auc is not None
    assert record.noise_margin is not None
    assert record.real_auc < 0.5 - record.noise_margin
    assert record.synthetic_auc == pytest.approx(1 - record.real_auc)
    assert record.direction_agrees is False
    real = pair.real["EXT_SOURCE_3"].dropna()
    assert record.ks == pytest.approx(ks_2samp(real, 1 - real).statistic)
    goal = pair.report.summary.goals.risk_direction["EXT_SOURCE_3"]
    assert not goal.passed
    assert goal.value == pytest.approx(record.synthetic_auc)
    assert goal.reference == pytest.approx(record.real_auc)


def test_swapped_categories_are_a_mismatch_judged_with_the_real_category_rates(pair: Pair):
    record = _column(pair.report, "application_train", "CODE_GENDER")
    assert record.real_auc is not None
    shares = pair.real["CODE_GENDER"].value_counts(normalize=True)
    assert record.tvd == pytest.approx(abs(shares["F"] - shares["M"]))
    # In-sample rates rank any categorical column the right way round: AUCs are equal...
    assert record.synthetic_auc == pytest.approx(record.real_auc)
    # ...but scored with the real rates, the synthetic men/women order is inverted.
    assert record.synthetic_auc_real_rates == pytest.approx(1 - record.real_auc)
    assert record.direction_agrees is False


def test_an_inversion_inside_the_noise_band_is_not_a_mismatch(pair: Pair):
    record = _column(pair.report, "application_train", "AMT_INCOME_TOTAL")
    assert record.real_auc is not None
    assert record.noise_margin is not None
    assert abs(record.real_auc - 0.5) < record.noise_margin
    assert record.synthetic_auc == pytest.approx(1 - record.real_auc)
    assert record.direction_agrees is None


def test_summary_lists_exactly_the_damaged_directions(pair: Pair):
    summary = pair.report.summary
    assert sorted(summary.risk_direction_mismatches) == ["CODE_GENDER", "EXT_SOURCE_3"]
    assert summary.median_ks is not None and summary.median_ks <= 0.10
    assert summary.goals.median_ks.passed
    assert set(summary.goals.risk_direction) == set(DIRECTION_GOAL_COLUMNS)
    assert not summary.all_goals_passed


def test_a_table_missing_from_one_side_is_skipped_not_a_crash(pair: Pair):
    bureau = pair.report.tables["bureau"]
    assert bureau.status == "skipped"
    assert bureau.columns == []
    assert bureau.reason == "bureau.csv absent from real and synthetic"
    assert "application_train" in pair.report.summary.tables_compared
    assert "bureau" in pair.report.summary.tables_skipped


def test_only_one_side_having_a_table_names_the_side(shared_data: Path, pair: Pair):
    report = compare_directories(shared_data, pair.synthetic_dir)
    assert report.tables["bureau"].status == "skipped"
    assert report.tables["bureau"].reason == "bureau.csv absent from synthetic"
    assert report.tables["application_train"].status == "compared"


# --------------------------------------------------------------------------- output


def test_json_file_holds_summary_goals_and_per_column_records(
    pair: Pair, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    path = tmp_path / "out" / "fidelity.json"
    assert run_fidelity(pair.real_dir, pair.synthetic_dir, path) == 0
    content = json.loads(path.read_text(encoding="utf-8"))
    summary = content["summary"]
    for key in ("median_ks", "max_missing_gap_points", "risk_direction_mismatches", "goals"):
        assert key in summary
    assert set(summary["goals"]) == {"median_ks", "missing_gap", "risk_direction"}
    assert summary["goals"]["risk_direction"]["EXT_SOURCE_3"]["passed"] is False
    columns = content["tables"]["application_train"]["columns"]
    assert len(columns) == len(APPLICATION_TRAIN.columns) - 1  # SK_ID_CURR skipped
    assert {"column", "ks", "tvd", "missing_gap_points", "real_auc", "direction_agrees"} <= set(
        columns[0]
    )
    assert content["tables"]["bureau"]["status"] == "skipped"
    assert "direction" in content["rules"]


def test_printed_report_shows_the_summary_and_only_the_worst_columns(
    pair: Pair, capsys: pytest.CaptureFixture[str]
):
    run_fidelity(pair.real_dir, pair.synthetic_dir, None)
    out = capsys.readouterr().out
    assert "median KS" in out
    # Only the five damaged columns differ; identical ones are not listed.
    assert "application_train: worst 5 of 121 columns" in out
    assert "MISMATCH" in out
    assert "skipped" in out
    assert "FLAG_DOCUMENT_21" not in out


def test_strict_mode_turns_missed_goals_into_exit_code_one(pair: Pair):
    assert run_fidelity(pair.real_dir, pair.synthetic_dir, None, strict=True) == 1


def test_an_invalid_file_raises_data_error(shared_data: Path, tmp_path: Path):
    lines = (shared_data / TRAIN_SAMPLE).read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("CNT_CHILDREN")] = "two"
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / APPLICATION_TRAIN.filename).write_text(
        "\n".join([lines[0], ",".join(row), *lines[2:5]]) + "\n", encoding="utf-8"
    )
    with pytest.raises(DataError, match="CNT_CHILDREN"):
        run_fidelity(shared_data, bad, None)
    with pytest.raises(DataError, match="not a directory"):
        compare_directories(shared_data, tmp_path / "nowhere")


# --------------------------------------------------------------------------- generator


def _generator() -> Callable[..., object]:
    try:
        module = importlib.import_module("model_build.synth")
    except ImportError as exc:
        pytest.skip(f"model_build.synth cannot be imported ({exc})")
    generate = getattr(module, "generate", None)
    if generate is None:
        pytest.skip("model_build.synth.generate is not available yet")
    return generate


@pytest.mark.slow
def test_report_runs_on_a_small_generated_set(shared_data: Path, tmp_path: Path):
    generate = _generator()
    out = tmp_path / "synthetic"
    generate(2_000, 7, out, progress=False)
    report = compare_directories(shared_data, out)
    assert report.tables["application_train"].status == "compared"
    assert report.summary.median_ks is not None
    assert set(report.summary.goals.risk_direction) == set(DIRECTION_GOAL_COLUMNS)
