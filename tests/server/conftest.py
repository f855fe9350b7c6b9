"""Server fixtures: a tiny model trained once per session and a real in-process gRPC server.

Fixtures for every server test module (session scope):
  synthetic_data_dir   seeded synthetic Kaggle CSVs (train + test applications, child tables)
  artifacts_dir        artifacts of a small model trained on them (`model_build train` layout)
  serving_artifacts    server.artifacts.ServingArtifacts loaded from artifacts_dir
  grpc_server          RunningServer(server, port, address): started on 127.0.0.1:0, without
                       authentication (--no-auth), with reflection
  channel              grpc.Channel to grpc_server
  stub                 creditscore.v1 CreditScoreServiceStub on channel
  reference_scores     `python -m model_build score` output for every client: SK_ID_CURR ->
                       probability (pandas Series)
  security             SecurityMaterial: a local CA's certificates (server, clients) and a
                       credentials file with a token per role (server.security)
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
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
from server.security.certificates import write_certificates
from server.security.credentials import (
    CallerEntry,
    Credentials,
    load_credentials,
    mint_token,
    write_credentials,
)
from server.security.roles import Role
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
    """A started server on 127.0.0.1 with a free port (stop it with .server.shutdown); without
    authentication unless ``settings`` name a credentials file (tests/server/test_security_*
    cover callers and roles)."""
    settings.setdefault("no_auth", "credentials_file" not in settings)
    # Each server its own decision store: one file shared by every server of the session would
    # make them wait for one another's commits.
    if "record_db" not in settings:
        directory = tempfile.mkdtemp(prefix="records-")
        # Servers outlive the test that started them (session fixtures): gone with the session.
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        settings["record_db"] = str(Path(directory) / "db.sqlite")
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
    # Reflection on: test_lifecycle checks what it lists.
    running = start_server(serving_artifacts, worker_threads=4, batch_threads=2, reflection=True)
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


@dataclass(frozen=True)
class SecurityMaterial:
    """Certificates of a local CA and a credentials file, made once per session.

    ``directory`` holds ca.pem, server.pem/.key and NAME.pem/.key for the clients
    ``audit-team`` (a caller by certificate) and ``stranger`` (signed, but no caller);
    ``rogue/`` the same names from another CA. ``tokens``: role -> the bearer token of the
    caller ``<role>-caller`` of ``credentials_file``.
    """

    directory: Path
    credentials_file: Path
    tokens: dict[Role, str]

    def pem(self, name: str) -> bytes:
        return (self.directory / name).read_bytes()


@pytest.fixture(scope="session")
def security(tmp_path_factory: pytest.TempPathFactory) -> SecurityMaterial:
    directory = tmp_path_factory.mktemp("security")
    write_certificates(directory, ["audit-team", "stranger"])
    write_certificates(directory / "rogue", ["audit-team"])
    credentials = directory / "credentials.json"
    tokens = {role: mint_token(credentials, f"{role}-caller", role) for role in Role}
    by_certificate = CallerEntry("audit-team", Role.AUDITOR, certificate_cn="audit-team")
    callers = (*load_credentials(credentials).callers, by_certificate)
    write_credentials(credentials, Credentials(callers))
    return SecurityMaterial(directory, credentials, tokens)
