"""The serving row path (FeedBuilder) equals build_feature_frame + onnx_inputs, bit for bit."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model_build.features import build_catalog, build_feature_frame, history_features
from model_build.features.rows import FeedBuilder, raw_application_from_records
from model_build.loader import load_dataset, read_table
from model_build.onnx_export import CATEGORICAL_INPUT, NUMERIC_INPUT, FeatureSpec, onnx_inputs
from model_build.schema import APPLICATION_TEST, APPLICATION_TRAIN
from model_build.synth import generate
from model_build.train import feature_spec

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
        raw = raw_application_from_records(records)
        _assert_same_feed(expected, builder.feed(raw, _history_matrix(history, ids)))
        for k in range(min(SINGLE_ROWS, len(records))):
            single = builder.feed(
                raw_application_from_records(records[k : k + 1]),
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


def test_payload_placeholders_are_cleaned_like_the_loader():
    raw = raw_application_from_records(
        [
            {"DAYS_EMPLOYED": 365243, "ORGANIZATION_TYPE": "XNA", "NAME_CONTRACT_TYPE": ""},
            {"DAYS_EMPLOYED": -100, "ORGANIZATION_TYPE": "School"},
            {},
        ]
    )
    assert np.isnan(raw["DAYS_EMPLOYED"][0]) and raw["DAYS_EMPLOYED"][1] == -100
    assert raw["DAYS_EMPLOYED_ANOM"].tolist() == [1.0, 0.0, 0.0]
    assert raw["ORGANIZATION_TYPE"].tolist() == [None, "School", None]
    assert raw["NAME_CONTRACT_TYPE"].tolist() == [None, None, None]


def test_feed_builder_needs_no_history(tmp_path: Path):
    generate(300, 4, tmp_path, progress=False)
    frame = read_table(APPLICATION_TRAIN, tmp_path / "application_train.csv")
    catalog = build_catalog(build_feature_frame(frame, None))
    spec = feature_spec(catalog)
    expected = onnx_inputs(build_feature_frame(frame, None, catalog), spec)
    records = _records(tmp_path / "application_train.csv")
    actual = FeedBuilder(spec, ()).feed(raw_application_from_records(records), None)
    _assert_same_feed(expected, actual)


@pytest.mark.parametrize("rows", [1, 7])
def test_feed_has_the_spec_layout(tmp_path: Path, rows: int):
    generate(300, 4, tmp_path, progress=False)
    frame = read_table(APPLICATION_TRAIN, tmp_path / "application_train.csv")
    spec = feature_spec(build_catalog(build_feature_frame(frame, None)))
    records = _records(tmp_path / "application_train.csv")[:rows]
    feed = FeedBuilder(spec, ()).feed(raw_application_from_records(records), None)
    assert feed[NUMERIC_INPUT].shape == (rows, len(spec.numeric))
    assert feed[NUMERIC_INPUT].dtype == np.float64
    assert feed[CATEGORICAL_INPUT].shape == (rows, len(spec.categorical))
    assert all(isinstance(v, str) for v in feed[CATEGORICAL_INPUT].ravel())
