"""Score and ScoreBatch over gRPC: values against batch scoring, per-item errors, status codes."""

from __future__ import annotations

from pathlib import Path

import grpc
import numpy as np
import pandas as pd
import pytest
from google.rpc import code_pb2, error_details_pb2
from grpc_status import rpc_status

from creditscore.v1 import credit_score_pb2 as pb
from model_build.features.rows import raw_rows_from_records
from server.artifacts import ServingArtifacts
from server.converters.score_messages import ScoreMessages
from server.errors import DeadlineExceeded
from server.scorer import PARALLEL_ROWS, Scorer
from tests.server.payloads import application_message, csv_rows, valid_application

TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def test_rows(synthetic_data_dir: Path) -> list[dict[str, str]]:
    return csv_rows(synthetic_data_dir / "application_test.csv")


def _decision(probability: float, threshold: float) -> int:
    return pb.DECISION_REFUSE if probability >= threshold else pb.DECISION_APPROVE


def _bad_request(error: grpc.RpcError) -> error_details_pb2.BadRequest:
    status = rpc_status.from_call(error)
    assert status is not None
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    return bad_request


def test_score_of_a_stored_client_equals_batch_scoring(
    stub, reference_scores: pd.Series, serving_artifacts: ServingArtifacts
):
    client_id = int(reference_scores.index[3])
    response = stub.Score(pb.ScoreRequest(client_id=client_id))
    expected = float(reference_scores.loc[client_id])
    assert response.score.client_id == client_id
    assert response.score.default_probability == pytest.approx(expected, abs=TOLERANCE)
    assert response.score.threshold == serving_artifacts.threshold
    assert response.score.decision == _decision(expected, serving_artifacts.threshold)
    assert response.score.model_version == serving_artifacts.model_version


def test_score_of_a_payload_with_stored_id_equals_batch_scoring(
    stub, test_rows: list[dict[str, str]], reference_scores: pd.Series
):
    row = test_rows[0]
    client_id = int(row["SK_ID_CURR"])
    request = pb.ScoreRequest(client_id=client_id, application=application_message(row))
    response = stub.Score(request)
    assert response.score.client_id == client_id
    expected = float(reference_scores.loc[client_id])
    assert response.score.default_probability == pytest.approx(expected, abs=TOLERANCE)


def test_score_of_a_new_applicant_has_no_history(
    stub, test_rows: list[dict[str, str]], serving_artifacts: ServingArtifacts
):
    row = test_rows[1]
    response = stub.Score(pb.ScoreRequest(application=application_message(row)))
    assert not response.score.HasField("client_id")
    # The same application scored by the model, every history feature missing.
    builder = serving_artifacts.feed_builder
    feed = builder.feed(*raw_rows_from_records([row], builder.codes), None)
    expected = serving_artifacts.predict(feed)[0]
    assert response.score.default_probability == pytest.approx(float(expected), abs=1e-12)


def test_request_id_is_echoed_or_generated(stub, reference_scores: pd.Series):
    client_id = int(reference_scores.index[0])
    echoed = stub.Score(pb.ScoreRequest(client_id=client_id), metadata=[("x-request-id", "r-42")])
    drawn = stub.Score(pb.ScoreRequest(client_id=client_id))
    assert echoed.request_id == "r-42"
    assert len(drawn.request_id) == 36  # a UUID


def test_unknown_client_is_not_found(stub):
    with pytest.raises(grpc.RpcError) as caught:
        stub.Score(pb.ScoreRequest(client_id=1))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert "1" in caught.value.details()


def test_request_without_client_or_application_is_invalid(stub):
    with pytest.raises(grpc.RpcError) as caught:
        stub.Score(pb.ScoreRequest())
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in _bad_request(caught.value).field_violations] == ["application"]


def test_score_batch_scores_good_items_and_reports_the_bad_one(
    stub, test_rows: list[dict[str, str]], reference_scores: pd.Series
):
    stored = int(reference_scores.index[0])
    payload_row = test_rows[2]
    requests = [
        pb.ScoreRequest(client_id=stored),
        pb.ScoreRequest(application=valid_application(amt_credit=-5.0)),
        pb.ScoreRequest(
            client_id=int(payload_row["SK_ID_CURR"]),
            application=application_message(payload_row),
        ),
        pb.ScoreRequest(client_id=7),
    ]
    response = stub.ScoreBatch(pb.ScoreBatchRequest(requests=requests))
    results = response.results
    assert [r.index for r in results] == [0, 1, 2, 3]
    assert [r.WhichOneof("outcome") for r in results] == ["score", "error", "score", "error"]
    assert results[0].score.default_probability == pytest.approx(
        float(reference_scores.loc[stored]), abs=TOLERANCE
    )
    assert results[2].score.default_probability == pytest.approx(
        float(reference_scores.loc[int(payload_row["SK_ID_CURR"])]), abs=TOLERANCE
    )
    assert results[1].error.code == code_pb2.INVALID_ARGUMENT
    bad_request = error_details_pb2.BadRequest()
    assert results[1].error.details[0].Unpack(bad_request)
    assert [v.field for v in bad_request.field_violations] == ["application.amt_credit"]
    assert results[3].error.code == code_pb2.NOT_FOUND
    assert response.request_id


def test_a_large_batch_gives_each_item_the_score_of_a_single_call(
    stub, test_rows: list[dict[str, str]], serving_artifacts: ServingArtifacts
):
    # Hundreds of payloads: chunks large enough to be split between parallel model runs.
    rows = test_rows[:600]
    assert len(rows) >= 2 * PARALLEL_ROWS
    items = [pb.ScoreRequest(application=application_message(r)) for r in rows]
    valid = [k for k, item in enumerate(items) if _scores(stub, item) is not None]
    batch = stub.ScoreBatch(pb.ScoreBatchRequest(requests=[items[k] for k in valid]))
    assert len(valid) >= 0.99 * len(rows) and len(batch.results) == len(valid)
    threshold = serving_artifacts.threshold
    for result, k in zip(batch.results, valid, strict=True):
        # onnxruntime adds up the trees of one row and of a batch in different orders: the
        # last bits may differ, never more.
        single = _scores(stub, items[k])
        assert result.score.default_probability == pytest.approx(single, abs=1e-14)
        assert result.score.decision == _decision(single, threshold)


def _scores(stub, request: pb.ScoreRequest) -> float | None:
    """Score's probability for ``request``, None when it is invalid."""
    try:
        return stub.Score(request).score.default_probability
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        return None


@pytest.mark.parametrize("count", [0, 1001])
def test_score_batch_needs_1_to_1000_items(stub, count: int):
    request = pb.ScoreBatchRequest(requests=[pb.ScoreRequest(client_id=1)] * count)
    with pytest.raises(grpc.RpcError) as caught:
        stub.ScoreBatch(request)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in _bad_request(caught.value).field_violations] == ["requests"]


def test_deadline_exceeded_is_reported_as_such(stub, test_rows: list[dict[str, str]]):
    items = [pb.ScoreRequest(application=application_message(r)) for r in test_rows[:50]] * 20
    with pytest.raises(grpc.RpcError) as caught:
        stub.ScoreBatch(pb.ScoreBatchRequest(requests=items), timeout=0.001)
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


def test_server_keeps_serving_after_a_deadline(stub, reference_scores: pd.Series):
    client_id = int(reference_scores.index[0])
    assert stub.Score(pb.ScoreRequest(client_id=client_id), timeout=5).score.client_id == client_id


def test_scorer_stops_a_batch_once_the_deadline_has_passed(
    serving_artifacts: ServingArtifacts, test_rows: list[dict[str, str]]
):
    scorer = Scorer(serving_artifacts)
    messages = ScoreMessages(scorer.codes, scorer.model_version, scorer.threshold)
    request = pb.ScoreBatchRequest(
        requests=[pb.ScoreRequest(application=application_message(r)) for r in test_rows[:3]]
    )
    batch = messages.batch(request)
    queries, rows = batch.queries, batch.rows
    with pytest.raises(DeadlineExceeded):
        scorer.score_items(queries, rows, time_remaining=lambda: 0.0)
    scores = scorer.score_items(queries, rows, time_remaining=lambda: 5.0)
    assert len(scores.probabilities) == 3 and not np.isnan(scores.probabilities).any()


@pytest.mark.parametrize(
    ("method", "data"),
    [
        ("Score", b"\x12\x05\x0a\x02\xff\xfe"),  # a string that is not UTF-8
        ("Score", b"\x12\x09\x09\x00\x00"),  # a double cut short
        ("ScoreBatch", b"\x0a\x04\x12\x02\x08"),  # a varint cut short
        ("GetClient", b"\x08"),
    ],
)
def test_bytes_that_are_not_a_message_are_invalid_argument(channel, method: str, data: bytes):
    call = channel.unary_unary(f"/creditscore.v1.CreditScoreService/{method}")
    with pytest.raises(grpc.RpcError) as caught:
        call(data)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "not a valid creditscore.v1." in caught.value.details()
