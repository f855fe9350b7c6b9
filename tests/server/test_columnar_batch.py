"""ScoreBatch in the columnar form: the same scores as the list form, per-row errors, and a
clear INVALID_ARGUMENT naming the column for a badly laid out request."""

from __future__ import annotations

from pathlib import Path

import grpc
import numpy as np
import pandas as pd
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from creditscore.columns import application_columns, batch_request, score_frame
from creditscore.v1 import credit_score_pb2 as pb
from tests.server.payloads import application_message, csv_rows


@pytest.fixture(scope="module")
def frame(synthetic_data_dir: Path) -> pd.DataFrame:
    """200 new applicants as the Kaggle test file gives them."""
    data = pd.read_csv(synthetic_data_dir / "application_test.csv", nrows=200)
    return data.drop(columns=["SK_ID_CURR"])


def _violations(error: grpc.RpcError) -> dict[str, str]:
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(error)
    assert status is not None
    bad = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad)
    return {v.field: v.description for v in bad.field_violations}


def _probabilities(response: pb.ScoreBatchResponse) -> np.ndarray:
    return np.frombuffer(response.columns.default_probabilities, dtype="<f8")


def test_columnar_scores_equal_the_list_form(stub, synthetic_data_dir: Path, frame):
    rows = csv_rows(synthetic_data_dir / "application_test.csv")[: len(frame)]
    listed = stub.ScoreBatch(
        pb.ScoreBatchRequest(
            requests=[pb.ScoreRequest(application=application_message(r)) for r in rows]
        )
    )
    columnar = stub.ScoreBatch(batch_request(frame))
    failed = {result.index for result in columnar.results}
    assert failed == {r.index for r in listed.results if r.HasField("error")}
    served = _probabilities(columnar)
    for result in listed.results:
        if result.HasField("score"):
            assert served[result.index] == pytest.approx(
                result.score.default_probability, abs=1e-14
            )
    decisions = np.frombuffer(columnar.columns.decisions, dtype=np.uint8)
    threshold = columnar.columns.threshold
    scored = ~np.isnan(served)
    expected = np.where(served[scored] >= threshold, pb.DECISION_REFUSE, pb.DECISION_APPROVE)
    assert (decisions[scored] == expected).all()
    assert columnar.columns.model_version and columnar.request_id


def test_a_bad_row_fails_alone_with_its_index_and_the_column(stub, frame):
    bad = frame.astype({"CNT_CHILDREN": float})
    bad.loc[3, "AMT_CREDIT"] = np.inf
    bad.loc[7, "NAME_INCOME_TYPE"] = "Astronaut" * 20
    bad.loc[9, "CNT_CHILDREN"] = 2.5
    response = stub.ScoreBatch(batch_request(bad))
    errors = {r.index: r.error for r in response.results}
    assert set(errors) == {3, 7, 9}
    details = {}
    for index, status in errors.items():
        request = error_details_pb2.BadRequest()
        assert status.details[0].Unpack(request)
        details[index] = {v.field: v.description for v in request.field_violations}
    assert "finite" in details[3]["columns.amt_credit"]
    assert "Astronaut" in details[7]["columns.name_income_type"]
    assert len(details[7]["columns.name_income_type"]) < 2_000
    assert "whole number" in details[9]["columns.cnt_children"]
    scores = score_frame(response)
    assert scores.loc[[3, 7, 9], "decision"].eq("").all()
    assert scores.drop(index=[3, 7, 9])["default_probability"].between(0, 1).all()


def test_missing_values_are_nan_and_a_stored_client_keeps_its_history(
    stub, reference_scores: pd.Series
):
    client = int(reference_scores.index[0])
    stored = stub.Score(pb.ScoreRequest(client_id=client)).score.default_probability
    # A row with a stored client id and no application value scores the stored client.
    empty = pd.DataFrame({"AMT_CREDIT": [np.nan]})
    response = stub.ScoreBatch(batch_request(empty, client_ids=[client]))
    assert not response.results
    assert _probabilities(response)[0] == pytest.approx(stored, abs=1e-12)


def test_an_empty_new_applicant_row_names_the_required_fields(stub):
    response = stub.ScoreBatch(batch_request(pd.DataFrame({"AMT_CREDIT": [np.nan]})))
    (result,) = response.results
    bad = error_details_pb2.BadRequest()
    assert result.error.details[0].Unpack(bad)
    assert {v.field for v in bad.field_violations} == {
        "columns.amt_income_total",
        "columns.amt_credit",
    }


def _columns(frame: pd.DataFrame) -> pb.ApplicationColumns:
    return application_columns(frame)


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda c: setattr(c, "row_count", 0), "columns.row_count"),
        (lambda c: setattr(c, "row_count", 10_001), "columns.row_count"),
        (lambda c: setattr(c, "row_count", c.row_count + 1), "columns.numeric[0].values"),
        (lambda c: setattr(c.numeric[0], "values", c.numeric[0].values[:-1]),
         "columns.numeric[0].values"),
        (lambda c: setattr(c.numeric[0], "field", "salary" * 10_000), "columns.numeric[0].field"),
        (lambda c: setattr(c.numeric[1], "field", c.numeric[0].field), "columns.numeric[1].field"),
        (lambda c: setattr(c.numeric[0], "field", "name_income_type"), "columns.numeric[0].field"),
        (lambda c: setattr(c.categorical[0], "codes", b"\x07\x00\x00\x00" * c.row_count),
         "columns.categorical[0].codes"),
        (lambda c: c.categorical[0].dictionary.extend(str(k) for k in range(300)),
         "columns.categorical[0].dictionary"),
        (lambda c: c.categorical[0].values.append("x"), "columns.categorical[0]"),
        (lambda c: setattr(c, "client_ids", b"\xff" * 8 * c.row_count), "columns.client_ids"),
        (lambda c: setattr(c, "client_ids", b"\x01"), "columns.client_ids"),
    ],
    ids=[
        "no rows", "too many rows", "row count and values disagree", "truncated values",
        "unknown huge field name", "field twice", "categorical field as numeric",
        "code past the dictionary", "dictionary too large", "values and codes both",
        "negative client ids", "client ids truncated",
    ],
)  # fmt: skip
def test_a_badly_laid_out_request_is_invalid_argument_naming_the_column(
    stub, frame, mutate, path: str
):
    columns = _columns(frame.iloc[:5][["AMT_INCOME_TOTAL", "AMT_CREDIT", "NAME_INCOME_TYPE"]])
    mutate(columns)
    with pytest.raises(grpc.RpcError) as caught:
        stub.ScoreBatch(pb.ScoreBatchRequest(columns=columns))
    found = _violations(caught.value)
    assert list(found) == [path]
    assert all(len(text) < 500 for text in found.values())


def test_a_batch_sets_either_the_list_or_the_columns(stub, frame):
    columns = _columns(frame.iloc[:2])
    both = pb.ScoreBatchRequest(requests=[pb.ScoreRequest(client_id=1)], columns=columns)
    for request in (both, pb.ScoreBatchRequest()):
        with pytest.raises(grpc.RpcError) as caught:
            stub.ScoreBatch(request)
        assert "requests" in _violations(caught.value)


def test_the_largest_columnar_batch_is_scored(stub, frame):
    big = pd.concat([frame] * 50, ignore_index=True)  # 10,000 rows
    response = stub.ScoreBatch(batch_request(big), timeout=60)
    assert len(_probabilities(response)) == len(big)
