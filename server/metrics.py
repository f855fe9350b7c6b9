"""Live metrics in the Prometheus format (prometheus-client), on their own HTTP port.

One registry per server (no process-wide state): calls and their latency per method and
status code, calls in flight, decisions by outcome, the distribution of the probabilities
given, the model version, and records written to the decision record. Off unless
``--metrics-port``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from typing import Any

import grpc
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, multiprocess
from prometheus_client.exposition import start_http_server

from server.interception import Behavior, WrappedHandlers, rewrap

__all__ = ["MetricsInterceptor", "ServerMetrics", "serve_metrics"]

# Latency buckets from 100 µs (an empty call) to 10 s (the largest batches).
_LATENCY_BUCKETS = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
    2.5, 5.0, 10.0,
)  # fmt: skip
# Probability of default: finer where the thresholds of this kind of model lie (5-15%).
_PROBABILITY_BUCKETS = (
    0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.12, 0.15, 0.20, 0.30, 0.50,
    1.0,
)  # fmt: skip


class ServerMetrics:
    """The server's metrics, registered in their own registry."""

    def __init__(self, model_version: str, threshold: float) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.calls = Counter(
            "creditscore_calls",
            "Calls handled, by full method name and gRPC status code.",
            ["method", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "creditscore_call_seconds",
            "Time to handle a unary call, by method and status code.",
            ["method", "code"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "creditscore_calls_in_flight",
            "Unary calls being handled.",
            ["method"],
            registry=self.registry,
            # With several processes: the sum over the live ones.
            multiprocess_mode="livesum",
        )
        self.decisions = Counter(
            "creditscore_decisions",
            "Model decisions given (Score, each ScoreBatch item, Explain), by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.probabilities = Histogram(
            "creditscore_default_probability",
            "Probabilities of default given with the decisions.",
            buckets=_PROBABILITY_BUCKETS,
            registry=self.registry,
        )
        self.records = Counter(
            "creditscore_records_written",
            "Decision records made durable (rate() gives records written per second).",
            registry=self.registry,
        )
        # Labelled children looked up once (labels() takes a lock).
        self._threshold = threshold
        self._approved = self.decisions.labels("approve")
        self._refused = self.decisions.labels("refuse")
        _model_info(self.registry, model_version, threshold)

    def observe_decisions(self, probabilities: Iterable[float]) -> None:
        """Count decisions given with these probabilities of default (REFUSE at or above the
        threshold, as the server decides)."""
        threshold = self._threshold
        for probability in probabilities:
            (self._refused if probability >= threshold else self._approved).inc()
            self.probabilities.observe(probability)

    def observe_written(self, count: int) -> None:
        self.records.inc(count)


class MetricsInterceptor(grpc.ServerInterceptor):
    """Counts and times every unary call, with the status code it ended with; streaming calls
    (health Watch, reflection) pass through uncounted."""

    def __init__(self, metrics: ServerMetrics) -> None:
        self._metrics = metrics
        self._handlers = WrappedHandlers(self._wrapped)

    def intercept_service(
        self, continuation: Callable[[Any], Any], handler_call_details: Any
    ) -> Any:
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        return self._handlers.get(handler, handler_call_details.method)

    def _wrapped(self, handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
        return rewrap(handler, functools.partial(self._timed, method=method), _unchanged)

    def _timed(self, behavior: Behavior, method: str) -> Behavior:
        metrics = self._metrics
        in_flight = metrics.in_flight.labels(method)
        # The labelled children of each status code, looked up once (labels() takes a lock).
        by_code: dict[object, tuple[Any, Any]] = {}

        @functools.wraps(behavior)
        def timed(request: Any, context: grpc.ServicerContext) -> Any:
            started = time.perf_counter()
            in_flight.inc()
            failed = False
            try:
                return behavior(request, context)
            except BaseException:
                failed = True
                raise
            finally:
                in_flight.dec()
                # Handlers end a failed call with context.abort, which sets the code first.
                code = context.code() or (grpc.StatusCode.UNKNOWN if failed else grpc.StatusCode.OK)
                counted = by_code.get(code)
                if counted is None:
                    name = code.name if isinstance(code, grpc.StatusCode) else str(code)
                    counted = by_code[code] = (
                        metrics.calls.labels(method, name),
                        metrics.latency.labels(method, name),
                    )
                counted[0].inc()
                counted[1].observe(time.perf_counter() - started)

        return timed


def _unchanged(behavior: Behavior) -> Behavior:
    return behavior


def serve_metrics(
    metrics: ServerMetrics, host: str, port: int, tls: tuple[str, str] | None
) -> tuple[Any, int]:
    """Serve ``/metrics`` on ``host:port`` (HTTPS with ``tls`` = (certificate, key) files);
    returns the HTTP server (``shutdown()`` it) and the bound port."""
    return _serve(metrics.registry, host, port, tls)


def serve_process_metrics(
    model_version: str, threshold: float, host: str, port: int, tls: tuple[str, str] | None
) -> tuple[Any, int]:
    """One ``/metrics`` for several server processes: prometheus-client's multiprocess mode
    (each process writes its values to files under PROMETHEUS_MULTIPROC_DIR, set before any
    of them imported prometheus_client; this collector sums them), and the model's info,
    which that mode cannot carry, from here."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    _model_info(registry, model_version, threshold)
    return _serve(registry, host, port, tls)


def process_exited(pid: int) -> None:
    """Forget a dead process's gauges (its counters and histograms keep counting in the sum)."""
    multiprocess.mark_process_dead(pid)


def _model_info(registry: CollectorRegistry, model_version: str, threshold: float) -> None:
    Info("creditscore_model", "The model being served.", registry=registry).info(
        {"model_version": model_version, "threshold": f"{threshold:.6g}"}
    )


def _serve(
    registry: CollectorRegistry, host: str, port: int, tls: tuple[str, str] | None
) -> tuple[Any, int]:
    certfile, keyfile = tls if tls is not None else (None, None)
    httpd, _thread = start_http_server(
        port, addr=host, registry=registry, certfile=certfile, keyfile=keyfile
    )
    return httpd, int(httpd.server_port)
