"""End-to-end model build: train on synthetic and real data, export, score, reject bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model_build.artifacts import ArtifactPaths, sha256_of
from model_build.config import LightGBMConfig, TrainConfig
from model_build.errors import ModelBuildError
from model_build.features.application import APPLICATION_META
from model_build.scoring import ScoringModel, score_path
from model_build.synth import generate
from model_build.train_job import train

# Small and fast, but the same code path as the defaults.
FAST = TrainConfig(
    n_folds=3,
    lightgbm=LightGBMConfig(
        learning_rate=0.1, max_rounds=150, early_stopping_rounds=30, num_threads=1
    ),
)


@pytest.fixture(scope="module")
def synthetic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic")
    generate(3000, 11, out, progress=False)
    return out


@pytest.fixture(scope="module")
def synthetic_model(synthetic_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("artifacts")
    return train(synthetic_dir, out, FAST, progress=False)


def test_training_on_synthetic_data_writes_every_artifact(synthetic_model):
    paths: ArtifactPaths = synthetic_model.paths
    for path in (
        paths.onnx,
        paths.encoded_onnx,
        paths.booster,
        paths.feature_catalog,
        paths.feature_spec,
        paths.client_book,
        paths.history,
        paths.report_dir / "report.md",
        paths.report_dir / "report.json",
        paths.report_dir / "cost_vs_threshold.png",
        paths.report_dir / "calibration.png",
        paths.report_dir / "importance.png",
    ):
        assert path.is_file(), path
    assert synthetic_model.evaluation.roc_auc > 0.65


def test_model_card_is_the_documented_contract(synthetic_model):
    paths: ArtifactPaths = synthetic_model.paths
    card = json.loads(paths.model_card.read_text())
    assert card["model_version"] == synthetic_model.model_version
    assert card["onnx_sha256"] == sha256_of(paths.onnx)
    assert card["encoded_onnx_sha256"] == sha256_of(paths.encoded_onnx)
    assert card["files"]["encoded_onnx"] == "model_encoded.onnx"
    assert card["data"]["synthetic"] is True
    assert card["data"]["rows"] > 2000
    assert 0 < card["data"]["default_rate"] < 0.2
    assert card["costs"] == {"false_negative": 10.0, "false_positive": 1.0}
    for metric in ("roc_auc", "pr_auc", "ks", "brier", "business_cost"):
        assert isinstance(card["metrics"][metric], float), metric
    assert 0 < card["threshold"] < 1
    groups = {feature["group"] for feature in card["features"]}
    assert {"external scores", "loan burden"} <= groups
    assert all(feature["description"] for feature in card["features"])
    assert {feature["source"] for feature in card["features"]} == {"raw", "derived"}
    assert card["onnx_parity_max_abs_diff"] <= 1e-5


def test_threshold_beats_both_naive_policies(synthetic_model):
    ev = synthetic_model.evaluation
    assert ev.business_cost <= min(ev.cost_accept_all, ev.cost_refuse_all)


def test_client_book_holds_train_and_test_clients_with_scores(synthetic_model, synthetic_dir):
    book = pd.read_parquet(synthetic_model.paths.client_book)
    train_ids = pd.read_csv(synthetic_dir / "application_train.csv", usecols=["SK_ID_CURR"])
    test_ids = pd.read_csv(synthetic_dir / "application_test.csv", usecols=["SK_ID_CURR"])
    assert len(book) == len(train_ids) + len(test_ids)
    assert set(book["split"]) == {"train", "test"}
    assert book.loc[book.split == "test", "TARGET"].isna().all()
    assert book["probability"].between(0, 1).all()
    threshold = json.loads(synthetic_model.paths.model_card.read_text())["threshold"]
    refused = book["probability"] >= threshold
    assert (book.loc[refused, "decision"] == "REFUSE").all()
    assert (book.loc[~refused, "decision"] == "APPROVE").all()


def test_batch_scoring_a_directory_matches_the_client_book(
    synthetic_model, synthetic_dir, tmp_path
):
    out = tmp_path / "scores.csv"
    summary = score_path(synthetic_model.paths.root, synthetic_dir, out)
    scores = pd.read_csv(out)
    assert list(scores.columns) == ["SK_ID_CURR", "probability", "decision"]
    assert summary.rows == len(scores)
    book = pd.read_parquet(synthetic_model.paths.client_book).set_index("SK_ID_CURR")
    joined = scores.merge(
        book[["probability"]], left_on="SK_ID_CURR", right_index=True, suffixes=("", "_book")
    )
    assert np.abs(joined["probability"] - joined["probability_book"]).max() <= 1e-9


def test_scoring_one_csv_without_target_uses_the_stored_history(
    synthetic_model, synthetic_dir, tmp_path
):
    applications = pd.read_csv(synthetic_dir / "application_test.csv", nrows=40)
    path = tmp_path / "new_applications.csv"
    applications.to_csv(path, index=False)
    out = tmp_path / "scores.csv"
    score_path(synthetic_model.paths.root, path, out)
    scores = pd.read_csv(out).set_index("SK_ID_CURR")
    book = pd.read_parquet(synthetic_model.paths.client_book).set_index("SK_ID_CURR")
    assert len(scores) == 40
    diff = np.abs(scores["probability"] - book.loc[scores.index, "probability"])
    assert diff.max() <= 1e-9


def test_features_are_identical_for_training_and_scoring(synthetic_model, synthetic_dir):
    model = ScoringModel(synthetic_model.paths.root)
    from model_build.loader import load_dataset

    dataset = load_dataset(synthetic_dir)
    apps = dataset.application_train.drop(columns=["TARGET"]).iloc[:300]
    whole = model.probability(apps, model.stored_history())
    one_by_one = np.concatenate(
        [model.probability(apps.iloc[[i]], model.stored_history()) for i in range(0, 300, 30)]
    )
    assert np.allclose(whole[::30], one_by_one, rtol=0, atol=1e-12)


def test_tampered_onnx_is_refused_by_scoring(synthetic_model, tmp_path):
    import shutil

    copy = tmp_path / "artifacts"
    shutil.copytree(synthetic_model.paths.root, copy)
    with (copy / "model.onnx").open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelBuildError, match="SHA-256 differs"):
        ScoringModel(copy)


def test_tampered_encoded_model_is_refused_by_scoring(synthetic_model, tmp_path):
    import shutil

    copy = tmp_path / "artifacts"
    shutil.copytree(synthetic_model.paths.root, copy)
    with (copy / "model_encoded.onnx").open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelBuildError, match="encoded_onnx_sha256"):
        ScoringModel(copy)


def test_application_table_alone_is_enough(synthetic_dir, tmp_path):
    only = tmp_path / "only_application"
    only.mkdir()
    (only / "application_train.csv").symlink_to(synthetic_dir / "application_train.csv")
    result = train(only, tmp_path / "artifacts", FAST, progress=False)
    card = json.loads(result.paths.model_card.read_text())
    assert card["data"]["tables"] == ["application_train"]
    # Only application features: history aggregates would need the child tables.
    assert {f["name"] for f in card["features"]} <= set(APPLICATION_META)
    assert result.evaluation.roc_auc > 0.6


def test_training_on_the_real_sample_reaches_the_public_reference_auc(shared_data, tmp_path):
    data = tmp_path / "real"
    data.mkdir()
    (data / "application_train.csv").symlink_to(shared_data / "application_train_sample.csv")
    result = train(data, tmp_path / "artifacts", TrainConfig(), progress=False)
    assert result.evaluation.roc_auc >= 0.75
    card = json.loads(result.paths.model_card.read_text())
    assert card["data"]["synthetic"] is False
    assert card["data"]["rows"] == 6999


# --- bad input: a clear error, never a traceback ---------------------------------------------


def _application_dir(shared_data: Path, tmp_path: Path, edit) -> Path:
    frame = pd.read_csv(shared_data / "application_train_sample.csv", dtype=str)
    frame = edit(frame)
    directory = tmp_path / "data"
    directory.mkdir()
    frame.to_csv(directory / "application_train.csv", index=False)
    return directory


def test_no_target_column_is_named(shared_data, tmp_path):
    data = _application_dir(shared_data, tmp_path, lambda f: f.drop(columns=["TARGET"]))
    with pytest.raises(ModelBuildError, match=r"application_train.csv.*column.*TARGET"):
        train(data, tmp_path / "out", FAST, progress=False)


def test_a_single_class_is_refused(shared_data, tmp_path):
    data = _application_dir(shared_data, tmp_path, lambda f: f.assign(TARGET="0"))
    with pytest.raises(ModelBuildError, match=r"needs both outcomes.*0 defaulted"):
        train(data, tmp_path / "out", FAST, progress=False)


def test_too_few_rows_are_refused(shared_data, tmp_path):
    data = _application_dir(shared_data, tmp_path, lambda f: f.iloc[:50])
    with pytest.raises(ModelBuildError, match=r"50 rows is too few"):
        train(data, tmp_path / "out", FAST, progress=False)


def test_target_outside_zero_one_is_refused(shared_data, tmp_path):
    data = _application_dir(shared_data, tmp_path, lambda f: f.assign(TARGET="2"))
    with pytest.raises(ModelBuildError, match=r"TARGET: expected 0 or 1"):
        train(data, tmp_path / "out", FAST, progress=False)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "model_build", *args], capture_output=True, text=True, check=False
    )


def test_cli_config_with_unknown_key_fails_in_one_line(shared_data, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("[lightgbm]\nlearning_rat = 0.1\n")
    result = _cli(
        "train", "--data", str(shared_data), "--out", str(tmp_path / "o"), "--config", str(config)
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "unknown config key(s): lightgbm.learning_rat" in result.stderr.strip().splitlines()[-1]


def test_cli_score_with_a_missing_artifacts_directory_says_what_to_do(tmp_path):
    result = _cli(
        "score",
        "--artifacts",
        str(tmp_path / "nope"),
        "--data",
        str(tmp_path),
        "--out",
        str(tmp_path / "s.csv"),
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "python -m model_build train" in result.stderr
