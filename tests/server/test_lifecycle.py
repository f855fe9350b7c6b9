"""Start-up, health, reflection and graceful shutdown of the server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from creditscore.v1 import credit_score_pb2 as pb
from creditscore.v1 import credit_score_pb2_grpc
from server.app import SERVICE_NAMES, create_server
from server.artifacts import ServingArtifacts
from server.settings import Settings
from tests.server.conftest import REPO_ROOT
from tests.server.holding import HoldScore

SERVICES = ("creditscore.v1.CreditScoreService", "inference.GRPCInferenceService")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_process(artifacts: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CREDITSCORE_ARTIFACTS": str(artifacts), "CREDITSCORE_PORT": str(port)}
    with log.open("wb") as sink:  # a file, not a pipe: a full pipe would block the server
        return subprocess.Popen(
            [sys.executable, "-m", "server", "--host", "127.0.0.1", "--no-auth"],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )


def _wait_until_serving(process: subprocess.Popen[bytes], address: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            assert process.poll() is None, f"server exited early: {log.read_text()}"
            try:
                status = health.Check(health_pb2.HealthCheckRequest(), timeout=1).status
            except grpc.RpcError:
                time.sleep(0.2)
                continue
            assert status == health_pb2.HealthCheckResponse.SERVING
            return
    raise AssertionError(f"server not serving after 120 s: {log.read_text()}")


def _refusal(artifacts: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            "--artifacts",
            str(artifacts),
            "--port",
            "0",
            "--no-auth",
            *extra,
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_health_reports_serving_for_the_server_and_each_service(channel):
    health = health_pb2_grpc.HealthStub(channel)
    for service in SERVICE_NAMES:
        response = health.Check(health_pb2.HealthCheckRequest(service=service))
        assert response.status == health_pb2.HealthCheckResponse.SERVING, service


def test_reflection_lists_the_services(channel):
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    (response,) = list(stub.ServerReflectionInfo(iter([request])))
    names = {s.name for s in response.list_services_response.service}
    assert set(SERVICES) | {"grpc.health.v1.Health"} <= names


def test_reflection_describes_the_score_request(channel):
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(
        file_containing_symbol="creditscore.v1.ScoreRequest"
    )
    (response,) = list(stub.ServerReflectionInfo(iter([request])))
    assert response.file_descriptor_response.file_descriptor_proto


def test_shutdown_flips_health_first_and_lets_calls_in_flight_finish(
    serving_artifacts: ServingArtifacts,
):
    hold = HoldScore()
    settings = Settings(
        artifacts_dir=serving_artifacts.paths.root, host="127.0.0.1", port=0, no_auth=True
    )
    server, port = create_server(settings, artifacts=serving_artifacts, interceptors=[hold])
    server.start()
    client_id = int(serving_artifacts.features.client_ids[0])
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        watch = health_pb2_grpc.HealthStub(channel).Watch(
            health_pb2.HealthCheckRequest(service=SERVICES[0])
        )
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
        stub = credit_score_pb2_grpc.CreditScoreServiceStub(channel)
        in_flight = stub.Score.future(pb.ScoreRequest(client_id=client_id), timeout=20)
        assert hold.entered.wait(10)
        stopped = server.shutdown(grace_seconds=10)
        assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
        assert not stopped.is_set()
        hold.release.set()
        assert in_flight.result(timeout=10).score.client_id == client_id
        watch.cancel()  # a stream open for good would hold the server for the whole grace
        assert stopped.wait(10)


def test_new_calls_are_refused_once_shutting_down(serving_artifacts: ServingArtifacts):
    settings = Settings(
        artifacts_dir=serving_artifacts.paths.root, host="127.0.0.1", port=0, no_auth=True
    )
    server, port = create_server(settings, artifacts=serving_artifacts)
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = credit_score_pb2_grpc.CreditScoreServiceStub(channel)
        client_id = int(serving_artifacts.features.client_ids[0])
        stub.Score(pb.ScoreRequest(client_id=client_id), timeout=10)
        server.shutdown(grace_seconds=5).wait(10)
        with pytest.raises(grpc.RpcError) as caught:
            stub.Score(pb.ScoreRequest(client_id=client_id), timeout=10)
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE


def test_sigterm_stops_the_server_cleanly(artifacts_dir: Path, tmp_path: Path):
    port, log = _free_port(), tmp_path / "server.log"
    process = _server_process(artifacts_dir, port, log)
    try:
        _wait_until_serving(process, f"127.0.0.1:{port}", log)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    finally:
        process.kill()
    stderr = log.read_text()
    assert process.returncode == 0, stderr
    assert "shutting down" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        ("missing directory", "not a directory"),
        ("tampered model", "onnx_sha256"),
        ("missing card", "model_card.json"),
    ],
)
def test_server_refuses_bad_artifacts_with_one_line(
    artifacts_dir: Path, tmp_path: Path, damage: str, named: str
):
    target = tmp_path / "artifacts"
    if damage != "missing directory":
        shutil.copytree(artifacts_dir, target)
    if damage == "tampered model":
        with (target / "model.onnx").open("ab") as handle:
            handle.write(b"\0")
    if damage == "missing card":
        (target / "model_card.json").unlink()
    result = _refusal(target)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and named in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("store", "named"),
    [
        ("a directory", "cannot open the decision store"),
        ("postgresql://nobody@127.0.0.1:9/none", "PostgreSQL 127.0.0.1:9/none"),
    ],
)
def test_server_refuses_a_decision_store_it_cannot_open_with_one_line(
    artifacts_dir: Path, tmp_path: Path, store: str, named: str
):
    # No decision may be given unrecorded, so a store that cannot be opened stops the start.
    target = str(tmp_path) if store == "a directory" else store
    result = _refusal(artifacts_dir, "--record-db", target)
    assert result.returncode == 1
    # The model's loading logs come first; the error is the last line, and one line.
    errors = [line for line in result.stderr.splitlines() if not line.startswith("{")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("error: ") and named in errors[0]
    assert "Traceback" not in result.stderr and "nobody@" not in result.stderr
