"""Fuzzing: no request bytes, random or mutated from valid requests, make any method of any
served service answer INTERNAL or UNKNOWN, and the server scores as before afterwards.

A bigger run: ``python -m tests.server.fuzz_run --requests 10000`` (same generator)."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from creditscore.v1 import credit_score_pb2 as pb
from creditscore.v1 import credit_score_pb2_grpc
from server.artifacts import ServingArtifacts
from tests.server.conftest import RunningServer, start_server
from tests.server.fuzz_run import (
    CHANNEL_OPTIONS,
    SERVICES,
    FuzzMethod,
    Tally,
    fuzz,
    served_methods,
    summary_table,
)

REQUESTS = 2000
# Seeded: a failure replays with the same seed (and `fuzz_run --seed`).
SEED = 20260611


@pytest.fixture(scope="module")
def fuzz_server(serving_artifacts: ServingArtifacts) -> Iterator[RunningServer]:
    # As fuzz_run.fuzz_settings: reflection served too, no rate limit hiding the handlers.
    running = start_server(serving_artifacts, no_auth=True, reflection=True, caller_max_rate=1e9)
    yield running
    running.server.shutdown(grace_seconds=1.0).wait(10)


@pytest.fixture(scope="module")
def fuzz_channel(fuzz_server: RunningServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(fuzz_server.address, options=CHANNEL_OPTIONS) as channel:
        yield channel


@pytest.fixture(scope="module")
def methods(serving_artifacts: ServingArtifacts) -> list[FuzzMethod]:
    return served_methods(serving_artifacts, SERVICES)


@pytest.fixture(scope="module")
def known_score(serving_artifacts: ServingArtifacts) -> pb.ScoreRequest:
    return pb.ScoreRequest(client_id=int(serving_artifacts.features.client_ids[7]))


@pytest.fixture(scope="module")
def score_before(fuzz_channel: grpc.Channel, known_score: pb.ScoreRequest) -> pb.ScoreResult:
    return credit_score_pb2_grpc.CreditScoreServiceStub(fuzz_channel).Score(known_score).score


@pytest.fixture(scope="module")
def tally(
    fuzz_channel: grpc.Channel, methods: list[FuzzMethod], score_before: pb.ScoreResult
) -> Tally:
    return fuzz(fuzz_channel, methods, REQUESTS, SEED)


def test_fuzzing_reaches_every_method_of_every_service(tally: Tally, methods: list[FuzzMethod]):
    served = {method.path for method in methods}
    assert len(served) >= 7 + 8 + 2 + 1  # CreditScore, KServe V2, health, reflection
    assert tally.methods() == served
    assert tally.total >= REQUESTS
    for path in served:
        count = sum(n for (method, _), n in tally.counts.items() if method == path)
        assert count >= REQUESTS // len(served), path


def test_no_fuzzed_request_is_answered_internal_or_unknown(tally: Tally):
    assert tally.forbidden == [], summary_table(tally)


def test_the_server_is_healthy_and_scores_as_before_after_fuzzing(
    tally: Tally,
    fuzz_channel: grpc.Channel,
    known_score: pb.ScoreRequest,
    score_before: pb.ScoreResult,
):
    health = health_pb2_grpc.HealthStub(fuzz_channel).Check(health_pb2.HealthCheckRequest())
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    after = credit_score_pb2_grpc.CreditScoreServiceStub(fuzz_channel).Score(known_score)
    assert after.score == score_before
