"""What a server process spends while it serves a load: CPU seconds (psutil, every thread)
and thread switches (every thread's, read from /proc on Linux: psutil's count is the main
thread's alone, which in a gRPC server does none of the work). A thread that ends between
two readings takes its switches with it; a gRPC server's threads live as long as it does."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

__all__ = ["Usage", "usage_of"]

_SWITCHES = ("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")


@dataclass(frozen=True)
class Usage:
    """Cumulative CPU seconds and thread switches of one process; ``switches`` is None where
    /proc has no per-thread counts (not Linux)."""

    cpu_seconds: float
    switches: int | None

    def __sub__(self, earlier: Usage) -> Usage:
        return Usage(self.cpu_seconds - earlier.cpu_seconds, _known(self, earlier, -1))

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.cpu_seconds + other.cpu_seconds, _known(self, other, 1))

    def per_call(self, calls: int) -> dict[str, Any]:
        """CPU milliseconds and thread switches (voluntary and not) per call."""
        return {
            "calls": calls,
            "cpu_ms": self.cpu_seconds * 1e3 / calls if calls else None,
            "thread_switches": (
                self.switches / calls if calls and self.switches is not None else None
            ),
        }


def _known(first: Usage, second: Usage, sign: int) -> int | None:
    """The two counts of switches combined, or None when either is unknown."""
    if first.switches is None or second.switches is None:
        return None
    return first.switches + sign * second.switches


def usage_of(pid: int) -> Usage:
    """The process's usage so far (user + system CPU of all its threads)."""
    times = psutil.Process(pid).cpu_times()
    return Usage(times.user + times.system, _thread_switches(pid))


def _thread_switches(pid: int) -> int | None:
    tasks = Path(f"/proc/{pid}/task")
    if not tasks.is_dir():
        return None
    total = 0
    for status in tasks.glob("*/status"):
        try:
            lines = status.read_text().splitlines()
        except OSError:  # a thread that ended meanwhile
            continue
        total += sum(int(line.split()[1]) for line in lines if line.startswith(_SWITCHES))
    return total
