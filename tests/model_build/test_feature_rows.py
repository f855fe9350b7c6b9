"""The serving row path (FeedBuilder, compiled kernels) equals build_feature_frame +
onnx_inputs, bit for bit, in batches and one row at a time."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model_build.features import build_catalog, build_feature_frame, history_features
from model_build.features.rows import UNSET_CODE, FeedBuilder, raw_rows_from_records
from model_build.loader import load_dataset, read_table
from model_build.model_inputs import (
    CATEGORICAL_INPUT,
    NUMERIC_INPUT,
    FeatureSpec,
    feature_spec,
    onnx_inputs,
)
from model_build.schema import APPLICATION_TEST, APPLICATION_TRAIN
from model_build.synth import generate

MIN_ROWS = 500
SINGLE_ROWS = 120  # rows also built one at a time: the server's Score path


def _records(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _history_matrix(history: pd.DataFrame, ids: list[int]) -> np.ndarray:
    return history.reindex(ids).to_numpy(dtype=np.float64)


def _assert_same_feed(expected: dict[str, np.ndarray], actual: dict[str, np.ndarray]) -> None:
    left, right = expected[NUMERIC_INPUT], actual[NUMERIC_INPUT]
    assert left.shape == right.shape
    # Bit for bit: equal doubles with the same sign (0.0 vs -0.0), NaN at the same places.
    both_nan = np.isnan(left) & np.isnan(right)
    assert ((left == right) | both_nan).all()
    assert np.array_equal(np.signbit(left[~both_nan]), np.signbit(right[~both_nan]))
    assert (expected[CATEGORICAL_INPUT] == actual[CATEGORICAL_INPUT]).all()


def _check_rows(directory: Path, train_file: str, test_file: str) -> int:
    dataset = load_dataset(directory, orphans="drop")
    history = history_features(dataset)
    catalog = build_catalog(build_feature_frame(dataset.application_train, history))
    spec: FeatureSpec = feature_spec(catalog)
    builder = FeedBuilder(spec, list(history.columns))
    checked = 0
    for name, table in ((train_file, APPLICATION_TRAIN), (test_file, APPLICATION_TEST)):
        records = _records(directory / name)
        frame = read_table(table, directory / name)
        expected = onnx_inputs(build_feature_frame(frame, history, catalog), spec)
        ids = [int(r["SK_ID_CURR"]) for r in records]
        numeric, codes = raw_rows_from_records(records, builder.codes)
        _assert_same_feed(expected, builder.feed(numeric, codes, _history_matrix(history, ids)))
        for k in range(min(SINGLE_ROWS, len(records))):
            single = builder.feed(
                *raw_rows_from_records(records[k : k + 1], builder.codes),
                _history_matrix(history, ids[k : k + 1]),
            )
            _assert_same_feed({key: value[k : k + 1] for key, value in expected.items()}, single)
        checked += len(records)
    return checked


def test_row_path_equals_the_frame_on_synthetic_rows(tmp_path: Path):
    generate(700, 3, tmp_path, progress=False)
    assert _check_rows(tmp_path, "application_train.csv", "application_test.csv") >= MIN_ROWS


def test_row_path_equals_the_frame_on_real_rows(real_kaggle_dir: Path):
    checked = _check_rows(real_kaggle_dir, "application_train.csv", "application_test.csv")
    assert checked >= MIN_ROWS


def test_payload_placeholders_are_cleaned_like_the_loader(tmp_path: Path):
    generate(300, 4, tmp_path, progress=False)
    frame = read_table(APPLICATION_TRAIN, tmp_path / "application_train.csv")
    spec = feature_spec(build_catalog(build_feature_frame(frame, None)))
    builder = FeedBuilder(spec, ())
    records = [
        {"DAYS_EMPLOYED": 365243, "ORGANIZATION_TYPE": "XNA", "NAME_CONTRACT_TYPE": ""},
        {"DAYS_EMPLOYED": -100, "ORGANIZATION_TYPE": "School"},
        {},
    ]
    numeric, codes = raw_rows_from_records(records, builder.codes)
    assert (codes[:, 0] == UNSET_CODE).all()  # "" is unset
    feed = builder.feed(numeric, codes, None)
    column = {name: k for k, name in enumerate(spec.numeric)}
    years = feed[NUMERIC_INPUT][:, column["EMPLOYMENT_YEARS"]]
    assert np.isnan(years[0]) and years[1] == 100 / 365.25 and np.isnan(years[2])
    assert feed[NUMERIC_INPUT][:, column["DAYS_EMPLOYED_ANOM"]].tolist() == [1.0, 0.0, 0.0]
    organisation = list(spec.categorical).index("ORGANIZATION_TYPE")
    assert feed[CATEGORICAL_INPUT][:, organisation].tolist() == ["", "School", ""]
    assert raw_rows_from_records(records, builder.codes)[0].tobytes() == numeric.tobytes()


def test_feed_builder_needs_no_history(tmp_path: Path):
    generate(300, 4, tmp_path, progress=False)
    frame = read_table(APPLICATION_TRAIN, tmp_path / "application_train.csv")
    catalog = build_catalog(build_feature_frame(frame, None))
    spec = feature_spec(catalog)
    expected = onnx_inputs(build_feature_frame(frame, None, catalog), spec)
    records = _records(tmp_path / "application_train.csv")
    builder = FeedBuilder(spec, ())
    actual = builder.feed(*raw_rows_from_records(records, builder.codes), None)
    _assert_same_feed(expected, actual)


@pytest.mark.parametrize("rows", [1, 7])
def test_feed_has_the_spec_layout(tmp_path: Path, rows: int):
    generate(300, 4, tmp_path, progress=False)
    frame = read_table(APPLICATION_TRAIN, tmp_path / "application_train.csv")
    spec = feature_spec(build_catalog(build_feature_frame(frame, None)))
    records = _records(tmp_path / "application_train.csv")[:rows]
    builder = FeedBuilder(spec, ())
    feed = builder.feed(*raw_rows_from_records(records, builder.codes), None)
    assert feed[NUMERIC_INPUT].shape == (rows, len(spec.numeric))
    assert feed[NUMERIC_INPUT].dtype == np.float64
    assert feed[CATEGORICAL_INPUT].shape == (rows, len(spec.categorical))
    assert all(isinstance(v, str) for v in feed[CATEGORICAL_INPUT].ravel())
