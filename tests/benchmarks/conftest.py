"""Benchmark fixtures: a tiny model trained once per session (seeded synthetic data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from model_build.config import ExportConfig, LightGBMConfig, TrainConfig
from model_build.synth import generate
from model_build.train_job import train

CLIENTS = 2000
SEED = 11
# Small and single-threaded, but the same code path as the defaults.
TINY = TrainConfig(
    seed=SEED,
    n_folds=2,
    lightgbm=LightGBMConfig(
        learning_rate=0.1, max_rounds=60, early_stopping_rounds=20, num_threads=1
    ),
    export=ExportConfig(parity_rows=1000, shap_rows=200),
)


@pytest.fixture(scope="session")
def tiny_artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Artifacts of a tiny model (`model_build train` layout)."""
    data = tmp_path_factory.mktemp("bench_data")
    generate(CLIENTS, SEED, data, progress=False)
    out = tmp_path_factory.mktemp("bench_artifacts")
    train(data, out, TINY, progress=False)
    return out
