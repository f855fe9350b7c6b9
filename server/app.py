"""Assembly of the gRPC server: servicers, health, reflection, options, graceful shutdown."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent import futures
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from creditscore.v1 import credit_score_pb2
from inference import grpc_service_pb2, grpc_service_pb2_grpc
from server.artifacts import ServingArtifacts, load_artifacts
from server.converters.score_messages import ScoreMessages
from server.inference_v2 import InferenceStatistics, InferenceV2Servicer
from server.insight import InsightService
from server.scorer import Scorer
from server.servicer import CreditScoreServicer, Readiness, add_to_server
from server.settings import Settings

__all__ = ["SERVICE_NAMES", "ScoringServer", "create_server"]

logger = logging.getLogger(__name__)

CREDIT_SCORE_SERVICE = credit_score_pb2.DESCRIPTOR.services_by_name["CreditScoreService"].full_name
INFERENCE_SERVICE = grpc_service_pb2.DESCRIPTOR.services_by_name["GRPCInferenceService"].full_name
# Services whose health is reported ("" is the server as a whole).
SERVICE_NAMES: tuple[str, ...] = ("", CREDIT_SCORE_SERVICE, INFERENCE_SERVICE)


@dataclass(frozen=True)
class ScoringServer:
    """A created server: start it, then shut it down gracefully (health first)."""

    grpc_server: grpc.Server
    health: health.HealthServicer
    readiness: Readiness
    settings: Settings
    artifacts: ServingArtifacts

    def start(self) -> None:
        """Open the port, then report SERVING."""
        self.grpc_server.start()
        self.readiness.set()
        for name in SERVICE_NAMES:
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)

    def shutdown(self, grace_seconds: float | None = None) -> threading.Event:
        """Health NOT_SERVING and new calls refused, then stop with a grace period for the
        calls in flight; the event is set once the server has stopped."""
        grace = self.settings.grace_period_seconds if grace_seconds is None else grace_seconds
        logger.info("shutting down: health NOT_SERVING, %.1fs for calls in flight", grace)
        self.readiness.clear()
        self.health.enter_graceful_shutdown()
        return self.grpc_server.stop(grace)

    def wait_for_termination(self, timeout_seconds: float | None = None) -> bool:
        """Block until the server stops (True) or the timeout passes (False)."""
        return bool(self.grpc_server.wait_for_termination(timeout_seconds))


def create_server(
    settings: Settings,
    *,
    artifacts: ServingArtifacts | None = None,
    interceptors: Sequence[grpc.ServerInterceptor] = (),
) -> tuple[ScoringServer, int]:
    """The server (not started) and its bound port; the model is loaded before the port opens.

    ``artifacts`` skips loading (tests share one load); ``interceptors`` wrap every call.
    """
    if artifacts is None:
        artifacts = load_artifacts(settings.artifacts_dir)
    readiness = Readiness()
    server = grpc.server(
        futures.ThreadPoolExecutor(
            max_workers=settings.worker_threads, thread_name_prefix="grpc-worker"
        ),
        interceptors=list(interceptors),
        options=_options(settings),
        maximum_concurrent_rpcs=settings.max_concurrent_calls,
    )
    scorer = Scorer(artifacts, settings.batch_threads)
    messages = ScoreMessages(scorer.codes, scorer.model_version, scorer.threshold)
    insight = InsightService(artifacts, scorer=scorer, messages=messages)
    add_to_server(CreditScoreServicer(scorer, insight, messages), server)
    grpc_service_pb2_grpc.add_GRPCInferenceServiceServicer_to_server(
        InferenceV2Servicer(artifacts, readiness, InferenceStatistics()), server
    )
    health_servicer = health.HealthServicer()
    for name in SERVICE_NAMES:
        health_servicer.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (*SERVICE_NAMES[1:], health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    port = server.add_insecure_port(settings.address)
    if port == 0:
        raise OSError(f"cannot listen on {settings.address}")
    return ScoringServer(server, health_servicer, readiness, settings, artifacts), port


def _options(settings: Settings) -> list[tuple[str, int]]:
    return [
        ("grpc.max_receive_message_length", settings.max_message_bytes),
        ("grpc.max_send_message_length", settings.max_message_bytes),
        ("grpc.so_reuseport", int(settings.reuse_port)),
    ]
