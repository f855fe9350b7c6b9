"""A process's usage as the benchmarks read it: CPU of every thread, and every thread's
switches (not the main thread's alone)."""

from __future__ import annotations

import os
import threading
import time

from benchmarks.server_usage import Usage, usage_of


def test_a_thread_that_sleeps_and_wakes_is_counted_in_the_process_s_switches() -> None:
    wakes = 50
    napped, measured = threading.Event(), threading.Event()

    def nap() -> None:
        for _ in range(wakes):
            time.sleep(0.001)  # each sleep is a voluntary switch of this thread
        napped.set()
        measured.wait()  # an ended thread's counts leave /proc with it

    worker = threading.Thread(target=nap)
    before = usage_of(os.getpid())
    worker.start()
    napped.wait()
    used = usage_of(os.getpid()) - before
    measured.set()
    worker.join()
    assert used.switches is not None and used.switches >= wakes


def test_busy_cpu_is_counted_and_divided_per_call() -> None:
    before = usage_of(os.getpid())
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:
        pass
    used = usage_of(os.getpid()) - before
    # The kernel counts CPU time in clock ticks (10 ms).
    assert used.cpu_seconds >= 0.15
    per_call = Usage(0.2, 30).per_call(10)
    assert per_call == {"calls": 10, "cpu_ms": 20.0, "thread_switches": 3.0}
    assert Usage(1.0, None).per_call(0) == {"calls": 0, "cpu_ms": None, "thread_switches": None}
