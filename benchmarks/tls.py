"""The TLS section of a run: Score over TLS with a bearer token against the empty-call floor
over TLS, measured in turns (the plaintext figures are measured apart and stay as they are)."""

from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from benchmarks.floor import empty_call
from benchmarks.grpc_load import CHANNEL_OPTIONS, interleaved
from benchmarks.plan import Plan
from benchmarks.processes import HOST, ProcessError, Service, free_port, start_service
from benchmarks.workload import Workload
from creditscore.v1 import credit_score_pb2 as cs
from creditscore.v1 import credit_score_pb2_grpc

__all__ = ["DESCRIPTION", "TARGET_RATIO", "measure_tls"]

logger = logging.getLogger(__name__)

TARGET_RATIO = 1.3
CALLER = "benchmark"
DESCRIPTION = (
    "TLS (server certificate from a local CA, no client certificate) on both servers; Score "
    "sends 'authorization: Bearer <token>' of a caller with the scoring role"
)


@dataclass(frozen=True)
class _TlsFiles:
    """What ``python -m server.security`` made: a CA, the server's pair, a caller's token."""

    ca: Path
    cert: Path
    key: Path
    credentials: Path
    token: str


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else "(no output)"


def _make_files(directory: Path) -> _TlsFiles | str:
    """Certificates and a token from the server's own commands; a reason when they fail."""
    made = _run([sys.executable, "-m", "server.security", "certificates", "--out", str(directory)])
    if made.returncode != 0:
        return f"python -m server.security certificates failed: {_last_line(made.stderr)}"
    credentials = directory / "credentials.json"
    mint = [sys.executable, "-m", "server.security", "mint-token"]
    minted = _run([*mint, "--credentials", str(credentials), "--name", CALLER, "--role", "scoring"])
    if minted.returncode != 0 or not minted.stdout.strip():
        return f"python -m server.security mint-token failed: {_last_line(minted.stderr)}"
    return _TlsFiles(
        ca=directory / "ca.pem",
        cert=directory / "server.pem",
        key=directory / "server.key",
        credentials=credentials,
        token=minted.stdout.strip(),
    )


def _channel(port: int, ca: bytes) -> grpc.Channel:
    return grpc.secure_channel(
        f"{HOST}:{port}", grpc.ssl_channel_credentials(root_certificates=ca), CHANNEL_OPTIONS
    )


def _tls_ready(port: int, ca: bytes) -> Callable[[], bool]:
    """Readiness over TLS: the health Check (open to every caller) answers SERVING."""

    def probe() -> bool:
        with _channel(port, ca) as channel:
            try:
                reply = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=1.0
                )
            except grpc.RpcError:
                return False
            return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

    return probe


def _start(name: str, command: list[str], files: _TlsFiles, logs: Path) -> tuple[Service, int]:
    port = free_port()
    command = [*command, "--port", str(port), "--tls-cert", str(files.cert)]
    command += ["--tls-key", str(files.key)]
    ready = _tls_ready(port, files.ca.read_bytes())
    return start_service(name, command, logs, ready, timeout_seconds=180), port


def measure_tls(artifacts: Path, workload: Workload, plan: Plan, logs: Path) -> dict[str, Any]:
    """Score (stored client) and the floor's empty call, both over TLS, in turns; skipped with
    the reason when the server cannot serve TLS with credentials."""
    with tempfile.TemporaryDirectory(prefix="bench_tls_") as scratch:
        files = _make_files(Path(scratch))
        if isinstance(files, str):
            return {"status": "skipped", "reason": files}
        services: list[Service] = []
        try:
            floor, floor_port = _start(
                "floor_server_tls", [sys.executable, "-m", "benchmarks.floor_server"], files, logs
            )
            services.append(floor)
            server_command = [sys.executable, "-m", "server", "--artifacts", str(artifacts)]
            server_command += ["--host", HOST, "--log-level", "WARNING"]
            server_command += ["--credentials", str(files.credentials), "--record", "off"]
            server_command += ["--processes", "1"]
            server, port = _start("server_tls", server_command, files, logs)
            services.append(server)
            return {
                "status": "measured",
                "description": DESCRIPTION,
                **_measure(port, floor_port, files, workload, plan),
            }
        except ProcessError as error:
            return {"status": "skipped", "reason": f"TLS server did not start: {error}"}
        finally:
            for service in services:
                service.stop()


def _measure(
    port: int, floor_port: int, files: _TlsFiles, workload: Workload, plan: Plan
) -> dict[str, Any]:
    ca = files.ca.read_bytes()
    metadata = (("authorization", f"Bearer {files.token}"),)
    requests = [cs.ScoreRequest(client_id=int(c)) for c in workload.client_ids]
    with _channel(port, ca) as channel, _channel(floor_port, ca) as floor:
        score = credit_score_pb2_grpc.CreditScoreServiceStub(channel).Score
        refused = _code_without_token(score, requests[0])
        logger.info("tls: floor and Score, in turns")
        measured = interleaved(
            {
                "empty_call": empty_call(floor),
                "score_stored": lambda i: score(requests[i % len(requests)], metadata=metadata),
            },
            plan.fast,
            plan.interleave_rounds,
        )
    out: dict[str, Any] = {name: result.to_dict() for name, (result, _) in measured.items()}
    out["score_without_token"] = refused
    return out


def _code_without_token(score: Callable[..., Any], request: cs.ScoreRequest) -> str:
    """The status of a Score call that sends no token: what shows that the token is checked."""
    try:
        score(request, timeout=10)
    except grpc.RpcError as error:
        return str(error.code().name)
    return "OK"
