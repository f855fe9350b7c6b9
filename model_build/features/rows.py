"""Model inputs of raw application rows without pandas: the serving path to the ONNX feed."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from model_build.anomalies import anomaly_flag_name, is_placeholder_day, without_missing_codes
from model_build.features.application import (
    DERIVED_META,
    KEPT_CATEGORICAL,
    KEPT_NUMERIC,
    RAW_CATEGORICAL_COLUMNS,
    RAW_NUMERIC_COLUMNS,
    RawApplication,
    derived_columns,
)
from model_build.features.frame import COMBINED_RATIOS, combined_columns
from model_build.onnx_export import CATEGORICAL_INPUT, MISSING_STRING, NUMERIC_INPUT, FeatureSpec
from model_build.schema import APPLICATION_TEST

__all__ = ["FeedBuilder", "clean_raw_application", "raw_application_from_records"]

_NUMERIC_INDEX = {name: j for j, name in enumerate(RAW_NUMERIC_COLUMNS)}
_CATEGORICAL_INDEX = {name: j for j, name in enumerate(RAW_CATEGORICAL_COLUMNS)}
# (DAYS column, its placeholder flag) positions in the numeric matrix.
_FLAGGED_DAYS = tuple(
    (_NUMERIC_INDEX[column], _NUMERIC_INDEX[anomaly_flag_name(column)])
    for column in APPLICATION_TEST.anomaly_day_columns
)


def clean_raw_application(numeric: np.ndarray, categorical: np.ndarray) -> RawApplication:
    """Raw rows (uncleaned, the anomaly flag columns ignored) cleaned like ``clean_table``.

    In place: DAYS placeholders (365243) become NaN with their ``_ANOM`` flag set, the others
    get flag 0; ``XNA`` / ``XAP`` and empty strings become None.
    """
    for column, flag in _FLAGGED_DAYS:
        placeholder = is_placeholder_day(numeric[:, column])
        numeric[:, flag] = placeholder
        numeric[placeholder, column] = np.nan
    categorical = without_missing_codes(categorical)
    categorical[categorical == MISSING_STRING] = None
    return RawApplication(numeric, categorical)


def raw_application_from_records(records: Sequence[Mapping[str, object]]) -> RawApplication:
    """Cleaned ``RawApplication`` of raw application records keyed by Kaggle column.

    An absent key, None, NaN or "" is a missing value; numbers may be numbers or strings
    (CSV text).
    """
    numeric = np.full((len(records), len(RAW_NUMERIC_COLUMNS)), np.nan)
    categorical = np.full((len(records), len(RAW_CATEGORICAL_COLUMNS)), None, dtype=object)
    for i, record in enumerate(records):
        for name, value in record.items():
            if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
                continue
            if name in _NUMERIC_INDEX:
                numeric[i, _NUMERIC_INDEX[name]] = float(value)  # type: ignore[arg-type]
            elif name in _CATEGORICAL_INDEX:
                categorical[i, _CATEGORICAL_INDEX[name]] = str(value)
    return clean_raw_application(numeric, categorical)


class FeedBuilder:
    """The ONNX feed of raw application rows plus their clients' history rows.

    Same formulas as ``build_feature_frame`` (``derived_columns``, ``combined_columns``) and
    the same result as ``onnx_inputs(build_feature_frame(app, history, catalog), spec)``, but
    column positions are resolved once here so that a call costs a few array operations.
    Immutable after construction, so one builder serves concurrent calls.
    """

    def __init__(self, spec: FeatureSpec, history_columns: Sequence[str]) -> None:
        self.spec = spec
        self.history_columns = tuple(history_columns)
        history_index = {name: j for j, name in enumerate(self.history_columns)}
        position = {name: k for k, name in enumerate(spec.numeric)}
        kept = [name for name in KEPT_NUMERIC if name in position]
        self._kept = _indices(kept, position), _indices(kept, _NUMERIC_INDEX)
        history = [name for name in self.history_columns if name in position]
        self._history = _indices(history, position), _indices(history, history_index)
        self._derived_names = tuple(name for name in DERIVED_META if name in position)
        self._derived_positions = _indices(self._derived_names, position)
        available = _NUMERIC_INDEX.keys() | history_index.keys()
        self._combined_names = tuple(
            name
            for name, pair in COMBINED_RATIOS.items()
            if name in position and set(pair) <= available
        )
        self._combined_positions = _indices(self._combined_names, position)
        # Where each combined input comes from: a history column index, or None (application).
        self._combined_inputs = {
            column: history_index.get(column)
            for name in self._combined_names
            for column in COMBINED_RATIOS[name]
        }
        categorical = [name for name in spec.categorical if name in KEPT_CATEGORICAL]
        self._categorical = (
            _indices(categorical, {name: k for k, name in enumerate(spec.categorical)}),
            _indices(categorical, _CATEGORICAL_INDEX),
        )
        # A category outside the training vocabulary is encoded like a missing one.
        self._vocabularies = tuple(
            {value: value for value in spec.categorical[name]} for name in categorical
        )

    def feed(self, raw: RawApplication, history: np.ndarray | None) -> dict[str, np.ndarray]:
        """ONNX inputs of ``raw``'s rows; ``history`` is float64 [rows, history_columns].

        A client without history has a row of NaN; ``history`` None means none has any.
        """
        numeric = np.full((raw.rows, len(self.spec.numeric)), np.nan)
        positions, columns = self._kept
        numeric[:, positions] = raw.numeric[:, columns]
        _put(numeric, self._derived_positions, self._derived_names, derived_columns(raw))
        if history is not None:
            positions, columns = self._history
            numeric[:, positions] = history[:, columns]
            combined = self._combined_columns(raw, history)
            _put(numeric, self._combined_positions, self._combined_names, combined)
        feed = {NUMERIC_INPUT: numeric}
        if self.spec.categorical:
            feed[CATEGORICAL_INPUT] = self._categorical_strings(raw)
        return feed

    def _combined_columns(self, raw: RawApplication, history: np.ndarray) -> dict[str, np.ndarray]:
        columns = {
            name: raw[name] if j is None else history[:, j]
            for name, j in self._combined_inputs.items()
        }
        return combined_columns(columns)

    def _categorical_strings(self, raw: RawApplication) -> np.ndarray:
        out = np.full((raw.rows, len(self.spec.categorical)), MISSING_STRING, dtype=object)
        positions, columns = self._categorical
        vocabularies = self._vocabularies
        out[:, positions] = [
            [
                vocab.get(value, MISSING_STRING)
                for vocab, value in zip(vocabularies, row, strict=True)
            ]
            for row in raw.categorical[:, columns].tolist()
        ]
        return out


def _put(
    numeric: np.ndarray,
    positions: np.ndarray,
    names: Sequence[str],
    columns: Mapping[str, np.ndarray],
) -> None:
    if names:
        # np.array of the columns then .T: far cheaper than np.stack on one-row arrays.
        numeric[:, positions] = np.array([columns[name] for name in names]).T


def _indices(names: Sequence[str], index: Mapping[str, int]) -> np.ndarray:
    return np.asarray([index[name] for name in names], dtype=np.intp)
