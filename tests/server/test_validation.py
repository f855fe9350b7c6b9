"""Validation of application payloads: each rule names its field; every bad field is reported."""

from __future__ import annotations

import math
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from creditscore.v1 import credit_score_pb2 as pb
from server.artifacts import ServingArtifacts
from server.contract import APPLICATION_FIELDS, MAX_QUOTED_CHARS
from tests.server.payloads import valid_application

APPLICATION_PROTO = (
    Path(__file__).resolve().parents[2] / "protos" / "creditscore" / "v1" / "application.proto"
)


def _violations(stub, **fields: object) -> dict[str, str]:
    """Field path -> description of every violation of a Score with these fields."""
    with pytest.raises(grpc.RpcError) as caught:
        stub.Score(pb.ScoreRequest(application=valid_application(**fields)))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(caught.value)
    assert status is not None
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    return {v.field: v.description for v in bad_request.field_violations}


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("amt_income_total", -1.0, "> 0"),
        ("amt_credit", 0.0, "> 0"),
        ("amt_annuity", -10.0, "> 0"),
        ("amt_goods_price", 0.0, "> 0"),
        ("cnt_children", -1, ">= 0"),
        ("cnt_fam_members", 0.0, ">= 1"),
        ("cnt_fam_members", 2.5, "whole number"),
        ("days_birth", -5_000, "age of 18 to 100"),
        ("days_birth", -40_000, "age of 18 to 100"),
        ("days_birth", 100, "age of 18 to 100"),
        ("days_employed", 10, "or 365243"),
        ("days_registration", 5.0, "<= 0"),
        ("days_id_publish", 3, "<= 0"),
        ("days_last_phone_change", 1.0, "<= 0"),
        ("own_car_age_years", -1.0, ">= 0"),
        ("ext_source_1", 1.5, ">= 0 and <= 1"),
        ("ext_source_2", -0.1, ">= 0 and <= 1"),
        ("region_population_relative", 2.0, ">= 0 and <= 1"),
        ("apartments_avg", 1.2, ">= 0 and <= 1"),
        ("totalarea_mode", -0.5, ">= 0 and <= 1"),
        ("region_rating_client", 4, ">= 1 and <= 3"),
        ("region_rating_client_w_city", 0, ">= 1 and <= 3"),
        ("hour_appr_process_start", 24, "<= 23"),
        ("obs_30_cnt_social_circle", -1.0, ">= 0"),
        ("amt_req_credit_bureau_year", -1.0, ">= 0"),
        ("amt_credit", math.nan, "finite"),
        ("ext_source_3", math.inf, "finite"),
        ("days_registration", -math.inf, "finite"),
        ("name_contract_type", "Mortgage", '"Cash loans", "Revolving loans"'),
        ("code_gender", "X", '"F", "M", "XNA"'),
        ("organization_type", "Bakery", '"School"'),
        ("wallsmaterial_mode", "Glass", '"Panel"'),
        # Upper bounds a person expects.
        ("amt_income_total", 1e308, "<= 1e+09"),
        ("amt_goods_price", 1e12, "<= 1e+08"),
        ("cnt_children", 10**9, "<= 30"),
        ("cnt_fam_members", 1e9, "<= 40"),
        ("own_car_age_years", 500.0, "<= 100"),
        ("days_registration", -1e9, ">= -36525"),
        ("occupation_type", "x" * 20_000, "(20000 characters)"),
    ],
)
def test_each_rule_names_its_field(stub, field: str, value: object, expected: str):
    violations = _violations(stub, **{field: value})
    assert list(violations) == [f"application.{field}"]
    assert expected in violations[f"application.{field}"]


@pytest.mark.parametrize(("credit", "annuity"), [(500_000.0, 400.0), (10_000.0, 20_000.0)])
def test_implied_loan_term_outside_1_to_600_months_is_invalid(stub, credit: float, annuity: float):
    violations = _violations(stub, amt_credit=credit, amt_annuity=annuity, amt_goods_price=None)
    assert list(violations) == ["application.amt_annuity"]
    assert "monthly repayments" in violations["application.amt_annuity"]


@pytest.mark.parametrize("field", ["amt_income_total", "amt_credit"])
def test_required_fields_must_be_set(stub, field: str):
    violations = _violations(stub, **{field: None})
    assert violations == {f"application.{field}": "required: must be set"}


def test_every_bad_field_is_named(stub):
    violations = _violations(
        stub,
        amt_income_total=None,
        amt_credit=-1.0,
        days_birth=10,
        ext_source_1=3.0,
        name_income_type="Retired",
        hour_appr_process_start=-1,
    )
    assert list(violations) == [
        "application.amt_income_total",
        "application.amt_credit",
        "application.name_income_type",
        "application.days_birth",
        "application.hour_appr_process_start",
        "application.ext_source_1",
    ]


def test_unknown_category_lists_the_allowed_values(stub, serving_artifacts: ServingArtifacts):
    description = _violations(stub, name_family_status="Divorced")["application.name_family_status"]
    assert '"Divorced"' in description
    for value in serving_artifacts.catalog["NAME_FAMILY_STATUS"].vocabulary:
        assert f'"{value}"' in description


@pytest.mark.parametrize(
    "fields",
    [
        {"days_employed": 365243, "name_income_type": "Pensioner", "organization_type": "XNA"},
        {"name_contract_type": ""},  # an empty string is an unset field
        {"code_gender": "XNA"},
        {"amt_annuity": None, "amt_goods_price": None},
    ],
)
def test_documented_placeholders_and_unset_fields_are_accepted(stub, fields: dict[str, object]):
    response = stub.Score(pb.ScoreRequest(application=valid_application(**fields)))
    assert 0.0 <= response.score.default_probability <= 1.0


def test_contract_value_unseen_in_training_is_accepted(stub, serving_artifacts: ServingArtifacts):
    unseen = [
        (field.name, allowed.value)
        for field in APPLICATION_FIELDS
        if field.column in serving_artifacts.catalog.names
        for allowed in field.rule.values
        if allowed.value not in serving_artifacts.catalog[field.column].vocabulary
        and allowed.value != "XNA"
    ]
    if not unseen:
        pytest.skip("the test model saw every value the contract accepts")
    name, value = unseen[0]
    response = stub.Score(pb.ScoreRequest(application=valid_application(**{name: value})))
    assert 0.0 <= response.score.default_probability <= 1.0


def test_error_details_quote_at_most_64_characters_of_a_bad_value(stub):
    found = _violations(stub, name_income_type="é" * 25_000, amt_credit=-1.0)
    detail = found["application.name_income_type"]
    assert "é" * MAX_QUOTED_CHARS in detail and "é" * (MAX_QUOTED_CHARS + 1) not in detail
    assert len(detail) < 2_000
