"""Exit 0 when the scoring server's gRPC health service answers SERVING, over TLS.

Kubelet's native gRPC probes (``grpc: {port: 50051}``) cannot do TLS, and the server serves
TLS only on its one port; so the pod runs this check against its own port with the CA, as an
exec probe (the Compose file uses it as the healthcheck too). The health service needs no token.

    python /probe/health_probe.py [--port 50051] [--ca /secrets/ca.pem] [--tls-name NAME]
"""

from __future__ import annotations

import argparse
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def main(argv: list[str] | None = None) -> int:
    """0 when SERVING; 1 otherwise (NOT_SERVING, unreachable, bad certificate), with one line."""
    parser = argparse.ArgumentParser(prog="health_probe", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=50051)
    parser.add_argument("--ca", default="/secrets/ca.pem", help="CA of the server's certificate")
    parser.add_argument(
        "--tls-name",
        help="a name in the server's certificate, checked instead of --host "
        "(the Service's name: the certificate need not name 127.0.0.1)",
    )
    parser.add_argument("--service", default="", help='health service name ("": the server)')
    parser.add_argument("--timeout-seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    with open(args.ca, "rb") as ca:
        credentials = grpc.ssl_channel_credentials(root_certificates=ca.read())
    options = [("grpc.ssl_target_name_override", args.tls_name)] if args.tls_name else []
    with grpc.secure_channel(f"{args.host}:{args.port}", credentials, options) as channel:
        try:
            response = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=args.service),
                timeout=args.timeout_seconds,
            )
        except grpc.RpcError as error:
            code = error.code() if isinstance(error, grpc.Call) else None
            print(f"health check failed: {code}", file=sys.stderr)
            return 1
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
    if response.status != health_pb2.HealthCheckResponse.SERVING:
        print(f"health: {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
