"""Assembly of the gRPC server: servicers, health, reflection, options, graceful shutdown."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2
from grpc_reflection.v1alpha import reflection

from creditscore.v1 import credit_score_pb2, decision_record_pb2
from inference import grpc_service_pb2
from server.artifacts import ServingArtifacts, load_artifacts
from server.converters.score_messages import ScoreMessages
from server.drain import ClosableHealthServicer, Drain, drain
from server.inference_v2 import InferenceStatistics, InferenceV2Servicer
from server.inference_v2 import add_to_server as add_inference_v2
from server.insight import InsightService
from server.metrics import MetricsInterceptor, ServerMetrics, serve_metrics
from server.raw_requests import (
    HEALTH_SERVICE,
    REFLECTION_SERVICE,
    RawHealthServicer,
    RawReflectionServicer,
    add_raw_service,
)
from server.records.recorder import DecisionRecorder
from server.records.service import DecisionRecordServicer
from server.records.service import add_to_server as add_records
from server.records.sql_store import open_store
from server.scorer import Scorer
from server.security.interceptor import SecurityInterceptor
from server.security.tls import server_credentials
from server.servicer import CreditScoreServicer, Readiness, add_to_server
from server.settings import Settings

__all__ = [
    "SERVICE_NAMES",
    "ScoringServer",
    "ServingCore",
    "build_core",
    "create_server",
    "open_recorder",
]

logger = logging.getLogger(__name__)

CREDIT_SCORE_SERVICE = credit_score_pb2.DESCRIPTOR.services_by_name["CreditScoreService"].full_name
RECORD_SERVICE = decision_record_pb2.DESCRIPTOR.services_by_name["DecisionRecordService"].full_name
INFERENCE_SERVICE = grpc_service_pb2.DESCRIPTOR.services_by_name["GRPCInferenceService"].full_name
# Services whose health is reported ("" is the server as a whole).
SERVICE_NAMES: tuple[str, ...] = ("", CREDIT_SCORE_SERVICE, RECORD_SERVICE, INFERENCE_SERVICE)


@dataclass(frozen=True)
class ScoringServer:
    """A created server: start it, then shut it down gracefully (health first)."""

    grpc_server: grpc.Server
    health: health.HealthServicer
    readiness: Readiness
    settings: Settings
    artifacts: ServingArtifacts
    recorder: DecisionRecorder
    # The Prometheus endpoint's HTTP server and port, when --metrics-port is given.
    metrics_server: Any = None
    metrics_port: int | None = None

    def start(self) -> None:
        """Open the port, then report SERVING."""
        self.grpc_server.start()
        self.readiness.set()
        for name in SERVICE_NAMES:
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)

    def shutdown(
        self, grace_seconds: float | None = None, *, drain_seconds: float = 0.0
    ) -> threading.Event:
        """Health NOT_SERVING at once; after ``drain_seconds`` of still serving, new calls
        refused and health Watch streams ended, then ``grace_seconds`` (default: the settings')
        for the calls in flight. The event is set once the server has stopped.

        The drain is 0 unless asked for (``python -m server`` passes ``settings.drain_seconds``;
        see ``drain``): only a server behind a load balancer needs one.
        """
        grace = self.settings.grace_period_seconds if grace_seconds is None else grace_seconds
        if self.metrics_server is not None:
            self.metrics_server.shutdown()
        stopped = drain(
            self.grpc_server,
            self.health,
            self.readiness.clear,
            Drain(drain_seconds=drain_seconds, grace_seconds=grace),
        )
        # The store closes once no call can write to it any more.
        threading.Thread(
            target=_close_when_stopped, args=(stopped, self.recorder), daemon=True
        ).start()
        return stopped

    def drain(self) -> threading.Event:
        """The SIGTERM sequence with the settings' drain and grace periods (see ``shutdown``)."""
        return self.shutdown(drain_seconds=self.settings.drain_seconds)

    def wait_for_termination(self, timeout_seconds: float | None = None) -> bool:
        """Block until the server stops (True) or the timeout passes (False)."""
        return bool(self.grpc_server.wait_for_termination(timeout_seconds))


@dataclass(frozen=True)
class ServingCore:
    """The model and everything derived from the client book, without threads, sockets or
    files open: built once, then shared by every server process forked from it."""

    artifacts: ServingArtifacts
    scorer: Scorer
    messages: ScoreMessages
    insight: InsightService


def build_core(settings: Settings, artifacts: ServingArtifacts | None = None) -> ServingCore:
    """Load (unless given) the artifacts and build the scorer (kernels compiled and warmed up)
    and the insight service over them."""
    if artifacts is None:
        artifacts = load_artifacts(settings.artifacts_dir)
    scorer = Scorer(artifacts, settings.batch_threads)
    messages = ScoreMessages(scorer.codes, scorer.model_version, scorer.threshold)
    insight = InsightService(artifacts, scorer=scorer, messages=messages)
    return ServingCore(artifacts, scorer, messages, insight)


def create_server(
    settings: Settings,
    *,
    artifacts: ServingArtifacts | None = None,
    interceptors: Sequence[grpc.ServerInterceptor] = (),
    recorder: DecisionRecorder | None = None,
    core: ServingCore | None = None,
    metrics_endpoint: bool = True,
) -> tuple[ScoringServer, int]:
    """The server (not started) and its bound port; the model is loaded before the port opens.

    Every call passes the security interceptor (callers, roles, limits) first; the port is
    TLS (mTLS with a client CA) when the settings give a certificate. ``artifacts`` skips
    loading (tests share one load); ``interceptors`` wrap every call inside the security one;
    ``recorder`` is the decision recorder already opened (else ``open_recorder(settings)``);
    ``core`` the model and book already built (a forked server process's);
    ``metrics_endpoint`` False: metrics are kept but served by another (a forked server
    process's, whose parent serves them all).
    """
    if core is None:
        core = build_core(settings, artifacts)
    artifacts, scorer, messages, insight = core.artifacts, core.scorer, core.messages, core.insight
    readiness = Readiness()
    metrics = None
    if settings.metrics_port is not None:
        metrics = ServerMetrics(artifacts.model_version, artifacts.threshold)
    server = grpc.server(
        futures.ThreadPoolExecutor(
            max_workers=settings.worker_threads, thread_name_prefix="grpc-worker"
        ),
        interceptors=[
            *([] if metrics is None else [MetricsInterceptor(metrics)]),
            SecurityInterceptor.from_settings(settings),
            *interceptors,
        ],
        options=_options(settings),
        maximum_concurrent_rpcs=settings.max_concurrent_calls,
    )
    if recorder is None:
        recorder = open_recorder(settings, metrics)
    add_to_server(CreditScoreServicer(scorer, insight, messages, recorder), server)
    add_records(DecisionRecordServicer(recorder, scorer), server)
    add_inference_v2(InferenceV2Servicer(artifacts, readiness, InferenceStatistics()), server)
    health_servicer = ClosableHealthServicer()
    for name in SERVICE_NAMES:
        health_servicer.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
    add_raw_service(server, HEALTH_SERVICE, RawHealthServicer(health_servicer))
    if settings.reflection:
        names = (*SERVICE_NAMES[1:], health.SERVICE_NAME, reflection.SERVICE_NAME)
        add_raw_service(server, REFLECTION_SERVICE, RawReflectionServicer(names))
    credentials = server_credentials(settings)
    if credentials is None:
        port = server.add_insecure_port(settings.address)
    else:
        port = server.add_secure_port(settings.address, credentials)
    if port == 0:
        raise OSError(f"cannot listen on {settings.address}")
    logger.info(
        "listening with %s, %s, reflection %s",
        "plaintext" if credentials is None else "mTLS" if settings.tls_client_ca else "TLS",
        "no authentication (--no-auth)" if settings.no_auth else "callers of the credentials file",
        "on" if settings.reflection else "off",
    )
    metrics_server, metrics_port = None, None
    if metrics is not None and metrics_endpoint:
        tls = None if settings.tls_cert is None else (str(settings.tls_cert), str(settings.tls_key))
        metrics_server, metrics_port = serve_metrics(
            metrics, settings.host, settings.metrics_port or 0, tls
        )
        logger.info(
            "metrics at %s://%s:%d/metrics",
            "http" if tls is None else "https",
            settings.host,
            metrics_port,
        )
    scoring = ScoringServer(
        server,
        health_servicer,
        readiness,
        settings,
        artifacts,
        recorder,
        metrics_server,
        metrics_port,
    )
    return scoring, port


def _close_when_stopped(stopped: threading.Event, recorder: DecisionRecorder) -> None:
    stopped.wait()
    recorder.close()


def open_recorder(settings: Settings, metrics: ServerMetrics | None = None) -> DecisionRecorder:
    """The decision recorder, its store opened and migrated (StoreError when it cannot be);
    the port never opens without it."""
    target = settings.record_target
    if target is None:
        logger.warning("decision record off (--record off): decisions are not recorded")
        return DecisionRecorder(None, metrics)
    store = open_store(target)
    logger.info("decision record: %s (schema %d)", store.description, store.schema_version())
    return DecisionRecorder(store, metrics)


def _options(settings: Settings) -> list[tuple[str, int]]:
    return [
        ("grpc.max_receive_message_length", settings.max_message_bytes),
        ("grpc.max_send_message_length", settings.max_message_bytes),
        ("grpc.so_reuseport", int(settings.reuse_port)),
    ]
