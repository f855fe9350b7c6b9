"""An in-process fake of the scoring server: one model version, recording every call's metadata."""

from __future__ import annotations

from collections import Counter
from concurrent import futures
from typing import Any

import grpc

from creditscore.v1 import credit_score_pb2 as pb
from creditscore.v1 import credit_score_pb2_grpc
from tests.gradio_ui.contract import model_card


class FakeModelServer(credit_score_pb2_grpc.CreditScoreServiceServicer):
    """Answers GetModelInfo and Score for one model version, counting model-card requests."""

    def __init__(self) -> None:
        self.version = "v1"
        self.card_requests: Counter[str] = Counter()
        # The metadata of every call, in order.
        self.metadata: list[dict[str, str]] = []

    def GetModelInfo(
        self, request: pb.GetModelInfoRequest, context: Any
    ) -> pb.GetModelInfoResponse:
        self.metadata.append(dict(context.invocation_metadata()))
        self.card_requests[request.language_code] += 1
        return model_card(request.language_code, model_version=self.version)  # type: ignore[arg-type]

    def Score(self, request: pb.ScoreRequest, context: Any) -> pb.ScoreResponse:
        self.metadata.append(dict(context.invocation_metadata()))
        return pb.ScoreResponse(score=pb.ScoreResult(model_version=self.version))


def serve_fake(
    servicer: FakeModelServer, tls: grpc.ServerCredentials | None = None
) -> tuple[grpc.Server, int]:
    """An in-process server of `servicer` on a loopback port (TLS with `tls`)."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    credit_score_pb2_grpc.add_CreditScoreServiceServicer_to_server(servicer, server)
    address = "127.0.0.1:0"
    port = server.add_secure_port(address, tls) if tls else server.add_insecure_port(address)
    server.start()
    return server, port
