"""The floor: a gRPC server with one empty unary method, as the scoring server is configured.

``python -m benchmarks.floor_server --port P [--tls-cert PEM --tls-key PEM]`` serves
``/benchmarks.Floor/Empty`` (bytes in, empty bytes out, no protobuf) and the standard health
service, with the scoring server's defaults (python -m server): a thread pool of 8 workers, at
most 256 calls in progress and 32 MiB messages. The difference between a Score call and an
Empty call is what our server adds over gRPC itself.
"""

from __future__ import annotations

import argparse
import signal
import sys
from concurrent import futures
from pathlib import Path
from types import FrameType

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

__all__ = ["EMPTY_METHOD", "main"]

EMPTY_METHOD = "/benchmarks.Floor/Empty"
# The defaults of server.settings.Settings (copied: benchmarks do not import the server).
WORKER_THREADS = 32
MAX_CONCURRENT_CALLS = 256
MAX_MESSAGE_BYTES = 16 * 1024 * 1024


def _empty(request: bytes, context: grpc.ServicerContext) -> bytes:
    return b""


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.floor_server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--worker-threads", type=int, default=WORKER_THREADS)
    # TLS like the scoring server's --tls-cert/--tls-key: the floor of calls over TLS.
    parser.add_argument("--tls-cert", type=Path, default=None)
    parser.add_argument("--tls-key", type=Path, default=None)
    args = parser.parse_args(argv)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=args.worker_threads),
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.so_reuseport", 0),
        ],
        maximum_concurrent_rpcs=MAX_CONCURRENT_CALLS,
    )
    handler = grpc.method_handlers_generic_handler(
        "benchmarks.Floor", {"Empty": grpc.unary_unary_rpc_method_handler(_empty)}
    )
    server.add_generic_rpc_handlers((handler,))
    health_servicer = health.HealthServicer()
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    address = f"127.0.0.1:{args.port}"
    if args.tls_cert and args.tls_key:
        pair = (args.tls_key.read_bytes(), args.tls_cert.read_bytes())
        port = server.add_secure_port(address, grpc.ssl_server_credentials([pair]))
    else:
        port = server.add_insecure_port(address)
    if port == 0:
        print(f"error: cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        return 1

    def stop(signum: int, _frame: FrameType | None) -> None:
        server.stop(1.0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.start()
    server.wait_for_termination()
    return 0


if __name__ == "__main__":
    sys.exit(main())
