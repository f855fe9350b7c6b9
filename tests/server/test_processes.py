"""Several server processes on one port (``python -m server --processes N``): they all answer,
one that dies is replaced, SIGTERM drains them all, a kill -9 of the parent leaves none behind,
and an extra process shares the parent's memory instead of copying it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from creditscore.v1 import credit_score_pb2 as pb
from creditscore.v1 import credit_score_pb2_grpc
from server.artifacts import ServingArtifacts
from server.settings import parse_settings, usable_cores
from tests.server.conftest import REPO_ROOT

pytestmark = pytest.mark.timeout(300)

STARTUP_SECONDS = 120.0
_STARTED = re.compile(r"process (\d+) started \(pid (\d+)\)")
_SERVING = re.compile(r"process (\d+): serving model \S+ on 127\.0\.0\.1:(\d+)")
SCORE = "/creditscore.v1.CreditScoreService/Score"


@dataclass
class Processes:
    """A ``python -m server --processes 2`` parent, its log and its metrics base port."""

    parent: subprocess.Popen[bytes]
    log: Path
    metrics_port: int
    metric_files: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def children(self) -> dict[int, int]:
        """Process index → pid of the latest start of each."""
        return {int(i): int(pid) for i, pid in _STARTED.findall(self.log_text())}

    def wait_serving(self, count: int, since: int = 0) -> int:
        """The port once ``count`` more 'serving' lines than ``since`` are logged."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            found = _SERVING.findall(self.log_text())
            if len(found) >= since + count:
                return int(found[-1][1])
            assert self.parent.poll() is None, f"server exited early: {self.log_text()}"
            time.sleep(0.05)
        raise AssertionError(f"not serving after {STARTUP_SECONDS} s: {self.log_text()}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _launch(artifacts: Path, tmp_path: Path, *extra: str) -> Processes:
    metrics_port = _free_port()
    # Where the processes keep their metrics (prometheus-client's multiprocess files).
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    command = [sys.executable, "-m", "server", "--artifacts", str(artifacts), "--no-auth"]
    command += ["--host", "127.0.0.1", "--port", "0", "--processes", "2"]
    command += ["--metrics-port", str(metrics_port), "--drain-seconds", "0.5"]
    command += ["--record-db", str(tmp_path / "records.sqlite"), *extra]
    log = tmp_path / "server.log"
    with log.open("wb") as sink:  # a file, not a pipe: a full pipe would block the server
        parent = subprocess.Popen(
            command, cwd=REPO_ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=sink
        )
    return Processes(parent, log, metrics_port, tmp_path / "metrics")


@pytest.fixture
def processes(artifacts_dir: Path, tmp_path: Path) -> Iterator[Processes]:
    running = _launch(artifacts_dir, tmp_path)
    yield running
    if running.parent.poll() is None:
        running.parent.kill()
        running.parent.wait(30)


def _score_calls(port: int, client_id: int, calls: int) -> list[grpc.StatusCode]:
    """Each call on a new connection, so that the kernel spreads them over the processes."""
    codes = []
    for _ in range(calls):
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = credit_score_pb2_grpc.CreditScoreServiceStub(channel)
            try:
                stub.Score(pb.ScoreRequest(client_id=client_id), timeout=20)
                codes.append(grpc.StatusCode.OK)
            except grpc.RpcError as error:
                codes.append(error.code())
    return codes


def _scores_counted(metrics_port: int) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as page:
        text = page.read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "creditscore_calls_total" and sample.labels.get("method") == SCORE
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    status = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].split()[0]
    return status != "Z"


def _wait_gone(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if _alive(p)]


def _resident_kb(pid: int, *fields: str) -> int:
    lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    values = {line.split(":")[0]: int(line.split()[1]) for line in lines if line.endswith("kB")}
    return sum(values[name] for name in fields)


def test_the_default_is_one_process_per_usable_core(artifacts_dir: Path):
    settings = parse_settings(["--artifacts", str(artifacts_dir), "--no-auth"], environ={})
    assert settings.processes == usable_cores()
    assert settings.reuse_port == (settings.processes > 1)
    # Large batches: the processes together use the cores, not N times them.
    assert settings.batch_threads == max(1, usable_cores() // settings.processes)


@pytest.mark.parametrize("value", ["0", "65", "two"])
def test_a_bad_process_count_is_one_line(artifacts_dir: Path, value: str):
    done = subprocess.run(
        [sys.executable, "-m", "server", "--artifacts", str(artifacts_dir), "--processes", value],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "--processes" in done.stderr and "Traceback" not in done.stderr


def test_a_taken_port_stops_the_start_with_one_line(artifacts_dir: Path, tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "server", "--artifacts", str(artifacts_dir)]
        command += ["--no-auth", "--port", str(port), "--processes", "2", "--record", "off"]
        done = subprocess.run(
            command,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_both_processes_answer_on_one_port(
    processes: Processes, serving_artifacts: ServingArtifacts
):
    port = processes.wait_serving(2)
    client_id = int(serving_artifacts.features.client_ids[0])
    codes = _score_calls(port, client_id, 60)
    assert codes == [grpc.StatusCode.OK] * 60
    # One metrics endpoint counts the calls of every process ...
    assert _scores_counted(processes.metrics_port) == 60
    # ... each of which kept its own counts: both answered some.
    counted_by = {int(f.stem.split("_")[-1]) for f in processes.metric_files.glob("counter_*.db")}
    assert set(processes.children().values()) <= counted_by


def test_a_process_that_dies_is_replaced(processes: Processes, serving_artifacts: ServingArtifacts):
    port = processes.wait_serving(2)
    before = processes.children()
    os.kill(before[1], signal.SIGKILL)
    processes.wait_serving(1, since=2)
    after = processes.children()
    assert after[0] == before[0] and after[1] != before[1]
    assert _alive(after[1])
    assert "process 1 exited (signal SIGKILL)" in processes.log_text()
    client_id = int(serving_artifacts.features.client_ids[0])
    assert _score_calls(port, client_id, 20) == [grpc.StatusCode.OK] * 20


def test_sigterm_drains_every_process_and_fails_no_call_in_flight(
    processes: Processes, serving_artifacts: ServingArtifacts
):
    port = processes.wait_serving(2)
    ids = [int(c) for c in serving_artifacts.features.client_ids[:500]]
    batch = pb.ScoreBatchRequest(requests=[pb.ScoreRequest(client_id=c) for c in ids])
    channels = [grpc.insecure_channel(f"127.0.0.1:{port}") for _ in range(8)]
    try:
        for channel in channels:
            grpc.channel_ready_future(channel).result(timeout=20)
        stubs = [credit_score_pb2_grpc.CreditScoreServiceStub(c) for c in channels]
        futures = [stub.ScoreBatch.future(batch, timeout=60) for stub in stubs for _ in range(3)]
        time.sleep(0.2)
        children = list(processes.children().values())
        processes.parent.send_signal(signal.SIGTERM)
        codes = [f.exception().code() if f.exception() else grpc.StatusCode.OK for f in futures]
    finally:
        for channel in channels:
            channel.close()
    assert codes == [grpc.StatusCode.OK] * len(futures)
    assert processes.parent.wait(60) == 0
    assert _wait_gone(children, 5) == []
    text = processes.log_text()
    assert "process 0 stopped (exit code 0)" in text and "process 1 stopped (exit code 0)" in text


def test_a_kill9_of_the_parent_leaves_no_process_on_the_port(processes: Processes):
    port = processes.wait_serving(2)
    children = list(processes.children().values())
    processes.parent.kill()
    processes.parent.wait(30)
    assert _wait_gone(children, 10) == []
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        with pytest.raises(grpc.RpcError) as raised:
            health.Check(health_pb2.HealthCheckRequest(), timeout=2)
    assert raised.value.code() in {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}


def test_an_extra_process_shares_the_parents_memory(
    processes: Processes, serving_artifacts: ServingArtifacts
):
    port = processes.wait_serving(2)
    client_id = int(serving_artifacts.features.client_ids[0])
    _score_calls(port, client_id, 20)
    parent_rss = _resident_kb(processes.parent.pid, "Rss")
    for pid in processes.children().values():
        own = _resident_kb(pid, "Private_Clean", "Private_Dirty")
        # The model, the book, the kernels and the libraries stay shared pages: what a child
        # owns is its server and its heap, a small part of what the parent holds.
        assert own < parent_rss / 2, f"child {pid} owns {own} kB, the parent holds {parent_rss}"
