"""Fairness by group: the table of a real training matches pandas; groups, flags, intervals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from model_build.config import LightGBMConfig, TrainConfig
from model_build.fairness import age_band, fairness_table
from model_build.fairness_markdown import fairness_markdown
from model_build.group_bootstrap import group_statistics
from model_build.train_job import train

FAST = TrainConfig(
    n_folds=3,
    lightgbm=LightGBMConfig(
        learning_rate=0.1, max_rounds=150, early_stopping_rounds=30, num_threads=1
    ),
)
DAYS_PER_YEAR = 365.25


@pytest.fixture(scope="module")
def real_model(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("real_application")
    (data / "application_train.csv").symlink_to(shared_data / "application_train_sample.csv")
    return train(data, tmp_path_factory.mktemp("real_artifacts"), FAST, progress=False)


@pytest.fixture(scope="module")
def real_decisions(real_model, shared_data: Path) -> pd.DataFrame:
    """Each training client's out-of-fold probability and outcome (client book) beside the
    raw application columns (the CSV), joined on SK_ID_CURR."""
    book = pd.read_parquet(real_model.paths.client_book)
    book = book.loc[book["split"] == "train", ["SK_ID_CURR", "TARGET", "oof_probability"]]
    raw = pd.read_csv(
        shared_data / "application_train_sample.csv",
        usecols=["SK_ID_CURR", "CODE_GENDER", "DAYS_BIRTH", "NAME_FAMILY_STATUS"],
    )
    return book.merge(raw, on="SK_ID_CURR", validate="one_to_one")


def _pandas_table(decisions: pd.DataFrame, threshold: float, column: str) -> pd.DataFrame:
    """The fairness figures of one characteristic, straight from a pandas groupby."""
    years = -decisions["DAYS_BIRTH"] / DAYS_PER_YEAR
    bands = pd.cut(
        years, [-np.inf, 25, 40, 62, np.inf], right=False, labels=["< 25", "25–40", "40–62", "≥ 62"]
    )
    frame = pd.DataFrame(
        {
            "group": bands.astype(str) if column == "DAYS_BIRTH" else decisions[column],
            "refused": decisions["oof_probability"] >= threshold,
            "defaulted": decisions["TARGET"].astype(int),
            "p": decisions["oof_probability"],
        }
    )
    groups = frame.groupby("group")
    return pd.DataFrame(
        {
            "count": groups.size(),
            "approval_rate": 1 - groups["refused"].mean(),
            "default_rate": groups["defaulted"].mean(),
            "true_positive_rate": frame[frame.defaulted == 1].groupby("group")["refused"].mean(),
            "false_positive_rate": frame[frame.defaulted == 0].groupby("group")["refused"].mean(),
            "mean_predicted": groups["p"].mean(),
            "roc_auc": groups[["defaulted", "p"]].apply(
                lambda g: roc_auc_score(g["defaulted"], g["p"])
            ),
        }
    )


@pytest.mark.parametrize("column", ["CODE_GENDER", "DAYS_BIRTH", "NAME_FAMILY_STATUS"])
def test_the_fairness_table_of_the_real_sample_matches_a_direct_pandas_computation(
    real_model, real_decisions, column
):
    card = json.loads(real_model.paths.model_card.read_text())
    fairness = card["fairness"]
    assert fairness["threshold"] == card["threshold"]
    assert fairness["rows"] == 6999
    attribute = next(a for a in fairness["attributes"] if a["column"] == column)
    expected = _pandas_table(real_decisions, card["threshold"], column)
    assert sorted(g["group"] for g in attribute["groups"]) == sorted(expected.index)
    for group in attribute["groups"]:
        row = expected.loc[group["group"]]
        assert group["count"] == row["count"]
        for metric in expected.columns.drop("count"):
            assert group[metric]["value"] == pytest.approx(row[metric], abs=1e-12), metric
        low, high = group["approval_rate"]["low"], group["approval_rate"]["high"]
        assert low <= row["approval_rate"] <= high


def test_the_real_sample_table_reaches_the_report_and_the_card(real_model):
    card = json.loads(real_model.paths.model_card.read_text())
    report = json.loads((real_model.paths.report_dir / "report.json").read_text())
    assert report["fairness"] == card["fairness"]
    assert card["fairness"]["bootstrap"] == 200
    assert card["fairness"]["evaluated_on"] == "out-of-fold predictions"
    markdown = (real_model.paths.report_dir / "report.md").read_text()
    for heading in ("## Fairness by group", "### Gender (CODE_GENDER)", "### Age band"):
        assert heading in markdown
    assert "200 resamples" in markdown


def test_gender_is_compared_across_groups_but_is_not_a_model_input(real_model):
    card = json.loads(real_model.paths.model_card.read_text())
    model_inputs = {feature["name"] for feature in card["features"]}
    by_column = {a["column"]: a for a in card["fairness"]["attributes"]}
    assert "CODE_GENDER" not in model_inputs
    assert by_column["CODE_GENDER"]["model_input"] is False
    assert "protected characteristic" in by_column["CODE_GENDER"]["model_input_note"]
    # Age reaches the model as AGE_YEARS: the report must not claim otherwise.
    assert "AGE_YEARS" in model_inputs
    assert by_column["DAYS_BIRTH"]["model_input"] is True
    assert "AGE_YEARS" in by_column["DAYS_BIRTH"]["model_input_note"]


# --- the pure function on small frames ---------------------------------------------------


def _decisions(rows: int = 2000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    defaulted = rng.random(rows) < 0.1
    return pd.DataFrame(
        {
            "CODE_GENDER": rng.choice(["F", "M"], rows),
            "DAYS_BIRTH": -rng.integers(21 * 365, 68 * 365, rows),
            "NAME_FAMILY_STATUS": rng.choice(["Married", "Single / not married"], rows),
            "TARGET": defaulted.astype(int),
            "probability": np.clip(0.08 + 0.1 * defaulted + rng.normal(0, 0.05, rows), 0, 1),
        }
    )


def _group(report, attribute: str, group: str):
    found = next(a for a in report.attributes if a.name == attribute)
    return next(g for g in found.groups if g.group == group)


def test_age_bands_are_closed_on_the_left():
    years = pd.Series([24.99, 25.0, 39.99, 40.0, 61.99, 62.0, 80.0, np.nan])
    bands = age_band(-years * DAYS_PER_YEAR)
    assert bands.tolist() == [
        "< 25",
        "25–40",
        "25–40",
        "40–62",
        "40–62",
        "≥ 62",
        "≥ 62",
        "missing",
    ]


def test_without_outcomes_only_approval_rates_and_predictions_are_reported():
    frame = _decisions().drop(columns="TARGET")
    report = fairness_table(frame, 0.15, bootstrap=20)
    female = _group(report, "gender", "F")
    assert report.with_outcomes is False
    assert female.approval_rate.value == pytest.approx(
        np.mean(frame.loc[frame.CODE_GENDER == "F", "probability"] < 0.15)
    )
    assert female.default_rate is None and female.true_positive_rate is None
    assert female.roc_auc is None and female.defaulters is None
    table = "\n".join(fairness_markdown(report))
    assert "approval rate" in table and "ROC AUC" not in table


def test_a_small_group_is_shown_but_marked_too_small_and_never_the_reference():
    frame = _decisions()
    frame.loc[:9, "CODE_GENDER"] = "XNA"
    frame.loc[:9, "probability"] = 0.0  # all approved: would be the most-approved group
    report = fairness_table(frame, 0.15, bootstrap=20)
    gender = report.attributes[0]
    tiny = _group(report, "gender", "XNA")
    assert tiny.count == 10 and tiny.too_small
    assert tiny.approval_rate.value == 1.0
    assert gender.reference_group in {"F", "M"}
    assert "XNA †" in "\n".join(fairness_markdown(report))


def test_a_group_with_too_few_defaulters_is_too_small_even_when_large():
    frame = _decisions()
    single = frame["NAME_FAMILY_STATUS"] == "Single / not married"
    frame.loc[single, "TARGET"] = 0
    frame.loc[single[single].index[:3], "TARGET"] = 1
    report = fairness_table(frame, 0.15, bootstrap=20, min_defaulters=5)
    group = _group(report, "family status", "Single / not married")
    assert group.count > 500 and group.defaulters == 3 and group.too_small


def test_an_approval_rate_below_four_fifths_of_the_reference_is_flagged():
    frame = _decisions()
    male = frame["CODE_GENDER"] == "M"
    frame.loc[male, "probability"] = np.where(np.arange(male.sum()) % 2 == 0, 0.9, 0.01)
    frame.loc[~male, "probability"] = 0.01
    report = fairness_table(frame, 0.5, bootstrap=50)
    gender = report.attributes[0]
    men = _group(report, "gender", "M")
    assert gender.reference_group == "F"
    assert men.approval_ratio.value == pytest.approx(men.approval_rate.value)
    assert men.below_four_fifths and gender.flagged == ["M"]
    assert men.approval_ratio.high < 0.8  # clearly below, not by chance
    assert "Below the four-fifths ratio: M." in "\n".join(fairness_markdown(report))


def test_a_group_without_defaulters_has_no_true_positive_rate_rather_than_zero():
    frame = _decisions()
    frame.loc[frame.CODE_GENDER == "M", "TARGET"] = 0
    men = _group(fairness_table(frame, 0.15, bootstrap=20), "gender", "M")
    assert np.isnan(men.true_positive_rate.value) and np.isnan(men.roc_auc.value)
    assert men.false_positive_rate.value > 0


def test_bootstrap_intervals_are_seeded_and_bracket_the_estimate():
    frame = _decisions()
    first = fairness_table(frame, 0.15, bootstrap=100, seed=3)
    again = fairness_table(frame, 0.15, bootstrap=100, seed=3)
    other = fairness_table(frame, 0.15, bootstrap=100, seed=4)
    assert first == again
    assert first.to_dict() != other.to_dict()
    for metric in ("approval_rate", "default_rate", "true_positive_rate", "roc_auc"):
        figure = getattr(_group(first, "gender", "F"), metric)
        assert figure.low <= figure.value <= figure.high, metric
        assert figure.high - figure.low < 0.2, metric


def test_the_json_form_has_no_nan_and_keeps_the_definitions():
    frame = _decisions()
    frame.loc[frame.CODE_GENDER == "M", "TARGET"] = 0
    content = fairness_table(frame, 0.15, bootstrap=20).to_dict()
    text = json.dumps(content, allow_nan=False)  # raises on NaN
    assert "NaN" not in text
    assert set(content["definitions"]) >= {"refused", "defaulted", "true_positive_rate"}


def test_unit_weights_give_metricframes_figures():
    frame = _decisions()
    report = fairness_table(frame, 0.15, bootstrap=10)
    codes = (frame["CODE_GENDER"] == "M").to_numpy().astype(np.intp)  # F = 0, M = 1
    stats = group_statistics(
        np.ones((1, len(frame))),
        codes,
        2,
        frame["probability"].to_numpy(),
        frame["TARGET"].to_numpy(),
        0.15,
    )
    for k, name in enumerate(["F", "M"]):
        group = _group(report, "gender", name)
        for metric, values in stats.items():
            assert values[0, k] == pytest.approx(getattr(group, metric).value, abs=1e-12)


def test_a_resample_is_the_same_as_its_duplicated_rows():
    frame = _decisions(400)
    rng = np.random.default_rng(1)
    counts = np.bincount(rng.integers(0, len(frame), len(frame)), minlength=len(frame))
    repeated = frame.loc[frame.index.repeat(counts)]
    codes = np.zeros(len(frame), dtype=np.intp)
    stats = group_statistics(
        counts[None, :],
        codes,
        1,
        frame["probability"].to_numpy(),
        frame["TARGET"].to_numpy(),
        0.15,
    )
    assert stats["roc_auc"][0, 0] == pytest.approx(
        roc_auc_score(repeated["TARGET"], repeated["probability"]), abs=1e-12
    )
    assert stats["approval_rate"][0, 0] == pytest.approx(np.mean(repeated["probability"] < 0.15))
