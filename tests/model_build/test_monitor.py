"""The stability monitor: PSI of the score and of the inputs against the development sample."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from creditscore.v1 import credit_score_pb2
from creditscore.v1 import decision_record_pb2 as pb
from model_build.cli import main
from model_build.config import ExportConfig, LightGBMConfig, TrainConfig
from model_build.features import build_feature_frame, history_features
from model_build.loader import load_dataset, read_table
from model_build.monitoring import (
    MonitorReport,
    MonitorRequest,
    psi,
    run_monitor,
    sampling_noise,
    score_bands,
)
from model_build.monitoring.records import records_sample
from model_build.monitoring.stability import light_of, numeric_binning
from model_build.schema import APPLICATION_TEST
from model_build.scoring import ScoringModel
from model_build.synth import generate
from model_build.synth.drift import parse_drift
from model_build.train_job import train
from server.records.entries import Call, ModelDecision, model_record
from server.records.sql_store import open_store
from tests.server.payloads import application_message, csv_rows

# Development and current samples of about 2,600 and 3,000 rows: sampling noise alone gives a
# score PSI of about 0.006 (99th percentile 0.016), far below the 0.1 of "watch".
CLIENTS = 3000
DEVELOPMENT_SEED = 21
CURRENT_SEED = 22
# External scores 0.25 lower move this small model's score by a PSI of about 0.4; 0.2 lower
# gives about 0.28, too close to 0.25 for a test that should outlive a retuned build.
DRIFT = "income=+40%,ext_source=-0.25"
DRIFTED_COLUMNS = {"AMT_INCOME_TOTAL", "EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"}
FAST = TrainConfig(
    seed=DEVELOPMENT_SEED,
    n_folds=2,
    lightgbm=LightGBMConfig(
        learning_rate=0.1, max_rounds=80, early_stopping_rounds=20, num_threads=1
    ),
    export=ExportConfig(parity_rows=1000, shap_rows=300),
)


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("development_data")
    generate(CLIENTS, DEVELOPMENT_SEED, data, progress=False)
    out = tmp_path_factory.mktemp("monitor_artifacts")
    train(data, out, FAST, progress=False)
    return out


@pytest.fixture(scope="module")
def current_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("current")
    generate(CLIENTS, CURRENT_SEED, out, progress=False)
    return out


@pytest.fixture(scope="module")
def drifted_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The same clients as current_dir, with their incomes and external scores drifted.
    out = tmp_path_factory.mktemp("drifted")
    generate(CLIENTS, CURRENT_SEED, out, progress=False, drift=parse_drift(DRIFT))
    return out


@pytest.fixture(scope="module")
def undrifted(artifacts: Path, current_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("undrifted_report")
    return run_monitor(MonitorRequest(artifacts=artifacts, data=current_dir, out=out)), out


@pytest.fixture(scope="module")
def drifted(artifacts: Path, drifted_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("drifted_report")
    return run_monitor(MonitorRequest(artifacts=artifacts, data=drifted_dir, out=out)), out


def _features(artifacts: Path, data: Path) -> pd.DataFrame:
    model = ScoringModel(artifacts)
    dataset = load_dataset(data)
    applications = pd.concat([dataset.application_train, dataset.application_test])
    return build_feature_frame(applications, history_features(dataset), model.catalog)


# -- PSI and its judgement ------------------------------------------------------------------


def test_psi_is_zero_for_identical_shares_and_grows_with_the_shift() -> None:
    even = np.full(10, 0.1)
    assert psi(even, even) == 0.0
    shifted = np.array([0.05] * 5 + [0.15] * 5)
    assert psi(even, shifted) == pytest.approx(5 * (0.05 * np.log(1.5) - 0.05 * np.log(0.5)))


def test_an_empty_bin_counts_as_a_share_of_one_in_ten_thousand() -> None:
    value = psi(np.array([0.5, 0.5, 0.0]), np.array([0.5, 0.49, 0.01]))
    expected = (0.49 - 0.5) * np.log(0.49 / 0.5) + (0.01 - 1e-4) * np.log(0.01 / 1e-4)
    assert value == pytest.approx(expected)


def test_lights_follow_the_usual_thresholds() -> None:
    assert [light_of(v) for v in (0.0, 0.0999, 0.1, 0.25, 0.2501)] == [
        "green",
        "green",
        "amber",
        "amber",
        "red",
    ]


def test_sampling_noise_is_bins_minus_one_times_the_inverse_sizes() -> None:
    noise = sampling_noise(10, 2000, 3000)
    assert noise.mean == pytest.approx(9 * (1 / 2000 + 1 / 3000))
    assert noise.mean < noise.p99 < 3 * noise.mean


def test_a_value_held_by_many_rows_stays_in_one_bin_and_missing_values_have_their_own() -> None:
    values = np.array([0.0] * 70 + list(range(1, 31)) + [np.nan] * 10, dtype=np.float64)
    binning = numeric_binning(values)
    index = binning.assign(pd.Series(values))
    assert len(set(index[:70])) == 1
    assert set(index[-10:]) == {binning.count - 1}
    assert binning.labels[-1] == "missing"


# -- score bands ----------------------------------------------------------------------------


def test_score_bands_are_deciles_of_the_development_probabilities(artifacts: Path) -> None:
    bands = score_bands(artifacts)
    assert bands.count == 10
    assert bands == score_bands(artifacts)  # a function of the artifacts alone
    book = pd.read_parquet(artifacts / "client_book.parquet")
    development = book[(book["split"] == "train") & book["TARGET"].notna()]
    counts = np.bincount(bands.band_of(development["probability"].to_numpy()), minlength=10)
    assert counts.min() >= len(development) // 10 - 1
    assert "development clients" in bands.source


# -- undrifted and drifted samples ----------------------------------------------------------


def test_an_undrifted_sample_is_green_for_the_score_and_every_input(undrifted) -> None:
    report: MonitorReport = undrifted[0]
    assert report.score.light == "green"
    assert report.score.psi < 3 * report.score.noise.p99
    assert report.lights()["amber"] == [] and report.lights()["red"] == []
    assert len(report.features) > 100


def test_a_drifted_sample_flags_the_score_and_exactly_the_inputs_the_drift_moved(
    drifted, artifacts: Path, current_dir: Path, drifted_dir: Path
) -> None:
    report: MonitorReport = drifted[0]
    before, after = _features(artifacts, current_dir), _features(artifacts, drifted_dir)
    moved = {
        name
        for name in before.columns
        if not before[name].astype(object).equals(after[name].astype(object))
    }
    lights = report.lights()
    assert report.score.light == "red"
    assert DRIFTED_COLUMNS.issubset(lights["red"])
    assert set(lights["red"]) | set(lights["amber"]) <= moved
    assert {f.feature for f in report.features if f.feature not in moved} <= set(lights["green"])


def test_lower_external_scores_lower_the_approval_rate(undrifted, drifted) -> None:
    assert drifted[0].approval_rate_change < undrifted[0].approval_rate_change - 0.1


def test_inputs_come_most_important_first(undrifted, artifacts: Path) -> None:
    card = json.loads((artifacts / "model_card.json").read_text())
    importance = [f.importance for f in undrifted[0].features]
    assert importance == sorted(importance, reverse=True)
    assert undrifted[0].features[0].feature == card["global_importance"][0]["feature"]


def test_incomes_above_the_development_maximum_count_as_out_of_range(undrifted, drifted) -> None:
    def income(report: MonitorReport):
        return next(f for f in report.features if f.feature == "AMT_INCOME_TOTAL")

    assert (
        income(drifted[0]).outside_development_range
        > income(undrifted[0]).outside_development_range
    )
    assert income(drifted[0]).outside_contract_current == 0.0


def test_the_noise_level_and_the_thresholds_are_stated_with_the_figures(undrifted) -> None:
    report: MonitorReport = undrifted[0]
    n_dev, n_cur = report.development.rows, report.current.rows
    assert report.score.noise.mean == pytest.approx(9 * (1 / n_dev + 1 / n_cur))
    assert "(B - 1)(1/n_dev + 1/n_cur)" in report.thresholds.note
    assert (report.thresholds.watch_psi, report.thresholds.act_psi) == (0.1, 0.25)
    assert report.thresholds.empty_bin_share == 1e-4


def test_outcomes_are_measured_by_band_when_the_applications_carry_target(
    undrifted, current_dir: Path
) -> None:
    outcomes = undrifted[0].outcomes
    train_rows = len(pd.read_csv(current_dir / "application_train.csv", usecols=["TARGET"]))
    assert outcomes is not None and outcomes.rows == train_rows
    assert sum(band.rows for band in outcomes.bands) == train_rows
    assert outcomes.roc_auc > 0.65 and 0 < outcomes.ks < 1
    assert outcomes.development_roc_auc is not None
    top, bottom = outcomes.bands[-1], outcomes.bands[0]
    assert top.default_rate > bottom.default_rate
    assert top.observed_to_predicted == pytest.approx(top.default_rate / top.mean_probability)


def test_the_monitor_writes_strict_json_and_an_html_page_of_plots(undrifted) -> None:
    report, out = undrifted

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in monitor.json")

    content = json.loads((out / "monitor.json").read_text(), parse_constant=refuse)
    assert content["score"]["psi"] == pytest.approx(report.score.psi)
    assert content["features"][0]["feature"] == report.features[0].feature
    assert len(content["score"]["bands"]) == 10
    assert content["flagged"] == {"amber": [], "red": []}
    page = (out / "monitor.html").read_text()
    for title in ("Score distribution by band", "Characteristic stability", "Default rate by"):
        assert title in page
    assert page.count("Plotly.newPlot") == 4


# -- what the server scored -------------------------------------------------------------------


def _records_store(path: Path, artifacts: Path, current_dir: Path) -> dict[str, float]:
    """A decision store holding new applicants and stored clients scored by this build, plus
    records the monitor must leave out; returns the expected figures."""
    model = ScoringModel(artifacts)
    version = str(model.card["model_version"])
    rows = csv_rows(current_dir / "application_test.csv")[:120]
    applications = read_table(APPLICATION_TEST, current_dir / "application_test.csv").iloc[:120]
    applications = applications.assign(SK_ID_CURR=0)  # new applicants: no stored history
    probability = model.probability(applications, model.stored_history())
    book = pd.read_parquet(artifacts / "client_book.parquet").iloc[:40]
    call = Call(request_id="monitor-test", caller=None)

    def decided(p: float, client: int | None, model_version: str = version) -> ModelDecision:
        refuse = p >= model.threshold
        decision = credit_score_pb2.DECISION_REFUSE if refuse else credit_score_pb2.DECISION_APPROVE
        return ModelDecision(client, p, decision, model.threshold, model_version)

    new = [
        model_record(call, decided(float(p), None), application_message(row).SerializeToString())
        for p, row in zip(probability, rows, strict=True)
    ]
    stored = [
        model_record(call, decided(float(p), int(client)), b"")
        for p, client in zip(book["probability"], book["SK_ID_CURR"], strict=True)
    ]
    advisor = model_record(call, decided(0.5, int(book["SK_ID_CURR"].iloc[0])), b"")
    advisor.kind = pb.RECORD_KIND_ADVISOR_DECISION
    other_model = [model_record(call, decided(0.9, None, "other-version"), b"") for _ in "ab"]
    old = [model_record(call, decided(0.9, int(book["SK_ID_CURR"].iloc[0])), b"")]
    old[0].record_time.FromDatetime(datetime(2020, 1, 1, tzinfo=UTC))
    store = open_store(str(path))
    store.append([*old, *new, *stored, advisor, *other_model])
    store.close()
    decisions = np.concatenate([probability, book["probability"].to_numpy()])
    return {"rows": len(decisions), "approval_rate": float(np.mean(decisions < model.threshold))}


def test_records_of_the_server_are_read_back_as_the_current_sample(
    artifacts: Path, current_dir: Path, tmp_path: Path
) -> None:
    expected = _records_store(tmp_path / "records.db", artifacts, current_dir)
    out = tmp_path / "report"
    argv = ["monitor", "--artifacts", str(artifacts), "--records", str(tmp_path / "records.db")]
    assert main([*argv, "--since", "2024-01-01", "--out", str(out)]) == 0
    current = json.loads((out / "monitor.json").read_text())["current"]
    assert current["rows"] == expected["rows"]
    assert current["approval_rate"] == pytest.approx(expected["approval_rate"])
    assert current["outcome_rows"] == 0
    assert sorted(current["notes"]) == [
        "skipped 1 advisor decisions (copies of a model decision)",
        "skipped 2 decisions of model other-version",
    ]
    assert main([*argv, "--out", str(out)]) == 0
    assert json.loads((out / "monitor.json").read_text())["current"]["rows"] == expected["rows"] + 1


def test_recorded_applications_give_the_features_the_server_computed(
    artifacts: Path, current_dir: Path, tmp_path: Path
) -> None:
    _records_store(tmp_path / "records.db", artifacts, current_dir)
    model = ScoringModel(artifacts)
    since = datetime(2024, 1, 1, tzinfo=UTC)
    sample = records_sample(model, str(tmp_path / "records.db"), since)
    applications = read_table(APPLICATION_TEST, current_dir / "application_test.csv").iloc[:120]
    direct = build_feature_frame(
        applications.assign(SK_ID_CURR=0), model.stored_history(), model.catalog
    )
    pd.testing.assert_frame_equal(sample.features.iloc[:120], direct)
    book = pd.read_parquet(artifacts / "client_book.parquet").iloc[:40]
    assert sample.features.index[120:].tolist() == book["SK_ID_CURR"].tolist()
    assert sample.features["AMT_INCOME_TOTAL"].iloc[120:].tolist() == (
        book["AMT_INCOME_TOTAL"].tolist()
    )


# -- command-line errors ------------------------------------------------------------------------


def _one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    assert "Traceback" not in err
    return err


def test_missing_artifacts_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], current_dir: Path, tmp_path: Path
) -> None:
    argv = ["monitor", "--artifacts", str(tmp_path), "--data", str(current_dir)]
    err = _one_line_error(capsys, [*argv, "--out", str(tmp_path / "out")])
    assert "model_card.json: not found" in err


def test_the_sample_to_monitor_must_be_given_once(
    capsys: pytest.CaptureFixture[str], artifacts: Path, current_dir: Path, tmp_path: Path
) -> None:
    base = ["monitor", "--artifacts", str(artifacts), "--out", str(tmp_path)]
    assert "--data DIR" in _one_line_error(capsys, base)
    both = [*base, "--data", str(current_dir), "--records", str(tmp_path / "r.db")]
    assert "--records DB" in _one_line_error(capsys, both)


def test_since_must_be_a_date_and_goes_with_records(
    capsys: pytest.CaptureFixture[str], artifacts: Path, current_dir: Path, tmp_path: Path
) -> None:
    base = ["monitor", "--artifacts", str(artifacts), "--out", str(tmp_path)]
    err = _one_line_error(capsys, [*base, "--records", "r.db", "--since", "last tuesday"])
    assert "'last tuesday'" in err and "2025-01-31" in err
    err = _one_line_error(capsys, [*base, "--data", str(current_dir), "--since", "2025-01-01"])
    assert "use it with --records" in err


def test_a_missing_decision_store_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], artifacts: Path, tmp_path: Path
) -> None:
    argv = ["monitor", "--artifacts", str(artifacts), "--records", str(tmp_path / "none.db")]
    assert "no decision store" in _one_line_error(capsys, [*argv, "--out", str(tmp_path)])
