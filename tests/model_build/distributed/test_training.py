"""Training on a Dask cluster: lightgbm.dask behind the job's Fitter seam, same artifacts."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from distributed import Client
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from model_build.cli import main
from model_build.config import DistributedConfig, LightGBMConfig, TrainConfig
from model_build.distributed.training import DaskFitter, planned_trees
from model_build.features import build_catalog, build_feature_frame, history_features
from model_build.lightgbm_training import (
    cross_validate,
    cross_validate_folds,
    lightgbm_params,
    resolve_scale_pos_weight,
)
from model_build.loader import load_dataset
from model_build.model_inputs import encode_for_lightgbm, feature_spec
from model_build.synth import generate
from tests.model_build.test_train import FAST

pytestmark = pytest.mark.timeout(300)

TREES = 60


@dataclasses.dataclass(frozen=True)
class Encoded:
    features: pd.DataFrame
    y: np.ndarray
    categorical: list[str]


def encoded(data: Path) -> Encoded:
    dataset = load_dataset(data)
    frame = build_feature_frame(dataset.application_train, history_features(dataset))
    spec = feature_spec(build_catalog(frame))
    return Encoded(
        encode_for_lightgbm(frame, spec),
        dataset.application_train["TARGET"].to_numpy(),
        list(spec.categorical_names),
    )


@pytest.fixture(scope="module")
def clients_20k(tmp_path_factory: pytest.TempPathFactory) -> Encoded:
    # Enough rows for AUCs that differ by the fitting, not by the noise of a small sample.
    out = tmp_path_factory.mktemp("synthetic_20k")
    generate(20_000, 5, out, progress=False, partition_clients=20_000)
    return encoded(out)


def test_distributed_out_of_fold_auc_is_within_0_005_of_one_machine_with_the_same_trees(
    dask_client: Client, clients_20k: Encoded
) -> None:
    # The default hyper-parameters, as the deployed model; 3 folds to keep the test short.
    config = TrainConfig(
        n_folds=3,
        lightgbm=LightGBMConfig(num_threads=1),
        distributed=DistributedConfig(num_trees=150),
    )
    data = clients_20k
    weight = resolve_scale_pos_weight(config.lightgbm, data.y)
    params = lightgbm_params(config.lightgbm, weight, config.seed)

    def one_machine(
        fit_x: pd.DataFrame, fit_y: np.ndarray, val_x: pd.DataFrame, _: np.ndarray
    ) -> tuple[np.ndarray, int]:
        train_set = lgb.Dataset(fit_x, label=fit_y, categorical_feature=data.categorical)
        booster = lgb.train(params, train_set, num_boost_round=150)
        return np.asarray(booster.predict(val_x, raw_score=True)), 150

    local = cross_validate_folds(data.features, data.y, config, weight, one_machine)
    dask = DaskFitter(dask_client).cross_validate(data.features, data.y, config, data.categorical)
    assert dask.best_iterations == [150, 150, 150] and dask.final_rounds == 150
    local_auc = roc_auc_score(data.y, local.oof_margin)
    assert local_auc > 0.75
    assert abs(roc_auc_score(data.y, dask.oof_margin) - local_auc) <= 0.005


def test_train_dask_writes_every_artifact_with_onnx_parity_and_says_how_it_was_trained(
    dask_client: Client, csv_dir: Path, tmp_path: Path
) -> None:
    config = tmp_path / "train.toml"
    config.write_text(
        "n_folds = 3\n"
        "[lightgbm]\nlearning_rate = 0.1\nnum_threads = 1\n"
        f"[distributed]\nnum_trees = {TREES}\n",
        encoding="utf-8",
    )
    out = tmp_path / "artifacts"
    argv = ["train", "--data", str(csv_dir), "--out", str(out), "--config", str(config)]
    assert main([*argv, "--dask", dask_client.scheduler.address, "--no-progress"]) == 0
    card = json.loads((out / "model_card.json").read_text())
    for name in ("model.onnx", "model_encoded.onnx", "client_book.parquet", "report/report.md"):
        assert (out / name).is_file(), name
    assert card["onnx_parity_max_abs_diff"] <= 1e-5
    assert card["model"]["num_trees"] == TREES
    assert "lightgbm.dask" in card["training"]["method"]
    assert card["training"]["trees"].startswith(f"{TREES}, fixed beforehand")
    assert "config (distributed.num_trees)" in card["training"]["trees"]
    report = (out / "report" / "report.md").read_text()
    assert "## How it was trained" in report and "lightgbm.dask" in report
    assert json.loads((out / "report" / "report.json").read_text())["training"] == card["training"]


def test_by_default_the_trees_come_from_single_machine_cv_on_a_sample(csv_dir: Path) -> None:
    data = encoded(csv_dir)
    config = dataclasses.replace(FAST, distributed=DistributedConfig(cv_sample_rows=1500))
    trees, source = planned_trees(data.features, data.y, config, data.categorical)
    sample = train_test_split(
        np.arange(len(data.y)), train_size=1500, stratify=data.y, random_state=config.seed
    )[0]
    sample = np.sort(sample)
    expected = cross_validate(
        data.features.iloc[sample], data.y[sample], config, data.categorical
    ).final_rounds
    assert trees == expected
    assert source.startswith("single-machine 3-fold cross-validation with early stopping")
    assert f"1,500 of the {len(data.y):,} rows" in source


def test_a_number_of_trees_in_the_config_is_used_as_it_is(csv_dir: Path) -> None:
    data = encoded(csv_dir)
    config = dataclasses.replace(FAST, distributed=DistributedConfig(num_trees=77))
    assert planned_trees(data.features, data.y, config, data.categorical) == (
        77,
        "config (distributed.num_trees)",
    )
