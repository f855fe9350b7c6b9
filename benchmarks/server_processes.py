"""Score throughput, memory and start time of ``python -m server --processes 1`` vs ``2``.

The load generators run on the same cores as the servers (as the issue asks): 32 Score calls
in flight over 8 connections (the kernel spreads connections over the processes, not calls),
from grpc.aio in this process and, when installed, from nghttp2's h2load (C; Debian's
nghttp2-client, installed by `make bench-setup`), which leaves the servers more of the cores
than a Python client can. Memory is read per process (psutil: RSS, PSS, USS): a forked
process shares the parent's pages, so PSS (shared pages split between their users) sums to
what the group really holds and USS is what one process alone holds.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from benchmarks.grpc_load import concurrent_load
from benchmarks.machine import load_average, machine_info
from benchmarks.ours import async_score
from benchmarks.processes import HOST, Service, free_port, grpc_ready, start_service
from benchmarks.stats import Budget
from creditscore.v1 import credit_score_pb2 as cs
from server.artifacts import ArtifactPaths

__all__ = ["ProcessesOptions", "run_server_processes"]

logger = logging.getLogger(__name__)

CONCURRENCY = 32
CONNECTIONS = 8
MB = 1024 * 1024
# Issue 14's targets, shown next to the measurements.
TARGET_SPEEDUP = 1.4
TARGET_EXTRA_MB = 512
TARGET_SERVING_SECONDS = 5.0


@dataclass(frozen=True)
class ProcessesOptions:
    artifacts: Path
    out: Path
    quick: bool = False
    counts: tuple[int, ...] = (1, 2)


def run_server_processes(options: ProcessesOptions) -> dict[str, Any]:
    """Measure each process count in turn; write processes.json and processes.md."""
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    budget = Budget(count=10**9, seconds=5.0 if options.quick else 20.0, warmup=50)
    client_ids = _client_ids(options.artifacts)
    results: dict[str, Any] = {
        "machine": machine_info(),
        "load_average": {"start": load_average()},
        "artifacts": str(options.artifacts),
        "concurrency": CONCURRENCY,
        "connections": CONNECTIONS,
        "seconds_per_measurement": budget.seconds,
        "runs": {},
    }
    for count in options.counts:
        results["runs"][str(count)] = _measure(options.artifacts, count, client_ids, budget, out)
    results["load_average"]["end"] = load_average()
    results["summary"] = _summary(results["runs"])
    (out / "processes.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (out / "processes.md").write_text(_markdown(results), encoding="utf-8")
    return results


def _client_ids(artifacts: Path) -> list[int]:
    import pyarrow.parquet as pq

    table = pq.read_table(ArtifactPaths(artifacts).client_book, columns=["SK_ID_CURR"])
    ids = table.column(0).to_pylist()
    return [int(i) for i in ids[:: max(1, len(ids) // 2000)]]


def _measure(
    artifacts: Path, count: int, client_ids: list[int], budget: Budget, out: Path
) -> dict[str, Any]:
    port = free_port()
    started = time.perf_counter()
    service = _start(artifacts, count, port, out / "logs")
    serving_seconds = time.perf_counter() - started
    try:
        requests = [cs.ScoreRequest(client_id=c) for c in client_ids]
        load = concurrent_load(
            f"{HOST}:{port}", async_score(requests), CONCURRENCY, budget, CONNECTIONS
        )
        h2load = _h2load(port, requests[0], budget.seconds)
        memory = _memory(service)
        restart = _restart_seconds(service) if count > 1 else None
    finally:
        service.stop()
    logger.info("%d process(es): %.0f calls/s", count, load.calls_per_second)
    return {
        "processes": count,
        "seconds_to_serving": serving_seconds,
        "load": load.to_dict(),
        "h2load": h2load,
        "memory": memory,
        "seconds_to_replace_a_killed_process": restart,
    }


def _restart_seconds(service: Service) -> float:
    """kill -9 of one forked process until its replacement logs that it serves."""
    serving = service.log_path.read_text(encoding="utf-8").count("serving model")
    victim = psutil.Process(service.pid).children()[-1]
    started = time.perf_counter()
    victim.kill()
    deadline = started + 120
    while time.perf_counter() < deadline:
        if service.log_path.read_text(encoding="utf-8").count("serving model") > serving:
            return time.perf_counter() - started
        time.sleep(0.005)
    raise RuntimeError(f"no process replaced the killed one; log {service.log_path}")


def _h2load(port: int, request: cs.ScoreRequest, seconds: float) -> dict[str, Any] | None:
    """Calls/s of one Score request replayed by h2load; None when h2load is not installed."""
    binary = shutil.which("h2load")
    if binary is None:
        return None
    body = request.SerializeToString()
    # One gRPC frame: not compressed (0), then the message length, big-endian.
    frame = b"\x00" + struct.pack(">I", len(body)) + body
    with tempfile.NamedTemporaryFile(suffix=".grpc") as data:
        data.write(frame)
        data.flush()
        command = [binary, "-D", str(int(seconds)), "--warm-up-time", "2"]
        command += ["-c", str(CONNECTIONS), "-m", str(CONCURRENCY // CONNECTIONS)]
        command += ["-d", data.name, "-H", "content-type: application/grpc", "-H", "te: trailers"]
        command.append(f"http://{HOST}:{port}/creditscore.v1.CreditScoreService/Score")
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    rate = re.search(r"finished in [\d.]+s, ([\d.]+) req/s", done.stdout)
    counts = re.search(r"requests: (\d+) total.*?(\d+) succeeded, (\d+) failed", done.stdout)
    if rate is None or counts is None:
        raise RuntimeError(f"h2load output not understood: {done.stdout[-500:]}{done.stderr}")
    return {
        "calls_per_second": float(rate.group(1)),
        "calls": int(counts.group(1)),
        "failed": int(counts.group(3)),
    }


def _start(artifacts: Path, count: int, port: int, logs: Path) -> Service:
    command = [sys.executable, "-m", "server", "--artifacts", str(artifacts)]
    # INFO: the log tells when a replaced process serves (a few lines at start, none per call).
    command += ["--host", HOST, "--port", str(port), "--log-level", "INFO", "--no-auth"]
    command += ["--caller-max-in-flight", "1000000", "--caller-max-rate", "1e9"]
    # Serving alone is measured: the records section measures what the decision record costs.
    command += ["--record", "off", "--drain-seconds", "0", "--processes", str(count)]
    return start_service(
        f"server_processes_{count}",
        command,
        logs,
        grpc_ready(port),
        timeout_seconds=600,
    )


def _memory(service: Service) -> dict[str, Any]:
    """RSS / PSS / USS in MB of the server and its forked processes, and the group's PSS."""
    parent = psutil.Process(service.pid)
    processes = [parent, *parent.children()]
    rows = []
    for process in processes:
        info = process.memory_full_info()
        rows.append(
            {
                "pid": process.pid,
                "role": "server" if process is parent else "forked server",
                "rss_mb": info.rss / MB,
                "pss_mb": info.pss / MB,
                "uss_mb": info.uss / MB,
            }
        )
    return {"processes": rows, "group_pss_mb": sum(r["pss_mb"] for r in rows)}


def _rate(run: dict[str, Any]) -> float:
    """Calls/s by h2load when measured (the lighter client), else by grpc.aio."""
    h2load = run.get("h2load")
    return float(h2load["calls_per_second"] if h2load else run["load"]["calls_per_second"])


def _summary(runs: dict[str, Any]) -> dict[str, Any]:
    if "1" not in runs or "2" not in runs:
        return {}
    one, two = runs["1"], runs["2"]
    speedup = _rate(two) / max(_rate(one), 1e-9)
    extra = two["memory"]["group_pss_mb"] - one["memory"]["group_pss_mb"]
    return {
        "load_generator": "h2load" if one.get("h2load") else "grpc.aio",
        "speedup_2_vs_1": speedup,
        "speedup_per_core": speedup / 2,
        "extra_pss_mb_for_2_processes": extra,
        "extra_mb_per_process": extra / 2,
        "targets": {
            "speedup_at_least": TARGET_SPEEDUP,
            "extra_mb_per_process_at_most": TARGET_EXTRA_MB,
            "seconds_to_serving_at_most": TARGET_SERVING_SECONDS,
        },
    }


def _markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Server processes: Score throughput, memory, start",
        "",
        f"Artifacts: `{results['artifacts']}`; load: {results['concurrency']} Score calls in "
        f"flight (stored clients, recording off) over {results['connections']} connections, "
        "generated in the benchmark's process on the same cores. Load average "
        f"{results['load_average']['start']} → {results['load_average']['end']}.",
        "",
        "| processes | calls/s h2load | calls/s grpc.aio | p50 ms (aio) | p99 ms (aio) | "
        "s to SERVING | group PSS MB | per process (RSS / PSS / USS MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in results["runs"].values():
        load = run["load"]
        per = "; ".join(
            f"{p['role']} {p['rss_mb']:.0f} / {p['pss_mb']:.0f} / {p['uss_mb']:.0f}"
            for p in run["memory"]["processes"]
        )
        h2load = run.get("h2load")
        h2_rate = f"{h2load['calls_per_second']:.0f}" if h2load else "–"
        lines.append(
            f"| {run['processes']} | {h2_rate} | {load['calls_per_second']:.0f} | "
            f"{load['latency']['p50_ms']:.2f} | {load['latency']['p99_ms']:.2f} | "
            f"{run['seconds_to_serving']:.1f} | {run['memory']['group_pss_mb']:.0f} | {per} |"
        )
    summary = results.get("summary") or {}
    if summary:
        lines += [
            "",
            f"2 vs 1 process ({summary['load_generator']}): **{summary['speedup_2_vs_1']:.2f}×** "
            f"calls/s (target ≥ "
            f"{TARGET_SPEEDUP}), {summary['speedup_per_core']:.2f} per core; the group holds "
            f"{summary['extra_pss_mb_for_2_processes']:.0f} MB more (PSS), "
            f"{summary['extra_mb_per_process']:.0f} MB per extra process (target ≤ "
            f"{TARGET_EXTRA_MB}).",
        ]
    two = results["runs"].get("2")
    if two and two.get("seconds_to_replace_a_killed_process") is not None:
        lines.append(
            f"A forked process killed with SIGKILL served again after "
            f"{two['seconds_to_replace_a_killed_process']:.2f} s (forked from the loaded parent)."
        )
    return "\n".join(lines) + "\n"
