"""Every decision CreditScoreService gives is on record: Score (of a payload or of a stored
client), each ScoreBatch item (list and columnar forms) and Explain, each record holding the
call's request id, the application exactly as scored and what the model said."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import grpc
import numpy as np
import pandas as pd
import pytest

from creditscore.columns import batch_request
from creditscore.v1 import application_pb2, credit_score_pb2_grpc
from creditscore.v1 import credit_score_pb2 as cs
from creditscore.v1 import decision_record_pb2 as pb
from server.artifacts import ServingArtifacts
from server.records.sql_store import SqlStore, open_store
from server.records.store import RecordFilter
from tests.server.conftest import start_server
from tests.server.payloads import application_message, csv_rows, valid_application

Stub = credit_score_pb2_grpc.CreditScoreServiceStub
ADVISOR = "Marie Curie"


@pytest.fixture(scope="module")
def record_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("recorded") / "decisions.sqlite"


@pytest.fixture(scope="module")
def stub(serving_artifacts: ServingArtifacts, record_path: Path) -> Iterator[Stub]:
    running = start_server(serving_artifacts, record_db=str(record_path))
    with grpc.insecure_channel(running.address) as channel:
        yield Stub(channel)
    running.server.shutdown(grace_seconds=0.5).wait(5)


@pytest.fixture(scope="module")
def store(stub: Stub, record_path: Path) -> Iterator[SqlStore]:
    """The server's store, opened beside it: what a reader of the file sees."""
    opened = open_store(str(record_path))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def client_id(serving_artifacts: ServingArtifacts) -> int:
    return int(serving_artifacts.features.client_ids[0])


def metadata(request_id: str) -> list[tuple[str, str]]:
    return [("x-request-id", request_id), ("x-advisor-name", ADVISOR)]


def records_of(store: SqlStore, request_id: str) -> list[pb.DecisionRecord]:
    """The records of call ``request_id``, oldest first."""
    return [r for r in store.scan(RecordFilter()) if r.request_id == request_id]


def assert_records_application(record: pb.DecisionRecord, application: bytes) -> None:
    assert record.application == application
    assert record.application_sha256 == hashlib.sha256(application).hexdigest()


def assert_records_score(record: pb.DecisionRecord, score: cs.ScoreResult) -> None:
    assert record.default_probability == score.default_probability
    assert record.model_decision == score.decision
    assert record.threshold == score.threshold
    assert record.model_version == score.model_version
    assert record.HasField("client_id") == score.HasField("client_id")
    assert record.client_id == score.client_id


def test_a_score_of_a_payload_records_the_application_as_scored(
    stub: Stub, store: SqlStore
) -> None:
    request = cs.ScoreRequest(application=valid_application(cnt_children=3, ext_source_1=0.25))
    response = stub.Score(request, metadata=metadata("score-payload"))
    (record,) = records_of(store, "score-payload")
    assert record.kind == pb.RECORD_KIND_SCORE
    assert_records_application(record, request.application.SerializeToString(deterministic=True))
    assert_records_score(record, response.score)
    assert not record.HasField("batch_index")
    assert (record.caller, record.caller_role, record.advisor_name) == (
        "anonymous",
        "advisor",
        ADVISOR,
    )
    assert pb.DecisionRecord.FromString(record.SerializeToString()) == record


def test_a_score_of_a_stored_client_records_an_empty_application(
    stub: Stub, store: SqlStore, client_id: int
) -> None:
    response = stub.Score(cs.ScoreRequest(client_id=client_id), metadata=metadata("score-client"))
    (record,) = records_of(store, "score-client")
    assert record.client_id == client_id
    assert_records_application(record, b"")
    assert_records_score(record, response.score)


def test_a_refused_score_is_not_recorded(stub: Stub, store: SqlStore) -> None:
    request = cs.ScoreRequest(application=valid_application(amt_credit=-1.0))
    with pytest.raises(grpc.RpcError) as raised:
        stub.Score(request, metadata=metadata("score-refused"))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert records_of(store, "score-refused") == []


def test_a_list_batch_records_each_scored_item_with_its_index(
    stub: Stub, store: SqlStore, client_id: int, serving_artifacts: ServingArtifacts
) -> None:
    unknown = int(max(serving_artifacts.features.client_ids)) + 1
    items = [
        cs.ScoreRequest(application=valid_application()),
        cs.ScoreRequest(client_id=unknown),
        cs.ScoreRequest(client_id=client_id),
        cs.ScoreRequest(application=valid_application(amt_credit=-1.0)),
        cs.ScoreRequest(application=valid_application(amt_income_total=90_000.0)),
    ]
    response = stub.ScoreBatch(cs.ScoreBatchRequest(requests=items), metadata=metadata("batch"))
    scored = {r.index: r.score for r in response.results if r.HasField("score")}
    assert sorted(scored) == [0, 2, 4]
    records = records_of(store, "batch")
    assert sorted(r.batch_index for r in records) == [0, 2, 4]
    for record in records:
        assert record.kind == pb.RECORD_KIND_SCORE
        item = items[record.batch_index]
        expected = b""
        if item.HasField("application"):
            expected = item.application.SerializeToString(deterministic=True)
        assert_records_application(record, expected)
        assert_records_score(record, scored[record.batch_index])


@pytest.fixture(scope="module")
def new_applicants(synthetic_data_dir: Path) -> tuple[pd.DataFrame, list[dict[str, str]]]:
    """20 rows of the Kaggle test file, as a frame and as CSV text."""
    path = synthetic_data_dir / "application_test.csv"
    frame = pd.read_csv(path, nrows=20)
    return frame.drop(columns=["SK_ID_CURR"]), csv_rows(path)[:20]


def test_a_columnar_batch_records_each_scored_row_as_its_application(
    stub: Stub,
    store: SqlStore,
    new_applicants: tuple[pd.DataFrame, list[dict[str, str]]],
) -> None:
    frame, rows = new_applicants
    frame = frame.copy()
    frame.loc[5, "AMT_CREDIT"] = np.inf
    response = stub.ScoreBatch(batch_request(frame), metadata=metadata("columnar"))
    assert {r.index for r in response.results} == {5}
    probabilities = np.frombuffer(response.columns.default_probabilities, dtype="<f8")
    decisions = np.frombuffer(response.columns.decisions, dtype=np.uint8)
    records = records_of(store, "columnar")
    assert sorted(r.batch_index for r in records) == [i for i in range(20) if i != 5]
    for record in records:
        row = record.batch_index
        scored = application_pb2.Application.FromString(record.application)
        assert scored == application_message(rows[row])
        assert record.application == scored.SerializeToString(deterministic=True)
        assert record.application_sha256 == hashlib.sha256(record.application).hexdigest()
        assert record.default_probability == probabilities[row]
        assert record.model_decision == decisions[row]
        assert record.threshold == response.columns.threshold
        assert record.model_version == response.columns.model_version
        assert not record.HasField("client_id")


def test_a_columnar_row_of_a_stored_client_records_its_client(
    stub: Stub, store: SqlStore, client_id: int
) -> None:
    frame = pd.DataFrame({"AMT_CREDIT": [np.nan]})
    response = stub.ScoreBatch(
        batch_request(frame, client_ids=[client_id]), metadata=metadata("columnar-client")
    )
    (record,) = records_of(store, "columnar-client")
    assert (record.client_id, record.batch_index) == (client_id, 0)
    probabilities = np.frombuffer(response.columns.default_probabilities, dtype="<f8")
    assert record.default_probability == probabilities[0]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_explain_records_the_reasons_given_in_their_language(
    stub: Stub, store: SqlStore, language: str
) -> None:
    request = cs.ExplainRequest(
        application=valid_application(ext_source_2=0.1), language_code=language
    )
    request_id = f"explain-{language}"
    response = stub.Explain(request, metadata=metadata(request_id))
    assert response.request_id == request_id
    (record,) = records_of(store, request_id)
    assert record.kind == pb.RECORD_KIND_EXPLAIN
    assert list(record.refusal_reasons) == list(response.refusal_reasons)
    assert list(record.approval_reasons) == list(response.approval_reasons)
    assert len(record.refusal_reasons) + len(record.approval_reasons) > 0
    assert record.language_code == response.language_code == language
    assert_records_application(record, request.application.SerializeToString(deterministic=True))
    assert_records_score(record, response.score)


def test_an_explain_of_a_stored_client_records_an_empty_application(
    stub: Stub, store: SqlStore, client_id: int
) -> None:
    response = stub.Explain(
        cs.ExplainRequest(client_id=client_id), metadata=metadata("explain-client")
    )
    (record,) = records_of(store, "explain-client")
    assert record.client_id == client_id
    assert_records_application(record, b"")
    assert_records_score(record, response.score)
    assert list(record.refusal_reasons) == list(response.refusal_reasons)


def test_a_call_without_a_request_id_is_recorded_under_the_id_the_server_gave(
    stub: Stub, store: SqlStore
) -> None:
    response = stub.Score(cs.ScoreRequest(application=valid_application(cnt_children=7)))
    assert response.request_id
    (record,) = records_of(store, response.request_id)
    assert record.default_probability == response.score.default_probability
