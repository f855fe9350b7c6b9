"""The rows every measurement uses: stored clients of the artifacts, in model-input layouts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

from model_build.artifacts import ArtifactPaths
from model_build.model_inputs import FeatureSpec, encode_for_lightgbm, onnx_inputs

__all__ = ["Workload", "load_workload"]

KEY = "SK_ID_CURR"


@dataclass(frozen=True)
class Workload:
    """``rows`` stored clients, drawn once with a fixed seed, in every layout a target takes.

    ``frame`` holds the clients' model features (client book columns), ``onnx_feed`` the ONNX
    inputs, ``booster_matrix`` LightGBM's input (float64, model order, categoricals as codes).
    """

    paths: ArtifactPaths
    spec: FeatureSpec
    client_ids: np.ndarray
    frame: pd.DataFrame
    train_frame: pd.DataFrame
    train_target: np.ndarray
    onnx_feed: dict[str, np.ndarray]
    booster_matrix: np.ndarray
    num_trees: int

    @property
    def feature_names(self) -> tuple[str, ...]:
        return self.spec.feature_order


def load_workload(artifacts: Path, rows: int, seed: int = 0) -> Workload:
    """``rows`` random stored clients of ``artifacts`` (fewer if the store is smaller)."""
    paths = ArtifactPaths(artifacts)
    spec = FeatureSpec.from_json(paths.feature_spec.read_text(encoding="utf-8"))
    book = pd.read_parquet(paths.client_book).set_index(KEY)
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(book), size=min(rows, len(book)), replace=False)
    features = list(spec.feature_order)
    frame = book.iloc[chosen][features]
    train = book[book["split"] == "train"]
    booster = lgb.Booster(model_file=str(paths.booster))
    return Workload(
        paths=paths,
        spec=spec,
        client_ids=frame.index.to_numpy(dtype=np.int64),
        frame=frame,
        train_frame=train[features],
        train_target=train["TARGET"].to_numpy(dtype=np.int64),
        onnx_feed=onnx_inputs(frame, spec),
        booster_matrix=np.ascontiguousarray(
            encode_for_lightgbm(frame, spec).to_numpy(dtype=np.float64)
        ),
        num_trees=int(booster.num_trees()),
    )
