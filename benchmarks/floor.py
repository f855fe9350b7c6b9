"""The floor: empty unary calls to the tiny gRPC server of benchmarks.floor_server."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc

from benchmarks.floor_server import EMPTY_METHOD
from benchmarks.grpc_load import AsyncCall, concurrent_load
from benchmarks.plan import Plan
from benchmarks.processes import HOST, Service, free_port, grpc_ready, start_service

__all__ = ["DESCRIPTION", "empty_call", "measure_floor_load", "start_floor"]


def _async_empty(channel: grpc.aio.Channel) -> AsyncCall:
    method = channel.unary_unary(EMPTY_METHOD)

    async def call(i: int) -> Any:
        return await method(b"")

    return call


DESCRIPTION = (
    "tiny grpcio server in a subprocess (8 worker threads, 256 calls, 32 MiB messages: the "
    "scoring server's defaults), generic handler, empty bytes in and out"
)


def start_floor(log_dir: Path) -> tuple[Service, str]:
    """The floor server, started; its address."""
    port = free_port()
    service = start_service(
        "floor_server",
        [sys.executable, "-m", "benchmarks.floor_server", "--port", str(port)],
        log_dir,
        grpc_ready(port),
    )
    return service, f"{HOST}:{port}"


def empty_call(channel: grpc.Channel) -> Callable[[int], Any]:
    """One sequential empty call on ``channel`` (to the floor server), as a measured call."""
    empty: Callable[[bytes], Any] = channel.unary_unary(EMPTY_METHOD)
    return lambda i: empty(b"")


def measure_floor_load(address: str, plan: Plan) -> dict[str, Any]:
    """Empty calls at every concurrency level of the plan (the sequential floor is measured
    in turns with our server's calls: benchmarks.ours)."""
    levels = [
        concurrent_load(address, _async_empty, level, plan.load).to_dict()
        for level in plan.concurrency_levels
    ]
    return {"description": DESCRIPTION, "empty_call_concurrency": levels}
