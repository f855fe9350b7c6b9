"""Failed logins per user name and per client address, and the locks they earn."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from gradio_ui.settings import LockoutPolicy

__all__ = ["LoginLockout"]

# ("user", name) or ("address", ip): one name space for both, so one lock covers either.
_Key = tuple[str, str]


class LoginLockout:
    """Counts failed logins in a sliding window; too many lock the user name, or the client
    address, for the policy's lock time. Thread-safe; `clock` returns seconds (monotonic)."""

    def __init__(self, policy: LockoutPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self._policy = policy
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[_Key, list[float]] = {}
        self._locked_until: dict[_Key, float] = {}

    def _keys(self, user: str, address: str) -> tuple[tuple[_Key, int], ...]:
        return (
            (("user", user), self._policy.max_failures_per_user),
            (("address", address), self._policy.max_failures_per_address),
        )

    def _seconds_left(self, user: str, address: str, now: float) -> int:
        until = max(self._locked_until.get(key, 0.0) for key, _ in self._keys(user, address))
        return math.ceil(until - now) if until > now else 0

    def seconds_locked(self, user: str, address: str) -> int:
        """Seconds before `user` may try again from `address`; 0 when neither is locked."""
        with self._lock:
            return self._seconds_left(user, address, self._clock())

    def failed(self, user: str, address: str) -> int:
        """Records a failed login; returns the seconds of the lock it caused, or 0."""
        with self._lock:
            now = self._clock()
            self._forget_before(now - self._policy.window_seconds, now)
            for key, limit in self._keys(user, address):
                recent = self._failures.setdefault(key, [])
                recent.append(now)
                if len(recent) >= limit:
                    self._locked_until[key] = now + self._policy.lock_seconds
                    del self._failures[key]
            return self._seconds_left(user, address, now)

    def succeeded(self, user: str) -> None:
        """A login went through: the user's earlier failures no longer count. The address's
        do, so that one good account cannot reset the count of a guesser on others."""
        with self._lock:
            self._failures.pop(("user", user), None)

    def _forget_before(self, oldest: float, now: float) -> None:
        """Drops failures out of the window and locks that ended (bounded memory)."""
        for key in list(self._failures):
            kept = [at for at in self._failures[key] if at > oldest]
            if kept:
                self._failures[key] = kept
            else:
                del self._failures[key]
        for key in [k for k, until in self._locked_until.items() if until <= now]:
            del self._locked_until[key]
