"""Per-caller limits: calls in progress at once and calls per second (a token bucket)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from server.errors import ResourceExhausted

__all__ = ["CallerLimits", "Limits"]

# Suggested wait after a refusal for too many calls in progress: about one typical call.
IN_FLIGHT_RETRY_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class Limits:
    """The same for every caller."""

    max_in_flight: int
    # Calls per second; the bucket holds one second's worth (at least one call) as a burst.
    max_rate: float


class _Bucket:
    """One caller's calls in progress and token bucket; guarded by its own lock."""

    def __init__(self, limits: Limits, now: float) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.capacity = max(1.0, limits.max_rate)
        self.tokens = self.capacity
        self.updated = now


class CallerLimits:
    """Admits or refuses each call of each caller (thread-safe; state lives in the instance).

    ``acquire`` before the call, ``release`` after it. The buckets are keyed by caller name, so
    there are as many as callers in the credentials file (one with --no-auth).
    """

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def acquire(self, caller: str) -> None:
        """Count a call of ``caller`` in; ResourceExhausted (with a retry delay) when over
        either limit. A refused call uses up nothing."""
        bucket = self._bucket(caller)
        rate = self._limits.max_rate
        with bucket.lock:
            now = self._clock()
            bucket.tokens = min(bucket.capacity, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.in_flight >= self._limits.max_in_flight:
                raise ResourceExhausted(
                    f"caller {caller!r} has {bucket.in_flight} calls in progress, its limit",
                    IN_FLIGHT_RETRY_SECONDS,
                )
            if bucket.tokens < 1.0:
                raise ResourceExhausted(
                    f"caller {caller!r} is over its limit of {rate:g} calls per second",
                    (1.0 - bucket.tokens) / rate,
                )
            bucket.tokens -= 1.0
            bucket.in_flight += 1

    def release(self, caller: str) -> None:
        """Count a call admitted by ``acquire`` out."""
        bucket = self._bucket(caller)
        with bucket.lock:
            bucket.in_flight -= 1

    def _bucket(self, caller: str) -> _Bucket:
        bucket = self._buckets.get(caller)
        if bucket is None:
            with self._lock:
                bucket = self._buckets.setdefault(caller, _Bucket(self._limits, self._clock()))
        return bucket
