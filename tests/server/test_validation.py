"""Validation of application payloads: each rule names its field; every bad field is reported."""

from __future__ import annotations

import math
import re
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from creditscore.v1 import credit_score_pb2 as pb
from server.artifacts import ServingArtifacts
from server.validation import KAGGLE_VOCABULARIES
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
        ("days_employed", 10, "<= 0, or 365243"),
        ("days_registration", 5.0, "<= 0"),
        ("days_id_publish", 3, "<= 0"),
        ("days_last_phone_change", 1.0, "<= 0"),
        ("own_car_age_years", -1.0, ">= 0"),
        ("ext_source_1", 1.5, "in [0, 1]"),
        ("ext_source_2", -0.1, "in [0, 1]"),
        ("region_population_relative", 2.0, "in [0, 1]"),
        ("apartments_avg", 1.2, "in [0, 1]"),
        ("totalarea_mode", -0.5, "in [0, 1]"),
        ("region_rating_client", 4, "1, 2 or 3"),
        ("region_rating_client_w_city", 0, "1, 2 or 3"),
        ("hour_appr_process_start", 24, "0 to 23"),
        ("obs_30_cnt_social_circle", -1.0, ">= 0"),
        ("amt_req_credit_bureau_year", -1.0, ">= 0"),
        ("amt_credit", math.nan, "finite"),
        ("ext_source_3", math.inf, "finite"),
        ("days_registration", -math.inf, "finite"),
        ("name_contract_type", "Mortgage", "'Cash loans', 'Revolving loans'"),
        ("code_gender", "X", "'F', 'M', 'XNA'"),
        ("organization_type", "Bakery", "'School'"),
        ("wallsmaterial_mode", "Glass", "'Panel'"),
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
    assert "'Divorced'" in description
    for value in serving_artifacts.catalog["NAME_FAMILY_STATUS"].vocabulary:
        assert repr(value) in description


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


def test_kaggle_value_unseen_in_training_is_accepted(stub, serving_artifacts: ServingArtifacts):
    unseen = [
        (column, value)
        for column, values in KAGGLE_VOCABULARIES.items()
        if column in serving_artifacts.catalog.names
        for value in values
        if value not in serving_artifacts.catalog[column].vocabulary and value != "XNA"
    ]
    if not unseen:
        pytest.skip("the test model saw every documented Kaggle value")
    column, value = unseen[0]
    response = stub.Score(pb.ScoreRequest(application=valid_application(**{column.lower(): value})))
    assert 0.0 <= response.score.default_probability <= 1.0


def test_documented_vocabularies_are_the_contracts():
    """KAGGLE_VOCABULARIES lists exactly the values the Application message documents."""
    documented: dict[str, set[str]] = {}
    comment: list[str] = []
    for line in APPLICATION_PROTO.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("//"):
            comment.append(stripped.removeprefix("//").strip())
            continue
        column = re.search(r'\(Kaggle\.column\) = "(\w+)"', stripped)
        text = " ".join(comment)
        if column and "One of " in text:
            documented[column.group(1)] = set(re.findall(r'"([^"]+)"', text.split("One of ", 1)[1]))
        comment = []
    assert documented == {column: set(values) for column, values in KAGGLE_VOCABULARIES.items()}
