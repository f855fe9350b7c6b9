"""The columnar ScoreBatch of the benchmarks carries the same applications as the list form."""

from __future__ import annotations

import numpy as np

from benchmarks.ours import applications_frame
from creditscore.columns import application_columns
from creditscore.v1 import application_pb2

APPLICATIONS = [
    application_pb2.Application(
        amt_income_total=202_500.0,
        amt_credit=406_597.5,
        days_birth=-9461,
        flag_mobil=True,
        flag_email=False,
        name_income_type="Working",
        own_car_age_years=12.0,
    ),
    application_pb2.Application(
        amt_income_total=270_000.0,
        amt_credit=1_293_502.5,
        flag_mobil=True,
        name_income_type="State servant",
        occupation_type="Core staff",
    ),
]


def test_the_frame_has_one_column_per_field_set_in_any_application() -> None:
    frame = applications_frame(APPLICATIONS)

    assert len(frame) == 2
    assert set(frame.columns) == {
        "amt_income_total",
        "amt_credit",
        "days_birth",
        "flag_mobil",
        "flag_email",
        "name_income_type",
        "own_car_age_years",
        "occupation_type",
    }


def test_the_columns_hold_each_application_value_and_nan_or_minus_one_where_unset() -> None:
    columns = application_columns(applications_frame(APPLICATIONS))

    numeric = {c.field: np.frombuffer(c.values, dtype="<f8") for c in columns.numeric}
    np.testing.assert_array_equal(numeric["amt_credit"], [406_597.5, 1_293_502.5])
    np.testing.assert_array_equal(numeric["days_birth"], [-9461.0, np.nan])
    np.testing.assert_array_equal(numeric["flag_mobil"], [1.0, 1.0])
    # A false bool that is set is a 0, not a missing value.
    np.testing.assert_array_equal(numeric["flag_email"], [0.0, np.nan])
    categorical = {c.field: c for c in columns.categorical}
    occupation = categorical["occupation_type"]
    assert list(occupation.dictionary) == ["Core staff"]
    np.testing.assert_array_equal(np.frombuffer(occupation.codes, dtype="<i4"), [-1, 0])
    assert columns.client_ids == b""
