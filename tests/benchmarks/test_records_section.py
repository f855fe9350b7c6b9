"""The decision-record section (`python -m benchmarks records --quick`): its keys and that the
records counted in each store agree with the calls made; no thresholds."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks import report
from benchmarks.plan import QUICK
from benchmarks.records import LOAD_ROUNDS

REPO_ROOT = Path(__file__).resolve().parents[2]
ON = ("sqlite", "postgresql")


@pytest.fixture(scope="module")
def section_run(tiny_artifacts: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench_records")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "records",
            "--artifacts",
            str(tiny_artifacts),
            "--out",
            str(out),
            "--quick",
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
def results(section_run: Path) -> dict[str, Any]:
    return json.loads((section_run / "records.json").read_text(encoding="utf-8"))


def _measured(results: dict[str, Any]) -> list[str]:
    servers = results["records"]["servers"]
    return [name for name in ON if servers[name]["status"] == "measured"]


@pytest.mark.slow
def test_every_server_is_measured_or_skipped_with_a_reason(results):
    section = results["records"]
    assert section["status"] == "measured", section.get("reason")
    assert list(section["servers"]) == ["off", "metrics", "sqlite", "postgresql"]
    assert section["empty_call"]["latency"]["count"] > 0
    for name in ("off", "metrics", "sqlite"):
        assert section["servers"][name]["status"] == "measured", name
    postgres = section["servers"]["postgresql"]
    assert postgres["status"] == "measured" or postgres["reason"]


@pytest.mark.slow
def test_each_measured_server_has_sequential_and_loaded_figures_without_errors(results):
    for name in ("off", "metrics", *_measured(results)):
        entry = results["records"]["servers"][name]
        assert entry["score_payload"]["latency"]["count"] > 0, name
        assert entry["score_payload"]["latency"]["p50_ms"] > 0, name
        load = entry["load"]
        assert load["concurrency"] == 16 and len(load["rounds"]) == LOAD_ROUNDS, name
        assert load["calls"] > 0 and load["errors"] == 0, name


@pytest.mark.slow
def test_records_written_match_the_calls_with_recording_on_and_are_none_with_it_off(results):
    servers = results["records"]["servers"]
    for off in ("off", "metrics"):
        assert servers[off]["records_written"] == 0
        assert servers[off]["records_per_second"] == 0
    # Each round's warm-up calls are recorded too: at most twice the warm-up count per round.
    warmups = LOAD_ROUNDS * 2 * QUICK.load.warmup
    for name in _measured(results):
        entry = servers[name]
        calls = entry["load"]["calls"]
        assert calls <= entry["records_written"] <= calls + warmups, name
        assert entry["records_per_second"] > 0, name


@pytest.mark.slow
def test_the_server_s_cpu_and_thread_switches_are_counted_per_call_of_each_load(
    results, section_run
):
    share = QUICK.load.warmup
    for name in ("off", "metrics", *_measured(results)):
        entry = results["records"]["servers"][name]
        usage = entry["server_per_call"]
        warmups = LOAD_ROUNDS * (min(share, 16) + share)
        assert usage["calls"] == entry["load"]["calls"] + warmups, name
        assert usage["cpu_ms"] > 0, name
        # A gRPC call is received, run and answered by different threads.
        assert usage["thread_switches"] >= 1, name
    assert "thread switches per call at 16" in (section_run / "records.md").read_text()


@pytest.mark.slow
def test_ratios_are_finite_for_each_measured_store(results):
    ratios = results["ratios"]
    assert math.isfinite(ratios["record_off_score_p50_over_empty_call_p50"])
    assert math.isfinite(ratios["metrics_on_score_p50_over_off_p50"])
    for name in ON:
        keys = [
            f"record_{name}_throughput_over_off",
            f"record_{name}_score_p50_over_empty_call_p50",
            f"record_{name}_score_p50_over_off_p50",
        ]
        for key in keys:
            if name in _measured(results):
                assert math.isfinite(ratios[key]) and ratios[key] > 0, key
            else:
                assert ratios[key] is None, key


@pytest.mark.slow
def test_the_metrics_cost_pools_two_servers_per_side_and_reports_their_a_a_difference(
    results, section_run
):
    cost = results["records"]["metrics_cost"]
    assert cost["metrics_over_off"] == pytest.approx(cost["metrics_p50_ms"] / cost["off_p50_ms"])
    assert results["ratios"]["metrics_on_score_p50_over_off_p50"] == cost["metrics_over_off"]
    for side in ("off", "metrics"):
        assert 0.5 < cost["twin_over_first"][side] < 2.0, side
    # Twins take part in the sequential turns only: the table keeps one row per store.
    assert "off_twin" not in results["records"]["servers"]
    assert "Two identical servers differed by" in (section_run / "records.md").read_text()


@pytest.mark.slow
def test_the_sqlite_file_sits_beside_the_artifacts_with_its_flush_cost(results):
    storage = results["records"]["storage"]["sqlite"]
    assert storage["same_filesystem_as_default_store"] is True
    assert storage["filesystem"] and storage["mount_point"]
    assert storage["fdatasync_4k_append"]["latency"]["count"] > 0
    assert storage["fdatasync_4k_append"]["latency"]["p50_ms"] > 0


@pytest.mark.slow
def test_the_section_report_states_targets_and_verdicts(section_run):
    text = (section_run / "records.md").read_text(encoding="utf-8")
    assert "## Decision record" in text
    assert "| sqlite |" in text
    for label in ("SQLite", "PostgreSQL"):
        assert f"recording on {label} / off | ≥ 0.8 |" in text
        assert f"recording on {label} / empty-call floor | ≤ 1.8 |" in text


def test_a_skipped_postgresql_is_reported_with_its_reason_and_no_verdict():
    timed = {"latency": {"p50_ms": 1.0, "p99_ms": 2.0, "count": 10}}
    measured = {
        "status": "measured",
        "store": "x",
        "score_payload": timed,
        "load": {"calls_per_second": 100.0, "p50_ms_median_of_rounds": 5.0, "errors": 0},
        "records_written": 0,
        "records_per_second": 0.0,
    }
    results: dict[str, Any] = {
        "plan": "quick",
        "machine": {"cpu_model": "test CPU", "logical_cores": 2, "usable_cores": 2},
        "load_average": {"start": [0, 0, 0], "end": [0, 0, 0]},
        "records": {
            "status": "measured",
            "description": "test",
            "concurrency": 16,
            "empty_call": {"latency": {"p50_ms": 0.5, "p99_ms": 1.0, "count": 10}},
            "servers": {
                "off": measured,
                "sqlite": {**measured, "records_written": 90, "records_per_second": 80.0},
                "postgresql": {"status": "skipped", "reason": "PostgreSQL is not installed\nmore"},
            },
        },
    }
    results["ratios"] = report.record_ratios(results)

    text = report.records_markdown(results)

    assert results["ratios"]["record_sqlite_score_p50_over_empty_call_p50"] == 2.0
    assert "| postgresql: skipped: PostgreSQL is not installed |" in text
    assert "recording on SQLite / empty-call floor | ≤ 1.8 | 2.00 | MISSED |" in text
    assert "recording on PostgreSQL / off | ≥ 0.8 | – | not measured |" in text
