"""Live metrics: a real server with --metrics-port, real calls, and a scrape of /metrics in the
Prometheus text format."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from creditscore.v1 import credit_score_pb2 as pb
from creditscore.v1 import credit_score_pb2_grpc
from server.artifacts import ServingArtifacts
from tests.server.conftest import RunningServer, start_server

SCORE = "/creditscore.v1.CreditScoreService/Score"


@pytest.fixture(scope="module")
def measured(serving_artifacts: ServingArtifacts, tmp_path_factory) -> Iterator[RunningServer]:
    store = tmp_path_factory.mktemp("metrics") / "records.sqlite"
    running = start_server(serving_artifacts, metrics_port=0, record_db=str(store))
    yield running
    running.server.shutdown(grace_seconds=0.5).wait(5)


def scrape(running: RunningServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics: (name, sorted labels) -> value."""
    url = f"http://127.0.0.1:{running.server.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_calls_decisions_and_records_are_counted_as_they_happen(
    measured: RunningServer, serving_artifacts: ServingArtifacts
):
    before = scrape(measured)
    stored = [int(c) for c in serving_artifacts.features.client_ids[:5]]
    with grpc.insecure_channel(measured.address) as channel:
        stub = credit_score_pb2_grpc.CreditScoreServiceStub(channel)
        outcomes = [stub.Score(pb.ScoreRequest(client_id=c)).score.decision for c in stored]
        batch = stub.ScoreBatch(
            pb.ScoreBatchRequest(requests=[pb.ScoreRequest(client_id=c) for c in stored])
        )
        outcomes += [r.score.decision for r in batch.results]
        with pytest.raises(grpc.RpcError):
            stub.Score(pb.ScoreRequest())  # nothing to score: INVALID_ARGUMENT
    after = scrape(measured)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("creditscore_calls_total", method=SCORE, code="OK") == 5
    assert grew("creditscore_calls_total", method=SCORE, code="INVALID_ARGUMENT") == 1
    assert grew("creditscore_call_seconds_count", method=SCORE, code="OK") == 5
    refused = sum(o == pb.DECISION_REFUSE for o in outcomes)
    assert grew("creditscore_decisions_total", outcome="refuse") == refused
    assert grew("creditscore_decisions_total", outcome="approve") == 10 - refused
    assert grew("creditscore_default_probability_count") == 10
    assert grew("creditscore_records_written_total") == 10
    assert value(after, "creditscore_calls_in_flight", method=SCORE) == 0


def test_the_model_version_and_threshold_are_published(
    measured: RunningServer, serving_artifacts: ServingArtifacts
):
    samples = scrape(measured).items()
    info = {labels: v for (name, labels), v in samples if name == "creditscore_model_info"}
    ((labels, one),) = info.items()
    assert one == 1.0
    assert dict(labels)["model_version"] == serving_artifacts.model_version
    assert float(dict(labels)["threshold"]) == pytest.approx(serving_artifacts.threshold, rel=1e-5)


def test_refused_callers_are_counted_with_their_status(serving_artifacts, security, tmp_path):
    running = start_server(
        serving_artifacts,
        metrics_port=0,
        credentials_file=security.credentials_file,
        record_db=str(tmp_path / "records.sqlite"),
    )
    try:
        with grpc.insecure_channel(running.address) as channel, pytest.raises(grpc.RpcError):
            channel.unary_unary(SCORE)(b"", timeout=10)
        samples = scrape(running)
        assert value(samples, "creditscore_calls_total", method=SCORE, code="UNAUTHENTICATED") == 1
    finally:
        running.server.shutdown(grace_seconds=0.5).wait(5)


def test_metrics_are_off_unless_asked_for(grpc_server: RunningServer):
    assert grpc_server.server.metrics_port is None
