"""Server fixtures: a tiny model trained once per session and a real in-process gRPC server.

Fixtures for every server test module (session scope):
  synthetic_data_dir   seeded synthetic Kaggle CSVs (train + test applications, child tables)
  artifacts_dir        artifacts of a small model trained on them (`model_build train` layout)
  serving_artifacts    server.artifacts.ServingArtifacts loaded from artifacts_dir
  grpc_server          RunningServer(server, port, address): started on 127.0.0.1:0
  channel              grpc.Channel to grpc_server
  stub                 creditscore.v1 CreditScoreServiceStub on channel
  reference_scores     `python -m model_build score` output for every client: SK_ID_CURR ->
                       probability (pandas Series)
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import grpc
import pandas as pd
import pytest

from creditscore.v1 import credit_score_pb2_grpc
from model_build.config import ExportConfig, LightGBMConfig, TrainConfig
from model_build.synth import generate
from model_build.train_job import train
from server.app import ScoringServer, create_server
from server.artifacts import ServingArtifacts, load_artifacts
from server.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 2500
SEED = 5
# Small and single-threaded (fast on a busy machine), but the same code path as the defaults.
FAST = TrainConfig(
    seed=SEED,
    n_folds=2,
    lightgbm=LightGBMConfig(
        learning_rate=0.1, max_rounds=80, early_stopping_rounds=20, num_threads=1
    ),
    export=ExportConfig(parity_rows=1000, shap_rows=300),
)


class RunningServer(NamedTuple):
    """A started test server and where it listens."""

    server: ScoringServer
    port: int
    address: str


@pytest.fixture(scope="session")
def synthetic_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("server_data")
    generate(CLIENTS, SEED, out, progress=False)
    return out


@pytest.fixture(scope="session")
def artifacts_dir(synthetic_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("server_artifacts")
    train(synthetic_data_dir, out, FAST, progress=False)
    return out


@pytest.fixture(scope="session")
def serving_artifacts(artifacts_dir: Path) -> ServingArtifacts:
    return load_artifacts(artifacts_dir)


def start_server(artifacts: ServingArtifacts, **settings: object) -> RunningServer:
    """A started server on 127.0.0.1 with a free port (stop it with .server.shutdown)."""
    config = Settings(
        artifacts_dir=artifacts.paths.root,
        host="127.0.0.1",
        port=0,
        **settings,  # type: ignore[arg-type]
    )
    server, port = create_server(config, artifacts=artifacts)
    server.start()
    return RunningServer(server, port, f"127.0.0.1:{port}")


@pytest.fixture(scope="session")
def grpc_server(serving_artifacts: ServingArtifacts) -> Iterator[RunningServer]:
    # Two parallel runs for large batches, whatever the machine: that path is tested too.
    running = start_server(serving_artifacts, worker_threads=4, batch_threads=2)
    yield running
    running.server.shutdown(grace_seconds=1.0).wait(5)


@pytest.fixture(scope="session")
def channel(grpc_server: RunningServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(grpc_server.address) as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        yield channel


@pytest.fixture(scope="session")
def stub(channel: grpc.Channel) -> credit_score_pb2_grpc.CreditScoreServiceStub:
    return credit_score_pb2_grpc.CreditScoreServiceStub(channel)


@pytest.fixture(scope="session")
def reference_scores(
    artifacts_dir: Path, synthetic_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> pd.Series:
    out = tmp_path_factory.mktemp("reference") / "scores.csv"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "model_build",
            "score",
            "--artifacts",
            str(artifacts_dir),
            "--data",
            str(synthetic_data_dir),
            "--out",
            str(out),
        ],
        check=True,
        cwd=REPO_ROOT,
        capture_output=True,
    )
    return pd.read_csv(out).set_index("SK_ID_CURR")["probability"]
