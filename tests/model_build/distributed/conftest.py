"""A two-worker LocalCluster and the small synthetic data and model the distributed tests share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

from model_build.synth import generate
from model_build.train_job import TrainResult, train
from tests.model_build.test_train import FAST

CLIENTS = 3000
SEED = 11
PARTITION_CLIENTS = 700


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Client]:
    """Two single-threaded worker processes on loopback, as the issue asks for."""
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="session")
def csv_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The eight Kaggle CSVs of 3,000 synthetic clients."""
    out = tmp_path_factory.mktemp("synthetic_csv")
    generate(CLIENTS, SEED, out, progress=False)
    return out


@pytest.fixture(scope="session")
def parquet_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same clients and rows (same seed) as Parquet partitions of 700 clients."""
    out = tmp_path_factory.mktemp("synthetic_parquet")
    generate(CLIENTS, SEED, out, progress=False, partition_clients=PARTITION_CLIENTS)
    return out


@pytest.fixture(scope="session")
def model(csv_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    """A small model trained on one machine, the way tests/model_build/test_train.py does."""
    return train(csv_dir, tmp_path_factory.mktemp("artifacts"), FAST, progress=False)
