"""creditscore.columns: DataFrames to the columnar ScoreBatch request, and its response back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from google.rpc import code_pb2, status_pb2

from creditscore.columns import application_columns, batch_request, score_frame
from creditscore.v1 import application_pb2
from creditscore.v1 import credit_score_pb2 as cs


def _numeric(columns: cs.ApplicationColumns) -> dict[str, np.ndarray]:
    return {c.field: np.frombuffer(c.values, dtype="<f8") for c in columns.numeric}


def _categorical(columns: cs.ApplicationColumns) -> dict[str, cs.CategoryColumn]:
    return {c.field: c for c in columns.categorical}


def _codes(column: cs.CategoryColumn) -> np.ndarray:
    return np.frombuffer(column.codes, dtype="<i4")


def _decoded(column: cs.CategoryColumn) -> list[str | None]:
    """The column's values read back through its dictionary, None where missing."""
    return [None if code < 0 else column.dictionary[code] for code in _codes(column)]


# Numeric columns


def test_a_numeric_column_is_its_values_as_little_endian_float64() -> None:
    columns = application_columns(pd.DataFrame({"amt_credit": [1000.5, 250_000.0, 3.25]}))

    assert columns.row_count == 3
    assert [c.field for c in columns.numeric] == ["amt_credit"]
    np.testing.assert_array_equal(_numeric(columns)["amt_credit"], [1000.5, 250_000.0, 3.25])


def test_whole_number_columns_are_sent_as_float64_too() -> None:
    columns = application_columns(pd.DataFrame({"days_birth": np.array([-12000, -9000], "int64")}))

    np.testing.assert_array_equal(_numeric(columns)["days_birth"], [-12000.0, -9000.0])


def test_none_nan_and_pd_na_are_all_sent_as_nan() -> None:
    frame = pd.DataFrame(
        {
            "amt_annuity": pd.Series([1.0, None, np.nan, pd.NA], dtype=object),
            "cnt_children": pd.array([2, None, 0, pd.NA], dtype="Int64"),
        }
    )

    values = _numeric(application_columns(frame))

    np.testing.assert_array_equal(values["amt_annuity"], [1.0, np.nan, np.nan, np.nan])
    np.testing.assert_array_equal(values["cnt_children"], [2.0, np.nan, 0.0, np.nan])


def test_bools_are_sent_as_zero_or_one_and_missing_as_nan() -> None:
    frame = pd.DataFrame(
        {
            "flag_mobil": [True, False, True],
            "flag_phone": pd.array([False, None, True], dtype="boolean"),
        }
    )

    values = _numeric(application_columns(frame))

    np.testing.assert_array_equal(values["flag_mobil"], [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(values["flag_phone"], [0.0, np.nan, 1.0])


def test_text_in_a_numeric_column_is_refused_with_the_column_name() -> None:
    with pytest.raises(ValueError, match=r"AMT_CREDIT.*amt_credit"):
        application_columns(pd.DataFrame({"AMT_CREDIT": ["a lot"]}))


# Categorical columns


def test_a_string_field_is_a_dictionary_with_int32_codes() -> None:
    frame = pd.DataFrame({"name_income_type": ["Working", "Pensioner", "Working", "Commercial"]})

    columns = application_columns(frame)

    assert not columns.numeric
    (column,) = columns.categorical
    assert column.field == "name_income_type"
    assert sorted(column.dictionary) == ["Commercial", "Pensioner", "Working"]
    assert len(column.codes) == 4 * 4
    assert _decoded(column) == ["Working", "Pensioner", "Working", "Commercial"]
    assert not column.values


def test_missing_and_empty_strings_are_code_minus_one_and_not_in_the_dictionary() -> None:
    frame = pd.DataFrame({"occupation_type": ["Laborers", None, "", np.nan, pd.NA, "Drivers"]})

    column = _categorical(application_columns(frame))["occupation_type"]

    assert sorted(column.dictionary) == ["Drivers", "Laborers"]
    np.testing.assert_array_equal(_codes(column)[1:5], [-1, -1, -1, -1])
    assert _decoded(column) == ["Laborers", None, None, None, None, "Drivers"]


def test_the_dictionary_holds_only_the_categories_the_rows_use() -> None:
    values = pd.Categorical(["Cash loans"], categories=["Cash loans", "Revolving loans"])

    column = _categorical(application_columns(pd.DataFrame({"name_contract_type": values})))[
        "name_contract_type"
    ]

    assert list(column.dictionary) == ["Cash loans"]
    np.testing.assert_array_equal(_codes(column), [0])


def test_a_column_with_no_value_at_all_has_an_empty_dictionary() -> None:
    frame = pd.DataFrame({"name_type_suite": [np.nan, np.nan]})

    column = _categorical(application_columns(frame))["name_type_suite"]

    assert not column.dictionary
    np.testing.assert_array_equal(_codes(column), [-1, -1])


# Column names


def test_kaggle_column_names_and_field_names_name_the_same_fields() -> None:
    kaggle = pd.DataFrame({"AMT_CREDIT": [5.0], "OWN_CAR_AGE": [3.0], "CODE_GENDER": ["F"]})
    fields = pd.DataFrame({"amt_credit": [5.0], "own_car_age_years": [3.0], "code_gender": ["F"]})

    assert application_columns(kaggle) == application_columns(fields)
    assert [c.field for c in application_columns(kaggle).numeric] == [
        "amt_credit",
        "own_car_age_years",
    ]


def test_every_application_field_is_accepted_under_both_names() -> None:
    for field in application_pb2.Application.DESCRIPTOR.fields:
        column = field.GetOptions().Extensions[application_pb2.Kaggle.column]
        for name in (field.name, column):
            columns = application_columns(pd.DataFrame({name: [None]}))
            assert [c.field for c in [*columns.numeric, *columns.categorical]] == [field.name]


def test_columns_that_are_not_application_fields_are_refused_by_name() -> None:
    frame = pd.DataFrame({"amt_credit": [1.0], "TARGET": [0], "colour": ["red"]})

    with pytest.raises(ValueError, match=r"TARGET, colour$"):
        application_columns(frame)


def test_an_sk_id_curr_column_is_refused_rather_than_used_as_client_ids() -> None:
    frame = pd.DataFrame({"SK_ID_CURR": [100001], "amt_credit": [1.0]})

    with pytest.raises(ValueError, match=r"SK_ID_CURR.*client_ids"):
        application_columns(frame)


def test_a_field_given_twice_under_its_two_names_is_refused() -> None:
    frame = pd.DataFrame({"amt_credit": [1.0], "AMT_CREDIT": [1.0]})

    with pytest.raises(ValueError, match="more than one column: amt_credit"):
        application_columns(frame)


# Client ids and shapes


def test_client_ids_are_little_endian_int64_and_empty_without_them() -> None:
    frame = pd.DataFrame({"amt_credit": [1.0, 2.0, 3.0]})

    with_ids = application_columns(frame, client_ids=[100001, 0, 456_789_012_345])

    np.testing.assert_array_equal(
        np.frombuffer(with_ids.client_ids, dtype="<i8"), [100001, 0, 456_789_012_345]
    )
    assert application_columns(frame).client_ids == b""


def test_client_ids_must_match_the_number_of_rows() -> None:
    with pytest.raises(ValueError, match="client_ids has shape"):
        application_columns(pd.DataFrame({"amt_credit": [1.0, 2.0]}), client_ids=[100001])


def test_stored_clients_alone_need_no_application_column() -> None:
    columns = application_columns(pd.DataFrame(index=range(2)), client_ids=np.array([7, 8]))

    assert columns.row_count == 2
    assert not columns.numeric and not columns.categorical
    np.testing.assert_array_equal(np.frombuffer(columns.client_ids, dtype="<i8"), [7, 8])


def test_an_empty_frame_gives_zero_rows_and_empty_columns() -> None:
    frame = pd.DataFrame({"amt_credit": pd.Series([], dtype=float), "code_gender": []})

    columns = application_columns(frame)

    assert columns.row_count == 0
    assert [(c.field, c.values) for c in columns.numeric] == [("amt_credit", b"")]
    assert [(c.field, list(c.dictionary), c.codes) for c in columns.categorical] == [
        ("code_gender", [], b"")
    ]


def test_batch_request_carries_the_columns_and_no_list() -> None:
    frame = pd.DataFrame({"amt_credit": [1.0]})

    request = batch_request(frame, client_ids=[100001])

    assert request.HasField("columns")
    assert not request.requests
    assert request.columns == application_columns(frame, client_ids=[100001])


# Responses


def _response(probabilities: list[float], decisions: bytes) -> cs.ScoreBatchResponse:
    return cs.ScoreBatchResponse(
        columns=cs.ScoreColumns(
            default_probabilities=np.asarray(probabilities, dtype="<f8").tobytes(),
            decisions=decisions,
            threshold=0.42,
            model_version="v-test",
        )
    )


def test_score_frame_reads_probabilities_and_decision_names_row_by_row() -> None:
    response = _response(
        [0.1, 0.9, 0.42], bytes([cs.DECISION_APPROVE, cs.DECISION_REFUSE, cs.DECISION_REFUSE])
    )

    scores = score_frame(response)

    assert list(scores.columns) == ["default_probability", "decision", "error"]
    np.testing.assert_array_equal(scores["default_probability"], [0.1, 0.9, 0.42])
    assert scores["decision"].tolist() == ["APPROVE", "REFUSE", "REFUSE"]
    assert scores["error"].tolist() == ["", "", ""]
    assert scores.attrs == {"threshold": 0.42, "model_version": "v-test"}


def test_a_failed_row_has_nan_no_decision_and_its_error_message() -> None:
    response = _response(
        [0.1, np.nan, 0.7], bytes([cs.DECISION_APPROVE, cs.DECISION_UNSPECIFIED, 2])
    )
    response.results.add(
        index=1,
        error=status_pb2.Status(
            code=code_pb2.INVALID_ARGUMENT, message="columns.numeric[0](amt_credit)[1]: required"
        ),
    )

    scores = score_frame(response)

    assert np.isnan(scores["default_probability"][1])
    assert scores["decision"].tolist() == ["APPROVE", "", "REFUSE"]
    assert scores["error"].tolist() == ["", "columns.numeric[0](amt_credit)[1]: required", ""]


def test_a_list_form_response_is_not_read_as_columns() -> None:
    response = cs.ScoreBatchResponse(results=[cs.ScoreBatchResult(index=0)])

    with pytest.raises(ValueError, match="not a columnar"):
        score_frame(response)


# Real data


@pytest.fixture(scope="module")
def kaggle_rows(shared_data: Path) -> pd.DataFrame:
    path = shared_data / "application_test_sample.csv"
    if not path.is_file():
        pytest.skip(f"real Home Credit sample not found at {path}")
    return pd.read_csv(path)


def test_real_kaggle_rows_round_trip_column_by_column(kaggle_rows: pd.DataFrame) -> None:
    frame = kaggle_rows.drop(columns="SK_ID_CURR")

    columns = application_columns(frame, client_ids=kaggle_rows["SK_ID_CURR"].to_numpy())

    assert columns.row_count == len(kaggle_rows)
    np.testing.assert_array_equal(
        np.frombuffer(columns.client_ids, dtype="<i8"), kaggle_rows["SK_ID_CURR"]
    )
    fields = application_pb2.Application.DESCRIPTOR.fields
    assert len(columns.numeric) + len(columns.categorical) == len(fields) == frame.shape[1]
    by_field = {f.name: f.GetOptions().Extensions[application_pb2.Kaggle.column] for f in fields}
    for name, values in _numeric(columns).items():
        np.testing.assert_array_equal(values, frame[by_field[name]].to_numpy(float), name)
    for name, column in _categorical(columns).items():
        expected = frame[by_field[name]].astype(object).where(frame[by_field[name]].notna(), None)
        assert _decoded(column) == expected.tolist(), name
    # The sample has missing values of both kinds, so both markers are exercised.
    assert any(np.isnan(v).any() for v in _numeric(columns).values())
    assert any((_codes(c) == -1).any() for c in columns.categorical)
