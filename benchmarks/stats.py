"""Latency summaries and bounded measurement loops (count and wall-time limits)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["Budget", "LatencySummary", "measure", "summarize"]


@dataclass(frozen=True, slots=True)
class Budget:
    """Bounds of one measurement: at most ``count`` timed calls and ``seconds`` of wall time,
    after ``warmup`` untimed calls."""

    count: int
    seconds: float
    warmup: int = 20


@dataclass(frozen=True, slots=True)
class LatencySummary:
    """Percentiles of one series of call durations, in milliseconds."""

    count: int
    mean_ms: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    min_ms: float
    max_ms: float

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)


def summarize(samples_ns: np.ndarray | list[int]) -> LatencySummary:
    """Percentiles of durations given in nanoseconds."""
    ms = np.asarray(samples_ns, dtype=np.float64) / 1e6
    if ms.size == 0:
        raise ValueError("no samples")
    p50, p90, p99, p999 = np.percentile(ms, [50, 90, 99, 99.9])
    return LatencySummary(
        count=int(ms.size),
        mean_ms=float(ms.mean()),
        p50_ms=float(p50),
        p90_ms=float(p90),
        p99_ms=float(p99),
        p999_ms=float(p999),
        min_ms=float(ms.min()),
        max_ms=float(ms.max()),
    )


def measure(call: Callable[[int], object], budget: Budget) -> np.ndarray:
    """Durations (ns) of ``call(i)`` run one after the other, within ``budget``.

    ``i`` counts calls from 0 (warm-up included), so the caller can cycle through inputs.
    """
    for i in range(budget.warmup):
        call(i)
    samples = np.empty(budget.count, dtype=np.int64)
    deadline = time.perf_counter() + budget.seconds
    n = 0
    clock = time.perf_counter_ns
    while n < budget.count:
        started = clock()
        call(budget.warmup + n)
        samples[n] = clock() - started
        n += 1
        if n % 16 == 0 and time.perf_counter() > deadline:
            break
    return samples[:n]
