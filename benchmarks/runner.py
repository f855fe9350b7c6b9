"""One benchmark run: start what it needs, measure everything, write the results."""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import report
from benchmarks.baselines.mlserver import measure_mlserver
from benchmarks.baselines.perf_analyzer import measure_perf_analyzer
from benchmarks.baselines.rest_pickle import measure_rest_pickle
from benchmarks.floor import measure_floor_load, start_floor
from benchmarks.inprocess import measure_inprocess
from benchmarks.machine import load_average, machine_info
from benchmarks.ours import fetch_applications, measure_explain, measure_ours
from benchmarks.plan import FULL, QUICK, Plan
from benchmarks.processes import HOST, Service, free_port, grpc_ready, start_service
from benchmarks.records import measure_records
from benchmarks.suggestions import measure_suggestions, suggestions_markdown
from benchmarks.tls import measure_tls
from benchmarks.workload import load_workload

__all__ = ["RunOptions", "run", "run_records", "run_suggestions"]

logger = logging.getLogger(__name__)

MANY_TREES = 1000


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    """What ``python -m benchmarks run`` was asked."""

    artifacts: Path
    out: Path
    quick: bool = False
    # Artifacts of the same features with >= 1000 trees (benchmarks/trees_1000.toml), for
    # Explain when the shipped model has fewer.
    many_trees_artifacts: Path | None = None
    bench_venv: Path = Path(".venv-bench")
    baselines: bool = True


def _start_server(artifacts: Path, log_dir: Path, name: str) -> tuple[Service, int]:
    port = free_port()
    command = [sys.executable, "-m", "server", "--artifacts", str(artifacts)]
    # Plaintext without callers: the TLS section measures TLS with a bearer token.
    command += ["--host", HOST, "--port", str(port), "--log-level", "WARNING"]
    # One anonymous caller on loopback; the per-caller limits would cap the load being measured.
    command += ["--no-auth", "--caller-max-in-flight", "1000000", "--caller-max-rate", "1e9"]
    # Like the baselines, which record nothing; the records section measures what the
    # decision record costs (it is on by default in production).
    command += ["--record", "off"]
    # One process, as each baseline runs one: the scale section measures several.
    command += ["--processes", "1"]
    return start_service(name, command, log_dir, grpc_ready(port), timeout_seconds=180), port


def run(options: RunOptions) -> dict[str, Any]:
    """Measure, then write results.json, results.md and the plots under ``options.out``."""
    plan: Plan = QUICK if options.quick else FULL
    started = time.perf_counter()
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    logs = out / "logs"
    results: dict[str, Any] = {
        "plan": plan.name,
        "machine": machine_info(),
        "load_average": {"start": load_average()},
        "artifacts": str(options.artifacts),
    }
    samples: dict[str, np.ndarray] = {}
    workload = load_workload(options.artifacts, plan.rows)
    results["model"] = {
        "num_trees": workload.num_trees,
        "features": len(workload.feature_names),
        "rows": len(workload.client_ids),
    }

    # The floor server runs beside ours: its sequential calls are measured in turns with ours.
    floor, floor_address = start_floor(logs)
    server, port = _start_server(options.artifacts, logs, "server")
    try:
        logger.info("floor under load")
        results["floor"] = measure_floor_load(floor_address, plan)
        applications = fetch_applications(f"{HOST}:{port}", workload.client_ids)
        results["ours"], ours_samples = measure_ours(
            f"{HOST}:{port}", floor_address, workload, applications, plan
        )
        results["floor"]["empty_call"] = results["ours"].pop("empty_call")
        samples.update(ours_samples)
        baselines: dict[str, Any] = {}
        if options.baselines:
            baselines["perf_analyzer"] = measure_perf_analyzer(
                workload, plan, options.bench_venv, port, out / "perf_analyzer"
            )
    finally:
        server.stop()
        floor.stop()
    logger.info("TLS with a bearer token")
    results["tls"] = measure_tls(options.artifacts, workload, plan, logs)
    logger.info("decision record: off, SQLite, PostgreSQL")
    results["records"] = measure_records(options.artifacts, workload, plan, logs)
    results["explain_many_trees"] = _many_trees(options, plan, logs)

    results["inprocess"] = measure_inprocess(workload, plan)
    many = options.many_trees_artifacts
    if many is not None and not options.quick and workload.num_trees < MANY_TREES:
        results["inprocess"]["many_trees"] = measure_inprocess(
            load_workload(many, plan.rows), plan, explainers_only=True
        )

    if options.baselines:
        with tempfile.TemporaryDirectory(prefix="bench_") as scratch:
            rest, samples["rest_pickle"] = measure_rest_pickle(
                workload, plan, Path(scratch) / "rest"
            )
            baselines["rest_pickle"] = rest
            configs = ("default",) if options.quick else None
            ml, ml_samples = measure_mlserver(
                workload, plan, options.bench_venv, Path(scratch) / "mlserver", configs
            )
            baselines["mlserver"] = ml
            samples.update(ml_samples)
    else:
        reason = "--no-baselines"
        baselines = {
            name: {"status": "skipped", "reason": reason}
            for name in ("perf_analyzer", "rest_pickle", "mlserver")
        }
    results["baselines"] = baselines
    results["load_average"]["end"] = load_average()
    results["wall_seconds"] = time.perf_counter() - started
    results["ratios"] = report.ratios(results)
    report.write_results(results, out)
    (out / "results.md").write_text(report.markdown(results), encoding="utf-8")
    report.write_plots(results, samples, out)
    return results


def _section_start(options: RunOptions) -> tuple[Plan, dict[str, Any]]:
    """The plan of a section run alone, and the head of its results."""
    plan: Plan = QUICK if options.quick else FULL
    options.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "plan": plan.name,
        "machine": machine_info(),
        "load_average": {"start": load_average()},
        "artifacts": str(options.artifacts),
    }
    return plan, results


def run_records(options: RunOptions) -> dict[str, Any]:
    """The decision-record section alone: records.json and records.md under ``options.out``."""
    plan, results = _section_start(options)
    workload = load_workload(options.artifacts, plan.rows)
    results["records"] = measure_records(options.artifacts, workload, plan, options.out / "logs")
    results["load_average"]["end"] = load_average()
    results["ratios"] = report.record_ratios(results)
    report.write_results(results, options.out, "records.json")
    (options.out / "records.md").write_text(report.records_markdown(results), encoding="utf-8")
    return results


def run_suggestions(options: RunOptions) -> dict[str, Any]:
    """The SuggestChanges section alone: suggestions.json and suggestions.md under
    ``options.out``."""
    plan, results = _section_start(options)
    server, port = _start_server(options.artifacts, options.out / "logs", "server")
    try:
        results["suggest_changes"], _ = measure_suggestions(f"{HOST}:{port}", plan.slow)
    finally:
        server.stop()
    results["load_average"]["end"] = load_average()
    report.write_results(results, options.out, "suggestions.json")
    (options.out / "suggestions.md").write_text(
        suggestions_markdown(results["suggest_changes"]), encoding="utf-8"
    )
    return results


def _many_trees(options: RunOptions, plan: Plan, logs: Path) -> dict[str, Any]:
    """Explain on the many-trees model, when the shipped one has fewer than 1000 trees."""
    shipped = load_workload(options.artifacts, 1).num_trees
    if shipped >= MANY_TREES:
        return {"status": "skipped", "reason": f"the shipped model has {shipped} trees"}
    if options.many_trees_artifacts is None:
        return {
            "status": "skipped",
            "reason": "pass --many-trees-artifacts DIR (python -m model_build train --config "
            "benchmarks/trees_1000.toml)",
        }
    workload = load_workload(options.many_trees_artifacts, plan.rows)
    server, port = _start_server(options.many_trees_artifacts, logs, "server_many_trees")
    try:
        return {"status": "measured", **measure_explain(f"{HOST}:{port}", workload, plan.slow)}
    finally:
        server.stop()
