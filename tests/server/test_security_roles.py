"""Callers and roles over a real socket: every RPC x every role x no or bad credentials, the
roles table against the services' descriptors, Explain of a stored client, open health,
reflection, and the advisor named in metadata."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from creditscore.v1 import credit_score_pb2 as pb
from creditscore.v1 import credit_score_pb2_grpc, decision_record_pb2
from inference import grpc_service_pb2
from server.artifacts import ServingArtifacts
from server.logging_setup import CALLS_LOGGER, JsonFormatter
from server.security.roles import METHOD_ROLES, Role
from tests.server.conftest import RunningServer, SecurityMaterial, start_server

CREDIT = pb.DESCRIPTOR.services_by_name["CreditScoreService"]
RECORD = decision_record_pb2.DESCRIPTOR.services_by_name["DecisionRecordService"]
V2 = grpc_service_pb2.DESCRIPTOR.services_by_name["GRPCInferenceService"]
REFLECTION = reflection_pb2.DESCRIPTOR.services_by_name["ServerReflection"]
GUARDED_METHODS = [f"/{s.full_name}/{m.name}" for s in (CREDIT, RECORD, V2) for m in s.methods]
AUTH_CODES = {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED}
BAD_TOKEN = "x" * 43


@pytest.fixture(scope="module")
def guarded(
    serving_artifacts: ServingArtifacts, security: SecurityMaterial
) -> Iterator[RunningServer]:
    running = start_server(
        serving_artifacts, credentials_file=security.credentials_file, reflection=True
    )
    yield running
    running.server.shutdown(grace_seconds=0.5).wait(5)


@pytest.fixture(scope="module")
def channel(guarded: RunningServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(guarded.address) as channel:
        yield channel


@pytest.fixture(scope="module")
def client_id(serving_artifacts: ServingArtifacts) -> int:
    return int(serving_artifacts.features.client_ids[0])


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


def code_of(channel: grpc.Channel, method: str, metadata: list[tuple[str, str]]) -> grpc.StatusCode:
    """The status of ``method`` called with an empty request (bytes) and ``metadata``."""
    try:
        channel.unary_unary(method)(b"", metadata=metadata, timeout=30)
    except grpc.RpcError as error:
        return error.code()
    return grpc.StatusCode.OK


def test_the_roles_table_has_a_rule_for_every_method_of_every_guarded_service():
    served = {*GUARDED_METHODS, *(f"/{REFLECTION.full_name}/{m.name}" for m in REFLECTION.methods)}
    assert set(METHOD_ROLES) == served


@pytest.mark.parametrize("method", GUARDED_METHODS)
@pytest.mark.parametrize("role", [*Role, "no credentials", "unknown token"])
def test_each_method_answers_each_role_as_the_roles_table_says(
    channel: grpc.Channel, security: SecurityMaterial, method: str, role: Role | str
):
    if role == "no credentials":
        assert code_of(channel, method, []) == grpc.StatusCode.UNAUTHENTICATED
    elif role == "unknown token":
        assert code_of(channel, method, bearer(BAD_TOKEN)) == grpc.StatusCode.UNAUTHENTICATED
    elif role in METHOD_ROLES[method]:
        # Allowed: the empty request then gets the method's own answer, never an auth code.
        assert code_of(channel, method, bearer(security.tokens[Role(role)])) not in AUTH_CODES
    else:
        code = code_of(channel, method, bearer(security.tokens[Role(role)]))
        assert code == grpc.StatusCode.PERMISSION_DENIED


def test_a_token_of_the_wrong_role_is_permission_denied_naming_the_caller(
    channel: grpc.Channel, security: SecurityMaterial, client_id: int
):
    stub = credit_score_pb2_grpc.CreditScoreServiceStub(channel)
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetClient(
            pb.GetClientRequest(client_id=client_id), metadata=bearer(security.tokens[Role.SCORING])
        )
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "scoring-caller" in caught.value.details()
    assert security.tokens[Role.SCORING] not in caught.value.details()


@pytest.mark.parametrize(
    "authorization",
    ["Bearer " + BAD_TOKEN, "Basic dXNlcjpwYXNz", "Bearer", "bearer  ", "B" * 5000],
)
def test_bad_authorization_is_unauthenticated_and_never_echoed(
    channel: grpc.Channel, authorization: str
):
    stub = credit_score_pb2_grpc.CreditScoreServiceStub(channel)
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetModelInfo(pb.GetModelInfoRequest(), metadata=[("authorization", authorization)])
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    sent = authorization.partition(" ")[2].strip() or authorization
    assert sent == "Bearer" or sent not in caught.value.details()


def test_a_token_sent_twice_is_unauthenticated(channel: grpc.Channel, security: SecurityMaterial):
    token = security.tokens[Role.ADVISOR]
    stub = credit_score_pb2_grpc.CreditScoreServiceStub(channel)
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetModelInfo(pb.GetModelInfoRequest(), metadata=bearer(token) * 2)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_scoring_may_explain_a_payload_but_not_a_stored_client(
    channel: grpc.Channel, security: SecurityMaterial, client_id: int
):
    stub = credit_score_pb2_grpc.CreditScoreServiceStub(channel)
    scoring = bearer(security.tokens[Role.SCORING])
    application = stub.GetClient(
        pb.GetClientRequest(client_id=client_id), metadata=bearer(security.tokens[Role.ADVISOR])
    ).application
    explained = stub.Explain(pb.ExplainRequest(application=application), metadata=scoring)
    assert explained.contributions
    for request in (
        pb.ExplainRequest(client_id=client_id),
        pb.ExplainRequest(client_id=client_id, application=application),
        # A client that does not exist: refused all the same, so ids cannot be probed.
        pb.ExplainRequest(client_id=1),
    ):
        with pytest.raises(grpc.RpcError) as caught:
            stub.Explain(request, metadata=scoring)
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_an_advisor_may_explain_a_stored_client(
    channel: grpc.Channel, security: SecurityMaterial, client_id: int
):
    stub = credit_score_pb2_grpc.CreditScoreServiceStub(channel)
    response = stub.Explain(
        pb.ExplainRequest(client_id=client_id), metadata=bearer(security.tokens[Role.ADVISOR])
    )
    assert response.score.client_id == client_id


def test_health_is_open_without_credentials(channel: grpc.Channel):
    health = health_pb2_grpc.HealthStub(channel)
    assert (
        health.Check(health_pb2.HealthCheckRequest()).status
        == health_pb2.HealthCheckResponse.SERVING
    )
    watch = health.Watch(health_pb2.HealthCheckRequest(service=CREDIT.full_name))
    assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
    watch.cancel()


def _list_services(channel: grpc.Channel, metadata: list[tuple[str, str]]) -> set[str]:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    (response,) = list(stub.ServerReflectionInfo(iter([request]), metadata=metadata, timeout=10))
    return {s.name for s in response.list_services_response.service}


def test_reflection_when_enabled_needs_a_known_caller(
    channel: grpc.Channel, security: SecurityMaterial
):
    with pytest.raises(grpc.RpcError) as caught:
        _list_services(channel, [])
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert CREDIT.full_name in _list_services(channel, bearer(security.tokens[Role.AUDITOR]))


def test_reflection_is_off_by_default(
    serving_artifacts: ServingArtifacts, security: SecurityMaterial
):
    running = start_server(serving_artifacts, credentials_file=security.credentials_file)
    try:
        with (
            grpc.insecure_channel(running.address) as channel,
            pytest.raises(grpc.RpcError) as caught,
        ):
            _list_services(channel, bearer(security.tokens[Role.ADVISOR]))
        assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
    finally:
        running.server.shutdown(grace_seconds=0.5).wait(5)


# gRPC clients send printable ASCII only (a tab is refused before it leaves), so what an
# attacker can send is too long or ambiguous.
@pytest.mark.parametrize("advisors", [["a" * 65], ["Anna Martin", "Someone Else"]])
def test_a_bad_advisor_name_is_invalid_argument_naming_the_metadata_key(
    channel: grpc.Channel, security: SecurityMaterial, advisors: list[str]
):
    stub = credit_score_pb2_grpc.CreditScoreServiceStub(channel)
    metadata = [*bearer(security.tokens[Role.ADVISOR])]
    metadata += [("x-advisor-name", advisor) for advisor in advisors]
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetModelInfo(pb.GetModelInfoRequest(), metadata=metadata)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(caught.value)
    assert status is not None
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    assert [v.field for v in bad_request.field_violations] == ["x-advisor-name"]


class _JsonLines(logging.Handler):
    """Formats each record as it is emitted, on the handler's thread (where the call's
    context variables are)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


def test_log_lines_name_the_caller_and_the_advisor(
    channel: grpc.Channel, security: SecurityMaterial
):
    calls = logging.getLogger(CALLS_LOGGER)
    handler, level = _JsonLines(), calls.level
    calls.addHandler(handler)
    calls.setLevel(logging.INFO)
    try:
        metadata = [*bearer(security.tokens[Role.ADVISOR]), ("x-advisor-name", "Anna Martin")]
        credit_score_pb2_grpc.CreditScoreServiceStub(channel).GetModelInfo(
            pb.GetModelInfoRequest(), metadata=metadata
        )
    finally:
        calls.removeHandler(handler)
        calls.setLevel(level)
    (line,) = [line for line in handler.lines if "GetModelInfo" in line["message"]]
    assert (line["caller"], line["advisor"]) == ("advisor-caller", "Anna Martin")
