"""DecisionRecordService over a real gRPC server: advisors' decisions (override rules,
validation, idempotency), listing and reading the record, roles, --record off, and a
database that goes away."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from benchmarks.local_postgres import LocalPostgres
from creditscore.v1 import credit_score_pb2 as cs
from creditscore.v1 import credit_score_pb2_grpc, decision_record_pb2_grpc
from creditscore.v1 import decision_record_pb2 as pb
from server.artifacts import ServingArtifacts
from server.security.roles import Role
from tests.server.conftest import RunningServer, SecurityMaterial, start_server
from tests.server.payloads import valid_application
from tests.server.records.conftest import BACKENDS, new_database, pg_ctl

Metadata = Sequence[tuple[str, str]]
ADVISOR = "Marie Curie"


@dataclass(frozen=True)
class Stubs:
    credit: credit_score_pb2_grpc.CreditScoreServiceStub
    records: decision_record_pb2_grpc.DecisionRecordServiceStub


def stubs_for(channel: grpc.Channel) -> Stubs:
    return Stubs(
        credit_score_pb2_grpc.CreditScoreServiceStub(channel),
        decision_record_pb2_grpc.DecisionRecordServiceStub(channel),
    )


@pytest.fixture
def connect() -> Iterator[Callable[[RunningServer], Stubs]]:
    channels: list[grpc.Channel] = []

    def open_stubs(running: RunningServer) -> Stubs:
        channels.append(grpc.insecure_channel(running.address))
        return stubs_for(channels[-1])

    yield open_stubs
    for channel in channels:
        channel.close()


@pytest.fixture
def stubs(
    serve: Callable[..., RunningServer], record_db: str, connect: Callable[[RunningServer], Stubs]
) -> Stubs:
    """Stubs of a server without authentication (every caller is `anonymous`, an advisor)
    recording into ``record_db``."""
    return connect(serve(record_db=record_db))


@pytest.fixture(scope="module")
def clients(serving_artifacts: ServingArtifacts) -> tuple[int, int, int]:
    """Two stored clients, and a client id that is not stored."""
    stored = [int(c) for c in serving_artifacts.features.client_ids]
    return stored[0], stored[1], max(stored) + 1


def metadata(request_id: str | None = None, advisor: str | None = ADVISOR) -> Metadata:
    found = []
    if request_id is not None:
        found.append(("x-request-id", request_id))
    if advisor is not None:
        found.append(("x-advisor-name", advisor))
    return found


def new_id() -> str:
    return uuid.uuid4().hex


def model_decision(stubs: Stubs, client_id: int) -> int:
    return int(stubs.credit.Score(cs.ScoreRequest(client_id=client_id)).score.decision)


def agreeing(model: int) -> int:
    return pb.FINAL_DECISION_APPROVE if model == cs.DECISION_APPROVE else pb.FINAL_DECISION_REFUSE


def disagreeing(model: int) -> int:
    return pb.FINAL_DECISION_REFUSE if model == cs.DECISION_APPROVE else pb.FINAL_DECISION_APPROVE


def decide(stubs: Stubs, md: Metadata = (), /, **fields: object) -> pb.DecisionRecord:
    fields.setdefault("request_id", new_id())
    request = pb.RecordDecisionRequest(**fields)  # type: ignore[arg-type]
    return stubs.records.RecordDecision(request, metadata=md or metadata()).record


def rpc_error(call: Callable[[], object]) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


def violations(error: grpc.RpcError) -> dict[str, str]:
    """The google.rpc.BadRequest field violations of an INVALID_ARGUMENT error."""
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    status = rpc_status.from_call(error)
    assert status is not None
    bad = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad)
    return {v.field: v.description for v in bad.field_violations}


def listed(stubs: Stubs, md: Metadata = (), /, **fields: object) -> list[pb.DecisionRecord]:
    """Every record matching ``fields``, newest first (page_size 500: the tests' are fewer)."""
    request = pb.ListDecisionsRequest(page_size=500, **fields)  # type: ignore[arg-type]
    response = stubs.records.ListDecisions(request, metadata=md)
    assert response.next_page_token == ""
    return list(response.records)


def advisor_records(stubs: Stubs) -> list[pb.DecisionRecord]:
    return listed(stubs, kind=pb.RECORD_KIND_ADVISOR_DECISION)


# -- RecordDecision: override rules ------------------------------------------------------------


@pytest.mark.parametrize("record_db", BACKENDS, indirect=True)
def test_a_decision_agreeing_with_the_model_is_recorded_as_no_override(
    stubs: Stubs, clients: tuple[int, int, int]
) -> None:
    client = clients[0]
    model = model_decision(stubs, client)
    record = decide(stubs, client_id=client, decision=agreeing(model), request_id="agree-1")
    assert record.kind == pb.RECORD_KIND_ADVISOR_DECISION
    assert (record.request_id, record.client_id) == ("agree-1", client)
    assert record.final_decision == agreeing(model)
    assert record.model_decision == model
    assert not record.is_override
    assert record.override_reason == pb.OVERRIDE_REASON_UNSPECIFIED
    fetched = stubs.records.GetDecision(pb.GetDecisionRequest(record_id=record.record_id))
    assert fetched.record == record


@pytest.mark.parametrize("record_db", BACKENDS, indirect=True)
def test_a_decision_against_the_model_with_a_reason_is_recorded_as_an_override(
    stubs: Stubs, clients: tuple[int, int, int]
) -> None:
    client = clients[0]
    model = model_decision(stubs, client)
    record = decide(
        stubs,
        client_id=client,
        decision=disagreeing(model),
        override_reason=pb.OVERRIDE_REASON_GUARANTEE_PROVIDED,
        note="Parent as guarantor",
    )
    assert record.is_override
    assert record.override_reason == pb.OVERRIDE_REASON_GUARANTEE_PROVIDED
    assert record.note == "Parent as guarantor"


def test_a_decision_against_the_model_without_a_reason_is_invalid_on_override_reason(
    stubs: Stubs, clients: tuple[int, int, int]
) -> None:
    model = model_decision(stubs, clients[0])
    error = rpc_error(lambda: decide(stubs, client_id=clients[0], decision=disagreeing(model)))
    assert set(violations(error)) == {"override_reason"}
    assert advisor_records(stubs) == []


def test_an_override_reason_on_a_decision_agreeing_with_the_model_is_invalid(
    stubs: Stubs, clients: tuple[int, int, int]
) -> None:
    model = model_decision(stubs, clients[0])
    error = rpc_error(
        lambda: decide(
            stubs,
            client_id=clients[0],
            decision=agreeing(model),
            override_reason=pb.OVERRIDE_REASON_INCOME_VERIFIED,
        )
    )
    assert set(violations(error)) == {"override_reason"}


def test_the_other_reason_needs_a_note(stubs: Stubs, clients: tuple[int, int, int]) -> None:
    model = model_decision(stubs, clients[0])
    error = rpc_error(
        lambda: decide(
            stubs,
            client_id=clients[0],
            decision=disagreeing(model),
            override_reason=pb.OVERRIDE_REASON_OTHER,
            note="   ",
        )
    )
    assert set(violations(error)) == {"note"}


def test_a_referral_needs_a_note(stubs: Stubs, clients: tuple[int, int, int]) -> None:
    error = rpc_error(lambda: decide(stubs, client_id=clients[0], decision=pb.FINAL_DECISION_REFER))
    assert set(violations(error)) == {"note"}


def test_a_referral_with_a_note_is_recorded_as_no_override(
    stubs: Stubs, clients: tuple[int, int, int]
) -> None:
    record = decide(
        stubs, client_id=clients[0], decision=pb.FINAL_DECISION_REFER, note="Second opinion"
    )
    assert record.final_decision == pb.FINAL_DECISION_REFER
    assert not record.is_override


# -- RecordDecision: request validation --------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"decision": 99}, "decision"),
        ({"decision": pb.FINAL_DECISION_APPROVE, "override_reason": 99}, "override_reason"),
        ({"decision": pb.FINAL_DECISION_UNSPECIFIED}, "decision"),
        ({"decision": pb.FINAL_DECISION_APPROVE, "request_id": ""}, "request_id"),
        ({"decision": pb.FINAL_DECISION_APPROVE, "client_id": 0}, "client_id"),
        ({"decision": pb.FINAL_DECISION_APPROVE, "client_id": -5}, "client_id"),
        ({"decision": pb.FINAL_DECISION_APPROVE, "request_id": "r" * 65}, "request_id"),
        ({"decision": pb.FINAL_DECISION_APPROVE, "model_request_id": "m" * 65}, "model_request_id"),
        ({"decision": pb.FINAL_DECISION_REFER, "note": "n" * 1001}, "note"),
    ],
    ids=[
        "unknown_decision",
        "unknown_override_reason",
        "no_decision",
        "no_request_id",
        "client_id_0",
        "negative_client_id",
        "request_id_of_65_chars",
        "model_request_id_of_65_chars",
        "note_of_1001_chars",
    ],
)
def test_a_malformed_decision_is_invalid_naming_the_field(
    stubs: Stubs, clients: tuple[int, int, int], fields: dict[str, object], field: str
) -> None:
    fields = {"client_id": clients[0], **fields}
    error = rpc_error(lambda: decide(stubs, **fields))
    assert field in violations(error)
    assert advisor_records(stubs) == []


def test_the_longest_fields_allowed_are_recorded(
    stubs: Stubs, clients: tuple[int, int, int]
) -> None:
    record = decide(
        stubs,
        request_id="r" * 64,
        client_id=clients[0],
        decision=pb.FINAL_DECISION_REFER,
        note="n" * 1000,
    )
    assert (record.request_id, record.note) == ("r" * 64, "n" * 1000)


def test_a_decision_on_a_client_that_is_not_stored_is_not_found(
    stubs: Stubs, clients: tuple[int, int, int]
) -> None:
    error = rpc_error(
        lambda: decide(stubs, client_id=clients[2], decision=pb.FINAL_DECISION_APPROVE)
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert str(clients[2]) in error.details()
    assert listed(stubs) == []


# -- RecordDecision: the model decision reviewed ---------------------------------------------


def test_the_score_of_another_client_is_invalid_as_model_request_id(
    stubs: Stubs, clients: tuple[int, int, int]
) -> None:
    stubs.credit.Score(cs.ScoreRequest(client_id=clients[1]), metadata=metadata("score-of-b"))
    error = rpc_error(
        lambda: decide(
            stubs,
            client_id=clients[0],
            decision=pb.FINAL_DECISION_APPROVE,
            model_request_id="score-of-b",
        )
    )
    assert "score-of-b" in violations(error)["model_request_id"]
    assert advisor_records(stubs) == []


def test_a_model_request_id_never_used_is_invalid(
    stubs: Stubs, clients: tuple[int, int, int]
) -> None:
    error = rpc_error(
        lambda: decide(
            stubs, client_id=clients[0], decision=pb.FINAL_DECISION_APPROVE, model_request_id="x"
        )
    )
    assert set(violations(error)) == {"model_request_id"}


@pytest.mark.parametrize("record_db", BACKENDS, indirect=True)
def test_the_explain_reviewed_is_copied_into_the_decision_and_nothing_is_scored_again(
    stubs: Stubs, clients: tuple[int, int, int]
) -> None:
    client = clients[0]
    explained = stubs.credit.Explain(
        cs.ExplainRequest(client_id=client), metadata=metadata("explain-1")
    )
    (explain_record,) = listed(stubs, kind=pb.RECORD_KIND_EXPLAIN)
    record = decide(
        stubs,
        client_id=client,
        decision=agreeing(explained.score.decision),
        model_request_id="explain-1",
    )
    assert record.model_record_id == explain_record.record_id
    assert record.default_probability == explained.score.default_probability
    assert record.model_decision == explained.score.decision
    assert record.threshold == explained.score.threshold
    assert record.model_version == explained.score.model_version
    assert listed(stubs, kind=pb.RECORD_KIND_SCORE) == []


def test_without_model_request_id_the_client_is_scored_and_that_score_recorded(
    stubs: Stubs, clients: tuple[int, int, int]
) -> None:
    client = clients[0]
    scored = stubs.credit.Score(cs.ScoreRequest(client_id=client)).score
    before = {r.record_id for r in listed(stubs)}
    record = decide(
        stubs,
        metadata("decide-call"),
        client_id=client,
        decision=agreeing(scored.decision),
    )
    new = [r for r in listed(stubs) if r.record_id not in before]
    assert [r.kind for r in new] == [pb.RECORD_KIND_ADVISOR_DECISION, pb.RECORD_KIND_SCORE]
    score = new[1]
    assert record.model_record_id == score.record_id
    assert (score.request_id, score.client_id, score.application) == ("decide-call", client, b"")
    assert score.default_probability == record.default_probability == scored.default_probability
    assert score.model_decision == record.model_decision == scored.decision


# -- RecordDecision: idempotency ---------------------------------------------------------------


@pytest.mark.parametrize("record_db", BACKENDS, indirect=True)
def test_a_retry_returns_the_first_record_and_records_nothing_more(
    stubs: Stubs, clients: tuple[int, int, int]
) -> None:
    fields = {
        "request_id": "retried",
        "client_id": clients[0],
        "decision": pb.FINAL_DECISION_REFER,
        "note": "check",
    }
    first = decide(stubs, **fields)
    count = len(listed(stubs))
    again = decide(stubs, **fields)
    assert again == first
    assert len(listed(stubs)) == count
    assert [r.record_id for r in advisor_records(stubs)] == [first.record_id]


OTHER_CONTENT: dict[str, Callable[[tuple[int, int, int], int], dict[str, object]]] = {
    "note": lambda clients, model: {"note": "another note"},
    "decision": lambda clients, model: {
        "decision": disagreeing(model),
        "override_reason": pb.OVERRIDE_REASON_POLICY_RULE,
        "note": "",
    },
    "client_id": lambda clients, model: {"client_id": clients[1]},
}


@pytest.mark.parametrize("change", OTHER_CONTENT)
def test_the_same_request_id_with_other_content_is_invalid_on_request_id(
    stubs: Stubs, clients: tuple[int, int, int], change: str
) -> None:
    model = model_decision(stubs, clients[0])
    first = {
        "request_id": "used",
        "client_id": clients[0],
        "decision": pb.FINAL_DECISION_REFER,
        "note": "first",
    }
    decide(stubs, **first)
    second = {**first, **OTHER_CONTENT[change](clients, model)}
    error = rpc_error(lambda: decide(stubs, **second))
    assert "already used" in violations(error)["request_id"]
    assert len(advisor_records(stubs)) == 1


def test_the_same_request_id_reviewing_another_model_decision_is_invalid(
    stubs: Stubs, clients: tuple[int, int, int]
) -> None:
    stubs.credit.Explain(cs.ExplainRequest(client_id=clients[0]), metadata=metadata("e-1"))
    stubs.credit.Explain(cs.ExplainRequest(client_id=clients[0]), metadata=metadata("e-2"))
    fields = {
        "request_id": "d",
        "client_id": clients[0],
        "decision": pb.FINAL_DECISION_REFER,
        "note": "n",
    }
    decide(stubs, model_request_id="e-1", **fields)
    error = rpc_error(lambda: decide(stubs, model_request_id="e-2", **fields))
    assert "request_id" in violations(error)


@pytest.mark.parametrize("record_db", BACKENDS, indirect=True)
def test_eight_identical_requests_at_once_record_one_decision(
    stubs: Stubs, clients: tuple[int, int, int]
) -> None:
    request = pb.RecordDecisionRequest(
        request_id="together",
        client_id=clients[0],
        decision=pb.FINAL_DECISION_REFER,
        note="all at once",
    )
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda _: stubs.records.RecordDecision(request, metadata=metadata()).record,
                range(8),
            )
        )
    assert len({answer.record_id for answer in answers}) == 1
    assert [r.record_id for r in advisor_records(stubs)] == [answers[0].record_id]


# -- ListDecisions -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def filled(
    serving_artifacts: ServingArtifacts,
    tmp_path_factory: pytest.TempPathFactory,
    clients: tuple[int, int, int],
) -> Iterator[Stubs]:
    """A server whose record holds 12 records of two clients, two advisors and every kind:
    5 scores, 2 explains, 3 advisor decisions (2 of which score the client first); read
    only."""
    where = tmp_path_factory.mktemp("listing") / "decisions.sqlite"
    running = start_server(serving_artifacts, record_db=str(where))
    with grpc.insecure_channel(running.address) as channel:
        stubs = stubs_for(channel)
        a, b, _ = clients
        for advisor in (ADVISOR, "Ada Lovelace", None):
            stubs.credit.Score(cs.ScoreRequest(client_id=a), metadata=metadata(advisor=advisor))
        stubs.credit.Score(cs.ScoreRequest(client_id=b), metadata=metadata(advisor="Ada Lovelace"))
        stubs.credit.Score(cs.ScoreRequest(application=valid_application()))
        stubs.credit.Explain(cs.ExplainRequest(client_id=a), metadata=metadata("explain-a"))
        stubs.credit.Explain(cs.ExplainRequest(client_id=b), metadata=metadata(advisor=None))
        decide(
            stubs,
            client_id=a,
            decision=pb.FINAL_DECISION_REFER,
            note="n",
            model_request_id="explain-a",
        )
        decide(stubs, client_id=b, decision=pb.FINAL_DECISION_REFER, note="n")
        decide(
            stubs,
            metadata(advisor="Ada Lovelace"),
            client_id=a,
            decision=pb.FINAL_DECISION_REFER,
            note="n",
        )
        yield stubs
    running.server.shutdown(grace_seconds=0.5).wait(5)


@pytest.fixture(scope="module")
def everything(filled: Stubs) -> list[pb.DecisionRecord]:
    records = listed(filled)
    assert len(records) == 12
    return records


def time_of(record: pb.DecisionRecord) -> int:
    return int(record.record_time.ToMicroseconds())


LIST_FILTERS: dict[str, Callable[[list[pb.DecisionRecord], tuple[int, int, int]], object]] = {
    "client_id": lambda everything, clients: clients[1],
    "advisor_name": lambda everything, clients: "Ada Lovelace",
    "model_version": lambda everything, clients: everything[0].model_version,
    "kind": lambda everything, clients: pb.RECORD_KIND_EXPLAIN,
    "start_time": lambda everything, clients: everything[4].record_time,
    "end_time": lambda everything, clients: everything[4].record_time,
}


def matches(record: pb.DecisionRecord, field: str, value: object) -> bool:
    if field == "start_time":
        return time_of(record) >= value.ToMicroseconds()  # type: ignore[attr-defined]
    if field == "end_time":
        return time_of(record) < value.ToMicroseconds()  # type: ignore[attr-defined]
    if field == "client_id":
        return record.HasField("client_id") and record.client_id == value
    return bool(getattr(record, field) == value)


@pytest.mark.parametrize("field", LIST_FILTERS)
def test_each_filter_lists_exactly_its_records_newest_first(
    filled: Stubs,
    everything: list[pb.DecisionRecord],
    clients: tuple[int, int, int],
    field: str,
) -> None:
    value = LIST_FILTERS[field](everything, clients)
    wanted = [r.record_id for r in everything if matches(r, field, value)]
    assert wanted
    assert [r.record_id for r in listed(filled, **{field: value})] == wanted


def test_filters_combine(
    filled: Stubs, everything: list[pb.DecisionRecord], clients: tuple[int, int, int]
) -> None:
    found = listed(
        filled, client_id=clients[0], advisor_name=ADVISOR, kind=pb.RECORD_KIND_ADVISOR_DECISION
    )
    wanted = [
        r
        for r in everything
        if r.client_id == clients[0]
        and r.advisor_name == ADVISOR
        and r.kind == pb.RECORD_KIND_ADVISOR_DECISION
    ]
    assert len(wanted) == 1
    assert found == wanted


def test_a_model_version_that_never_decided_lists_nothing(filled: Stubs) -> None:
    assert listed(filled, model_version="no-such-model") == []


def test_the_listing_is_newest_first(everything: list[pb.DecisionRecord]) -> None:
    times = [time_of(r) for r in everything]
    assert times == sorted(times, reverse=True)


def test_pages_of_3_collect_every_record_newest_first_once(
    filled: Stubs, everything: list[pb.DecisionRecord]
) -> None:
    collected: list[pb.DecisionRecord] = []
    token = ""
    for _ in range(10):
        page = filled.records.ListDecisions(pb.ListDecisionsRequest(page_size=3, page_token=token))
        assert len(page.records) <= 3
        collected += page.records
        token = page.next_page_token
        if not token:
            break
    assert collected == everything


def test_a_page_token_reused_with_other_filters_is_invalid(
    filled: Stubs, clients: tuple[int, int, int]
) -> None:
    first = filled.records.ListDecisions(pb.ListDecisionsRequest(page_size=2))
    assert first.next_page_token
    other = pb.ListDecisionsRequest(
        page_size=2, page_token=first.next_page_token, client_id=clients[0]
    )
    error = rpc_error(lambda: filled.records.ListDecisions(other))
    assert set(violations(error)) == {"page_token"}


def test_a_page_token_may_be_reused_with_another_page_size(
    filled: Stubs, everything: list[pb.DecisionRecord]
) -> None:
    first = filled.records.ListDecisions(pb.ListDecisionsRequest(page_size=2))
    rest = filled.records.ListDecisions(
        pb.ListDecisionsRequest(page_size=500, page_token=first.next_page_token)
    )
    assert [*first.records, *rest.records] == everything


def forged_token(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "!!!",
        forged_token([1, 2]),
        forged_token({"before": "10", "filters": "x"}),
        "x" * 65,
    ],
    ids=["garbage", "not_base64", "json_list", "wrong_fields", "too_long"],
)
def test_a_page_token_that_is_not_one_of_ours_is_invalid(filled: Stubs, token: str) -> None:
    error = rpc_error(
        lambda: filled.records.ListDecisions(pb.ListDecisionsRequest(page_token=token))
    )
    assert set(violations(error)) == {"page_token"}


@pytest.mark.parametrize("size", [501, -1])
def test_a_page_size_out_of_range_is_invalid(filled: Stubs, size: int) -> None:
    error = rpc_error(lambda: filled.records.ListDecisions(pb.ListDecisionsRequest(page_size=size)))
    assert set(violations(error)) == {"page_size"}


def test_a_time_outside_the_timestamp_range_is_invalid(filled: Stubs) -> None:
    request = pb.ListDecisionsRequest()
    request.start_time.seconds = 10**12
    error = rpc_error(lambda: filled.records.ListDecisions(request))
    assert set(violations(error)) == {"start_time"}


@pytest.mark.parametrize("end_offset", [-1, 0], ids=["before_start", "at_start"])
def test_an_end_time_not_after_the_start_time_is_invalid(filled: Stubs, end_offset: int) -> None:
    request = pb.ListDecisionsRequest()
    request.start_time.seconds = 1_700_000_000
    request.end_time.seconds = 1_700_000_000 + end_offset
    error = rpc_error(lambda: filled.records.ListDecisions(request))
    assert set(violations(error)) == {"end_time"}


# -- GetDecision ---------------------------------------------------------------------------------


def test_get_returns_the_record_listed(filled: Stubs, everything: list[pb.DecisionRecord]) -> None:
    for record in everything[:3]:
        response = filled.records.GetDecision(pb.GetDecisionRequest(record_id=record.record_id))
        assert response.record == record


def test_get_of_an_unknown_record_is_not_found(filled: Stubs) -> None:
    error = rpc_error(lambda: filled.records.GetDecision(pb.GetDecisionRequest(record_id="nope")))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert "nope" in error.details()


@pytest.mark.parametrize("record_id", ["", "r" * 65], ids=["empty", "65_chars"])
def test_get_of_a_malformed_record_id_is_invalid(filled: Stubs, record_id: str) -> None:
    error = rpc_error(
        lambda: filled.records.GetDecision(pb.GetDecisionRequest(record_id=record_id))
    )
    assert set(violations(error)) == {"record_id"}


# -- roles -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def guarded(
    serving_artifacts: ServingArtifacts,
    security: SecurityMaterial,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stubs]:
    where = tmp_path_factory.mktemp("guarded") / "decisions.sqlite"
    running = start_server(
        serving_artifacts, credentials_file=security.credentials_file, record_db=str(where)
    )
    with grpc.insecure_channel(running.address) as channel:
        yield stubs_for(channel)
    running.server.shutdown(grace_seconds=0.5).wait(5)


def as_role(security: SecurityMaterial, role: Role, advisor: str | None = ADVISOR) -> Metadata:
    return [("authorization", f"Bearer {security.tokens[role]}"), *metadata(advisor=advisor)]


RECORD_CALLS: dict[str, Callable[[Stubs, Metadata, int], object]] = {
    "RecordDecision": lambda s, md, client: s.records.RecordDecision(
        pb.RecordDecisionRequest(
            request_id=new_id(), client_id=client, decision=pb.FINAL_DECISION_REFER, note="n"
        ),
        metadata=md,
    ),
    "ListDecisions": lambda s, md, client: s.records.ListDecisions(
        pb.ListDecisionsRequest(), metadata=md
    ),
    "GetDecision": lambda s, md, client: s.records.GetDecision(
        pb.GetDecisionRequest(record_id="unknown"), metadata=md
    ),
}


@pytest.mark.parametrize("method", RECORD_CALLS)
def test_a_scoring_caller_may_call_no_record_method(
    guarded: Stubs, security: SecurityMaterial, clients: tuple[int, int, int], method: str
) -> None:
    md = as_role(security, Role.SCORING)
    error = rpc_error(lambda: RECORD_CALLS[method](guarded, md, clients[0]))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


def test_an_auditor_may_list_and_get_but_not_record(
    guarded: Stubs, security: SecurityMaterial, clients: tuple[int, int, int]
) -> None:
    md = as_role(security, Role.AUDITOR, advisor=None)
    recorded = RECORD_CALLS["RecordDecision"](guarded, as_role(security, Role.ADVISOR), clients[0])
    record_id = recorded.record.record_id  # type: ignore[attr-defined]
    error = rpc_error(lambda: RECORD_CALLS["RecordDecision"](guarded, md, clients[0]))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    listing = guarded.records.ListDecisions(pb.ListDecisionsRequest(), metadata=md)
    assert record_id in {r.record_id for r in listing.records}
    got = guarded.records.GetDecision(pb.GetDecisionRequest(record_id=record_id), metadata=md)
    assert got.record.record_id == record_id


def test_an_advisor_records_under_its_caller_role_and_advisor_name(
    guarded: Stubs, security: SecurityMaterial, clients: tuple[int, int, int]
) -> None:
    md = as_role(security, Role.ADVISOR)
    record = RECORD_CALLS["RecordDecision"](guarded, md, clients[0]).record  # type: ignore[attr-defined]
    assert (record.caller, record.caller_role, record.advisor_name) == (
        "advisor-caller",
        "advisor",
        ADVISOR,
    )
    model = guarded.records.GetDecision(
        pb.GetDecisionRequest(record_id=record.model_record_id), metadata=md
    ).record
    assert (model.caller, model.caller_role, model.advisor_name) == (
        "advisor-caller",
        "advisor",
        ADVISOR,
    )
    listing = guarded.records.ListDecisions(pb.ListDecisionsRequest(), metadata=md)
    assert listing.records[0] == record


# -- recording off, database down ------------------------------------------------------------


def test_with_recording_off_score_answers_and_the_record_methods_are_unavailable(
    serve: Callable[..., RunningServer],
    connect: Callable[[RunningServer], Stubs],
    clients: tuple[int, int, int],
) -> None:
    stubs = connect(serve(record=False))
    assert stubs.credit.Score(cs.ScoreRequest(client_id=clients[0])).score.model_version
    for method, call in RECORD_CALLS.items():
        error = rpc_error(lambda call=call: call(stubs, metadata(), clients[0]))  # type: ignore[misc]
        assert error.code() == grpc.StatusCode.UNAVAILABLE, method
        assert "--record off" in error.details(), method


@pytest.fixture
def postgres_down(
    lone_postgres: LocalPostgres,
    serve: Callable[..., RunningServer],
    connect: Callable[[RunningServer], Stubs],
) -> Iterator[tuple[Stubs, LocalPostgres]]:
    """A server recording into a PostgreSQL database that has just been stopped."""
    stubs = connect(serve(record_db=new_database(lone_postgres)))
    stubs.credit.Score(cs.ScoreRequest(application=valid_application()))
    pg_ctl(lone_postgres, "stop")
    yield stubs, lone_postgres


def test_score_is_unavailable_while_postgresql_is_down_and_answers_once_it_is_back(
    postgres_down: tuple[Stubs, LocalPostgres],
) -> None:
    stubs, database = postgres_down
    request = cs.ScoreRequest(application=valid_application())
    for _ in range(2):  # the second call finds the connection the first one lost
        error = rpc_error(lambda: stubs.credit.Score(request))
        assert error.code() == grpc.StatusCode.UNAVAILABLE
        assert "no decision is given" in error.details()
    pg_ctl(database, "start")
    answered = stubs.credit.Score(request, metadata=metadata("after-restart"))
    assert answered.request_id == "after-restart"
    # The refused calls left no record; the one before and the one after did.
    found = listed(stubs)
    assert len(found) == 2
    assert found[0].request_id == "after-restart"


def test_the_record_methods_are_unavailable_while_postgresql_is_down(
    postgres_down: tuple[Stubs, LocalPostgres], clients: tuple[int, int, int]
) -> None:
    stubs, _ = postgres_down
    codes = {
        method: rpc_error(lambda call=call: call(stubs, metadata(), clients[0])).code()  # type: ignore[misc]
        for method, call in RECORD_CALLS.items()
    }
    assert codes == dict.fromkeys(RECORD_CALLS, grpc.StatusCode.UNAVAILABLE)


def test_the_record_db_setting_names_where_records_go(
    serve: Callable[..., RunningServer],
    connect: Callable[[RunningServer], Stubs],
    tmp_path: Path,
) -> None:
    stubs = connect(serve(record_db=str(tmp_path / "nested" / "records.sqlite")))
    stubs.credit.Score(cs.ScoreRequest(application=valid_application()))
    assert (tmp_path / "nested" / "records.sqlite").is_file()
    assert len(listed(stubs)) == 1
