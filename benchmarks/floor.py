"""The floor: empty unary calls to the tiny gRPC server of benchmarks.floor_server."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import numpy as np

from benchmarks.floor_server import EMPTY_METHOD
from benchmarks.grpc_load import CHANNEL_OPTIONS, AsyncCall, concurrent_load, sequential
from benchmarks.plan import Plan
from benchmarks.processes import HOST, free_port, grpc_ready, start_service

__all__ = ["measure_floor"]


def _async_empty(channel: grpc.aio.Channel) -> AsyncCall:
    method = channel.unary_unary(EMPTY_METHOD)

    async def call(i: int) -> Any:
        return await method(b"")

    return call


def measure_floor(plan: Plan, log_dir: Path) -> tuple[dict[str, Any], np.ndarray]:
    """Empty calls, sequential and at every concurrency level of the plan."""
    port = free_port()
    service = start_service(
        "floor_server",
        [sys.executable, "-m", "benchmarks.floor_server", "--port", str(port)],
        log_dir,
        grpc_ready(port),
    )
    address = f"{HOST}:{port}"
    try:
        with grpc.insecure_channel(address, options=CHANNEL_OPTIONS) as channel:
            empty: Callable[[bytes], Any] = channel.unary_unary(EMPTY_METHOD)
            result, samples = sequential(lambda i: empty(b""), plan.fast)
        levels = [
            concurrent_load(address, _async_empty, level, plan.load).to_dict()
            for level in plan.concurrency_levels
        ]
    finally:
        service.stop()
    return {
        "description": "tiny grpcio server in a subprocess (8 worker threads, 256 calls, 32 MiB "
        "messages: the scoring server's defaults), generic handler, empty bytes in and out",
        "empty_call": result.to_dict(),
        "empty_call_concurrency": levels,
    }, samples
