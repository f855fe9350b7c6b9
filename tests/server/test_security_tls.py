"""TLS and mTLS over real handshakes on 127.0.0.1: plaintext and certificate-less clients are
turned away, a verified certificate or a token proves the caller."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from creditscore.v1 import credit_score_pb2 as pb
from creditscore.v1 import credit_score_pb2_grpc
from server.artifacts import ServingArtifacts
from server.security.roles import Role
from tests.server.conftest import RunningServer, SecurityMaterial, start_server

HANDSHAKE_TIMEOUT_SECONDS = 5


def _start(artifacts: ServingArtifacts, security: SecurityMaterial, *, mtls: bool) -> RunningServer:
    return start_server(
        artifacts,
        credentials_file=security.credentials_file,
        tls_cert=security.directory / "server.pem",
        tls_key=security.directory / "server.key",
        tls_client_ca=security.directory / "ca.pem" if mtls else None,
    )


@pytest.fixture(scope="module")
def mtls_server(
    serving_artifacts: ServingArtifacts, security: SecurityMaterial
) -> Iterator[RunningServer]:
    running = _start(serving_artifacts, security, mtls=True)
    yield running
    running.server.shutdown(grace_seconds=0.5).wait(5)


@pytest.fixture(scope="module")
def tls_server(
    serving_artifacts: ServingArtifacts, security: SecurityMaterial
) -> Iterator[RunningServer]:
    running = _start(serving_artifacts, security, mtls=False)
    yield running
    running.server.shutdown(grace_seconds=0.5).wait(5)


def tls_channel(
    server: RunningServer, security: SecurityMaterial, client: str | None = None, ca: str = ""
) -> grpc.Channel:
    """A TLS channel trusting the local CA, with ``client``'s certificate (``ca``: "rogue/"
    for the other CA's)."""
    key = chain = None
    if client is not None:
        key, chain = security.pem(f"{ca}{client}.key"), security.pem(f"{ca}{client}.pem")
    credentials = grpc.ssl_channel_credentials(
        root_certificates=security.pem("ca.pem"), private_key=key, certificate_chain=chain
    )
    return grpc.secure_channel(server.address, credentials)


def model_info_code(
    channel: grpc.Channel, metadata: list[tuple[str, str]] | None = None
) -> grpc.StatusCode:
    stub = credit_score_pb2_grpc.CreditScoreServiceStub(channel)
    try:
        stub.GetModelInfo(
            pb.GetModelInfoRequest(), metadata=metadata, timeout=HANDSHAKE_TIMEOUT_SECONDS
        )
    except grpc.RpcError as error:
        return error.code()
    return grpc.StatusCode.OK


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


@pytest.mark.parametrize("server_name", ["tls_server", "mtls_server"])
def test_a_plaintext_client_cannot_talk_to_a_tls_server(
    request: pytest.FixtureRequest, security: SecurityMaterial, server_name: str
):
    server: RunningServer = request.getfixturevalue(server_name)
    with grpc.insecure_channel(server.address) as channel:
        code = model_info_code(channel, bearer(security.tokens[Role.ADVISOR]))
    assert code == grpc.StatusCode.UNAVAILABLE


def test_a_client_that_does_not_trust_the_server_certificate_is_refused(
    tls_server: RunningServer, security: SecurityMaterial
):
    credentials = grpc.ssl_channel_credentials(root_certificates=security.pem("rogue/ca.pem"))
    with grpc.secure_channel(tls_server.address, credentials) as channel:
        assert model_info_code(channel) == grpc.StatusCode.UNAVAILABLE


def test_over_tls_a_token_proves_the_caller(tls_server: RunningServer, security: SecurityMaterial):
    with tls_channel(tls_server, security) as channel:
        assert model_info_code(channel, bearer(security.tokens[Role.AUDITOR])) == grpc.StatusCode.OK
        assert model_info_code(channel) == grpc.StatusCode.UNAUTHENTICATED


def test_without_a_client_ca_a_client_certificate_proves_nothing(
    tls_server: RunningServer, security: SecurityMaterial
):
    with tls_channel(tls_server, security, "audit-team") as channel:
        assert model_info_code(channel) == grpc.StatusCode.UNAUTHENTICATED


def test_mtls_turns_away_a_client_without_a_certificate(
    mtls_server: RunningServer, security: SecurityMaterial
):
    with tls_channel(mtls_server, security) as channel:
        code = model_info_code(channel, bearer(security.tokens[Role.ADVISOR]))
    assert code == grpc.StatusCode.UNAVAILABLE


def test_mtls_turns_away_a_certificate_of_another_ca_with_the_right_name(
    mtls_server: RunningServer, security: SecurityMaterial
):
    with tls_channel(mtls_server, security, "audit-team", ca="rogue/") as channel:
        assert model_info_code(channel) == grpc.StatusCode.UNAVAILABLE


def test_mtls_the_certificate_common_name_is_the_caller(
    mtls_server: RunningServer, security: SecurityMaterial
):
    with tls_channel(mtls_server, security, "audit-team") as channel:
        assert model_info_code(channel) == grpc.StatusCode.OK
        # audit-team is an auditor: no scoring.
        stub = credit_score_pb2_grpc.CreditScoreServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.Score(pb.ScoreRequest(client_id=1), timeout=HANDSHAKE_TIMEOUT_SECONDS)
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_mtls_a_signed_certificate_of_no_caller_is_unauthenticated_unless_a_token_says_who(
    mtls_server: RunningServer, security: SecurityMaterial
):
    with tls_channel(mtls_server, security, "stranger") as channel:
        assert model_info_code(channel) == grpc.StatusCode.UNAUTHENTICATED
        assert model_info_code(channel, bearer(security.tokens[Role.SCORING])) == grpc.StatusCode.OK


def test_a_bad_token_is_refused_even_with_a_good_certificate(
    mtls_server: RunningServer, security: SecurityMaterial
):
    with tls_channel(mtls_server, security, "audit-team") as channel:
        assert model_info_code(channel, bearer("y" * 43)) == grpc.StatusCode.UNAUTHENTICATED


def test_health_over_mtls_needs_the_handshake_but_no_caller(
    mtls_server: RunningServer, security: SecurityMaterial
):
    with tls_channel(mtls_server, security, "stranger") as channel:
        response = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=HANDSHAKE_TIMEOUT_SECONDS
        )
    assert response.status == health_pb2.HealthCheckResponse.SERVING
