"""Batch scoring on a Dask cluster: client partitions, the single-process features and model."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from distributed import Client

from model_build.client_partitions import client_ids, find_partitions, read_partition
from model_build.distributed.batch_scoring import STAGING, score_on_cluster, worker_model
from model_build.distributed.partitions import hash_partition
from model_build.errors import DataError
from model_build.schema import TABLES
from model_build.scoring import score_path
from model_build.train_job import TrainResult

from .conftest import CLIENTS, PARTITION_CLIENTS

pytestmark = pytest.mark.timeout(180)


def single_process_scores(model: TrainResult, data: Path, out: Path) -> pd.DataFrame:
    score_path(model.paths.root, data, out)
    return pd.read_csv(out).set_index("SK_ID_CURR")


def assert_same_scores(distributed: pd.DataFrame, single: pd.DataFrame) -> None:
    distributed = distributed.set_index("SK_ID_CURR")
    assert not distributed.index.has_duplicates
    assert sorted(distributed.index) == sorted(single.index)
    joined = distributed.merge(single, left_index=True, right_index=True, suffixes=("", "_single"))
    assert np.abs(joined["probability"] - joined["probability_single"]).max() <= 1e-9
    assert (joined["decision"] == joined["decision_single"]).all()


def test_distributed_scores_of_csv_data_equal_single_process_scores(
    dask_client: Client, model: TrainResult, csv_dir: Path, tmp_path: Path
) -> None:
    summary = score_on_cluster(
        dask_client, model.paths.root, csv_dir, tmp_path / "scores", n_partitions=3
    )
    single = single_process_scores(model, csv_dir, tmp_path / "single.csv")
    assert (summary.rows, summary.partitions) == (CLIENTS, 3)
    assert summary.refused == int((single["decision"] == "REFUSE").sum())
    assert_same_scores(pd.read_parquet(tmp_path / "scores"), single)


def test_client_partitioned_parquet_is_scored_as_it_is_with_the_same_scores(
    dask_client: Client, model: TrainResult, csv_dir: Path, parquet_dir: Path, tmp_path: Path
) -> None:
    summary = score_on_cluster(dask_client, model.paths.root, parquet_dir, tmp_path / "scores")
    single = single_process_scores(model, csv_dir, tmp_path / "single.csv")
    assert summary.partitions == -(-CLIENTS // PARTITION_CLIENTS)  # synth's, no re-partitioning
    assert_same_scores(pd.read_parquet(tmp_path / "scores"), single)


def test_scores_are_one_parquet_file_per_partition_with_the_decision_at_the_threshold(
    dask_client: Client, model: TrainResult, parquet_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "scores"
    summary = score_on_cluster(dask_client, model.paths.root, parquet_dir, out)
    files = sorted(path.name for path in out.iterdir())
    assert files == [f"part-{k:06d}.parquet" for k in range(summary.partitions)]
    scores = pd.read_parquet(out)
    assert list(scores.columns) == ["SK_ID_CURR", "probability", "decision"]
    assert scores["SK_ID_CURR"].dtype == np.int64 and scores["probability"].dtype == np.float64
    refused = scores["probability"] >= summary.threshold
    assert (scores.loc[refused, "decision"] == "REFUSE").all()
    assert (scores.loc[~refused, "decision"] == "APPROVE").all()


def test_csv_data_is_hash_partitioned_into_whole_clients_with_all_their_history(
    dask_client: Client, csv_dir: Path, tmp_path: Path
) -> None:
    partitions = hash_partition(dask_client, csv_dir, tmp_path / "staging", n_partitions=4)
    assert [p.index for p in partitions] == [0, 1, 2, 3]
    rows = dict.fromkeys((spec.name for spec in TABLES), 0)
    for partition in partitions:
        # orphans="error": a child row whose parent is in another partition would be one.
        dataset = read_partition(partition, orphans="error")
        clients = client_ids(dataset)
        assert (clients % 4 == partition.index).all()
        for spec in TABLES:
            rows[spec.name] += len(dataset.table(spec.name))
    expected = {
        spec.name: len(pd.read_csv(csv_dir / spec.filename, usecols=[0])) for spec in TABLES
    }
    assert rows == expected


def test_the_staging_copy_is_removed_after_the_run(
    dask_client: Client, model: TrainResult, csv_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "scores"
    score_on_cluster(dask_client, model.paths.root, csv_dir, out, n_partitions=2)
    assert not (out / STAGING).exists()
    assert find_partitions(csv_dir) is None  # CSV is never in the client layout


def test_each_worker_loads_the_model_once_for_all_its_partitions(
    dask_client: Client, model: TrainResult, parquet_dir: Path, tmp_path: Path
) -> None:
    dask_client.run(worker_model.cache_clear)
    summary = score_on_cluster(dask_client, model.paths.root, parquet_dir, tmp_path / "scores")
    loads = dask_client.run(lambda: worker_model.cache_info())
    assert sum(info.misses + info.hits for info in loads.values()) == summary.partitions
    assert {info.misses for info in loads.values() if info.misses + info.hits} == {1}
    assert summary.workers == 2


def test_applications_without_history_tables_use_the_stored_history_like_one_process(
    dask_client: Client, model: TrainResult, csv_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "applications"
    data.mkdir()
    for name in ("application_train.csv", "application_test.csv"):
        shutil.copy(csv_dir / name, data / name)
    summary = score_on_cluster(
        dask_client, model.paths.root, data, tmp_path / "scores", n_partitions=3
    )
    single = single_process_scores(model, data, tmp_path / "single.csv")
    assert summary.rows == CLIENTS
    assert_same_scores(pd.read_parquet(tmp_path / "scores"), single)


def test_monthly_rows_of_an_unknown_credit_are_an_error_unless_dropped(
    dask_client: Client, model: TrainResult, csv_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "orphans"
    shutil.copytree(csv_dir, data)
    with (data / "bureau_balance.csv").open("a", encoding="utf-8") as handle:
        handle.write("99999999,-1,C\n")
    with pytest.raises(DataError, match=r"bureau_balance.csv.*1 row\(s\).*SK_ID_BUREAU"):
        score_on_cluster(dask_client, model.paths.root, data, tmp_path / "a", n_partitions=2)
    summary = score_on_cluster(
        dask_client, model.paths.root, data, tmp_path / "b", orphans="drop", n_partitions=2
    )
    assert summary.rows == CLIENTS
