"""SuggestChanges through the real in-process gRPC server: every option re-scored with Score,
only the loan's actionable inputs changed and within their bounds, determinism, texts in EN and
FR, errors, roles; and SearchClients' review queue (order_by "threshold_distance")."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from creditscore.v1 import (
    application_pb2,
    credit_score_pb2_grpc,
    decision_record_pb2,
    decision_record_pb2_grpc,
)
from creditscore.v1 import credit_score_pb2 as pb
from server.artifacts import ServingArtifacts
from server.contract import APPLICATION_FIELDS
from server.security.roles import Role
from tests.server.conftest import RunningServer, SecurityMaterial, start_server
from tests.server.payloads import valid_application

Stub = credit_score_pb2_grpc.CreditScoreServiceStub

SUGGEST = "/creditscore.v1.CreditScoreService/SuggestChanges"
# The loan's inputs a suggestion may change; nothing else about the client moves.
ACTIONABLE = {"amt_credit", "amt_annuity", "amt_goods_price", "amt_income_total"}
# Plausibility bounds, as the contract's ChangeLever comments state them.
MIN_LOAN_SHARE = 0.1
MIN_MONTHS, MAX_MONTHS = 6, 60
MAX_REPAYMENT_SHARE = 0.5
MAX_DOWN_PAYMENT_SHARE = 0.5
BORDERLINE_SHARE = 0.8
RULES = {field.name: field.rule for field in APPLICATION_FIELDS}
# Refused stored clients asked about: the closest to the threshold, where options are likeliest.
SAMPLE = 30


@dataclass(frozen=True)
class Case:
    """A stored client, the application the options change, and the answer."""

    client_id: int
    application: application_pb2.Application
    response: pb.SuggestChangesResponse


def _bad_fields(error: grpc.RpcError) -> list[str]:
    status = rpc_status.from_call(error)
    assert status is not None
    fields: list[str] = []
    for detail in status.details:
        bad_request = error_details_pb2.BadRequest()
        if detail.Unpack(bad_request):
            fields += [v.field for v in bad_request.field_violations]
    return fields


def _error(call: Callable[..., object], request: Message, **kwargs: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(request, **kwargs)
    return caught.value


def _months(application: application_pb2.Application) -> float:
    return application.amt_credit / application.amt_annuity


def _options(cases: list[Case]) -> Iterator[tuple[Case, pb.ChangeOption]]:
    for case in cases:
        for option in case.response.options:
            yield case, option


@pytest.fixture(scope="module")
def threshold(serving_artifacts: ServingArtifacts) -> float:
    return serving_artifacts.threshold


@pytest.fixture(scope="module")
def refused(stub: Stub) -> list[Case]:
    page = stub.SearchClients(
        pb.SearchClientsRequest(
            decision=pb.DECISION_REFUSE, order_by="threshold_distance", page_size=SAMPLE
        )
    )
    cases = []
    for client in page.clients:
        application = stub.GetClient(pb.GetClientRequest(client_id=client.client_id)).application
        response = stub.SuggestChanges(pb.SuggestChangesRequest(client_id=client.client_id))
        cases.append(Case(client.client_id, application, response))
    return cases


@pytest.fixture(scope="module")
def with_options(refused: list[Case]) -> list[Case]:
    found = [case for case in refused if case.response.options]
    assert len(found) >= 3, "the test model should leave options to some refused clients"
    return found


def test_every_option_for_a_refused_client_is_approved_when_scored_with_its_application(
    stub: Stub, with_options: list[Case], threshold: float
) -> None:
    for case, option in _options(with_options):
        # The application the option describes, built here from the stored one and the changes.
        changed = application_pb2.Application()
        changed.CopyFrom(case.application)
        for change in option.changes:
            setattr(changed, change.field, change.value_after)
        assert changed == option.application
        rescored = stub.Score(pb.ScoreRequest(client_id=case.client_id, application=changed)).score
        assert rescored.decision == pb.DECISION_APPROVE
        assert rescored.default_probability < threshold
        assert rescored == option.score


def test_the_current_score_is_that_of_the_application_the_options_change(
    stub: Stub, refused: list[Case], threshold: float
) -> None:
    for case in refused:
        scored = stub.Score(pb.ScoreRequest(client_id=case.client_id, application=case.application))
        assert case.response.score == scored.score
        if scored.score.decision == pb.DECISION_REFUSE:
            assert case.response.zone == pb.SCORE_ZONE_REFUSED
            assert case.response.target_default_probability == threshold


def test_options_of_a_new_applicants_payload_are_approved_when_scored(
    stub: Stub, refused: list[Case]
) -> None:
    checked = 0
    for case in refused:
        response = stub.SuggestChanges(pb.SuggestChangesRequest(application=case.application))
        for option in response.options:
            rescored = stub.Score(pb.ScoreRequest(application=option.application)).score
            assert rescored.decision == pb.DECISION_APPROVE
            assert rescored == option.score
            checked += 1
    assert checked > 0


def test_the_options_pull_every_lever_alone_and_in_pairs(with_options: list[Case]) -> None:
    pulled = {tuple(option.levers) for _, option in _options(with_options)}
    assert {levers[0] for levers in pulled if len(levers) == 1} == {
        pb.CHANGE_LEVER_LOAN_AMOUNT,
        pb.CHANGE_LEVER_DURATION,
        pb.CHANGE_LEVER_DOWN_PAYMENT,
        pb.CHANGE_LEVER_CO_BORROWER_INCOME,
    }
    assert any(len(levers) == 2 for levers in pulled)


def test_options_change_only_the_loans_actionable_inputs(with_options: list[Case]) -> None:
    for case, option in _options(with_options):
        before, after = case.application, option.application
        differing = {
            field.name
            for field in application_pb2.Application.DESCRIPTOR.fields
            if before.HasField(field.name) != after.HasField(field.name)
            or getattr(before, field.name) != getattr(after, field.name)
        }
        assert differing and differing <= ACTIONABLE
        assert [change.field for change in option.changes] == [
            field.name
            for field in application_pb2.Application.DESCRIPTOR.fields
            if field.name in differing
        ]
        for change in option.changes:
            assert change.value_before == getattr(before, change.field)
            assert change.value_after == getattr(after, change.field)


def test_options_stay_within_the_contracts_rules_and_the_plausibility_bounds(
    with_options: list[Case],
) -> None:
    for case, option in _options(with_options):
        before, after = case.application, option.application
        assert 1 <= len(option.levers) <= 2
        for change in option.changes:
            assert RULES[change.field].accepts_number(change.value_after), change
        assert MIN_LOAN_SHARE * before.amt_credit <= after.amt_credit <= before.amt_credit
        assert before.amt_income_total <= after.amt_income_total <= 2 * before.amt_income_total
        if pb.CHANGE_LEVER_DURATION in option.levers:
            months = _months(after)
            assert months == pytest.approx(round(months), abs=1e-6)
            assert MIN_MONTHS <= round(months) <= MAX_MONTHS
            assert 1 <= months <= 600  # the contract's loan term
            if months < _months(before):
                assert after.amt_annuity <= MAX_REPAYMENT_SHARE * before.amt_income_total
        elif after.HasField("amt_annuity"):
            assert _months(after) == pytest.approx(_months(before), rel=1e-9)
        if pb.CHANGE_LEVER_DOWN_PAYMENT in option.levers:
            assert after.amt_goods_price == before.amt_goods_price
            down_payment = before.amt_credit - after.amt_credit
            assert 0 < down_payment <= MAX_DOWN_PAYMENT_SHARE * before.amt_goods_price
        if pb.CHANGE_LEVER_LOAN_AMOUNT in option.levers and before.HasField("amt_goods_price"):
            assert after.amt_goods_price < before.amt_goods_price
        if pb.CHANGE_LEVER_CO_BORROWER_INCOME not in option.levers:
            assert after.amt_income_total == before.amt_income_total


def _is_multiple(amount: float, of_amount: float) -> bool:
    """Whether ``amount`` is a multiple of the rounding step of amounts like ``of_amount``
    (three significant digits: 1,000 for 409,500)."""
    steps = amount / 10 ** (math.floor(math.log10(of_amount)) - 2)
    return steps == pytest.approx(round(steps), abs=1e-6)


def test_options_are_round_offers(with_options: list[Case]) -> None:
    for case, option in _options(with_options):
        before, after = case.application, option.application
        if pb.CHANGE_LEVER_LOAN_AMOUNT in option.levers:
            assert _is_multiple(after.amt_credit, before.amt_credit)
        if pb.CHANGE_LEVER_DOWN_PAYMENT in option.levers:
            assert _is_multiple(before.amt_credit - after.amt_credit, before.amt_credit)
        if pb.CHANGE_LEVER_CO_BORROWER_INCOME in option.levers:
            added = after.amt_income_total - before.amt_income_total
            assert _is_multiple(added, before.amt_income_total)


def test_options_pull_distinct_levers_and_come_smallest_change_first(
    with_options: list[Case],
) -> None:
    for case in with_options:
        options = case.response.options
        assert len(options) <= 3  # the default of max_options
        lever_sets = [tuple(option.levers) for option in options]
        assert len(set(lever_sets)) == len(lever_sets)
        # The options that pull no lever an earlier one pulls come first, smallest change first.
        used: set[int] = set()
        first = []
        for option in options:
            if used.isdisjoint(option.levers):
                first.append(option.change_size)
                used.update(option.levers)
            else:
                break
        assert first == sorted(first)
        assert all(option.change_size > 0 for option in options)


def test_max_options_caps_the_options_and_keeps_their_order(
    stub: Stub, with_options: list[Case]
) -> None:
    case = max(with_options, key=lambda c: len(c.response.options))
    one = stub.SuggestChanges(pb.SuggestChangesRequest(client_id=case.client_id, max_options=1))
    assert list(one.options) == [case.response.options[0]]


def test_the_same_request_gives_the_same_response_bytes(
    channel: grpc.Channel, with_options: list[Case]
) -> None:
    call = channel.unary_unary(SUGGEST)
    request = pb.SuggestChangesRequest(
        client_id=with_options[0].client_id, language_code="fr"
    ).SerializeToString()
    metadata = [("x-request-id", "suggest-twice")]
    first = call(request, metadata=metadata)
    assert first == call(request, metadata=metadata)
    assert pb.SuggestChangesResponse.FromString(first).options


def test_suggestions_are_not_recorded(channel: grpc.Channel, with_options: list[Case]) -> None:
    client_id = with_options[0].client_id
    records = decision_record_pb2_grpc.DecisionRecordServiceStub(channel)
    listing = decision_record_pb2.ListDecisionsRequest(client_id=client_id, page_size=500)
    before = len(records.ListDecisions(listing).records)
    Stub(channel).SuggestChanges(pb.SuggestChangesRequest(client_id=client_id))
    assert len(records.ListDecisions(listing).records) == before


def test_an_approved_client_far_from_the_threshold_gets_no_option_and_a_note(
    stub: Stub, threshold: float
) -> None:
    safest = stub.SearchClients(
        pb.SearchClientsRequest(order_by="default_probability", page_size=1)
    ).clients[0]
    assert safest.default_probability < BORDERLINE_SHARE * threshold
    response = stub.SuggestChanges(pb.SuggestChangesRequest(client_id=safest.client_id))
    assert response.zone == pb.SCORE_ZONE_CLEAR
    assert not response.options
    assert response.target_default_probability == 0
    assert response.note.startswith("Approved with a margin")
    french = stub.SuggestChanges(
        pb.SuggestChangesRequest(client_id=safest.client_id, language_code="fr")
    )
    assert french.note.startswith("Accordé avec une marge")


def test_a_refused_client_without_option_gets_a_note_naming_the_bounds_tried(stub: Stub) -> None:
    riskiest = stub.SearchClients(
        pb.SearchClientsRequest(order_by="default_probability desc", page_size=1)
    ).clients[0]
    application = stub.GetClient(pb.GetClientRequest(client_id=riskiest.client_id)).application
    response = stub.SuggestChanges(pb.SuggestChangesRequest(client_id=riskiest.client_id))
    assert response.zone == pb.SCORE_ZONE_REFUSED and not response.options
    # Amounts are rounded to three significant digits, towards no change.
    credit, income = application.amt_credit, application.amt_income_total
    credit_step = 10 ** (math.floor(math.log10(credit)) - 2)
    income_step = 10 ** (math.floor(math.log10(income)) - 2)
    smallest_loan = math.ceil(MIN_LOAN_SHARE * credit / credit_step) * credit_step
    largest_added_income = math.floor(income / income_step) * income_step
    assert "within the bounds searched" in response.note
    assert f"a loan down to {smallest_loan:,.0f}" in response.note
    assert f"income of up to {largest_added_income:,.0f}" in response.note
    assert "alone and in pairs" in response.note


def test_a_borderline_approved_client_is_offered_a_margin_below_the_threshold(
    stub: Stub, threshold: float
) -> None:
    page = stub.SearchClients(
        pb.SearchClientsRequest(
            decision=pb.DECISION_APPROVE,
            min_default_probability=BORDERLINE_SHARE * threshold,
            page_size=10,
        )
    )
    assert page.clients
    for client in page.clients:
        response = stub.SuggestChanges(pb.SuggestChangesRequest(client_id=client.client_id))
        if response.score.decision == pb.DECISION_REFUSE:
            continue  # its stored application scores a little differently from the book
        assert response.zone in (pb.SCORE_ZONE_BORDERLINE, pb.SCORE_ZONE_CLEAR)
        if response.zone == pb.SCORE_ZONE_BORDERLINE:
            target = BORDERLINE_SHARE * threshold
            assert response.target_default_probability == pytest.approx(target)
            for option in response.options:
                assert option.score.default_probability < target
                assert "approved with a margin" in option.text
            assert response.options or "below" in response.note


def test_english_texts_read_as_the_example(with_options: list[Case]) -> None:
    case, option = next(_options(with_options))
    assert option.text.startswith("A loan of ")
    assert " would be approved: " in option.text
    assert re.search(r"\d+\.\d+% probability of default against \d+\.\d+% now", option.text)
    change = option.changes[0]
    assert change.display_value_before == f"{change.value_before:,.0f}"
    assert change.display_value_after == f"{change.value_after:,.0f}"
    labels = {c.label for _, o in _options(with_options) for c in o.changes}
    assert labels <= {"Loan amount", "Loan repayment", "Price of the goods", "Declared income"}
    assert case.response.language_code == "en"


def test_french_texts_use_french_words_and_number_formats(
    stub: Stub, with_options: list[Case]
) -> None:
    case = with_options[0]
    response = stub.SuggestChanges(
        pb.SuggestChangesRequest(client_id=case.client_id, language_code="fr")
    )
    assert response.language_code == "fr"
    assert [o.application for o in response.options] == [
        o.application for o in case.response.options
    ]
    option = response.options[0]
    assert option.text.startswith("Un prêt de ")
    assert " serait accordé : " in option.text
    # Decimal comma, a space before the percent sign, a space between thousands.
    assert re.search(r"\d+,\d+ % contre \d+,\d+ % actuellement", option.text)
    for change in option.changes:
        assert change.display_value_after == f"{change.value_after:,.0f}".replace(",", " ")
        assert change.label in {
            "Montant du prêt",
            "Mensualité du prêt",
            "Prix du bien financé",
            "Revenu déclaré",
        }
    amount = f"{option.application.amt_credit:,.0f}".replace(",", " ")
    assert f"Un prêt de {amount}" in option.text


def test_an_unknown_client_is_not_found(stub: Stub) -> None:
    error = _error(stub.SuggestChanges, pb.SuggestChangesRequest(client_id=4242))
    assert error.code() is grpc.StatusCode.NOT_FOUND
    assert "4242" in error.details()


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"language_code": "de"}, "language_code"),
        ({"max_options": 6}, "max_options"),
        ({"max_options": -1}, "max_options"),
    ],
    ids=["language", "too-many-options", "negative-options"],
)
def test_a_bad_request_field_is_invalid_argument_naming_it(
    stub: Stub, request_fields: dict[str, Any], field: str
) -> None:
    request = pb.SuggestChangesRequest(application=valid_application(), **request_fields)
    error = _error(stub.SuggestChanges, request)
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert _bad_fields(error) == [field]


def test_a_bad_payload_is_invalid_argument_naming_its_field_with_the_language(stub: Stub) -> None:
    request = pb.SuggestChangesRequest(
        application=valid_application(amt_credit=-5.0), language_code="xx"
    )
    error = _error(stub.SuggestChanges, request)
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert _bad_fields(error) == ["language_code", "application.amt_credit"]


def test_a_request_without_client_or_application_is_invalid_argument(stub: Stub) -> None:
    error = _error(stub.SuggestChanges, pb.SuggestChangesRequest())
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert _bad_fields(error) == ["application"]


# ----------------------------------------------------------------------------------------------
# Roles
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def guarded(
    serving_artifacts: ServingArtifacts, security: SecurityMaterial
) -> Iterator[RunningServer]:
    running = start_server(serving_artifacts, credentials_file=security.credentials_file)
    yield running
    running.server.shutdown(grace_seconds=0.5).wait(5)


def test_the_scoring_role_may_ask_about_a_payload_but_not_a_stored_client(
    guarded: RunningServer, security: SecurityMaterial, refused: list[Case]
) -> None:
    case = refused[0]
    scoring = [("authorization", f"Bearer {security.tokens[Role.SCORING]}")]
    advisor = [("authorization", f"Bearer {security.tokens[Role.ADVISOR]}")]
    with grpc.insecure_channel(guarded.address) as channel:
        stub = Stub(channel)
        payload = pb.SuggestChangesRequest(application=case.application)
        assert stub.SuggestChanges(payload, metadata=scoring).score.default_probability > 0
        for request in (
            pb.SuggestChangesRequest(client_id=case.client_id),
            pb.SuggestChangesRequest(client_id=case.client_id, application=case.application),
            # A client that does not exist: refused all the same, so ids cannot be probed.
            pb.SuggestChangesRequest(client_id=1),
        ):
            error = _error(stub.SuggestChanges, request, metadata=scoring)
            assert error.code() is grpc.StatusCode.PERMISSION_DENIED
        stored = stub.SuggestChanges(
            pb.SuggestChangesRequest(client_id=case.client_id), metadata=advisor
        )
        assert stored.score.client_id == case.client_id


# ----------------------------------------------------------------------------------------------
# SearchClients: the grey zone's review queue
# ----------------------------------------------------------------------------------------------


def _pages(stub: Stub, request: pb.SearchClientsRequest, count: int) -> list[pb.ClientSummary]:
    clients: list[pb.ClientSummary] = []
    for _ in range(count):
        page = stub.SearchClients(request)
        clients += page.clients
        if not page.next_page_token:
            break
        request.page_token = page.next_page_token
    return clients


@pytest.mark.parametrize("prefix", ["", "10"], ids=["every-client", "id-prefix"])
def test_threshold_distance_orders_clients_closest_to_the_threshold_first_across_pages(
    stub: Stub, threshold: float, prefix: str
) -> None:
    request = pb.SearchClientsRequest(
        client_id_prefix=prefix, order_by="threshold_distance", page_size=7
    )
    paged = _pages(stub, request, count=4)
    assert len(paged) == 28
    keys = [(abs(c.default_probability - threshold), c.client_id) for c in paged]
    assert keys == sorted(keys)
    whole = stub.SearchClients(
        pb.SearchClientsRequest(
            client_id_prefix=prefix, order_by="threshold_distance", page_size=28
        )
    )
    assert [c.client_id for c in paged] == [c.client_id for c in whole.clients]
    everyone = _pages(
        stub, pb.SearchClientsRequest(client_id_prefix=prefix, page_size=500), count=100
    )
    closest = min(everyone, key=lambda c: (abs(c.default_probability - threshold), c.client_id))
    assert paged[0].client_id == closest.client_id
    assert all(str(c.client_id).startswith(prefix) for c in paged)


def test_threshold_distance_combines_with_the_filters(stub: Stub, threshold: float) -> None:
    refused = _pages(
        stub,
        pb.SearchClientsRequest(
            decision=pb.DECISION_REFUSE, order_by="threshold_distance", page_size=50
        ),
        count=2,
    )
    assert refused and all(c.decision == pb.DECISION_REFUSE for c in refused)
    distances = [c.default_probability - threshold for c in refused]
    assert distances == sorted(distances) and distances[0] >= 0
