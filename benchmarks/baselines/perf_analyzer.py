"""Baseline load generator: Triton's perf_analyzer (C++) against our V2 endpoint (optional).

The binary ships inside the tritonclient 2.48.0 wheel of ``.venv-bench``; it links
libb64 (Debian ``libb64-0d``) and the CUDA runtime (PyPI ``nvidia-cuda-runtime-cu12``) even
on CPU. It needs Triton's ModelConfig RPC, which our server implements (MLServer does not).
"""

from __future__ import annotations

import base64
import csv
import logging
import os
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.plan import Plan
from benchmarks.processes import HOST
from benchmarks.v2 import OUR_MODEL, bytes_tensor
from benchmarks.workload import Workload

__all__ = ["find_perf_analyzer", "measure_perf_analyzer"]

logger = logging.getLogger(__name__)


def find_perf_analyzer(bench_venv: Path) -> tuple[Path, Path] | None:
    """The perf_analyzer binary and the CUDA runtime's library folder, if both are there."""
    binary = bench_venv / "bin" / "perf_analyzer"
    cudart = list(bench_venv.glob("lib/python3*/site-packages/nvidia/cuda_runtime/lib"))
    if not binary.is_file() or not cudart:
        return None
    return binary, cudart[0]


def _input_data(workload: Workload, path: Path, rows: int) -> None:
    """Real feature rows as perf_analyzer input data; tensors in base64 (NaN and BYTES)."""
    import json

    feed = workload.onnx_feed
    steps = []
    for i in range(min(rows, len(workload.client_ids))):
        step: dict[str, Any] = {}
        for name, array in feed.items():
            row = array[i]
            raw = bytes_tensor(row) if array.dtype == object else row.astype("<f8").tobytes()
            step[name] = {"b64": base64.b64encode(raw).decode("ascii"), "shape": [len(row)]}
        steps.append(step)
    path.write_text(json.dumps({"data": steps}), encoding="utf-8")


def _parse_csv(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    out = []
    for row in rows:
        out.append(
            {
                "concurrency": int(float(row["Concurrency"])),
                "inferences_per_second": float(row["Inferences/Second"]),
                # perf_analyzer reports microseconds.
                "p50_ms": float(row["p50 latency"]) / 1000,
                "p90_ms": float(row["p90 latency"]) / 1000,
                "p99_ms": float(row["p99 latency"]) / 1000,
                "mean_ms": float(row["Avg latency"]) / 1000 if "Avg latency" in row else None,
            }
        )
    # perf_analyzer's CSV is ordered by throughput; order it by concurrency.
    return sorted(out, key=lambda level: level["concurrency"])


def measure_perf_analyzer(
    workload: Workload, plan: Plan, bench_venv: Path, port: int, work_dir: Path
) -> dict[str, Any]:
    """perf_analyzer -i grpc against our server's V2 model, concurrency plan.perf_concurrency."""
    found = find_perf_analyzer(bench_venv)
    if found is None:
        return {
            "status": "skipped",
            "reason": f"perf_analyzer not found in {bench_venv}; run benchmarks/setup_baselines.sh",
        }
    binary, cudart = found
    work_dir.mkdir(parents=True, exist_ok=True)
    data = work_dir / "perf_input.json"
    report = work_dir / "perf_analyzer.csv"
    _input_data(workload, data, 256)
    command = [
        str(binary),
        "-i",
        "grpc",
        "-u",
        f"{HOST}:{port}",
        "-m",
        OUR_MODEL,
        "-b",
        "1",
        "--concurrency-range",
        plan.perf_concurrency,
        "--input-data",
        str(data),
        "--measurement-interval",
        str(plan.perf_window_ms),
        # A shared 2-core machine is never "stable" at perf_analyzer's default 10%: accept
        # any 3 consecutive windows within 100% of each other, and at most 5 windows.
        "--max-trials",
        "5",
        "--stability-percentage",
        "100",
        "-f",
        str(report),
    ]
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        filter(None, [str(cudart), os.environ.get("LD_LIBRARY_PATH", "")])
    )
    logger.info("perf_analyzer: concurrency %s", plan.perf_concurrency)
    timeout = 60 + 20 * plan.perf_window_ms / 1000 * 6
    try:
        completed = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"status": "failed", "reason": f"perf_analyzer ran past {timeout:.0f}s"}
    (work_dir / "perf_analyzer.log").write_text(completed.stdout + completed.stderr)
    if completed.returncode != 0 or not report.is_file():
        tail = (completed.stdout + completed.stderr).strip().splitlines()[-8:]
        return {"status": "failed", "reason": "\n".join(tail)}
    return {
        "status": "measured",
        "description": "Triton perf_analyzer 2.48.0 (C++), gRPC, batch 1, 256 real rows",
        "command": " ".join(command),
        "levels": _parse_csv(report),
    }
