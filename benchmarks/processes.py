"""Subprocesses of a benchmark: free loopback ports, start, wait until ready, stop."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

__all__ = [
    "HOST",
    "ProcessError",
    "Service",
    "free_port",
    "grpc_ready",
    "http_ready",
    "start_service",
]

logger = logging.getLogger(__name__)

# Every benchmark target listens on loopback only.
HOST = "127.0.0.1"


class ProcessError(RuntimeError):
    """A benchmark subprocess did not start; the message names its log file."""


def free_port() -> int:
    """A loopback port free at the time of the call (bound to port 0, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Service:
    """A started subprocess with its log file; ``stop`` sends SIGTERM, then SIGKILL."""

    def __init__(self, name: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
        self.name = name
        self.process = process
        self.log_path = log_path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop the process group this service leads (its own children included)."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=grace_seconds)
        except ProcessLookupError:
            pass


def start_service(
    name: str,
    command: Sequence[str],
    log_dir: Path,
    ready: Callable[[], bool],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout_seconds: float = 90.0,
) -> Service:
    """Start ``command`` in its own process group and wait until ``ready()`` is true."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            list(command),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
    service = Service(name, process, log_path)
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ProcessError(
                f"{name} exited with code {process.returncode}; log {log_path}:\n"
                f"{service.log_tail()}"
            )
        if ready():
            logger.info("%s ready (pid %d)", name, process.pid)
            return service
        time.sleep(0.2)
    service.stop()
    raise ProcessError(f"{name} not ready after {timeout_seconds:.0f}s; log {log_path}")


def grpc_ready(port: int, service: str = "") -> Callable[[], bool]:
    """A readiness probe: the standard health Check answers SERVING."""

    def probe() -> bool:
        with grpc.insecure_channel(f"{HOST}:{port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=1.0)
            except grpc.RpcError:
                return False
            return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

    return probe


def http_ready(port: int, path: str) -> Callable[[], bool]:
    """A readiness probe: GET ``path`` answers 200."""
    import httpx

    def probe() -> bool:
        try:
            return httpx.get(f"http://{HOST}:{port}{path}", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    return probe
