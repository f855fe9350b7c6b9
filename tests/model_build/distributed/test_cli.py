"""`python -m model_build score|train --dask`: results on a cluster, user errors in one line."""

from __future__ import annotations

from pathlib import Path

import dask
import pandas as pd
import pytest
from distributed import Client

from model_build.cli import main
from model_build.distributed import cluster
from model_build.train_job import TrainResult

from .conftest import CLIENTS

pytestmark = pytest.mark.timeout(120)


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("error: ")
    return err[0]


@pytest.fixture
def no_local_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the command starts a LocalCluster."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a LocalCluster was started")

    monkeypatch.setattr(cluster, "LocalCluster", refuse)


def test_score_dask_address_writes_parquet_parts_and_prints_a_summary(
    dask_client: Client,
    model: TrainResult,
    parquet_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "scores"
    argv = ["score", "--artifacts", str(model.paths.root), "--data", str(parquet_dir)]
    assert main([*argv, "--out", str(out), "--dask", dask_client.scheduler.address]) == 0
    printed = capsys.readouterr().out
    assert f"{CLIENTS:,} applications scored with model {model.model_version}" in printed
    assert "on 2 Dask worker(s)" in printed
    assert len(pd.read_parquet(out)) == CLIENTS


def test_an_unreachable_scheduler_is_one_line_not_a_traceback(
    model: TrainResult, parquet_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["score", "--artifacts", str(model.paths.root), "--data", str(parquet_dir)]
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = main([*argv, "--out", str(tmp_path / "s"), "--dask", "tcp://127.0.0.1:9"])
    assert code == 2
    assert one_error_line(capsys).startswith(
        "error: cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'"
    )


def test_a_malformed_scheduler_address_is_one_line(
    model: TrainResult, parquet_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["score", "--artifacts", str(model.paths.root), "--data", str(parquet_dir)]
    assert main([*argv, "--out", str(tmp_path / "s"), "--dask", "scheduler"]) == 2
    assert "cannot reach the Dask scheduler at 'scheduler'" in one_error_line(capsys)


@pytest.mark.usefixtures("no_local_cluster")
def test_missing_data_is_one_line_before_any_cluster_starts(
    model: TrainResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere"
    argv = ["score", "--artifacts", str(model.paths.root), "--data", str(missing)]
    assert main([*argv, "--out", str(tmp_path / "s"), "--dask", "local"]) == 2
    assert one_error_line(capsys) == f"error: {missing}: not a directory"


@pytest.mark.usefixtures("no_local_cluster")
def test_missing_artifacts_are_one_line_before_any_cluster_starts(
    parquet_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["score", "--artifacts", str(tmp_path), "--data", str(parquet_dir)]
    assert main([*argv, "--out", str(tmp_path / "s"), "--dask", "local"]) == 2
    assert "model_card.json: not found" in one_error_line(capsys)


@pytest.mark.usefixtures("no_local_cluster")
def test_train_dask_with_missing_data_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere"
    argv = ["train", "--data", str(missing), "--out", str(tmp_path / "a"), "--dask", "local"]
    assert main(argv) == 2
    assert one_error_line(capsys) == f"error: {missing}: not a directory"


def test_data_without_application_train_is_one_line(
    dask_client: Client, model: TrainResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    argv = ["score", "--artifacts", str(model.paths.root), "--data", str(empty)]
    assert main([*argv, "--out", str(tmp_path / "s"), "--dask", dask_client.scheduler.address]) == 2
    assert "application_train.csv: required file not found" in one_error_line(capsys)


def test_partition_clients_needs_the_parquet_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["synth", "--clients", "10", "--out", str(tmp_path), "--partition-clients", "5"]
    assert main(argv) == 2
    assert one_error_line(capsys) == "error: --partition-clients needs --format parquet"
