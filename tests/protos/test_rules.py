"""The contract holds the rules: every Application field declares what it accepts, and every
request field that takes free text or a list declares its bound."""

from __future__ import annotations

import math

import pytest
from google.protobuf.descriptor import FieldDescriptor

from creditscore.v1 import application_pb2, credit_score_pb2, decision_record_pb2, rules_pb2

APPLICATION_FIELDS = list(application_pb2.Application.DESCRIPTOR.fields)
REQUESTS = [
    method.input_type
    for service in (
        credit_score_pb2.DESCRIPTOR.services_by_name["CreditScoreService"],
        decision_record_pb2.DESCRIPTOR.services_by_name["DecisionRecordService"],
    )
    for method in service.methods
]


def _rules(field: FieldDescriptor) -> rules_pb2.FieldRules | None:
    options = field.GetOptions()
    if not options.HasExtension(rules_pb2.FieldRules.rules):
        return None
    return options.Extensions[rules_pb2.FieldRules.rules]


@pytest.mark.parametrize("field", APPLICATION_FIELDS, ids=lambda f: f.name)
def test_every_application_field_declares_its_rules(field: FieldDescriptor) -> None:
    rules = _rules(field)
    assert rules is not None, f"Application.{field.name} lacks its (FieldRules.rules)"
    if field.type == FieldDescriptor.TYPE_STRING:
        assert 0 < rules.max_length <= 64
        assert rules.values, "a categorical field lists its accepted values"
        assert all(v.value and v.label_en and v.label_fr for v in rules.values)
        assert len({v.value for v in rules.values}) == len(rules.values)
    elif field.type != FieldDescriptor.TYPE_BOOL:
        low = rules.min if rules.HasField("min") else rules.greater_than
        assert rules.HasField("min") or rules.HasField("greater_than")
        assert rules.HasField("max"), "a number has an upper bound a person would expect"
        assert math.isfinite(low) and math.isfinite(rules.max) and low < rules.max


def test_required_fields_are_the_loan_and_the_income() -> None:
    required = {f.name for f in APPLICATION_FIELDS if _rules(f) and _rules(f).required}  # type: ignore[union-attr]
    assert required == {"amt_income_total", "amt_credit"}


@pytest.mark.parametrize("request_type", REQUESTS, ids=lambda d: d.name)
def test_every_free_text_or_list_request_field_is_bounded(request_type) -> None:
    for field in request_type.fields:
        unbounded_text = field.type == FieldDescriptor.TYPE_STRING
        is_list = field.is_repeated
        if unbounded_text or is_list:
            rules = _rules(field)
            assert rules is not None and rules.max_length > 0, f"{request_type.name}.{field.name}"


def test_client_id_prefix_holds_at_most_19_digits() -> None:
    field = credit_score_pb2.SearchClientsRequest.DESCRIPTOR.fields_by_name["client_id_prefix"]
    rules = _rules(field)
    assert rules is not None and rules.max_length == 19 and rules.digits_only
