"""Fixtures of the crash tests: real ``python -m server`` processes on a decision store that
outlives them, a store of each backend, and real applications to vary.

  store_target       where the decision store lives for the test's ``backend`` parameter
                     ("sqlite": a file under tmp_path; "postgresql": a throwaway local server)
  launcher           starts servers on that store; every process it started is killed at the
                     end of the test, whatever happened
  base_applications  stored clients' applications (GetClient), the seeds of the load
"""

from __future__ import annotations

import contextlib
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from benchmarks.local_postgres import PostgresUnavailable, start_postgres
from creditscore.v1 import application_pb2, credit_score_pb2_grpc
from creditscore.v1 import credit_score_pb2 as pb
from server.artifacts import ServingArtifacts
from tests.server.conftest import REPO_ROOT

BACKENDS = ("sqlite", "postgresql")
# The first start after a change to a numba kernel compiles it into its cache (~10 s more on
# this 2-core machine); later starts load the cache and serve within ~3-6 s.
STARTUP_SECONDS = 120.0
HEALTH_CHECK_SECONDS = 2.0
# A killed process is reaped at once; the bound only guards against a stuck test.
REAP_SECONDS = 30.0
BASE_CLIENTS = 8
LOG_TAIL_LINES = 30
_ADDRESS = re.compile(r"serving model \S+ on 127\.0\.0\.1:(\d+)")
_SERVING = health_pb2.HealthCheckResponse.SERVING


@dataclass(frozen=True)
class ServerProcess:
    """A ``python -m server`` process and the file its log goes to."""

    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        tail = "\n".join(text.splitlines()[-lines:])
        return f"--- last {lines} lines of {self.log} ---\n{tail}"

    def kill(self) -> None:
        """SIGKILL unless it has already ended, then reap it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=REAP_SECONDS)


class ServerLauncher:
    """Starts servers on one decision store, and remembers them so that none outlives the
    test."""

    def __init__(self, artifacts: Path, logs: Path) -> None:
        self._artifacts = artifacts
        self._logs = logs
        self._started: list[ServerProcess] = []

    def start(self, record_db: str, name: str) -> ServerProcess:
        """A server on a port of the system's choosing (it logs the bound port, so that no
        other process can take a port picked in advance)."""
        command = [sys.executable, "-m", "server", "--artifacts", str(self._artifacts)]
        command += ["--no-auth", "--host", "127.0.0.1", "--port", "0"]
        # --record on, whatever CREDITSCORE_RECORD says: the record is what is under test.
        command += ["--record", "on", "--record-db", record_db]
        # Two processes on the store (one per core here): a kill -9 of the server takes the
        # parent and both of them down at once.
        command += ["--processes", "2"]
        log = self._logs / f"{name}.log"
        with log.open("wb") as sink:  # a file, not a pipe: a full pipe would block the server
            process = subprocess.Popen(
                command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=sink
            )
        server = ServerProcess(process, log)
        self._started.append(server)
        return server

    def kill_all(self) -> None:
        for server in self._started:
            # One process that will not be reaped must not leave the others running.
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.kill()


def wait_serving(server: ServerProcess, timeout: float = STARTUP_SECONDS) -> str:
    """The server's address once its health service reports SERVING."""
    deadline = time.monotonic() + timeout
    port = _logged_port(server, deadline)
    address = f"127.0.0.1:{port}"
    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            _assert_running(server)
            try:
                status = health.Check(
                    health_pb2.HealthCheckRequest(), timeout=HEALTH_CHECK_SECONDS
                ).status
            except grpc.RpcError:
                status = None
            if status == _SERVING:
                return address
            time.sleep(0.05)
    raise AssertionError(f"server not SERVING after {timeout:.0f} s\n{server.log_tail()}")


def _logged_port(server: ServerProcess, deadline: float) -> int:
    while time.monotonic() < deadline:
        found = _ADDRESS.search(server.log.read_text(encoding="utf-8", errors="replace"))
        if found:
            return int(found.group(1))
        _assert_running(server)
        time.sleep(0.05)
    raise AssertionError(f"server did not log its port in time\n{server.log_tail()}")


def _assert_running(server: ServerProcess) -> None:
    code = server.process.poll()
    assert code is None, f"server exited early with code {code}\n{server.log_tail()}"


@pytest.fixture
def launcher(artifacts_dir: Path, tmp_path: Path) -> Iterator[ServerLauncher]:
    logs = tmp_path / "server_logs"
    logs.mkdir()
    started = ServerLauncher(artifacts_dir, logs)
    try:
        yield started
    finally:
        started.kill_all()


@pytest.fixture
def store_target(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh decision store's path or URL, kept for the whole test (every round)."""
    if backend == "sqlite":
        yield str(tmp_path / "decisions.sqlite")
        return
    try:
        postgres = start_postgres()
    except PostgresUnavailable as error:
        pytest.skip(str(error))
    try:
        yield postgres.url
    finally:
        postgres.stop()


@pytest.fixture(scope="module")
def base_applications(
    stub: credit_score_pb2_grpc.CreditScoreServiceStub, serving_artifacts: ServingArtifacts
) -> list[application_pb2.Application]:
    """Real applications of stored clients with the two amounts the load varies."""
    client_ids = serving_artifacts.features.client_ids[:BASE_CLIENTS]
    found = [
        stub.GetClient(pb.GetClientRequest(client_id=int(client_id)), timeout=30).application
        for client_id in client_ids
    ]
    usable = [a for a in found if a.HasField("amt_credit") and a.HasField("amt_annuity")]
    assert usable, "no stored client with amt_credit and amt_annuity"
    return usable
