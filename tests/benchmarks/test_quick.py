"""Smoke test of `python -m benchmarks run --quick`: files and keys, no thresholds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PLOTS = ("latency_cdf.png", "throughput_vs_concurrency.png", "batch_rows_per_s.png")


@pytest.fixture(scope="module")
def quick_run(tiny_artifacts: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench_out")
    # An empty bench venv: the optional baselines (MLServer, perf_analyzer) must be skipped.
    absent_venv = tmp_path_factory.mktemp("no_bench_venv")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "run",
            "--artifacts",
            str(tiny_artifacts),
            "--out",
            str(out),
            "--quick",
            "--bench-venv",
            str(absent_venv),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def results(quick_run: Path) -> dict:
    return json.loads((quick_run / "results.json").read_text(encoding="utf-8"))


pytestmark = pytest.mark.slow


def test_results_describe_the_machine_and_the_load(results):
    assert results["plan"] == "quick"
    assert results["machine"]["cpu_model"]
    assert results["machine"]["logical_cores"] >= 1
    assert len(results["load_average"]["start"]) == 3
    assert len(results["load_average"]["end"]) == 3


def test_floor_and_every_rpc_of_our_server_have_latency_percentiles(results):
    assert results["floor"]["empty_call"]["latency"]["count"] > 0
    for call in (
        "health_check",
        "score_stored",
        "score_payload",
        "explain",
        "get_client",
        "compare_peers",
        "search_clients",
    ):
        latency = results["ours"][call]["latency"]
        assert set(latency) >= {"p50_ms", "p90_ms", "p99_ms", "p999_ms", "count"}, call
        assert latency["count"] > 0 and latency["p50_ms"] > 0, call


def test_score_is_measured_at_every_concurrency_without_errors(results):
    for kind in ("stored", "payload"):
        levels = results["ours"]["score_concurrency"][kind]
        assert [level["concurrency"] for level in levels] == [1, 4, 16, 64]
        assert all(level["errors"] == 0 and level["calls"] > 0 for level in levels)


def test_score_batch_reports_rows_per_second_by_size_in_each_form(results):
    for kind in ("stored", "payload", "columnar"):
        sizes = results["ours"]["score_batch"][kind]
        assert list(sizes) == ["1", "16", "256", "1000"]
        assert all(entry["rows_per_second"] > 0 for entry in sizes.values())
    assert results["ours"]["model_infer"]["1"]["rows_per_second"] > 0


def test_in_process_engines_are_measured_on_single_rows_and_batches(results):
    engines = results["inprocess"]["engines"]
    assert {"onnxruntime", "lightgbm_predict", "lightgbm_pred_contrib"} <= set(engines)
    for entry in engines.values():
        assert entry["single"]["latency"]["p50_ms"] > 0
        assert entry["batch"]["rows_per_call"] == results["inprocess"]["batch_size"]


def test_the_single_row_onnxruntime_engines_are_also_measured_after_the_cpu_idled(
    results, quick_run
):
    engines = results["inprocess"]["engines"]
    for name in ("onnxruntime", "onnxruntime_encoded"):
        idle = engines[name]["single_after_idle"]
        assert idle["idle_seconds"] == 0.001
        assert idle["latency"]["count"] > 0 and idle["latency"]["p50_ms"] > 0
    assert "onnxruntime_encoded, 1 row after 1 ms idle" in (quick_run / "results.md").read_text()


def test_rest_baseline_is_measured(results):
    rest = results["baselines"]["rest_pickle"]
    assert rest["status"] == "measured" and rest["latency"]["p50_ms"] > 0


def test_absent_optional_baselines_are_skipped_with_a_reason(results):
    for name in ("mlserver", "perf_analyzer"):
        entry = results["baselines"][name]
        assert entry["status"] == "skipped"
        assert "setup_baselines.sh" in entry["reason"]


def test_ratios_and_the_many_trees_explain_status_are_recorded(results):
    assert results["ratios"]["score_p50_over_empty_call_p50"] > 0
    assert results["ratios"]["rest_pickle_p50_over_score_p50"] > 0
    for form in ("columnar", "payload"):
        key = f"score_batch_{form}_rows_per_s_over_encoded_onnxruntime_batch"
        assert results["ratios"][key] > 0, key
    assert results["ratios"]["mlserver_default_p50_over_score_p50"] is None
    assert results["explain_many_trees"]["status"] == "skipped"


def test_markdown_and_plots_are_written(quick_run):
    text = (quick_run / "results.md").read_text(encoding="utf-8")
    for heading in ("Sequential latency", "Score under load", "Batches", "In process", "Targets"):
        assert heading in text
    assert "ScoreBatch columnar payloads" in text
    assert "Score (payload) p50 / empty-call floor | ≤ 1.25" in text
    assert "Score (stored) p50 / empty-call floor | ≤ 1.15" in text
    for plot in PLOTS:
        path = quick_run / plot
        assert path.stat().st_size > 1000
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
