"""Baseline: MLServer with its LightGBM runtime over V2 gRPC, from the bench venv (optional).

MLServer conflicts with the project's pins (protobuf / grpcio), so it lives in
``.venv-bench`` (``benchmarks/setup_baselines.sh``); without it the baseline is skipped.
Measured twice: MLServer's defaults (its LightGBM runtime leaves OpenMP at every core) and
``OMP_NUM_THREADS=1``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

import grpc
import numpy as np

from benchmarks.grpc_load import CHANNEL_OPTIONS, cycling, sequential
from benchmarks.plan import Plan
from benchmarks.processes import HOST, ProcessError, free_port, start_service
from benchmarks.v2 import infer_request
from benchmarks.workload import Workload
from inference import grpc_service_pb2 as pb
from inference import grpc_service_pb2_grpc

__all__ = ["MODEL_NAME", "find_mlserver", "measure_mlserver"]

logger = logging.getLogger(__name__)

MODEL_NAME = "credit_default_lgb"
CONFIGS: dict[str, dict[str, str]] = {"default": {}, "omp_1_thread": {"OMP_NUM_THREADS": "1"}}


def find_mlserver(bench_venv: Path) -> Path | None:
    """The ``mlserver`` executable of the bench venv, if installed."""
    executable = bench_venv / "bin" / "mlserver"
    return executable if executable.is_file() else None


def _model_repository(workload: Workload, root: Path, ports: dict[str, int]) -> Path:
    model_dir = root / MODEL_NAME
    model_dir.mkdir(parents=True, exist_ok=True)
    # The LightGBM runtime loads a booster text file named model.bst.
    shutil.copyfile(workload.paths.booster, model_dir / "model.bst")
    (model_dir / "model-settings.json").write_text(
        json.dumps(
            {
                "name": MODEL_NAME,
                "implementation": "mlserver_lightgbm.LightGBMModel",
                "parameters": {"uri": "./model.bst", "version": "v1"},
            }
        ),
        encoding="utf-8",
    )
    (root / "settings.json").write_text(
        json.dumps(
            {
                "host": HOST,
                "http_port": ports["http"],
                "grpc_port": ports["grpc"],
                "metrics_port": ports["metrics"],
            }
        ),
        encoding="utf-8",
    )
    return root


def _ready(port: int) -> Any:
    def probe() -> bool:
        with grpc.insecure_channel(f"{HOST}:{port}") as channel:
            stub = grpc_service_pb2_grpc.GRPCInferenceServiceStub(channel)
            try:
                reply = stub.ModelReady(pb.ModelReadyRequest(name=MODEL_NAME), timeout=1.0)
            except grpc.RpcError:
                return False
            return bool(reply.ready)

    return probe


def measure_mlserver(
    workload: Workload,
    plan: Plan,
    bench_venv: Path,
    work_dir: Path,
    configs: tuple[str, ...] | None = None,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """ModelInfer of one row (booster input layout) against ``mlserver start``, per config
    (every one of CONFIGS unless ``configs`` names some)."""
    executable = find_mlserver(bench_venv)
    if executable is None:
        return {
            "status": "skipped",
            "reason": f"mlserver not found in {bench_venv}; run benchmarks/setup_baselines.sh",
        }, {}
    matrix = workload.booster_matrix
    requests = [
        infer_request(MODEL_NAME, {"input-0": matrix[i : i + 1]}) for i in range(len(matrix))
    ]
    batch = infer_request(MODEL_NAME, {"input-0": matrix[: min(1000, len(matrix))]})
    out: dict[str, Any] = {
        "status": "measured",
        "description": "MLServer + mlserver-lightgbm (model.bst), V2 gRPC, FP64 [1, features]",
        "configs": {},
    }
    samples: dict[str, np.ndarray] = {}
    for config, extra_env in CONFIGS.items():
        if configs is not None and config not in configs:
            continue
        ports = {"http": free_port(), "grpc": free_port(), "metrics": free_port()}
        repository = _model_repository(workload, work_dir / f"mlserver_{config}", ports)
        # "default" means MLServer's default: no OMP_NUM_THREADS inherited from the caller.
        env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"} | extra_env
        try:
            service = start_service(
                f"mlserver_{config}",
                [str(executable), "start", str(repository)],
                work_dir,
                _ready(ports["grpc"]),
                env=env,
                timeout_seconds=120.0,
            )
        except ProcessError as error:
            out["configs"][config] = {"status": "failed", "reason": str(error)[:2000]}
            continue
        try:
            with grpc.insecure_channel(f"{HOST}:{ports['grpc']}", options=CHANNEL_OPTIONS) as ch:
                stub = grpc_service_pb2_grpc.GRPCInferenceServiceStub(ch)
                stub.ModelInfer(requests[0], timeout=10.0)
                logger.info("mlserver %s: ModelInfer x1", config)
                single, series = sequential(cycling(stub.ModelInfer, requests), plan.fast)
                rows = int(batch.inputs[0].shape[0])
                logger.info("mlserver %s: ModelInfer x%d", config, rows)
                batched, _ = sequential(cycling(stub.ModelInfer, [batch]), plan.batch, rows)
        finally:
            service.stop()
        out["configs"][config] = {
            "env": extra_env,
            "single": single.to_dict(),
            "batch": batched.to_dict(),
        }
        samples[f"mlserver_{config}"] = series
    return out, samples
