"""The report's ratios and targets, from a hand-made set of results (no run)."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks import report


def _timed(p50_ms: float, rows_per_second: float = 0.0) -> dict[str, Any]:
    latency = {"p50_ms": p50_ms, "p90_ms": p50_ms, "p99_ms": p50_ms, "p999_ms": p50_ms}
    return {"latency": {**latency, "count": 10}, "rows_per_second": rows_per_second}


def _engine(rows_per_second: float) -> dict[str, Any]:
    return {"single": _timed(0.1), "batch": _timed(10.0, rows_per_second)}


@pytest.fixture
def results() -> dict[str, Any]:
    out: dict[str, Any] = {
        "plan": "quick",
        "machine": {
            "cpu_model": "test CPU",
            "logical_cores": 2,
            "usable_cores": 2,
            "python": "3.11",
            "versions": {"grpcio": "x", "onnxruntime": "x", "lightgbm": "x"},
        },
        "load_average": {"start": [0, 0, 0], "end": [0, 0, 0]},
        "model": {"num_trees": 60, "features": 40, "rows": 200},
        "wall_seconds": 1.0,
        "floor": {"empty_call": _timed(1.0)},
        "ours": {
            "score_stored": _timed(1.1),
            "score_payload": _timed(1.3),
            "score_batch": {
                "stored": {"1": _timed(1.0, 1_000), "1000": _timed(1.0, 900_000)},
                "payload": {"1": _timed(1.0, 900), "1000": _timed(10.0, 50_000)},
                "columnar": {"1": _timed(1.0, 800), "1000": _timed(10.0, 95_000)},
            },
        },
        "inprocess": {
            "num_trees": 60,
            "batch_size": 1000,
            "engines": {
                "onnxruntime": _engine(80_000),
                "onnxruntime_encoded": _engine(100_000),
                "onnxruntime_default_threads": _engine(125_000),
            },
        },
        "baselines": {},
    }
    out["ratios"] = report.ratios(out)
    return out


def test_batch_ratios_compare_both_payload_forms_with_the_encoded_graph(results) -> None:
    ratios = results["ratios"]

    assert ratios["score_batch_largest"] == 1000
    assert ratios["score_batch_columnar_rows_per_s_over_encoded_onnxruntime_batch"] == 0.95
    assert ratios["score_batch_payload_rows_per_s_over_encoded_onnxruntime_batch"] == 0.5
    assert ratios["score_batch_columnar_rows_per_s_over_best_onnxruntime_batch"] == pytest.approx(
        0.76
    )


def test_the_batch_table_has_stored_list_and_columnar_rows_per_second(results) -> None:
    text = report.markdown(results)

    assert "| 1000 | 900,000 | 50,000 | 95,000 | – | 1.000 | 10.000 |" in text


def test_targets_state_their_bounds_and_verdicts(results) -> None:
    targets = report.markdown(results).split("## Targets")[1]

    assert "| Score (stored) p50 / empty-call floor | ≤ 1.15 | 1.10 | met |" in targets
    assert "| Score (payload) p50 / empty-call floor | ≤ 1.25 | 1.30 | MISSED |" in targets
    assert "columnar payloads) rows/s / in-process onnxruntime on the encoded graph" in targets
    assert "| ≥ 0.9 | 0.95 | met |" in targets
    assert "| ≥ 0.4 | 0.50 | met |" in targets
    assert "| REST+pickle p50 / Score p50 | ≥ 20 | – | not measured |" in targets
