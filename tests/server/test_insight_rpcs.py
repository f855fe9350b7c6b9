"""The insight RPCs through the real in-process gRPC server: answers, status codes, field paths."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from scipy.special import expit

from creditscore.v1 import credit_score_pb2 as pb
from creditscore.v1 import credit_score_pb2_grpc
from server.artifacts import ServingArtifacts
from server.insight.eligibility import excluded
from tests.server.payloads import valid_application

Stub = credit_score_pb2_grpc.CreditScoreServiceStub


@pytest.fixture(scope="module")
def client_id(serving_artifacts: ServingArtifacts) -> int:
    book = serving_artifacts.book
    return int(book.index[book["split"].astype(str) == "train"][0])


def _bad_fields(error: grpc.RpcError) -> list[str]:
    status = rpc_status.from_call(error)
    assert status is not None
    fields: list[str] = []
    for detail in status.details:
        bad_request = error_details_pb2.BadRequest()
        if detail.Unpack(bad_request):
            fields += [v.field for v in bad_request.field_violations]
    return fields


def test_explain_returns_an_exact_explanation_with_the_request_id(
    stub: Stub, client_id: int
) -> None:
    response, _ = stub.Explain.with_call(
        pb.ExplainRequest(client_id=client_id, language_code="fr"),
        metadata=[("x-request-id", "insight-test-1")],
    )
    assert response.request_id == "insight-test-1"
    total = response.base_value + sum(c.contribution for c in response.contributions)
    assert total == pytest.approx(response.model_output, abs=1e-9)
    calibration = response.calibration
    probability = expit(calibration.slope * response.model_output + calibration.intercept)
    assert probability == pytest.approx(response.score.default_probability, abs=1e-9)
    assert response.language_code == "fr"
    assert response.refusal_reasons or response.approval_reasons


def test_explain_matches_score_for_an_application(stub: Stub) -> None:
    application = valid_application()
    explained = stub.Explain(pb.ExplainRequest(application=application))
    scored = stub.Score(pb.ScoreRequest(application=application))
    assert explained.score == scored.score


def test_explain_with_a_bad_language_is_invalid_argument(stub: Stub, client_id: int) -> None:
    with pytest.raises(grpc.RpcError) as error:
        stub.Explain(pb.ExplainRequest(client_id=client_id, language_code="klingon"))
    assert error.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert _bad_fields(error.value) == ["language_code"]


def test_get_client_returns_the_profile_and_score(stub: Stub, client_id: int) -> None:
    response = stub.GetClient(pb.GetClientRequest(client_id=client_id))
    scored = stub.Score(pb.ScoreRequest(client_id=client_id))
    assert response.client_id == client_id
    assert response.score == scored.score
    assert response.fields and response.application.HasField("amt_credit")


def test_get_client_of_an_unknown_client_is_not_found(stub: Stub) -> None:
    with pytest.raises(grpc.RpcError) as error:
        stub.GetClient(pb.GetClientRequest(client_id=4242))
    assert error.value.code() is grpc.StatusCode.NOT_FOUND
    assert "4242" in error.value.details()


def test_search_clients_pages_through_the_matches(
    stub: Stub, serving_artifacts: ServingArtifacts
) -> None:
    request = pb.SearchClientsRequest(page_size=400, order_by="default_probability")
    seen: list[int] = []
    while True:
        response = stub.SearchClients(request)
        seen += [c.client_id for c in response.clients]
        if not response.next_page_token:
            break
        request.page_token = response.next_page_token
    assert sorted(seen) == sorted(serving_artifacts.book.index.tolist())
    assert response.total_size == len(serving_artifacts.book)


def test_search_clients_with_a_foreign_token_is_invalid_argument(stub: Stub) -> None:
    first = stub.SearchClients(pb.SearchClientsRequest(page_size=2))
    with pytest.raises(grpc.RpcError) as error:
        stub.SearchClients(
            pb.SearchClientsRequest(
                page_size=2, order_by="default_probability", page_token=first.next_page_token
            )
        )
    assert error.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert _bad_fields(error.value) == ["page_token"]


def test_compare_peers_returns_four_groups(stub: Stub, client_id: int) -> None:
    response = stub.ComparePeers(
        pb.ComparePeersRequest(client_id=client_id, features=["AMT_CREDIT", "NAME_CONTRACT_TYPE"])
    )
    assert [c.feature for c in response.comparisons] == ["AMT_CREDIT", "NAME_CONTRACT_TYPE"]
    assert response.similar_clients.rule and response.similar_clients.client_count > 0
    assert response.defaulted_clients.default_rate == 1.0


def test_compare_peers_sends_the_scatter_of_similar_clients(stub: Stub, client_id: int) -> None:
    response = stub.ComparePeers(
        pb.ComparePeersRequest(
            client_id=client_id, scatter_features=["AGE_YEARS", "AMT_CREDIT"], scatter_max_points=5
        )
    )
    assert response.scatter.x_feature == "AGE_YEARS"
    assert 0 < len(response.scatter.points) <= 5


def test_compare_peers_names_the_unknown_feature(stub: Stub, client_id: int) -> None:
    with pytest.raises(grpc.RpcError) as error:
        stub.ComparePeers(
            pb.ComparePeersRequest(client_id=client_id, features=["AMT_CREDIT", "NOT_A_FEATURE"])
        )
    assert error.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert _bad_fields(error.value) == ["features[1]"]


def test_get_model_info_describes_the_serving_model(
    stub: Stub, serving_artifacts: ServingArtifacts
) -> None:
    response = stub.GetModelInfo(pb.GetModelInfoRequest())
    assert response.model_version == serving_artifacts.model_version
    assert len(response.features) == len(serving_artifacts.catalog)
    assert response.threshold == serving_artifacts.threshold


def test_get_model_info_tells_which_features_are_never_given_as_reasons_and_why(
    stub: Stub,
) -> None:
    features = stub.GetModelInfo(pb.GetModelInfoRequest()).features
    uses = {f.name: f.reason_use for f in features}
    assert pb.REASON_USE_UNSPECIFIED not in uses.values()
    for name, use in uses.items():
        assert (use != pb.REASON_USE_GIVEN) == excluded(name), name
    assert uses["NAME_FAMILY_STATUS"] == pb.REASON_USE_PROTECTED
    assert uses["AGE_YEARS"] == pb.REASON_USE_PROTECTED
    assert uses["HOUR_APPR_PROCESS_START"] == pb.REASON_USE_NOT_ACTIONABLE
    assert uses["AMT_CREDIT"] == pb.REASON_USE_GIVEN
