"""How much each measurement runs: the full plan and the CI smoke-test plan (--quick)."""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.stats import Budget

__all__ = ["FULL", "QUICK", "Plan"]


@dataclass(frozen=True)
class Plan:
    """Bounds of every loop of a run."""

    name: str
    # Stored clients drawn for the run; payloads are fetched for them with GetClient.
    rows: int
    # Sequential latency of the fast calls (floor, Score, ModelInfer, REST, MLServer).
    fast: Budget
    # Turns in which the floor, the health check and Score share the ``fast`` budget.
    interleave_rounds: int
    # Sequential latency of the heavier calls (Explain, GetClient, ComparePeers, ...).
    slow: Budget
    # One concurrency level.
    load: Budget
    concurrency_levels: tuple[int, ...]
    # One batch size of each ScoreBatch form (stored ids, list and columnar payloads) and of V2.
    batch: Budget
    batch_sizes: tuple[int, ...]
    # In-process engines, one row and one batch of ``inprocess_batch`` rows.
    inprocess_single: Budget
    inprocess_batch_budget: Budget
    inprocess_batch: int
    # perf_analyzer: measurement window (ms) and concurrency range "start:end".
    perf_window_ms: int
    perf_concurrency: str


FULL = Plan(
    name="full",
    rows=1000,
    fast=Budget(count=10_000, seconds=25.0, warmup=200),
    interleave_rounds=20,
    slow=Budget(count=2_000, seconds=12.0, warmup=20),
    load=Budget(count=40_000, seconds=8.0, warmup=20),
    concurrency_levels=(1, 4, 16, 64),
    batch=Budget(count=300, seconds=8.0, warmup=3),
    batch_sizes=(1, 16, 256, 1000),
    inprocess_single=Budget(count=5_000, seconds=8.0, warmup=50),
    inprocess_batch_budget=Budget(count=100, seconds=8.0, warmup=2),
    inprocess_batch=1000,
    perf_window_ms=3000,
    perf_concurrency="1:4",
)

QUICK = Plan(
    name="quick",
    rows=200,
    fast=Budget(count=400, seconds=2.0, warmup=20),
    interleave_rounds=4,
    slow=Budget(count=60, seconds=1.5, warmup=3),
    load=Budget(count=1_000, seconds=1.0, warmup=5),
    concurrency_levels=(1, 4, 16, 64),
    batch=Budget(count=10, seconds=1.0, warmup=1),
    batch_sizes=(1, 16, 256, 1000),
    inprocess_single=Budget(count=300, seconds=1.0, warmup=10),
    inprocess_batch_budget=Budget(count=5, seconds=1.0, warmup=1),
    inprocess_batch=1000,
    perf_window_ms=500,
    perf_concurrency="1:2",
)
