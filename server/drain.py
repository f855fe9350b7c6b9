"""The shutdown sequence: drain behind a load balancer, refuse new calls, end health watches,
and give the calls in flight their grace period."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from grpc_health.v1 import health

__all__ = ["ClosableHealthServicer", "Drain", "drain"]

logger = logging.getLogger(__name__)

# What a Watch stream's non-blocking handler is given to send a message; None ends the stream.
_SendResponse = Callable[[Any], None]


class _WatchStream:
    """One open Health.Watch stream, which the server can end once (later sends are dropped)."""

    def __init__(self, send_response: _SendResponse, context: grpc.ServicerContext) -> None:
        self._send_response = send_response
        self._context = context
        self._lock = threading.Lock()
        self._ended = False

    def __call__(self, response: Any) -> None:
        with self._lock:
            if self._ended:
                return
            self._ended = response is None
        self._send_response(response)

    def end(self) -> None:
        """End the stream with UNAVAILABLE: the watcher reconnects elsewhere (gRPC's health
        client treats a closed Watch as "look again", not as a failure of the service)."""
        with self._lock:
            if self._ended:
                return
            self._ended = True
        self._context.set_code(grpc.StatusCode.UNAVAILABLE)
        self._context.set_details("server shutting down")
        self._send_response(None)


class ClosableHealthServicer(health.HealthServicer):
    """grpc_health's servicer, plus ``end_watches``: its Watch streams stay open until the
    client leaves, so one idle watcher would otherwise hold a stopping server for its whole
    grace period (gRPC cancels it only then)."""

    def __init__(self) -> None:
        super().__init__()
        self._streams_lock = threading.Lock()
        self._streams: set[_WatchStream] = set()

    def Watch(
        self,
        request: Any,
        context: grpc.ServicerContext,
        send_response_callback: _SendResponse | None = None,
    ) -> Any:
        if send_response_callback is None:  # blocking form: not how this servicer is served
            return super().Watch(request, context)
        stream = _WatchStream(send_response_callback, context)
        with self._streams_lock:
            self._streams.add(stream)
        context.add_callback(lambda: self._forget(stream))
        return super().Watch(request, context, stream)

    def end_watches(self) -> int:
        """End every open Watch stream; the number ended."""
        with self._streams_lock:
            streams, self._streams = self._streams, set()
        for stream in streams:
            stream.end()
        return len(streams)

    def _forget(self, stream: _WatchStream) -> None:
        with self._streams_lock:
            self._streams.discard(stream)


@dataclass(frozen=True)
class Drain:
    """How long each phase lasts: serving while NOT_SERVING, then the calls in flight."""

    drain_seconds: float
    grace_seconds: float


def drain(
    server: grpc.Server,
    health_servicer: health.HealthServicer,
    stop_taking_calls: Callable[[], None],
    timing: Drain,
) -> threading.Event:
    """Run the shutdown sequence; the event is set once the server has stopped.

    1. health NOT_SERVING (and ``stop_taking_calls``, e.g. readiness) at once, while new calls
       are still served for ``drain_seconds``: load balancers see it and stop sending, and the
       calls already sent are accepted rather than lost;
    2. new calls refused (UNAVAILABLE) and health Watch streams ended, so an idle watcher does
       not hold the exit;
    3. calls in flight get ``grace_seconds`` to finish; those left are then cancelled.

    With a drain, the sequence runs on a thread and this returns at once.
    """
    logger.info(
        "shutting down: health NOT_SERVING, still serving new calls for %.1fs (drain)",
        timing.drain_seconds,
    )
    stop_taking_calls()
    health_servicer.enter_graceful_shutdown()
    stopped = threading.Event()
    if timing.drain_seconds <= 0:
        # No thread before refusing: once this returns, new calls are refused.
        refused = _refuse_new_calls(server, health_servicer, timing.grace_seconds)
        _start_thread("drain", lambda: _await_stop(refused, timing.grace_seconds, stopped))
        return stopped

    def after_drain() -> None:
        time.sleep(timing.drain_seconds)
        refused = _refuse_new_calls(server, health_servicer, timing.grace_seconds)
        _await_stop(refused, timing.grace_seconds, stopped)

    _start_thread("drain", after_drain)
    return stopped


def _refuse_new_calls(
    server: grpc.Server, health_servicer: health.HealthServicer, grace_seconds: float
) -> threading.Event:
    grpc_stopped = server.stop(grace_seconds)
    # After stop, so that a Watch opened during the drain is ended too and none can follow.
    ended = (
        health_servicer.end_watches() if isinstance(health_servicer, ClosableHealthServicer) else 0
    )
    logger.info(
        "refusing new calls, %d health watch stream(s) ended; up to %.1fs for calls in flight",
        ended,
        grace_seconds,
    )
    return grpc_stopped


def _await_stop(
    grpc_stopped: threading.Event, grace_seconds: float, stopped: threading.Event
) -> None:
    started = time.monotonic()
    grpc_stopped.wait()
    elapsed = time.monotonic() - started
    if elapsed < grace_seconds:
        logger.info("stopped: calls in flight finished in %.2fs", elapsed)
    else:
        logger.warning(
            "stopped: grace period of %.1fs over, calls left were cancelled", grace_seconds
        )
    stopped.set()


def _start_thread(name: str, target: Callable[[], None]) -> None:
    # A daemon: the caller decides whether to wait for the event (python -m server does).
    threading.Thread(target=target, name=name, daemon=True).start()
