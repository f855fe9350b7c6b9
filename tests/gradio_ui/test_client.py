"""The UI's gRPC client keeps the model card per language, until another model answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc
import pytest

from creditscore.v1 import credit_score_pb2 as pb
from creditscore.v1 import credit_score_pb2_grpc
from gradio_ui.client import CreditScoreClient
from tests.gradio_ui.contract import model_card


class FakeModelServer(credit_score_pb2_grpc.CreditScoreServiceServicer):
    """Answers GetModelInfo and Score for one model version, counting model-card requests."""

    def __init__(self) -> None:
        self.version = "v1"
        self.card_requests: Counter[str] = Counter()

    def GetModelInfo(
        self, request: pb.GetModelInfoRequest, context: Any
    ) -> pb.GetModelInfoResponse:
        self.card_requests[request.language_code] += 1
        return model_card(request.language_code, model_version=self.version)  # type: ignore[arg-type]

    def Score(self, request: pb.ScoreRequest, context: Any) -> pb.ScoreResponse:
        return pb.ScoreResponse(score=pb.ScoreResult(model_version=self.version))


@pytest.fixture
def fake() -> Iterator[tuple[FakeModelServer, CreditScoreClient]]:
    servicer = FakeModelServer()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    credit_score_pb2_grpc.add_CreditScoreServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    with CreditScoreClient(f"127.0.0.1:{port}", deadline_seconds=5) as client:
        yield servicer, client
    server.stop(None)


def test_the_model_card_is_fetched_once_per_language(
    fake: tuple[FakeModelServer, CreditScoreClient],
) -> None:
    servicer, client = fake
    for _ in range(3):
        french = client.model_info("fr")
        english = client.model_info("en")
    assert servicer.card_requests == {"fr": 1, "en": 1}
    assert french.language_code == "fr" and english.language_code == "en"
    assert french.category_labels[0].values[0].label != english.category_labels[0].values[0].label


def test_a_score_by_the_same_model_keeps_the_card(
    fake: tuple[FakeModelServer, CreditScoreClient],
) -> None:
    servicer, client = fake
    client.model_info("fr")
    client.score(100002)
    client.model_info("fr")
    assert servicer.card_requests == {"fr": 1}


def test_a_score_by_another_model_version_fetches_the_card_again(
    fake: tuple[FakeModelServer, CreditScoreClient],
) -> None:
    servicer, client = fake
    assert client.model_info("fr").model_version == "v1"
    servicer.version = "v2"  # the server was redeployed with another model
    client.score(100002)
    assert client.model_info("fr").model_version == "v2"
    assert servicer.card_requests == {"fr": 2}
