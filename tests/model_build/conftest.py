"""Model-build fixtures shared by several test modules (session scope):
tracked_build   a small model trained on seeded synthetic data with `train(mlflow_uri=...)`:
                its TrainResult, the MLflow file store it was logged to, and its model card
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from model_build.config import ExportConfig, LightGBMConfig, TrainConfig
from model_build.synth import generate
from model_build.train_job import TrainResult, train

CLIENTS = 2500
SEED = 5
# Small and single-threaded, but the same code path as the defaults.
TRACKED_CONFIG = TrainConfig(
    seed=SEED,
    n_folds=2,
    lightgbm=LightGBMConfig(
        learning_rate=0.1, max_rounds=80, early_stopping_rounds=20, num_threads=1
    ),
    export=ExportConfig(parity_rows=1000, shap_rows=300),
)


@dataclass(frozen=True)
class TrackedBuild:
    """A build logged to MLflow: where everything went."""

    result: TrainResult
    store: Path
    card: dict[str, Any]

    @property
    def tracking_uri(self) -> str:
        return self.store.resolve().as_uri()


@pytest.fixture(scope="session")
def tracked_build(tmp_path_factory: pytest.TempPathFactory) -> TrackedBuild:
    root = tmp_path_factory.mktemp("tracked_build")
    generate(CLIENTS, SEED, root / "data", progress=False)
    store = root / "store"
    result = train(
        root / "data", root / "artifacts", TRACKED_CONFIG, progress=False, mlflow_uri=str(store)
    )
    card = json.loads(result.paths.model_card.read_text(encoding="utf-8"))
    return TrackedBuild(result, store, card)
