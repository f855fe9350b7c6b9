"""The loader reads every Kaggle table with explicit dtypes and rejects bad files clearly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model_build.errors import DataError
from model_build.loader import load_dataset, read_table
from model_build.schema import (
    ANOMALY_DAYS,
    APPLICATION_TEST,
    APPLICATION_TRAIN,
    BUREAU,
    PREVIOUS_APPLICATION,
    TABLES,
    TableSpec,
)

SAMPLE_ROWS = {
    "application_train": 6999,
    "application_test": 49,
    "bureau": 20000,
    "bureau_balance": 20000,
    "previous_application": 3000,
    "POS_CASH_balance": 20000,
    "installments_payments": 20000,
    "credit_card_balance": 20000,
}


def _sample_path(shared: Path, spec: TableSpec) -> Path:
    return shared / spec.filename.replace(".csv", "_sample.csv")


@pytest.mark.parametrize("spec", TABLES, ids=lambda s: s.name)
def test_every_real_sample_file_reads_with_the_schema_dtypes(shared_data: Path, spec: TableSpec):
    frame = read_table(spec, _sample_path(shared_data, spec), clean=False)
    assert list(frame.columns) == list(spec.column_names)
    assert len(frame) == SAMPLE_ROWS[spec.name]
    for column in spec.columns:
        assert str(frame[column.name].dtype) == column.dtype, column.name


def test_days_employed_placeholder_becomes_missing_with_a_flag(shared_data: Path):
    raw = read_table(APPLICATION_TRAIN, _sample_path(shared_data, APPLICATION_TRAIN), clean=False)
    clean = read_table(APPLICATION_TRAIN, _sample_path(shared_data, APPLICATION_TRAIN))
    placeholder = raw["DAYS_EMPLOYED"] == ANOMALY_DAYS
    assert placeholder.sum() > 1000  # pensioners: about 18% of the sample
    assert clean["DAYS_EMPLOYED"].max() <= 0
    assert clean.loc[placeholder.to_numpy(), "DAYS_EMPLOYED"].isna().all()
    assert (clean["DAYS_EMPLOYED_ANOM"].to_numpy() == placeholder.to_numpy()).all()
    assert (
        list(clean.columns).index("DAYS_EMPLOYED_ANOM")
        == list(clean.columns).index("DAYS_EMPLOYED") + 1
    )


def test_xna_and_xap_codes_become_missing_categories(shared_data: Path):
    raw = read_table(APPLICATION_TRAIN, _sample_path(shared_data, APPLICATION_TRAIN), clean=False)
    clean = read_table(APPLICATION_TRAIN, _sample_path(shared_data, APPLICATION_TRAIN))
    xna = raw["ORGANIZATION_TYPE"] == "XNA"
    assert xna.sum() > 0
    assert "XNA" not in clean["ORGANIZATION_TYPE"].cat.categories
    assert clean.loc[xna.to_numpy(), "ORGANIZATION_TYPE"].isna().all()

    previous = read_table(PREVIOUS_APPLICATION, _sample_path(shared_data, PREVIOUS_APPLICATION))
    for column in ("NAME_CASH_LOAN_PURPOSE", "CODE_REJECT_REASON"):
        assert not {"XNA", "XAP"} & set(previous[column].cat.categories)


def test_previous_application_day_placeholders_become_missing(shared_data: Path):
    path = _sample_path(shared_data, PREVIOUS_APPLICATION)
    raw = read_table(PREVIOUS_APPLICATION, path, clean=False)
    clean = read_table(PREVIOUS_APPLICATION, path)
    for column in PREVIOUS_APPLICATION.anomaly_day_columns:
        assert (raw[column] == ANOMALY_DAYS).any(), column
        assert not (clean[column] == ANOMALY_DAYS).any(), column
        assert (
            clean[column].isna().sum()
            == raw[column].isna().sum() + (raw[column] == ANOMALY_DAYS).sum()
        )


def test_quoted_categories_with_commas_are_read_whole(shared_data: Path):
    frame = read_table(APPLICATION_TRAIN, _sample_path(shared_data, APPLICATION_TRAIN))
    assert "Spouse, partner" in frame["NAME_TYPE_SUITE"].cat.categories


def test_a_directory_of_real_files_loads_with_orphans_dropped(real_kaggle_dir: Path):
    # The real child samples were drawn independently of the application sample: most of
    # their keys are unknown, which is an error unless the caller asks to drop them.
    with pytest.raises(DataError) as error:
        load_dataset(real_kaggle_dir)
    assert error.value.file == "bureau.csv"
    assert error.value.column == "SK_ID_CURR"
    dataset = load_dataset(real_kaggle_dir, orphans="drop")
    assert len(dataset.application_train) == 6999
    assert dataset.application_test is not None and len(dataset.application_test) == 49
    assert set(dataset.present()) == {spec.name for spec in TABLES}
    assert dataset.bureau is not None
    known = pd.concat([dataset.application_train.SK_ID_CURR, dataset.application_test.SK_ID_CURR])
    assert dataset.bureau["SK_ID_CURR"].isin(known).all()


def test_only_application_train_is_required(shared_data: Path, tmp_path: Path):
    (tmp_path / "application_train.csv").symlink_to(_sample_path(shared_data, APPLICATION_TRAIN))
    dataset = load_dataset(tmp_path)
    assert dataset.present() == ["application_train"]
    assert dataset.bureau is None


def test_missing_application_train_is_named(tmp_path: Path):
    with pytest.raises(DataError, match=r"application_train.csv: required file not found"):
        load_dataset(tmp_path)


# --- broken inputs: one test per case, each naming the file and the column ---------------


@pytest.fixture()
def small_train(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(_sample_path(shared_data, APPLICATION_TRAIN), nrows=20, dtype=str)


def _write(frame: pd.DataFrame, directory: Path, name: str = "application_train.csv") -> Path:
    path = directory / name
    frame.to_csv(path, index=False)
    return path


def test_missing_required_column_names_file_and_column(small_train, tmp_path: Path):
    path = _write(small_train.drop(columns=["AMT_CREDIT"]), tmp_path)
    with pytest.raises(DataError) as error:
        read_table(APPLICATION_TRAIN, path)
    assert str(error.value) == (
        "application_train.csv, column AMT_CREDIT: missing required column(s): AMT_CREDIT"
    )


def test_text_in_an_integer_column_names_column_line_and_value(small_train, tmp_path: Path):
    small_train.loc[6, "CNT_CHILDREN"] = "two"
    path = _write(small_train, tmp_path)
    with pytest.raises(DataError) as error:
        read_table(APPLICATION_TRAIN, path)
    assert (error.value.file, error.value.column, error.value.line) == (
        "application_train.csv",
        "CNT_CHILDREN",
        8,
    )
    assert "'two'" in str(error.value)


def test_text_in_a_float_column_is_rejected(small_train, tmp_path: Path):
    small_train.loc[0, "AMT_INCOME_TOTAL"] = "lots"
    with pytest.raises(DataError, match=r"column AMT_INCOME_TOTAL, line 2: expected a number"):
        read_table(APPLICATION_TRAIN, _write(small_train, tmp_path))


def test_a_fraction_in_an_integer_column_is_rejected(small_train, tmp_path: Path):
    small_train.loc[3, "DAYS_BIRTH"] = "-12000.5"
    with pytest.raises(DataError, match=r"column DAYS_BIRTH, line 5: expected an integer"):
        read_table(APPLICATION_TRAIN, _write(small_train, tmp_path))


def test_a_blank_integer_value_is_rejected_not_turned_into_nan(small_train, tmp_path: Path):
    small_train.loc[2, "FLAG_MOBIL"] = None
    with pytest.raises(DataError, match=r"column FLAG_MOBIL, line 4: missing value"):
        read_table(APPLICATION_TRAIN, _write(small_train, tmp_path))


def test_a_binary_file_is_not_a_csv(tmp_path: Path):
    path = tmp_path / "application_train.csv"
    path.write_bytes(b"PK\x03\x04\x00\x00binary zip content")
    with pytest.raises(DataError, match=r"application_train.csv: not a CSV file"):
        read_table(APPLICATION_TRAIN, path)


def test_a_ragged_csv_names_the_line(small_train, tmp_path: Path):
    path = _write(small_train, tmp_path)
    lines = path.read_text().splitlines()
    lines[4] = "100010,0,Cash loans"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as error:
        read_table(APPLICATION_TRAIN, path)
    assert error.value.line == 5
    assert "not a valid CSV file" in str(error.value)


def test_an_empty_file_is_rejected(tmp_path: Path):
    path = tmp_path / "bureau.csv"
    path.touch()
    with pytest.raises(DataError, match=r"^bureau.csv: the file is empty$"):
        read_table(BUREAU, path)


def test_a_header_without_rows_is_rejected(small_train, tmp_path: Path):
    path = _write(small_train.iloc[:0], tmp_path)
    with pytest.raises(DataError, match=r"header but no data rows"):
        read_table(APPLICATION_TRAIN, path)


def test_duplicated_client_id_names_column_and_line(small_train, tmp_path: Path):
    small_train.loc[9, "SK_ID_CURR"] = small_train.loc[2, "SK_ID_CURR"]
    with pytest.raises(DataError) as error:
        read_table(APPLICATION_TRAIN, _write(small_train, tmp_path))
    assert (error.value.column, error.value.line) == ("SK_ID_CURR", 11)
    assert "duplicated SK_ID_CURR" in str(error.value)


def test_a_client_in_both_train_and_test_is_a_duplicate(small_train, tmp_path: Path):
    _write(small_train, tmp_path)
    test = small_train.drop(columns=["TARGET"]).iloc[:3]
    _write(test, tmp_path, "application_test.csv")
    with pytest.raises(DataError, match=r"application_test.csv, column SK_ID_CURR, line 2"):
        load_dataset(tmp_path)


def test_child_rows_with_unknown_parent_name_file_column_and_line(
    small_train, shared_data: Path, tmp_path: Path
):
    _write(small_train, tmp_path)
    bureau = pd.read_csv(_sample_path(shared_data, BUREAU), nrows=5, dtype=str)
    bureau["SK_ID_CURR"] = small_train["SK_ID_CURR"].iloc[0]
    bureau.loc[3, "SK_ID_CURR"] = "999999"
    _write(bureau, tmp_path, "bureau.csv")
    with pytest.raises(DataError) as error:
        load_dataset(tmp_path)
    assert (error.value.file, error.value.column, error.value.line) == (
        "bureau.csv",
        "SK_ID_CURR",
        5,
    )
    dataset = load_dataset(tmp_path, orphans="drop")
    assert dataset.bureau is not None and len(dataset.bureau) == 4


def test_application_test_has_no_target_column(shared_data: Path):
    frame = read_table(APPLICATION_TEST, _sample_path(shared_data, APPLICATION_TEST))
    assert "TARGET" not in frame.columns
    assert frame["SK_ID_CURR"].dtype == np.int32


def test_cli_reports_bad_data_in_one_line_and_exits_non_zero(small_train, tmp_path: Path):
    small_train.loc[6, "CNT_CHILDREN"] = "two"
    _write(small_train, tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "model_build",
            "fidelity",
            "--real",
            str(tmp_path),
            "--synthetic",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "error: application_train.csv, column CNT_CHILDREN, line 8: expected an integer, got 'two'"
    )
