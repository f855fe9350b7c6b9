"""Application payloads for the tests: from raw CSV rows of the Kaggle layout, or by hand."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

from google.protobuf.descriptor import FieldDescriptor

from creditscore.v1 import application_pb2
from server.converters.insight import application_columns

APPLICATION_COLUMNS = {name: column for column, name in application_columns().items()}

_FIELDS = application_pb2.Application.DESCRIPTOR.fields


def csv_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a Kaggle application CSV, as text."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def application_message(row: Mapping[str, str]) -> application_pb2.Application:
    """The Application message of a raw CSV row: every non-empty cell, typed by the contract."""
    message = application_pb2.Application()
    for field in _FIELDS:
        text = row.get(APPLICATION_COLUMNS[field.name], "")
        if text == "":
            continue
        if field.type == FieldDescriptor.TYPE_STRING:
            value: object = text
        elif field.type == FieldDescriptor.TYPE_BOOL:
            value = {"1": True, "0": False}[text]
        elif field.type == FieldDescriptor.TYPE_INT32:
            value = int(float(text))
        else:
            value = float(text)
        setattr(message, field.name, value)
    return message


def valid_application(**fields: object) -> application_pb2.Application:
    """A small valid application, with ``fields`` set on top (None clears a field)."""
    values: dict[str, object] = {
        "name_contract_type": "Cash loans",
        "amt_income_total": 150_000.0,
        "amt_credit": 500_000.0,
        "amt_annuity": 25_000.0,
        "amt_goods_price": 450_000.0,
        "days_birth": -15_000,
        "days_employed": -2_000,
        "cnt_fam_members": 2.0,
        "cnt_children": 0,
        "ext_source_2": 0.6,
        "ext_source_3": 0.5,
        "name_income_type": "Working",
        "organization_type": "School",
    }
    values.update(fields)
    return application_pb2.Application(**{k: v for k, v in values.items() if v is not None})
