"""Load generators for gRPC targets: sequential calls (sync stub) and N calls in flight (aio)."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import grpc
import numpy as np

from benchmarks.stats import Budget, LatencySummary, measure, summarize

__all__ = [
    "CHANNEL_OPTIONS",
    "LoadResult",
    "SequentialResult",
    "concurrent_load",
    "cycling",
    "interleaved",
    "sequential",
    "warmup_calls",
]

T = TypeVar("T")

# As large as the server accepts (ScoreBatch of 1000 payloads, V2 batches).
CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", 32 * 1024 * 1024),
    ("grpc.max_send_message_length", 32 * 1024 * 1024),
]

AsyncCall = Callable[[int], Awaitable[Any]]


@dataclass(frozen=True)
class SequentialResult:
    """One call at a time: latency, and the rows per second that follow from it."""

    latency: LatencySummary
    rows_per_call: int = 1
    seconds: float = 0.0

    @property
    def calls_per_second(self) -> float:
        return self.latency.count / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "latency": self.latency.to_dict(),
            "rows_per_call": self.rows_per_call,
            "calls_per_second": self.calls_per_second,
            "rows_per_second": self.calls_per_second * self.rows_per_call,
        }


@dataclass(frozen=True)
class LoadResult:
    """``concurrency`` calls kept in flight on one channel for a bounded time."""

    concurrency: int
    calls: int
    seconds: float
    latency: LatencySummary
    errors: int = 0
    first_error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "concurrency": self.concurrency,
            "calls": self.calls,
            "seconds": self.seconds,
            "calls_per_second": self.calls_per_second,
            "errors": self.errors,
            "first_error": self.first_error,
            "latency": self.latency.to_dict(),
        }


def cycling(call: Callable[[T], object], items: Sequence[T]) -> Callable[[int], object]:
    """``i -> call(items[i % len(items)])``: a measured call that cycles through its inputs."""
    return lambda i: call(items[i % len(items)])


def sequential(
    call: Callable[[int], object], budget: Budget, rows_per_call: int = 1
) -> tuple[SequentialResult, np.ndarray]:
    """Latency of ``call(i)`` made one after the other (a blocking stub method), with the
    samples (ns) for a CDF. The rate counts the timed calls only, not the warm-up."""
    samples = measure(call, budget)
    elapsed = float(samples.sum()) / 1e9
    return SequentialResult(summarize(samples), rows_per_call, elapsed), samples


def interleaved(
    calls: Mapping[str, Callable[[int], object]], budget: Budget, rounds: int
) -> dict[str, tuple[SequentialResult, np.ndarray]]:
    """``sequential`` for several calls at once, measured in turns: ``rounds`` rounds in which
    each call spends its share of ``budget``. A drift of the machine during the run (clock
    speed, neighbours) then weighs on every call alike, and the ratios between them hold."""
    share = Budget(count=max(1, budget.count // rounds), seconds=budget.seconds / rounds, warmup=0)
    for call in calls.values():
        for i in range(budget.warmup):
            call(i)
    series: dict[str, list[np.ndarray]] = {name: [] for name in calls}
    for round_ in range(rounds):
        for name, call in calls.items():
            offset = budget.warmup + round_ * share.count
            shifted = functools.partial(_shifted, call, offset)
            series[name].append(measure(shifted, share))
    out = {}
    for name, parts in series.items():
        samples = np.concatenate(parts)
        elapsed = float(samples.sum()) / 1e9
        out[name] = (SequentialResult(summarize(samples), 1, elapsed), samples)
    return out


def _shifted(call: Callable[[int], object], offset: int, i: int) -> object:
    return call(offset + i)


def concurrent_load(
    target: str,
    make_call: Callable[[grpc.aio.Channel], AsyncCall],
    concurrency: int,
    budget: Budget,
    connections: int = 1,
) -> LoadResult:
    """Keep ``concurrency`` calls in flight (grpc.aio) until the budget is spent, over
    ``connections`` connections (several server processes on one port each get some: the
    kernel spreads connections, not calls)."""
    return asyncio.run(_load(target, make_call, concurrency, budget, connections))


async def _load(
    target: str,
    make_call: Callable[[grpc.aio.Channel], AsyncCall],
    concurrency: int,
    budget: Budget,
    connections: int = 1,
) -> LoadResult:
    # A local subchannel pool: channels to one target would otherwise share one connection.
    options = [*CHANNEL_OPTIONS, ("grpc.use_local_subchannel_pool", 1)]
    channels = [grpc.aio.insecure_channel(target, options=options) for _ in range(connections)]
    try:
        return await _load_on(channels, make_call, concurrency, budget)
    finally:
        for channel in channels:
            await channel.close()


def warmup_calls(budget: Budget, concurrency: int, connections: int = 1) -> int:
    """The calls concurrent_load makes before it measures (not in its LoadResult)."""
    return connections * (_warmup_burst(budget, concurrency) + budget.warmup)


def _warmup_burst(budget: Budget, concurrency: int) -> int:
    return min(budget.warmup, concurrency) or 1


async def _load_on(
    channels: list[grpc.aio.Channel],
    make_call: Callable[[grpc.aio.Channel], AsyncCall],
    concurrency: int,
    budget: Budget,
) -> LoadResult:
    calls = [make_call(channel) for channel in channels]
    for call in calls:
        await asyncio.gather(*(call(i) for i in range(_warmup_burst(budget, concurrency))))
        for i in range(budget.warmup):
            await call(i)
    samples: list[int] = []
    errors: list[str] = []
    issued = 0
    deadline = time.perf_counter() + budget.seconds
    clock = time.perf_counter_ns

    async def worker(call: AsyncCall) -> None:
        nonlocal issued
        while issued < budget.count and time.perf_counter() < deadline:
            i = issued
            issued += 1
            begun = clock()
            try:
                await call(i)
            except grpc.RpcError as error:
                errors.append(f"{error.code()}: {error.details()}")
                continue
            samples.append(clock() - begun)

    started = time.perf_counter()
    await asyncio.gather(*(worker(calls[k % len(calls)]) for k in range(concurrency)))
    elapsed = time.perf_counter() - started
    latency = summarize(np.asarray(samples or [0]))
    return LoadResult(
        concurrency=concurrency,
        calls=len(samples),
        seconds=elapsed,
        latency=latency,
        errors=len(errors),
        first_error=errors[0] if errors else "",
    )
