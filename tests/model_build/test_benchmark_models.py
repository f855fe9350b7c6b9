"""Benchmark models beside LightGBM on its own folds; weight-of-evidence binning edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from model_build.benchmark_models import compare_models, fit_scorecard, fit_woe, fold_ids
from model_build.config import LightGBMConfig, TrainConfig, load_config
from model_build.errors import ModelBuildError
from model_build.lightgbm_training import CrossValidation
from model_build.synth import generate
from model_build.train_job import train

FAST = TrainConfig(
    n_folds=3,
    lightgbm=LightGBMConfig(
        learning_rate=0.1, max_rounds=150, early_stopping_rounds=30, num_threads=1
    ),
)


@pytest.fixture(scope="module")
def synthetic_model(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("synthetic")
    generate(3000, 11, data, progress=False)
    return train(data, tmp_path_factory.mktemp("artifacts"), FAST, progress=False)


@pytest.fixture(scope="module")
def report(synthetic_model) -> dict:
    return json.loads((synthetic_model.paths.report_dir / "report.json").read_text())


@pytest.fixture(scope="module")
def card(synthetic_model) -> dict:
    return json.loads(synthetic_model.paths.model_card.read_text())


def _models(report: dict) -> dict[str, dict]:
    return {m["name"]: m for m in report["benchmark_models"]["models"]}


def test_benchmark_models_are_scored_on_lightgbms_own_folds(report):
    bench = report["benchmark_models"]
    models = _models(report)
    assert list(models) == ["LightGBM", "scorecard", "dummy"]
    # The same per-fold AUCs as the cross-validation itself: the same rows in each fold.
    assert models["LightGBM"]["fold_auc"] == pytest.approx(
        report["cross_validation"]["fold_roc_auc"], abs=1e-12
    )
    assert len(bench["fold_sizes"]) == FAST.n_folds
    assert sum(bench["fold_sizes"]) == report["data"]["train_rows"]
    assert all(len(m["fold_auc"]) == FAST.n_folds for m in models.values())


def test_fold_ids_give_the_cross_validations_fold_aucs(synthetic_model, report):
    book = pd.read_parquet(synthetic_model.paths.client_book)
    train_rows = book[book["split"] == "train"]
    y = train_rows["TARGET"].to_numpy(dtype=np.int64)
    p = train_rows["oof_probability"].to_numpy()
    folds = fold_ids(y, FAST.n_folds, FAST.seed)
    per_fold = [roc_auc_score(y[folds == k], p[folds == k]) for k in range(FAST.n_folds)]
    assert per_fold == pytest.approx(report["cross_validation"]["fold_roc_auc"], abs=1e-9)


def test_margins_from_other_folds_are_refused():
    rng = np.random.default_rng(0)
    y = (rng.random(600) < 0.2).astype(np.int64)
    margin = rng.normal(size=600) + y
    other = fold_ids(y, 3, seed=FAST.seed + 1)
    fold_auc = [float(roc_auc_score(y[other == k], margin[other == k])) for k in range(3)]
    cv = CrossValidation(margin, [10, 10, 10], fold_auc, 1.0)
    features = pd.DataFrame({"x": margin})
    with pytest.raises(ModelBuildError, match="folds differ"):
        compare_models(features, y, cv, margin, ["x"], FAST)


def test_the_dummy_is_at_chance_and_costs_the_best_naive_policy(report):
    dummy = _models(report)["dummy"]
    metrics = report["metrics"]
    assert dummy["fold_auc"] == [0.5] * FAST.n_folds
    assert dummy["ks_mean"] == 0.0
    assert dummy["business_cost"] == min(metrics["cost_accept_all"], metrics["cost_refuse_all"])


def test_the_scorecard_finds_the_signal_of_the_synthetic_data(report):
    scorecard = _models(report)["scorecard"]
    assert scorecard["auc_min"] > 0.6
    assert 0 < scorecard["ks_mean"] < 1
    ranked = [item["feature"] for item in report["global_importance"]]
    chosen = report["benchmark_models"]["scorecard_features"]
    assert chosen == ranked[: TrainConfig().report.scorecard_features]


def test_each_model_is_cut_at_its_own_cost_minimising_threshold(report, card):
    models = _models(report)
    assert models["LightGBM"]["threshold"] == card["threshold"]
    assert models["LightGBM"]["business_cost"] == card["metrics"]["business_cost"]
    # "Refuse nobody" is one of the candidate thresholds: no model may cost more.
    for model in models.values():
        assert model["business_cost"] <= report["metrics"]["cost_accept_all"]
        assert model["cost_per_applicant"] == pytest.approx(
            model["business_cost"] / report["data"]["train_rows"]
        )


def test_the_report_and_the_card_say_what_the_complexity_buys(synthetic_model, report, card):
    models = _models(report)
    summary = report["benchmark_models"]["summary"]
    gbm, scorecard = models["LightGBM"], models["scorecard"]
    assert summary.startswith(
        f"LightGBM: AUC {gbm['auc_mean']:.3f} ± {gbm['auc_std']:.3f} vs scorecard "
        f"{scorecard['auc_mean']:.3f} ± {scorecard['auc_std']:.3f}: "
        f"{gbm['auc_mean'] - scorecard['auc_mean']:+.3f}; cost per applicant "
        f"{gbm['cost_per_applicant']:.3f} vs {scorecard['cost_per_applicant']:.3f}"
    )
    assert card["benchmark_models"] == report["benchmark_models"]
    markdown = (synthetic_model.paths.report_dir / "report.md").read_text()
    assert "## Benchmark models (same folds as LightGBM)" in markdown
    assert f"**What the complexity buys:** {summary}" in markdown
    assert "## Fairness by group" in markdown
    assert card["fairness"]["attributes"][0]["column"] == "CODE_GENDER"


def test_the_report_section_is_configured_in_the_report_table(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text("[report]\nbenchmark_models = false\nscorecard_features = 15\n")
    config = load_config(path)
    assert config.report.benchmark_models is False
    assert config.report.scorecard_features == 15
    path.write_text('[report]\nbenchmark_models = "no"\n')
    with pytest.raises(ModelBuildError, match=r"report\.benchmark_models must be true or false"):
        load_config(path)


# --- weight-of-evidence binning ----------------------------------------------------------


def _outcomes(rows: int, rate: float = 0.1, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random(rows) < rate).astype(np.int64)


def test_a_constant_column_carries_no_evidence():
    values = pd.Series(np.full(500, 3.0), name="constant")
    bins = fit_woe(values, _outcomes(500))
    assert bins.transform(values) == pytest.approx(np.zeros(500), abs=1e-12)


def test_an_all_missing_column_is_one_missing_bin_without_evidence():
    values = pd.Series(np.full(500, np.nan), name="empty")
    bins = fit_woe(values, _outcomes(500))
    assert set(bins.codes(values)) == {bins.regular_bins}  # the missing bin
    assert bins.transform(values) == pytest.approx(np.zeros(500), abs=1e-12)


def test_a_bin_without_defaulters_keeps_a_finite_weight_of_evidence():
    x = pd.Series(np.arange(1000, dtype=np.float64), name="x")
    y = _outcomes(1000, rate=0.2)
    y[:100] = 0  # the lowest decile: nobody defaulted
    bins = fit_woe(x, y)
    lowest = bins.transform(x.iloc[:1])[0]
    assert np.isfinite(bins.woe).all()
    assert lowest > 0  # safer than average, but not infinitely so
    assert lowest == pytest.approx(bins.transform(x.iloc[99:100])[0])


def test_missing_values_get_their_own_bin_and_weight():
    x = pd.Series(np.r_[np.arange(900.0), np.full(100, np.nan)], name="x")
    y = np.r_[_outcomes(900, rate=0.05), np.ones(100, dtype=np.int64)]
    bins = fit_woe(x, y)
    missing_woe = bins.transform(x.iloc[-1:])[0]
    assert missing_woe < -1  # riskier than average: all the missing ones defaulted
    assert np.all(bins.transform(x.iloc[:900]) > missing_woe)


def test_an_unseen_category_carries_no_evidence():
    values = pd.Series(pd.Categorical(["a", "b"] * 200 + [None] * 20), name="kind")
    y = np.r_[np.tile([1, 0], 200), np.zeros(20, dtype=np.int64)]
    bins = fit_woe(values, y)
    new = pd.Series(["c", "a", None], name="kind")
    woe = bins.transform(new)
    assert woe[0] == 0.0
    assert woe[1] < 0 < bins.transform(pd.Series(["b"]))[0]  # "a" always defaulted
    assert woe[2] == bins.woe[bins.regular_bins]


def test_the_scorecard_ranks_by_the_signal_despite_degenerate_columns():
    rng = np.random.default_rng(2)
    signal = rng.normal(size=3000)
    y = (rng.random(3000) < 1 / (1 + np.exp(2.5 - 1.2 * signal))).astype(np.int64)
    frame = pd.DataFrame(
        {"signal": signal, "constant": 1.0, "empty": np.nan, "noise": rng.normal(size=3000)}
    )
    fit, held_out = np.arange(3000) < 2000, np.arange(3000) >= 2000
    card = fit_scorecard(frame[fit], y[fit], ["signal", "constant", "empty", "noise"])
    p = card.probability(frame[held_out])
    assert np.all((p > 0) & (p < 1))
    assert roc_auc_score(y[held_out], p) > 0.7
