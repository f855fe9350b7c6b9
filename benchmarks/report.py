"""Results on disk: results.json (every figure), results.md (tables with ratios), PNG plots."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.records import (
    CONCURRENCY,
    TARGET_METRICS_P50_RATIO,
    TARGET_P50_OVER_FLOOR,
    TARGET_THROUGHPUT_RATIO,
)

__all__ = [
    "markdown",
    "ratios",
    "record_ratios",
    "records_markdown",
    "write_plots",
    "write_results",
]

# The stores of the decision-record section with recording on, by results key.
_RECORD_STORES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _get(tree: dict[str, Any], *keys: str) -> Any:
    node: Any = tree
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _div(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0 or math.isnan(a) or math.isnan(b):
        return None
    return a / b


def ratios(results: dict[str, Any]) -> dict[str, Any]:
    """The ratios the targets are stated in, all from figures of this one run."""
    ours = results.get("ours", {})
    score_p50 = _get(ours, "score_stored", "latency", "p50_ms")
    floor_p50 = _get(results, "floor", "empty_call", "latency", "p50_ms")
    health_p50 = _get(ours, "health_check", "latency", "p50_ms")
    rest_p50 = _get(results, "baselines", "rest_pickle", "latency", "p50_ms")
    ml_p50 = _get(
        results, "baselines", "mlserver", "configs", "default", "single", "latency", "p50_ms"
    )
    ml1_p50 = _get(
        results, "baselines", "mlserver", "configs", "omp_1_thread", "single", "latency", "p50_ms"
    )
    sizes = _get(ours, "score_batch", "stored") or {}
    largest = max(sizes, key=int) if sizes else None
    stored_rows = _get(sizes, largest, "rows_per_second") if largest else None
    payload_rows = (
        _get(ours, "score_batch", "payload", largest, "rows_per_second") if largest else None
    )
    columnar_rows = (
        _get(ours, "score_batch", "columnar", largest, "rows_per_second") if largest else None
    )
    engines = _get(results, "inprocess", "engines") or {}
    ort_rows = _get(engines, "onnxruntime", "batch", "rows_per_second")
    encoded_rows = _get(engines, "onnxruntime_encoded", "batch", "rows_per_second")
    best_ort = max(
        (
            float(engine["batch"]["rows_per_second"])
            for name, engine in engines.items()
            if name.startswith("onnxruntime")
        ),
        default=None,
    )
    return {
        "score_p50_over_empty_call_p50": _div(score_p50, floor_p50),
        "score_p50_over_health_check_p50": _div(score_p50, health_p50),
        "score_payload_p50_over_empty_call_p50": _div(
            _get(ours, "score_payload", "latency", "p50_ms"), floor_p50
        ),
        "rest_pickle_p50_over_score_p50": _div(rest_p50, score_p50),
        "mlserver_default_p50_over_score_p50": _div(ml_p50, score_p50),
        "mlserver_omp1_p50_over_score_p50": _div(ml1_p50, score_p50),
        "score_batch_largest": int(largest) if largest else None,
        # Stored clients are answered from the book's probabilities (no model run); payloads
        # run the model: the target is judged on payloads.
        "score_batch_payload_rows_per_s_over_onnxruntime_batch": _div(payload_rows, ort_rows),
        "score_batch_stored_rows_per_s_over_onnxruntime_batch": _div(stored_rows, ort_rows),
        # Against the graph the server runs with the server's threads: what the transport
        # costs, for each form of the request; and against the fastest in-process onnxruntime
        # set-up measured (any graph, any thread count).
        "score_batch_columnar_rows_per_s_over_encoded_onnxruntime_batch": _div(
            columnar_rows, encoded_rows
        ),
        "score_batch_payload_rows_per_s_over_encoded_onnxruntime_batch": _div(
            payload_rows, encoded_rows
        ),
        "score_batch_columnar_rows_per_s_over_best_onnxruntime_batch": _div(
            columnar_rows, best_ort
        ),
        "score_batch_payload_rows_per_s_over_best_onnxruntime_batch": _div(payload_rows, best_ort),
        "explain_p50_ms": _get(ours, "explain", "latency", "p50_ms"),
        "suggest_changes_p50_ms": _get(ours, "suggest_changes", "latency", "p50_ms"),
        # Both over TLS, in turns; the token is checked on every Score call.
        "tls_score_p50_over_tls_empty_call_p50": _div(
            _get(results, "tls", "score_stored", "latency", "p50_ms"),
            _get(results, "tls", "empty_call", "latency", "p50_ms"),
        ),
        "explain_p50_ms_many_trees": _get(results, "explain_many_trees", "latency", "p50_ms"),
        **record_ratios(results),
    }


def record_ratios(results: dict[str, Any]) -> dict[str, float | None]:
    """The decision-record section's ratios: each store against recording off (throughput at
    the section's concurrency, sequential p50) and against the floor measured in its turns."""
    servers = _get(results, "records", "servers") or {}
    floor = _get(results, "records", "empty_call", "latency", "p50_ms")
    off_rate = _get(servers, "off", "load", "calls_per_second")
    off_p50 = _get(servers, "off", "score_payload", "latency", "p50_ms")
    out = {
        "record_off_score_p50_over_empty_call_p50": _div(off_p50, floor),
        # Each side pooled over two identical servers (benchmarks.records.TWINS).
        "metrics_on_score_p50_over_off_p50": _get(
            results, "records", "metrics_cost", "metrics_over_off"
        ),
    }
    for store in _RECORD_STORES:
        p50 = _get(servers, store, "score_payload", "latency", "p50_ms")
        rate = _get(servers, store, "load", "calls_per_second")
        out[f"record_{store}_throughput_over_off"] = _div(rate, off_rate)
        out[f"record_{store}_score_p50_over_empty_call_p50"] = _div(p50, floor)
        out[f"record_{store}_score_p50_over_off_p50"] = _div(p50, off_p50)
    return out


def write_results(results: dict[str, Any], out: Path, name: str = "results.json") -> Path:
    path = out / name
    path.write_text(json.dumps(results, indent=2, default=_jsonable), encoding="utf-8")
    return path


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _f(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _n(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _latency_row(name: str, entry: dict[str, Any] | None, floor: float | None) -> str:
    latency = (entry or {}).get("latency")
    if not latency:
        return f"| {name} | – | – | – | – | – | – |"
    ratio = _div(latency["p50_ms"], floor)
    return (
        f"| {name} | {_f(latency['p50_ms'])} | {_f(latency['p90_ms'])} | "
        f"{_f(latency['p99_ms'])} | {_f(latency['p999_ms'])} | {latency['count']} | "
        f"{_f(ratio, 2)} |"
    )


def markdown(results: dict[str, Any]) -> str:
    """The run as Markdown tables: latency, load, batches, in process, baselines, targets."""
    ours = results.get("ours", {})
    floor = _get(results, "floor", "empty_call", "latency", "p50_ms")
    machine = results["machine"]
    lines = [
        f"# Benchmark ({results['plan']})",
        "",
        f"Machine: {machine['cpu_model']}, {machine['logical_cores']} logical cores "
        f"({machine['usable_cores']} usable); load average at start "
        f"{results['load_average']['start']}, at end {results['load_average']['end']}. "
        f"Python {machine['python']}, grpcio {machine['versions']['grpcio']}, "
        f"onnxruntime {machine['versions']['onnxruntime']}, "
        f"lightgbm {machine['versions']['lightgbm']}.",
        f"Model: {results['model']['num_trees']} trees, {results['model']['features']} "
        f"features; {results['model']['rows']} stored clients drawn. Wall time "
        f"{results['wall_seconds']:.0f} s.",
        "",
        "## Sequential latency (ms), one call at a time",
        "",
        "| call | p50 | p90 | p99 | p99.9 | n | p50 / floor |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        _latency_row(
            "floor: empty unary call (tiny server, same settings)",
            _get(results, "floor", "empty_call"),
            floor,
        ),
        _latency_row("floor 2: health Check on our server", ours.get("health_check"), floor),
    ]
    for key, label in (
        ("score_stored", "Score (stored client)"),
        ("score_payload", "Score (application payload)"),
        ("explain", f"Explain ({results['model']['num_trees']} trees)"),
        ("get_client", "GetClient"),
        ("compare_peers", "ComparePeers"),
        ("search_clients", "SearchClients"),
        ("suggest_changes", "SuggestChanges (refused clients)"),
    ):
        lines.append(_latency_row(label, ours.get(key), floor))
    many = results.get("explain_many_trees")
    if many and many.get("latency"):
        lines.append(_latency_row(f"Explain ({many['num_trees']} trees)", many, floor))
    lines.append(_latency_row("V2 ModelInfer (1 row)", _get(ours, "model_infer", "1"), floor))
    rest = _get(results, "baselines", "rest_pickle")
    if rest and rest.get("latency"):
        lines.append(_latency_row("baseline: REST + pickle (FastAPI)", rest, floor))
    for config, entry in (_get(results, "baselines", "mlserver", "configs") or {}).items():
        lines.append(_latency_row(f"baseline: MLServer {config}", entry.get("single"), floor))
    lines += _tls_table(results.get("tls"))
    lines += _records_table(results.get("records"))
    lines += _load_table(ours)
    lines += _batch_table(ours)
    lines += _inprocess_table(results.get("inprocess", {}))
    lines += _perf_table(_get(results, "baselines", "perf_analyzer"))
    lines += _skipped(results.get("baselines", {}))
    lines += _targets(results)
    return "\n".join(lines) + "\n"


def _tls_table(tls: dict[str, Any] | None) -> list[str]:
    lines = ["", "## Over TLS (ms), one call at a time", ""]
    if not tls or tls.get("status") != "measured":
        reason = tls.get("reason", "not run") if tls else "not run"
        return [*lines, f"Skipped: {reason}."]
    floor = _get(tls, "empty_call", "latency", "p50_ms")
    return [
        *lines,
        f"{tls['description']}; a Score without a token: {tls['score_without_token']}.",
        "",
        "| call | p50 | p90 | p99 | p99.9 | n | p50 / floor |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        _latency_row("floor over TLS: empty unary call", tls.get("empty_call"), floor),
        _latency_row("Score (stored client) over TLS + token", tls.get("score_stored"), floor),
    ]


def records_markdown(results: dict[str, Any]) -> str:
    """The decision-record section alone (``python -m benchmarks records``), with its targets."""
    machine = results["machine"]
    lines = [
        f"# Benchmark: decision record ({results['plan']})",
        "",
        f"Machine: {machine['cpu_model']}, {machine['logical_cores']} logical cores "
        f"({machine['usable_cores']} usable); load average at start "
        f"{results['load_average']['start']}, at end {results['load_average']['end']}.",
        *_records_table(results.get("records")),
        *_target_table(_record_targets(), results["ratios"]),
    ]
    return "\n".join(lines) + "\n"


def _records_table(records: dict[str, Any] | None) -> list[str]:
    lines = ["", "## Decision record: Score (application payload), recording off and on", ""]
    if not records or records.get("status") != "measured":
        reason = records.get("reason", "not run") if records else "not run"
        return [*lines, f"Skipped: {_first_line(reason)}."]
    floor = _get(records, "empty_call", "latency", "p50_ms")
    servers = records.get("servers") or {}
    off_rate = _get(servers, "off", "load", "calls_per_second")
    concurrency = records["concurrency"]
    lines += [
        f"{records['description']}.",
        "",
        *_storage_lines(records.get("storage") or {}),
        "",
        f"| server | sequential p50 ms | p99 ms | n | p50 / floor | calls/s at {concurrency} "
        f"in flight | / off | p50 ms at {concurrency} | server CPU ms per call at {concurrency} | "
        f"thread switches per call at {concurrency} | records written | records/s | errors |",
        "| --- |" + " ---: |" * 12,
    ]
    empty = _get(records, "empty_call", "latency") or {}
    lines.append(
        f"| floor: empty unary call | {_f(empty.get('p50_ms'))} | {_f(empty.get('p99_ms'))} | "
        f"{empty.get('count', '–')} | 1.00 | – | – | – | – | – | – | – | – |"
    )
    for name, entry in servers.items():
        lines.append(_record_row(name, entry, floor, off_rate))
    return [*lines, *_metrics_cost_lines(records.get("metrics_cost"))]


def _metrics_cost_lines(cost: dict[str, Any] | None) -> list[str]:
    if not cost:
        return []
    twins = cost["twin_over_first"]
    return [
        "",
        f"Metrics' cost: Score p50 {_f(cost['metrics_p50_ms'])} ms with metrics on, "
        f"{_f(cost['off_p50_ms'])} ms off, each pooled over two identical servers in the same "
        f"turns: **{cost['metrics_over_off']:.3f}×**. Two identical servers differed by "
        f"{twins['off']:.3f}× (off) and {twins['metrics']:.3f}× (metrics on) in this run.",
    ]


def _record_row(
    name: str, entry: dict[str, Any], floor: float | None, off_rate: float | None
) -> str:
    if entry.get("status") != "measured":
        return f"| {name}: skipped: {_first_line(entry.get('reason', ''))} |" + " – |" * 12
    latency = entry["score_payload"]["latency"]
    load = entry["load"]
    usage = entry.get("server_per_call") or {}
    return (
        f"| {name} | {_f(latency['p50_ms'])} | {_f(latency['p99_ms'])} | {latency['count']} | "
        f"{_f(_div(latency['p50_ms'], floor), 2)} | {_n(load['calls_per_second'])} | "
        f"{_f(_div(load['calls_per_second'], off_rate), 2)} | "
        f"{_f(load['p50_ms_median_of_rounds'])} | {_f(usage.get('cpu_ms'))} | "
        f"{_f(usage.get('thread_switches'), 1)} | {entry['records_written']:,} | "
        f"{_n(entry['records_per_second'])} | {load['errors']} |"
    )


def _storage_lines(storage: dict[str, Any]) -> list[str]:
    lines = []
    sqlite = storage.get("sqlite")
    if sqlite:
        fsync = _get(sqlite, "fdatasync_4k_append", "latency") or {}
        same = "yes" if sqlite["same_filesystem_as_default_store"] else "NO"
        lines.append(
            f"- SQLite file in {sqlite['directory']} ({sqlite['placement']}): "
            f"{sqlite['filesystem']} on {sqlite['device']} (mounted at {sqlite['mount_point']}); "
            f"same filesystem as the server's default store: {same}. One fdatasync after a 4 KiB "
            f"append there, in turns with the calls: p50 {_f(fsync.get('p50_ms'))} ms (p99 "
            f"{_f(fsync.get('p99_ms'))}, n {fsync.get('count', '–')}): with synchronous=FULL a "
            "sequential recorded Score cannot be faster than one flush."
        )
    postgres = storage.get("postgresql")
    if postgres:
        lines.append(
            f"- PostgreSQL data in {postgres['directory']}: {postgres['filesystem']} on "
            f"{postgres['device']} (mounted at {postgres['mount_point']})."
        )
    return lines


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


def _load_table(ours: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "## Score under load (grpc.aio client, one channel, N calls in flight)",
        "",
        "| request | in flight | calls/s | p50 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, levels in (ours.get("score_concurrency") or {}).items():
        for level in levels:
            lines.append(
                f"| {kind} | {level['concurrency']} | {_n(level['calls_per_second'])} | "
                f"{_f(level['latency']['p50_ms'])} | {_f(level['latency']['p99_ms'])} | "
                f"{level['errors']} |"
            )
    return lines


def _batch_table(ours: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "## Batches: rows/s, one call at a time",
        "",
        "ScoreBatch on the same rows: stored client ids, application payloads as a list of "
        "Score requests, and the same payloads as columns (ApplicationColumns).",
        "",
        "| rows per call | ScoreBatch stored ids | ScoreBatch list payloads | "
        "ScoreBatch columnar payloads | V2 ModelInfer | p50 ms (stored) | p50 ms (columnar) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    stored = _get(ours, "score_batch", "stored") or {}
    for size, entry in stored.items():
        payload = _get(ours, "score_batch", "payload", size, "rows_per_second")
        columnar = _get(ours, "score_batch", "columnar", size) or {}
        infer = _get(ours, "model_infer", size, "rows_per_second")
        lines.append(
            f"| {size} | {_n(entry['rows_per_second'])} | {_n(payload)} | "
            f"{_n(columnar.get('rows_per_second'))} | {_n(infer)} | "
            f"{_f(entry['latency']['p50_ms'])} | {_f(_get(columnar, 'latency', 'p50_ms'))} |"
        )
    return lines


def _inprocess_table(inprocess: dict[str, Any]) -> list[str]:
    engines = inprocess.get("engines") or {}
    if not engines:
        return []
    lines = [
        "",
        f"## In process ({inprocess['num_trees']} trees; many-trees model below if measured)",
        "",
        f"| engine | 1 row p50 ms | 1 row p99 ms | {inprocess['batch_size']} rows p50 ms | "
        "rows/s (batch) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for source in (inprocess, inprocess.get("many_trees") or {}):
        for name, entry in (source.get("engines") or {}).items():
            suffix = f" ({source['num_trees']} trees)" if source is not inprocess else ""
            lines.append(
                f"| {name}{suffix} | {_f(entry['single']['latency']['p50_ms'])} | "
                f"{_f(entry['single']['latency']['p99_ms'])} | "
                f"{_f(entry['batch']['latency']['p50_ms'])} | "
                f"{_n(entry['batch']['rows_per_second'])} |"
            )
    return [*lines, *_idle_lines(engines)]


def _idle_lines(engines: dict[str, Any]) -> list[str]:
    """The single-row engines after the CPU idled, beside their hot-loop figure."""
    lines = []
    for name, entry in engines.items():
        idle = entry.get("single_after_idle")
        if idle:
            hot = entry["single"]["latency"]["p50_ms"] * 1e3
            cold = idle["latency"]["p50_ms"] * 1e3
            lines.append(
                f"- {name}, 1 row after {idle['idle_seconds'] * 1e3:g} ms idle: p50 {cold:.1f} µs "
                f"(hot loop {hot:.1f} µs, {_f(_div(cold, hot), 2)}×): what a sequential caller "
                "meets, since the server idles between calls."
            )
    return ["", *lines] if lines else []


def _perf_table(perf: dict[str, Any] | None) -> list[str]:
    if not perf or perf.get("status") != "measured":
        return []
    lines = [
        "",
        "## perf_analyzer (C++ load generator) against our V2 endpoint, batch 1",
        "",
        "| concurrency | inferences/s | p50 ms | p90 ms | p99 ms |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for level in perf["levels"]:
        lines.append(
            f"| {level['concurrency']} | {_n(level['inferences_per_second'])} | "
            f"{_f(level['p50_ms'])} | {_f(level['p90_ms'])} | {_f(level['p99_ms'])} |"
        )
    return lines


def _skipped(baselines: dict[str, Any]) -> list[str]:
    lines = []
    for name, entry in baselines.items():
        if entry.get("status") in ("skipped", "failed"):
            lines.append(f"- {name}: {entry['status']}: {entry.get('reason', '')}")
        for config, sub in (entry.get("configs") or {}).items():
            if sub.get("status") == "failed":
                lines.append(f"- {name} {config}: failed: {sub.get('reason', '')[:300]}")
    return ["", "## Baselines not measured", "", *lines] if lines else []


def _targets(results: dict[str, Any]) -> list[str]:
    r = results["ratios"]
    batch = f"ScoreBatch({r['score_batch_largest']}"
    encoded = "in-process onnxruntime on the encoded graph the server runs, server's threads"
    rows: list[tuple[str, str, str, float]] = [
        ("Score (stored) p50 / empty-call floor", "score_p50_over_empty_call_p50", "≤", 1.15),
        (
            "Score (payload) p50 / empty-call floor",
            "score_payload_p50_over_empty_call_p50",
            "≤",
            1.25,
        ),
        ("REST+pickle p50 / Score p50", "rest_pickle_p50_over_score_p50", "≥", 20.0),
        ("MLServer (default) p50 / Score p50", "mlserver_default_p50_over_score_p50", "≥", 2.5),
        (
            f"{batch} columnar payloads) rows/s / {encoded}",
            "score_batch_columnar_rows_per_s_over_encoded_onnxruntime_batch",
            "≥",
            0.9,
        ),
        (
            f"{batch} list payloads) rows/s / {encoded}",
            "score_batch_payload_rows_per_s_over_encoded_onnxruntime_batch",
            "≥",
            0.4,
        ),
        (
            f"{batch} list payloads) rows/s / in-process onnxruntime on model.onnx, "
            "server's session",
            "score_batch_payload_rows_per_s_over_onnxruntime_batch",
            "≥",
            0.7,
        ),
        (
            f"({batch} columnar payloads) rows/s / fastest in-process onnxruntime set-up, "
            "any graph or thread count)",
            "score_batch_columnar_rows_per_s_over_best_onnxruntime_batch",
            "≥",
            0.9,
        ),
        (
            f"({batch} stored ids) rows/s / in-process onnxruntime; no model run)",
            "score_batch_stored_rows_per_s_over_onnxruntime_batch",
            "≥",
            0.7,
        ),
        (
            "Score (stored) over TLS + token p50 / empty-call floor over TLS",
            "tls_score_p50_over_tls_empty_call_p50",
            "≤",
            1.3,
        ),
        ("Explain p50 ms (shipped model)", "explain_p50_ms", "≤", 5.0),
        ("Explain p50 ms (many-trees model)", "explain_p50_ms_many_trees", "≤", 5.0),
        ("SuggestChanges p50 ms (refused clients)", "suggest_changes_p50_ms", "≤", 50.0),
        *_record_targets(),
    ]
    return _target_table(rows, r)


def _record_targets() -> list[tuple[str, str, str, float]]:
    rows = [
        (
            "Score (payload) p50, Prometheus metrics on / off (recording off)",
            "metrics_on_score_p50_over_off_p50",
            "≤",
            TARGET_METRICS_P50_RATIO,
        )
    ]
    for store, label in _RECORD_STORES.items():
        rows.append(
            (
                f"Score (payload) calls/s at {CONCURRENCY} in flight, recording on {label} / off",
                f"record_{store}_throughput_over_off",
                "≥",
                TARGET_THROUGHPUT_RATIO,
            )
        )
        rows.append(
            (
                f"Score (payload) p50, recording on {label} / empty-call floor",
                f"record_{store}_score_p50_over_empty_call_p50",
                "≤",
                TARGET_P50_OVER_FLOOR,
            )
        )
    return rows


def _target_table(rows: list[tuple[str, str, str, float]], r: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "## Targets (ratios from this run)",
        "",
        "| measure | target | measured | verdict |",
        "| --- | ---: | ---: | --- |",
    ]
    for label, key, op, bound in rows:
        value = r.get(key)
        if value is None:
            verdict = "not measured"
        else:
            met = value <= bound if op == "≤" else value >= bound
            verdict = "met" if met else "MISSED"
        lines.append(f"| {label} | {op} {bound:g} | {_f(value, 2)} | {verdict} |")
    return lines


def write_plots(results: dict[str, Any], samples: dict[str, np.ndarray], out: Path) -> list[Path]:
    """latency_cdf.png, throughput_vs_concurrency.png, batch_rows_per_s.png (matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    fig, ax = plt.subplots(figsize=(8, 5))
    for name in (
        "empty_call",
        "health_check",
        "score_stored",
        "score_payload",
        "explain",
        "model_infer_1",
        "rest_pickle",
        "mlserver_default",
        "mlserver_omp_1_thread",
    ):
        if name in samples and len(samples[name]):
            ms = np.sort(samples[name] / 1e6)
            ax.plot(ms, np.arange(1, ms.size + 1) / ms.size, label=name)
    ax.set_xscale("log")
    ax.set_xlabel("latency (ms, log scale)")
    ax.set_ylabel("fraction of calls")
    ax.set_title("Latency CDF, sequential calls")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    paths.append(_save(fig, out / "latency_cdf.png"))

    fig, ax = plt.subplots(figsize=(8, 5))
    for kind, levels in (_get(results, "ours", "score_concurrency") or {}).items():
        ax.plot(
            [lv["concurrency"] for lv in levels],
            [lv["calls_per_second"] for lv in levels],
            marker="o",
            label=f"Score {kind} (grpc.aio client)",
        )
    perf = _get(results, "baselines", "perf_analyzer")
    if perf and perf.get("status") == "measured":
        ax.plot(
            [lv["concurrency"] for lv in perf["levels"]],
            [lv["inferences_per_second"] for lv in perf["levels"]],
            marker="s",
            label="V2 ModelInfer (perf_analyzer)",
        )
    ax.set_xscale("log", base=2)
    ax.set_xlabel("calls in flight")
    ax.set_ylabel("calls / s")
    ax.set_title("Throughput vs concurrency")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    paths.append(_save(fig, out / "throughput_vs_concurrency.png"))

    fig, ax = plt.subplots(figsize=(8, 5))
    for label, entries in (
        ("ScoreBatch stored", _get(results, "ours", "score_batch", "stored")),
        ("ScoreBatch list payloads", _get(results, "ours", "score_batch", "payload")),
        ("ScoreBatch columnar payloads", _get(results, "ours", "score_batch", "columnar")),
        ("V2 ModelInfer", _get(results, "ours", "model_infer")),
    ):
        if entries:
            sizes = sorted(entries, key=int)
            ax.plot(
                [int(s) for s in sizes],
                [entries[s]["rows_per_second"] for s in sizes],
                marker="o",
                label=label,
            )
    for engine, style in (("onnxruntime", "--"), ("onnxruntime_encoded", ":")):
        engine_rows = _get(results, "inprocess", "engines", engine, "batch", "rows_per_second")
        if engine_rows:
            ax.axhline(engine_rows, linestyle=style, color="grey", label=f"in-process {engine}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rows per call")
    ax.set_ylabel("rows / s")
    ax.set_title("Batch size vs rows/s")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    paths.append(_save(fig, out / "batch_rows_per_s.png"))
    return paths


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path
