"""Batch scoring on a Dask cluster: each client partition scored by the single-process code."""

from __future__ import annotations

import functools
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from distributed import Client

from model_build.artifacts import ArtifactPaths, read_model_card
from model_build.client_partitions import (
    ClientPartition,
    client_ids,
    find_partitions,
    read_partition,
)
from model_build.distributed.partitions import hash_partition
from model_build.errors import DataError, ModelBuildError
from model_build.loader import OrphanPolicy
from model_build.scoring import ScoringModel, unlabelled_applications

__all__ = ["STAGING", "DistributedScoreSummary", "PartitionScore", "score_on_cluster"]

logger = logging.getLogger(__name__)

# Under --out while the job runs: the client partitions of data that was not partitioned
# by client yet (removed at the end, kept out of readers' way by its leading underscore).
STAGING = "_client_partitions"
OUTPUT_PREFIX = "part-"


@dataclass(frozen=True)
class DistributedScoreSummary:
    """What a distributed batch scoring run did."""

    rows: int
    refused: int
    threshold: float
    model_version: str
    out: Path
    partitions: int
    workers: int
    seconds: float


@dataclass(frozen=True)
class PartitionScore:
    """What scoring one client partition did, on its worker."""

    rows: int
    refused: int
    worker_pid: int


def score_on_cluster(
    client: Client,
    artifacts: Path,
    data: Path,
    out: Path,
    *,
    orphans: OrphanPolicy = "error",
    n_partitions: int | None = None,
) -> DistributedScoreSummary:
    """Score every application of the data directory ``data`` on the cluster of ``client``;
    write ``SK_ID_CURR, probability, decision`` to ``out/part-NNNNNN.parquet``.

    Data already in client partitions (``model_build.client_partitions``, as ``synth
    --format parquet`` writes) is scored as it is; other data (CSV or Parquet tables) is
    first hash-partitioned by client under ``out`` (``n_partitions`` parts, default from its
    size). Workers read the paths themselves, so ``artifacts``, ``data`` and ``out`` must be
    visible to them under the same names (one machine, or a shared volume).
    """
    started = time.perf_counter()
    artifacts, data, out = artifacts.resolve(), data.resolve(), out.resolve()
    card = read_model_card(ArtifactPaths(artifacts))
    if not data.is_dir():
        raise DataError(str(data), "not a directory (distributed scoring reads a data directory)")
    if out.exists() and not out.is_dir():
        raise ModelBuildError(f"{out}: not a directory (distributed scoring writes Parquet parts)")
    out.mkdir(parents=True, exist_ok=True)
    for previous in out.glob(f"{OUTPUT_PREFIX}*.parquet"):
        previous.unlink()  # a run with other partitions must not leave a mixed directory
    staging = out / STAGING
    try:
        partitions = find_partitions(data)
        if partitions is None:
            partitions = hash_partition(client, data, staging, n_partitions=n_partitions)
        futures = client.map(
            score_partition,
            partitions,
            artifacts=str(artifacts),
            model_version=str(card["model_version"]),
            out=str(out),
            orphans=orphans,
            pure=False,
        )
        results: list[PartitionScore] = client.gather(futures)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return DistributedScoreSummary(
        rows=sum(r.rows for r in results),
        refused=sum(r.refused for r in results),
        threshold=float(card["threshold"]),
        model_version=str(card["model_version"]),
        out=out,
        partitions=len(partitions),
        workers=len({r.worker_pid for r in results}),
        seconds=time.perf_counter() - started,
    )


def score_partition(
    partition: ClientPartition,
    *,
    artifacts: str,
    model_version: str,
    out: str,
    orphans: OrphanPolicy,
) -> PartitionScore:
    """Score one client partition on a worker: its tables, the same features and ONNX model
    as ``model_build score``; the scores go to one Parquet file."""
    model = worker_model(artifacts, model_version)
    dataset = read_partition(partition, orphans=orphans)
    applications = unlabelled_applications(dataset)
    if applications.empty:  # child rows only (orphans, dropped)
        return PartitionScore(0, 0, os.getpid())
    history = model.history_of(dataset, client_ids(dataset))
    probability = model.probability(applications, history)
    decision = model.decisions(probability)
    scores = pd.DataFrame(
        {
            "SK_ID_CURR": applications["SK_ID_CURR"].to_numpy(dtype=np.int64),
            "probability": probability,
            "decision": decision,
        }
    )
    target = Path(out) / f"{OUTPUT_PREFIX}{partition.index:06d}.parquet"
    # Written under a temporary name first: a retried task never leaves a torn file.
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    scores.to_parquet(partial, index=False)
    partial.replace(target)
    return PartitionScore(len(scores), int((decision == "REFUSE").sum()), os.getpid())


@functools.lru_cache(maxsize=2)
def worker_model(artifacts: str, model_version: str) -> ScoringModel:
    """The model of ``artifacts``, loaded once per worker process (one onnxruntime session,
    shared by the worker's threads); a ModelBuildError when the worker's copy of the
    artifacts is another model than the job's."""
    model = ScoringModel(Path(artifacts))
    found = str(model.card["model_version"])
    if found != model_version:
        raise ModelBuildError(
            f"{artifacts} holds model {found} on worker pid {os.getpid()}, the job scores "
            f"with {model_version}: give every worker the same artifacts"
        )
    logger.info("worker %d loaded model %s", os.getpid(), found)
    return model
