"""Batch scoring at scale: `model_build score` in one process vs on a Dask LocalCluster.

The data is `model_build synth --format parquet` (client partitions with all their history),
scored through the command line only (the artifacts and CLI contracts): by one worker process,
by two single-threaded workers, and, on a prefix of the partitions small enough to fit, by
the plain single-process `score` that loads every table whole. A smaller set of Kaggle CSVs
shows the cost of data that must be hash-partitioned by client first. Peak memory is the RSS
of each worker process, sampled with psutil while it scores.
"""

from __future__ import annotations

import importlib
import json
import logging
import math
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil
from distributed import Client, LocalCluster

from benchmarks.machine import load_average, machine_info

__all__ = ["ScaleOptions", "run_scale"]

logger = logging.getLogger(__name__)

NIGHT_SECONDS = 8 * 3600
NIGHTLY_APPLICATIONS = 100_000_000
SAMPLE_SECONDS = 0.2
MB = 1 << 20


@dataclass(frozen=True, kw_only=True)
class ScaleOptions:
    """What `python -m benchmarks scale` measures and where it keeps its files."""

    out: Path
    clients: int = 1_000_000
    partition_clients: int = 20_000
    # Prefix of the data scored by the plain single-process `score` (it holds every table).
    plain_clients: int = 100_000
    # Clients of the CSV data set scored by two workers after hash-partitioning (0: skip).
    csv_clients: int = 100_000
    # Clients of the small data set the model is trained on when no artifacts are given.
    train_clients: int = 20_000
    data: Path | None = None
    artifacts: Path | None = None
    seed: int = 1


@dataclass
class Run:
    """One timed command: the peak RSS of its own process and of the workers it drove."""

    label: str
    rows: int
    seconds: float
    process_peak_rss_mb: float
    # CPU seconds (user + system) of the processes that scored: the workers, or the command.
    cpu_seconds: float
    load_average_before: float
    worker_peak_rss_mb: list[float] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds

    @property
    def rows_per_cpu_second(self) -> float:
        """Throughput per busy core, whatever else the machine was running."""
        return self.rows / self.cpu_seconds


def run_scale(options: ScaleOptions) -> dict[str, Any]:
    """Measure, write ``scale.json`` and ``scale.md`` into ``options.out``; the results."""
    options.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    data, synth = _data(options)
    artifacts = _artifacts(options)
    one, two = (_cluster_run(artifacts, data, options.out, workers) for workers in (1, 2))
    plain_clients = min(options.plain_clients, options.clients)
    prefix = _prefix(data, options.out / "plain_data", plain_clients, options.partition_clients)
    runs = [one, two, _plain_run(artifacts, prefix, options.out, plain_clients)]
    csv: Run | None = None
    if options.csv_clients:
        csv = _cluster_run(artifacts, _csv_data(options), options.out, 2, "Kaggle CSVs")
        runs.append(csv)
    results = {
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items()},
        "machine": machine_info(),
        "load_average_after": load_average(),
        "synth": None if synth is None else asdict(synth),
        "runs": [{**asdict(run), "rows_per_second": run.rows_per_second} for run in runs],
        "projection": _projection(one, two),
        "projection_from_csv": None if csv is None else _projection(one, csv),
        "wall_seconds": time.perf_counter() - started,
    }
    (options.out / "scale.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (options.out / "scale.md").write_text(_markdown(results, runs, synth), encoding="utf-8")
    return results


def _data(options: ScaleOptions) -> tuple[Path, Run | None]:
    """The partitioned data set: given, already generated, or generated now (timed)."""
    if options.data is not None:
        return options.data, None
    data = options.out / f"data_{options.clients}"
    if (data / "synthetic_manifest.json").is_file():
        return data, None
    command = [
        *_model_build("synth"),
        f"--clients={options.clients}",
        f"--seed={options.seed}",
        "--format=parquet",
        f"--partition-clients={options.partition_clients}",
        f"--out={data}",
        "--no-progress",
    ]
    synth = _timed("synth --format parquet", options.clients, command, options.out / "synth.log")
    return data, synth


def _artifacts(options: ScaleOptions) -> Path:
    """A model trained with the default config on a small synthetic set, unless given."""
    if options.artifacts is not None:
        return options.artifacts
    artifacts = options.out / "artifacts"
    if (artifacts / "model_card.json").is_file():
        return artifacts
    train_data = options.out / "train_data"
    _check_call(
        [*_model_build("synth"), f"--clients={options.train_clients}", f"--out={train_data}"],
        options.out / "train.log",
    )
    _check_call(
        [*_model_build("train"), f"--data={train_data}", f"--out={artifacts}", "--no-progress"],
        options.out / "train.log",
    )
    return artifacts


def _csv_data(options: ScaleOptions) -> Path:
    """The Kaggle CSVs of ``csv_clients`` synthetic clients (generated once)."""
    data = options.out / f"csv_{options.csv_clients}"
    if not (data / "synthetic_manifest.json").is_file():
        _check_call(
            [
                *_model_build("synth"),
                f"--clients={options.csv_clients}",
                f"--seed={options.seed}",
                f"--out={data}",
                "--no-progress",
            ],
            options.out / "synth_csv.log",
        )
    return data


def _cluster_run(
    artifacts: Path, data: Path, out: Path, workers: int, what: str = "client partitions"
) -> Run:
    """`score --dask ADDRESS` on a fresh LocalCluster of ``workers`` single-threaded workers."""
    rows = _applications(data)
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        pids = list(client.run(os.getpid).values())
        # Imports take seconds on a busy machine: warm them, so the run measures scoring.
        client.run(importlib.import_module, "model_build.distributed.batch_scoring")
        command = [
            *_model_build("score"),
            f"--dask={cluster.scheduler_address}",
            f"--artifacts={artifacts}",
            f"--data={data}",
            f"--out={out / f'scores_{workers}_workers_{data.name}'}",
        ]
        label = f"`score --dask` on {what}, LocalCluster of {workers} worker(s) x 1 thread"
        log = out / f"score_{workers}_workers_{what.split()[-1].lower()}.log"
        return _timed(label, rows, command, log, pids)


def _plain_run(artifacts: Path, data: Path, out: Path, clients: int) -> Run:
    """The single-process `score` without Dask, which loads every table of ``data`` whole."""
    command = [
        *_model_build("score"),
        f"--artifacts={artifacts}",
        f"--data={data}",
        f"--out={out / 'scores_plain.csv'}",
    ]
    label = f"`score` in one process without Dask (first {clients:,} clients)"
    return _timed(label, _applications(data), command, out / "score_plain.log")


def _timed(
    label: str, rows: int, command: list[str], log: Path, workers: Iterable[int] = ()
) -> Run:
    """Run ``command`` to completion, sampling its RSS and that of the ``workers`` pids."""
    logger.info("%s: %s", label, " ".join(command))
    load_before = load_average()[0]
    with log.open("a", encoding="utf-8") as handle:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)
        worker_pids = list(workers)
        with _PeakRss([process.pid, *worker_pids]) as peaks:
            code = process.wait()
        seconds = time.perf_counter() - started
    if code != 0:
        raise RuntimeError(f"{label} failed with exit code {code}; see {log}")
    scorers = worker_pids or [process.pid]
    return Run(
        label,
        rows,
        round(seconds, 2),
        round(peaks.peak[process.pid] / MB, 1),
        round(sum(peaks.cpu[pid] for pid in scorers), 2),
        load_before,
        [round(peaks.peak[pid] / MB, 1) for pid in worker_pids],
    )


class _PeakRss:
    """Samples some processes in a thread: ``peak`` holds each one's maximum RSS, ``cpu`` its
    CPU seconds since this started (user + system, last sample)."""

    def __init__(self, pids: list[int]) -> None:
        self.peak = dict.fromkeys(pids, 0)
        self.cpu = dict.fromkeys(pids, 0.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        processes = {pid: psutil.Process(pid) for pid in self.peak}
        start = {pid: _cpu_seconds(process) for pid, process in processes.items()}
        while True:
            stopping = self._stop.wait(SAMPLE_SECONDS)
            for pid, process in processes.items():
                try:
                    self.peak[pid] = max(self.peak[pid], process.memory_info().rss)
                    self.cpu[pid] = _cpu_seconds(process) - start[pid]
                except psutil.NoSuchProcess:
                    continue
            if stopping:
                return


def _cpu_seconds(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.NoSuchProcess:
        return 0.0
    return float(times.user + times.system)


def _prefix(data: Path, target: Path, clients: int, partition_clients: int) -> Path:
    """The first partitions of ``data`` (about ``clients`` clients) as symbolic links."""
    keep = {f"client_part={k:06d}" for k in range(-(-clients // partition_clients))}
    shutil.rmtree(target, ignore_errors=True)
    for table in data.glob("*.parquet"):
        for part in table.iterdir():
            if part.name in keep:
                for file in part.glob("*.parquet"):
                    link = target / table.name / part.name / file.name
                    link.parent.mkdir(parents=True, exist_ok=True)
                    link.symlink_to(file.resolve())
    return target


def _applications(data: Path) -> int:
    """Applications (train and test) of a data set: from the synthetic manifest, else from
    the Parquet footers of a client-partitioned set."""
    import pyarrow.dataset as pads

    manifest = data / "synthetic_manifest.json"
    if manifest.is_file():
        rows = json.loads(manifest.read_text(encoding="utf-8"))["rows"]
        return int(rows["application_train"]) + int(rows["application_test"])
    return sum(
        pads.dataset(data / name, format="parquet", partitioning="hive").count_rows()
        for name in ("application_train.parquet", "application_test.parquet")
        if (data / name).exists()
    )


def _projection(one: Run, two: Run) -> dict[str, float]:
    """What scoring ``NIGHTLY_APPLICATIONS`` in ``NIGHT_SECONDS`` needs, from the runs.

    Per core: the slower of the two-worker wall-clock rate per worker and its rate per CPU
    second (the machine may have been shared, which only the CPU time sees through).
    """
    per_core = min(two.rows_per_second / 2, two.rows_per_cpu_second)
    cores = NIGHTLY_APPLICATIONS / (per_core * NIGHT_SECONDS)
    worker_peak_mb = max(two.worker_peak_rss_mb)
    workers = math.ceil(cores)
    return {
        "speedup_2_workers": two.rows_per_second / one.rows_per_second,
        "efficiency_per_core": two.rows_per_second / one.rows_per_second / 2,
        "cpu_efficiency_2_workers": two.rows_per_cpu_second / one.rows_per_cpu_second,
        "rows_per_second_per_core": per_core,
        "cores_for_100m_in_8h": cores,
        "worker_peak_rss_mb": worker_peak_mb,
        "workers_for_100m_in_8h": workers,
        "memory_for_100m_in_8h_gb": workers * worker_peak_mb / 1024,
        "core_hours_for_100m": NIGHTLY_APPLICATIONS / per_core / 3600,
    }


def _markdown(results: dict[str, Any], runs: list[Run], synth: Run | None) -> str:
    projection = results["projection"]
    options = results["options"]
    lines = [
        "# Batch scoring at scale",
        "",
        f"{options['clients']:,} synthetic clients with all their history, Parquet partitions "
        f"of {options['partition_clients']:,} clients; `python -m model_build score`. Machine: "
        f"{results['machine']['cpu_model']}, {results['machine']['usable_cores']} usable cores "
        f"(load average after: {results['load_average_after'][0]}).",
        "",
        "| run | applications | seconds | applications/s | per CPU-second | peak RSS of each "
        "worker (MB) | peak RSS of the command (MB) | load before |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        workers = ", ".join(f"{v:,.0f}" for v in run.worker_peak_rss_mb) or "-"
        lines.append(
            f"| {run.label} | {run.rows:,} | {run.seconds:,.1f} | {run.rows_per_second:,.0f} | "
            f"{run.rows_per_cpu_second:,.0f} | {workers} | {run.process_peak_rss_mb:,.0f} | "
            f"{run.load_average_before:.1f} |"
        )
    if synth is not None:
        lines += [
            "",
            f"Writing the data (`synth --format parquet`): {synth.seconds:,.0f} s, peak RSS "
            f"{synth.process_peak_rss_mb:,.0f} MB.",
        ]
    lines += [
        "",
        "## Scaling",
        "",
        f"- 2 workers vs 1: x{projection['speedup_2_workers']:.2f} wall-clock "
        f"({projection['efficiency_per_core']:.0%} per core); applications per CPU-second "
        f"x{projection['cpu_efficiency_2_workers']:.2f} of one worker's; "
        f"{projection['rows_per_second_per_core']:,.0f} applications/s per core.",
        f"- 100M applications in an 8-hour night ({NIGHTLY_APPLICATIONS / NIGHT_SECONDS:,.0f}/s)"
        f" from client partitions: {projection['cores_for_100m_in_8h']:.2f} cores at this rate "
        f"({projection['core_hours_for_100m']:,.1f} core-hours), i.e. "
        f"{projection['workers_for_100m_in_8h']} single-threaded worker(s) of about "
        f"{projection['worker_peak_rss_mb']:,.0f} MB each "
        f"({projection['memory_for_100m_in_8h_gb']:.1f} GB).",
    ]
    from_csv = results["projection_from_csv"]
    if from_csv is not None:
        lines.append(
            f"- From Kaggle-style CSVs, hash-partitioned on the cluster first: "
            f"{from_csv['rows_per_second_per_core']:,.0f} applications/s per core, so "
            f"{from_csv['cores_for_100m_in_8h']:.1f} cores "
            f"({from_csv['workers_for_100m_in_8h']} workers of about "
            f"{from_csv['worker_peak_rss_mb']:,.0f} MB) for 100M in 8 hours."
        )
    lines.append("")
    return "\n".join(lines)


def _model_build(command: str) -> list[str]:
    return [sys.executable, "-m", "model_build", command]


def _check_call(command: list[str], log: Path) -> None:
    with log.open("a", encoding="utf-8") as handle:
        subprocess.run(command, check=True, stdout=handle, stderr=subprocess.STDOUT)
