"""Per-caller limits: calls in progress and calls per second give RESOURCE_EXHAUSTED with a
google.rpc.RetryInfo, and one caller over its limits does not slow the others."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from creditscore.v1 import credit_score_pb2 as pb
from creditscore.v1 import credit_score_pb2_grpc
from server.app import create_server
from server.artifacts import ServingArtifacts
from server.errors import ResourceExhausted
from server.security.credentials import mint_token
from server.security.limits import CallerLimits, Limits
from server.security.roles import Role
from server.settings import Settings
from tests.server.holding import HoldScore

# One per use: at 1 call/s, a caller used twice within a second would be refused.
CALLERS = ("busy", "hasty", "patient", "calm")


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_bucket_holds_one_second_of_calls_and_refills_at_the_rate():
    clock = _Clock()
    limits = CallerLimits(Limits(max_in_flight=100, max_rate=4), clock)
    for _ in range(4):
        limits.acquire("a")
        limits.release("a")
    with pytest.raises(ResourceExhausted) as caught:
        limits.acquire("a")
    assert caught.value.retry_after_seconds == pytest.approx(0.25)
    clock.now += 0.25
    limits.acquire("a")


def test_calls_in_progress_are_limited_and_counted_out():
    limits = CallerLimits(Limits(max_in_flight=2, max_rate=1000), _Clock())
    limits.acquire("a")
    limits.acquire("a")
    with pytest.raises(ResourceExhausted) as caught:
        limits.acquire("a")
    assert caught.value.retry_after_seconds > 0
    limits.acquire("b")  # another caller is not affected
    limits.release("a")
    limits.acquire("a")


def test_a_refused_call_uses_up_no_token():
    clock = _Clock()
    limits = CallerLimits(Limits(max_in_flight=1, max_rate=2), clock)
    limits.acquire("a")
    for _ in range(5):
        with pytest.raises(ResourceExhausted):
            limits.acquire("a")  # refused for being in flight, not charged
    limits.release("a")
    limits.acquire("a")


def test_concurrent_callers_never_exceed_their_in_flight_limit():
    limits = CallerLimits(Limits(max_in_flight=3, max_rate=1e9))
    peak, current, lock = [0], [0], threading.Lock()

    def work() -> None:
        for _ in range(300):
            try:
                limits.acquire("a")
            except ResourceExhausted:
                continue
            with lock:
                current[0] += 1
                peak[0] = max(peak[0], current[0])
            with lock:
                current[0] -= 1
            limits.release("a")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= peak[0] <= 3
    limits.acquire("a")  # all counted out


@pytest.fixture(scope="module")
def tokens(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    credentials = tmp_path_factory.mktemp("limits") / "credentials.json"
    return credentials, {name: mint_token(credentials, name, Role.ADVISOR) for name in CALLERS}


@pytest.fixture(scope="module")
def limited(
    serving_artifacts: ServingArtifacts, tokens: tuple[Path, dict[str, str]]
) -> Iterator[tuple[credit_score_pb2_grpc.CreditScoreServiceStub, HoldScore]]:
    hold = HoldScore()
    settings = Settings(
        artifacts_dir=serving_artifacts.paths.root,
        host="127.0.0.1",
        port=0,
        worker_threads=4,
        credentials_file=tokens[0],
        caller_max_in_flight=1,
        caller_max_rate=1.0,
    )
    server, port = create_server(settings, artifacts=serving_artifacts, interceptors=[hold])
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield credit_score_pb2_grpc.CreditScoreServiceStub(channel), hold
    hold.release.set()
    server.shutdown(grace_seconds=0.5).wait(5)


def _as(tokens: tuple[Path, dict[str, str]], name: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {tokens[1][name]}")]


def _retry_delay_seconds(error: grpc.RpcError) -> float:
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    status = rpc_status.from_call(error)
    assert status is not None
    retry = error_details_pb2.RetryInfo()
    assert any(detail.Unpack(retry) for detail in status.details)
    return retry.retry_delay.ToTimedelta().total_seconds()


def test_over_its_rate_a_caller_is_told_when_to_retry_and_others_are_unaffected(limited, tokens):
    stub, _ = limited
    stub.GetModelInfo(pb.GetModelInfoRequest(), metadata=_as(tokens, "hasty"))
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetModelInfo(pb.GetModelInfoRequest(), metadata=_as(tokens, "hasty"))
    assert 0 < _retry_delay_seconds(caught.value) <= 1.0
    assert "hasty" in caught.value.details()
    stub.GetModelInfo(pb.GetModelInfoRequest(), metadata=_as(tokens, "patient"))


def test_over_its_calls_in_progress_a_caller_is_told_when_to_retry_and_others_are_unaffected(
    limited, tokens, serving_artifacts: ServingArtifacts
):
    stub, hold = limited
    client_id = int(serving_artifacts.features.client_ids[0])
    in_flight = stub.Score.future(
        pb.ScoreRequest(client_id=client_id), metadata=_as(tokens, "busy"), timeout=20
    )
    assert hold.entered.wait(10)
    try:
        with pytest.raises(grpc.RpcError) as caught:
            stub.GetModelInfo(pb.GetModelInfoRequest(), metadata=_as(tokens, "busy"), timeout=10)
        assert _retry_delay_seconds(caught.value) > 0
        stub.GetModelInfo(pb.GetModelInfoRequest(), metadata=_as(tokens, "calm"), timeout=10)
    finally:
        hold.release.set()
    assert in_flight.result(timeout=10).score.client_id == client_id
