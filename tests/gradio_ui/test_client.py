"""The UI's gRPC client keeps the model card per language, until another model answers; every
call carries the app's token and the advisor's name; TLS verifies the server."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from gradio_ui.client import CreditScoreClient, ErrorKind, ServiceError
from gradio_ui.settings import ServerCredentials
from tests.gradio_ui.fake_server import FakeModelServer, serve_fake


@pytest.fixture
def fake() -> Iterator[tuple[FakeModelServer, CreditScoreClient]]:
    servicer = FakeModelServer()
    server, port = serve_fake(servicer)
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


def test_without_a_token_or_an_advisor_only_the_request_id_is_sent(
    fake: tuple[FakeModelServer, CreditScoreClient],
) -> None:
    servicer, client = fake
    client.score(100002)
    (sent,) = servicer.metadata
    assert len(sent["x-request-id"]) == 32
    assert "authorization" not in sent
    assert "x-advisor-name" not in sent


def test_every_call_carries_the_apps_token_and_the_advisors_name() -> None:
    servicer = FakeModelServer()
    server, port = serve_fake(servicer)
    credentials = ServerCredentials(token="app-token-123")
    with CreditScoreClient(f"127.0.0.1:{port}", credentials=credentials) as client:
        client.as_advisor("anna").model_info("fr")
        client.as_advisor("bob").score(100002)
        client.score(100002)
    server.stop(None)
    assert [m["authorization"] for m in servicer.metadata] == ["Bearer app-token-123"] * 3
    assert [m.get("x-advisor-name") for m in servicer.metadata] == ["anna", "bob", None]


def test_advisors_share_the_channel_and_the_model_cards(
    fake: tuple[FakeModelServer, CreditScoreClient],
) -> None:
    servicer, client = fake
    client.as_advisor("anna").model_info("fr")
    client.as_advisor("bob").model_info("fr")
    assert servicer.card_requests == {"fr": 1}


def test_a_tls_channel_verifies_the_server_and_presents_the_apps_certificate() -> None:
    certificates = pytest.importorskip("tests.gradio_ui.certificates", reason="needs cryptography")
    ca = certificates.make_ca()
    server_pem = certificates.issue(ca, "localhost", server=True)
    app_pem = certificates.issue(ca, "web-app", server=False)
    servicer = FakeModelServer()
    mtls = grpc.ssl_server_credentials(
        [(server_pem.key, server_pem.certificate)],
        root_certificates=ca.certificate,
        require_client_auth=True,
    )
    server, port = serve_fake(servicer, mtls)
    address = f"localhost:{port}"
    with_certificate = ServerCredentials(
        token="app-token-123",
        root_certificates=ca.certificate,
        certificate_chain=app_pem.certificate,
        private_key=app_pem.key,
    )
    with CreditScoreClient(address, credentials=with_certificate) as client:
        assert client.as_advisor("anna").score(100002).score.model_version == "v1"
    assert servicer.metadata[-1]["x-advisor-name"] == "anna"

    # Without the app's certificate, or trusting another CA, no call goes through.
    for credentials in (
        ServerCredentials(root_certificates=ca.certificate),
        ServerCredentials(root_certificates=certificates.make_ca("other-ca").certificate),
    ):
        with (
            CreditScoreClient(address, deadline_seconds=5, credentials=credentials) as client,
            pytest.raises(ServiceError) as failed,
        ):
            client.score(100002)
        assert failed.value.kind is ErrorKind.UNAVAILABLE
    server.stop(None)
    assert len(servicer.metadata) == 1
