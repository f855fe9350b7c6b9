"""SIGTERM under load: a real ``python -m server`` drains (health NOT_SERVING while still
serving), then refuses new calls, lets every call in flight finish and exits in time."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from creditscore.v1 import credit_score_pb2 as pb
from creditscore.v1 import credit_score_pb2_grpc
from server.artifacts import ServingArtifacts
from tests.server.conftest import REPO_ROOT
from tests.server.payloads import application_message, csv_rows

# Short for a fast suite (the server's default is 5 s), but long enough for gRPC's one poller
# thread, competing for the GIL with 32 busy workers on a small machine (half of them on
# 1,000-row batches, each recorded before it answers), to accept every call sent before the
# signal; measured with 1 s, up to 9 of 20 runs had calls cancelled.
DRAIN_SECONDS = 2.0
GRACE_SECONDS = 5.0
# The bound is behaviour: a stopping process must not outlive its drain and grace periods.
EXIT_BOUND_SECONDS = DRAIN_SECONDS + GRACE_SECONDS + 1.0
RUNS = 20
CALLS = 32
BATCH_ROWS = 1000
STARTUP_SECONDS = 120
# Servers starting while one is measured.
STARTING_AHEAD = 3
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
PHASES = ("shutting down: health NOT_SERVING", "refusing new calls", "stopped: ")
_ADDRESS = re.compile(r"serving model \S+ on 127\.0\.0\.1:(\d+)")


@dataclass(frozen=True)
class ServerProcess:
    """A ``python -m server`` process and the file its log goes to."""

    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def launch(artifacts: Path, log: Path, grace_seconds: float = GRACE_SECONDS) -> ServerProcess:
    """Start a server on a port of the system's choosing (it logs the bound port)."""
    command = [sys.executable, "-m", "server", "--artifacts", str(artifacts), "--no-auth"]
    # One process: the drain's phases are those of one server (tests/server/test_processes.py
    # covers SIGTERM to several).
    command += ["--processes", "1"]
    command += ["--host", "127.0.0.1", "--port", "0", "--drain-seconds", str(DRAIN_SECONDS)]
    command += ["--grace-period-seconds", str(grace_seconds)]
    # Its own decision store: a file shared with the session's other servers would make them
    # wait for one another's commits.
    command += ["--record-db", str(log.with_suffix(".sqlite"))]
    with log.open("wb") as sink:  # a file, not a pipe: a full pipe would block the server
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=sink)
    return ServerProcess(process, log)


def serving_port(server: ServerProcess) -> int:
    """The port once the server logs that it serves."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        found = _ADDRESS.search(server.log_text())
        if found:
            return int(found.group(1))
        assert server.process.poll() is None, f"server exited early: {server.log_text()}"
        time.sleep(0.05)
    raise AssertionError(f"server not serving after {STARTUP_SECONDS} s: {server.log_text()}")


def exit_clock(process: subprocess.Popen[bytes]) -> list[float]:
    """A list that receives the monotonic time at which the process exits."""
    stamps: list[float] = []
    threading.Thread(
        target=lambda: (process.wait(), stamps.append(time.monotonic())), daemon=True
    ).start()
    return stamps


@dataclass(frozen=True)
class RunOutcome:
    """What one SIGTERM under load showed."""

    in_flight: int
    # "method: CODE" of every call of the load that did not succeed.
    failures: list[str]
    not_serving_seen_after_seconds: float
    # When the server ended the health Watch, i.e. began to refuse new calls.
    refusing_after_seconds: float
    score_during_drain: grpc.StatusCode
    refused_after_drain: grpc.StatusCode
    exit_code: int | None
    exit_seconds: float
    log: str


def _code(future: grpc.Future) -> grpc.StatusCode:
    error = future.exception()
    return grpc.StatusCode.OK if error is None else error.code()


def sigterm_under_load(
    server: ServerProcess, port: int, client_ids: np.ndarray, batch: pb.ScoreBatchRequest
) -> RunOutcome:
    """Load with CALLS calls, SIGTERM, then probe each phase of the shutdown."""
    score = pb.ScoreRequest(client_id=int(client_ids[0]))
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = credit_score_pb2_grpc.CreditScoreServiceStub(channel)
        health_stub = health_pb2_grpc.HealthStub(channel)
        assert health_stub.Check(health_pb2.HealthCheckRequest(), timeout=30).status == SERVING
        stub.Score(score, timeout=30)
        load = [
            (stub.ScoreBatch.future(batch, timeout=60), "ScoreBatch")
            if i % 2
            else (stub.Score.future(score, timeout=60), "Score")
            for i in range(CALLS)
        ]
        time.sleep(0.05)  # sent: on the wire or at the server
        in_flight = sum(not future.done() for future, _ in load)
        exited = exit_clock(server.process)
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        # What a load balancer does: poll the health check.
        while health_stub.Check(health_pb2.HealthCheckRequest(), timeout=10).status == SERVING:
            assert time.monotonic() - signalled < DRAIN_SECONDS, "health still SERVING"
            time.sleep(0.005)
        not_serving_after = time.monotonic() - signalled
        during_drain = stub.Score.future(score, timeout=60)
        # Past the drain (a call racing the very moment of the stop may be cancelled by gRPC
        # itself), a new call is refused: sent once the server says it refuses them (on a
        # busy machine that may be a little later than the drain's end).
        time.sleep(max(0.0, signalled + DRAIN_SECONDS + 0.3 - time.monotonic()))
        while PHASES[1] not in server.log_text():
            assert time.monotonic() - signalled < DRAIN_SECONDS + 10, "never refusing calls"
            time.sleep(0.01)
        time.sleep(0.05)
        refusing_after = time.monotonic() - signalled
        refused_code = _code(stub.Score.future(score, timeout=10))
        failures = [
            f"{name}: {_code(f).name}" for f, name in load if _code(f) != grpc.StatusCode.OK
        ]
        outcome_codes = (_code(during_drain), refused_code)
    server.process.wait(timeout=EXIT_BOUND_SECONDS + 30)
    while not exited:  # the clock thread stamps right after wait returns
        time.sleep(0.001)
    return RunOutcome(
        in_flight=in_flight,
        failures=failures,
        not_serving_seen_after_seconds=not_serving_after,
        refusing_after_seconds=refusing_after,
        score_during_drain=outcome_codes[0],
        refused_after_drain=outcome_codes[1],
        exit_code=server.process.returncode,
        exit_seconds=exited[0] - signalled,
        log=server.log_text(),
    )


@pytest.fixture(scope="module")
def client_ids(serving_artifacts: ServingArtifacts) -> np.ndarray:
    return np.asarray(serving_artifacts.features.client_ids[:BATCH_ROWS])


@pytest.fixture(scope="module")
def batch(synthetic_data_dir: Path) -> pb.ScoreBatchRequest:
    """BATCH_ROWS full applications: each is read and checked, so the call lasts a while."""
    rows = csv_rows(synthetic_data_dir / "application_train.csv")[:BATCH_ROWS]
    return pb.ScoreBatchRequest(
        requests=[pb.ScoreRequest(application=application_message(row)) for row in rows]
    )


@pytest.fixture(scope="module")
def runs(
    artifacts_dir: Path,
    client_ids: np.ndarray,
    batch: pb.ScoreBatchRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[list[RunOutcome]]:
    """RUNS shutdowns under load. Start-up is most of a run's time, so the next servers start
    while the current one is measured."""
    logs = tmp_path_factory.mktemp("drain_logs")
    started = [launch(artifacts_dir, logs / f"server_{run}.log") for run in range(STARTING_AHEAD)]
    outcomes: list[RunOutcome] = []
    try:
        for run in range(RUNS):
            current = started[run]
            port = serving_port(current)
            if len(started) < RUNS:
                started.append(launch(artifacts_dir, logs / f"server_{len(started)}.log"))
            outcomes.append(sigterm_under_load(current, port, client_ids, batch))
        yield outcomes
    finally:
        for server in started:
            server.process.kill()
            server.process.wait()


def test_no_call_in_flight_at_sigterm_fails(runs: list[RunOutcome]):
    failed = [(run, outcome.failures) for run, outcome in enumerate(runs) if outcome.failures]
    assert failed == []
    # The load was really in flight: at least the batches were still running.
    assert min(outcome.in_flight for outcome in runs) >= CALLS // 2


def test_health_is_not_serving_during_the_drain_while_score_still_answers(
    runs: list[RunOutcome],
):
    for outcome in runs:
        assert outcome.not_serving_seen_after_seconds < DRAIN_SECONDS
        assert outcome.refusing_after_seconds >= DRAIN_SECONDS
        assert outcome.score_during_drain == grpc.StatusCode.OK


def test_new_calls_after_the_drain_are_refused_as_unavailable(runs: list[RunOutcome]):
    assert {outcome.refused_after_drain for outcome in runs} == {grpc.StatusCode.UNAVAILABLE}


def test_the_server_exits_with_0_within_drain_plus_grace_plus_one_second(
    runs: list[RunOutcome],
):
    for outcome in runs:
        assert outcome.exit_code == 0, outcome.log
        assert outcome.exit_seconds <= EXIT_BOUND_SECONDS, outcome.log
    seconds = [outcome.exit_seconds for outcome in runs]
    print(f"exit after SIGTERM: min {min(seconds):.2f} s, max {max(seconds):.2f} s")


def test_each_phase_of_the_shutdown_is_logged_once(runs: list[RunOutcome]):
    for outcome in runs:
        for phase in PHASES:
            assert outcome.log.count(phase) == 1, (phase, outcome.log)
        assert "Traceback" not in outcome.log


def test_an_idle_health_watch_does_not_hold_the_exit(artifacts_dir: Path, tmp_path: Path):
    # gRPC itself cancels an open stream only when the grace period is over: a long grace
    # shows that the server ends the stream rather than waiting for that.
    grace = 20.0
    server = launch(artifacts_dir, tmp_path / "server.log", grace_seconds=grace)
    try:
        port = serving_port(server)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            watch = health_pb2_grpc.HealthStub(channel).Watch(
                health_pb2.HealthCheckRequest(), timeout=60
            )
            assert next(watch).status == SERVING
            exited = exit_clock(server.process)
            signalled = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            assert next(watch).status == NOT_SERVING
            with pytest.raises(grpc.RpcError) as ended:
                next(watch)
            assert ended.value.code() == grpc.StatusCode.UNAVAILABLE
            server.process.wait(timeout=DRAIN_SECONDS + grace + 30)
    finally:
        server.process.kill()
    while not exited:
        time.sleep(0.001)
    assert server.process.returncode == 0, server.log_text()
    assert exited[0] - signalled < DRAIN_SECONDS + grace, server.log_text()
