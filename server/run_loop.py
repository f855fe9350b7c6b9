"""Running one started server until SIGTERM / SIGINT, then its drain (health first)."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from server.app import ScoringServer

__all__ = ["SIGNAL_POLL_SECONDS", "serve_until_signalled", "stop_on_signals"]

logger = logging.getLogger("server")

# How often the main thread wakes to run a pending signal handler.
SIGNAL_POLL_SECONDS = 0.05


def stop_on_signals(name: str = "") -> threading.Event:
    """An event set by SIGTERM / SIGINT from now on."""
    stop_requested = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        # Only flag it: the drain sleeps, which a signal handler must not do (a second
        # signal would then run it again, nested).
        logger.info("%sreceived %s", name, signal.Signals(signum).name)
        stop_requested.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop_requested


def serve_until_signalled(
    server: ScoringServer,
    port: int,
    name: str = "",
    stop_requested: threading.Event | None = None,
) -> int:
    """Start ``server``, serve until SIGTERM / SIGINT (or ``stop_requested``, from
    ``stop_on_signals`` called earlier), drain; 0 once it has stopped."""
    if stop_requested is None:
        stop_requested = stop_on_signals(name)
    server.start()
    settings = server.settings
    logger.info(
        "%sserving model %s on %s:%d (%d worker threads)",
        name,
        server.artifacts.model_version,
        settings.host,
        port,
        settings.worker_threads,
    )
    # A timed wait, in a loop: the kernel may deliver SIGTERM to one of gRPC's threads, and
    # Python runs its handler only when the main thread wakes; an untimed wait could sleep
    # through the signal for good.
    while not stop_requested.wait(SIGNAL_POLL_SECONDS):
        pass
    server.drain().wait()
    return 0
