"""Memory: no request under the message-size limit raises a real server's resident memory by
more than 50 MB (read from /proc/PID/status)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import numpy as np
import pandas as pd
import pytest

from creditscore.columns import batch_request
from creditscore.v1 import credit_score_pb2 as pb
from creditscore.v1 import credit_score_pb2_grpc
from server.settings import Settings
from tests.server.payloads import application_message, csv_rows
from tests.server.test_drain import ServerProcess, launch, serving_port

MAX_RISE_BYTES = 50 * 1024 * 1024
# Each request is sent this many times: a leak grows with the count, a cache does not.
REPEATS = 3
LIST_ROWS = 1000
COLUMN_ROWS = 10_000
# Just under the server's message-size limit: the largest request it reads at all.
RANDOM_BYTES = Settings.__dataclass_fields__["max_message_bytes"].default - 64 * 1024
SEED = 11
SCORE_PATH = "/creditscore.v1.CreditScoreService/Score"


@dataclass(frozen=True)
class Memory:
    """Resident memory of a process: now and its peak so far (bytes)."""

    rss: int
    peak: int


def memory_of(pid: int) -> Memory:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) * 1024  # reported in kB
    return Memory(rss=fields["VmRSS"], peak=fields["VmHWM"])


@dataclass(frozen=True)
class Measured:
    """One kind of request sent REPEATS times: its status and the memory around it."""

    code: grpc.StatusCode
    before: Memory
    after: Memory

    @property
    def rise(self) -> int:
        return self.after.rss - self.before.rss

    @property
    def peak_rise(self) -> int:
        return self.after.peak - self.before.rss


@pytest.fixture(scope="module")
def memory_server(
    artifacts_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServerProcess, int]]:
    running = launch(artifacts_dir, tmp_path_factory.mktemp("memory") / "server.log")
    try:
        yield running, serving_port(running)
    finally:
        running.process.kill()
        running.process.wait()


@pytest.fixture(scope="module")
def memory_channel(memory_server: tuple[ServerProcess, int]) -> Iterator[grpc.Channel]:
    options = [("grpc.max_receive_message_length", -1)]
    with grpc.insecure_channel(f"127.0.0.1:{memory_server[1]}", options=options) as channel:
        stub = credit_score_pb2_grpc.CreditScoreServiceStub(channel)
        stub.GetModelInfo(pb.GetModelInfoRequest(), timeout=30)  # warm: first-call allocations
        yield channel


@pytest.fixture(scope="module")
def application_frame(synthetic_data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(synthetic_data_dir / "application_train.csv").drop(
        columns=["SK_ID_CURR", "TARGET"]
    )


def _reset_peak(pid: int) -> None:
    # "5" resets VmHWM to the current RSS (Linux >= 4.0), so each request's peak is its own.
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _measure(server: tuple[ServerProcess, int], call: Callable[[], object]) -> Measured:
    pid = server[0].process.pid
    _reset_peak(pid)
    before = memory_of(pid)
    code = grpc.StatusCode.OK
    for _ in range(REPEATS):
        try:
            call()
        except grpc.RpcError as error:
            code = error.code()
    return Measured(code, before, memory_of(pid))


def _report(name: str, measured: Measured) -> str:
    mb = 1024 * 1024
    return (
        f"{name}: {measured.code.name}, RSS {measured.before.rss / mb:.0f} -> "
        f"{measured.after.rss / mb:.0f} MB (rise {measured.rise / mb:+.1f} MB), "
        f"peak rise {measured.peak_rise / mb:+.1f} MB"
    )


def test_a_100_kb_client_id_prefix_is_refused_without_memory_growth(memory_server, memory_channel):
    stub = credit_score_pb2_grpc.CreditScoreServiceStub(memory_channel)
    request = pb.SearchClientsRequest(client_id_prefix="1" * 100_000)
    measured = _measure(memory_server, lambda: stub.SearchClients(request, timeout=60))
    print(_report("SearchClients 100 KB prefix", measured))
    assert measured.code == grpc.StatusCode.INVALID_ARGUMENT
    assert measured.rise <= MAX_RISE_BYTES


def test_the_largest_list_batch_keeps_memory_within_50_mb(
    memory_server, memory_channel, synthetic_data_dir
):
    rows = csv_rows(synthetic_data_dir / "application_train.csv")[:LIST_ROWS]
    request = pb.ScoreBatchRequest(
        requests=[pb.ScoreRequest(application=application_message(row)) for row in rows]
    )
    assert len(request.requests) == LIST_ROWS
    stub = credit_score_pb2_grpc.CreditScoreServiceStub(memory_channel)
    measured = _measure(memory_server, lambda: stub.ScoreBatch(request, timeout=120))
    print(_report(f"ScoreBatch list of {LIST_ROWS}", measured))
    assert measured.code == grpc.StatusCode.OK
    assert measured.rise <= MAX_RISE_BYTES


def test_the_largest_columnar_batch_keeps_memory_within_50_mb(
    memory_server, memory_channel, application_frame: pd.DataFrame
):
    repeats = -(-COLUMN_ROWS // len(application_frame))
    frame = pd.concat([application_frame] * repeats, ignore_index=True).iloc[:COLUMN_ROWS]
    request = batch_request(frame)
    assert request.columns.row_count == COLUMN_ROWS
    stub = credit_score_pb2_grpc.CreditScoreServiceStub(memory_channel)
    measured = _measure(memory_server, lambda: stub.ScoreBatch(request, timeout=120))
    print(_report(f"ScoreBatch columns of {COLUMN_ROWS}", measured))
    assert measured.code == grpc.StatusCode.OK
    assert measured.rise <= MAX_RISE_BYTES


def test_random_bytes_at_the_message_limit_keep_memory_within_50_mb(memory_server, memory_channel):
    data = np.random.default_rng(SEED).bytes(RANDOM_BYTES)
    score = memory_channel.unary_unary(SCORE_PATH)
    measured = _measure(memory_server, lambda: score(data, timeout=120))
    print(_report(f"Score with {RANDOM_BYTES // 2**20} MB of random bytes", measured))
    assert measured.code == grpc.StatusCode.INVALID_ARGUMENT
    assert measured.rise <= MAX_RISE_BYTES


def test_get_model_info_keeps_memory_within_50_mb(memory_server, memory_channel):
    stub = credit_score_pb2_grpc.CreditScoreServiceStub(memory_channel)
    measured = _measure(
        memory_server,
        lambda: stub.GetModelInfo(pb.GetModelInfoRequest(language_code="fr"), timeout=60),
    )
    print(_report("GetModelInfo", measured))
    assert measured.code == grpc.StatusCode.OK
    assert measured.rise <= MAX_RISE_BYTES
