"""Model inputs of raw application rows without pandas: the serving path to the ONNX feed."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from model_build.anomalies import anomaly_flag_name
from model_build.features.application import (
    BUILDING_COLUMNS,
    DERIVED_COLUMNS,
    DERIVED_META,
    DERIVED_TABLES,
    KEPT_CATEGORICAL,
    KEPT_NUMERIC,
    RAW_CATEGORICAL_COLUMNS,
    RAW_NUMERIC_COLUMNS,
)
from model_build.features.frame import COMBINED_RATIOS
from model_build.features.kernels import feed_rows
from model_build.model_inputs import (
    CATEGORICAL_INPUT,
    MISSING_STRING,
    NUMERIC_INPUT,
    FeatureSpec,
    category_codes,
)
from model_build.schema import ANOMALY_DAYS, APPLICATION_TEST, MISSING_CATEGORY_CODES

__all__ = [
    "UNKNOWN_CODE",
    "UNSET_CODE",
    "CategoryCodes",
    "FeedBuilder",
    "raw_rows_from_records",
]

# Codes of a categorical cell that holds no accepted value: unset, or a value outside them.
UNSET_CODE = -1
UNKNOWN_CODE = -2

_NUMERIC_INDEX = {name: j for j, name in enumerate(RAW_NUMERIC_COLUMNS)}
_CATEGORICAL_INDEX = {name: j for j, name in enumerate(RAW_CATEGORICAL_COLUMNS)}
# Categorical building details, whose missingness counts in BUILDING_INFO_MISSING_COUNT.
_BUILDING_CODES = np.asarray(
    [j for j, name in enumerate(RAW_CATEGORICAL_COLUMNS) if name in BUILDING_COLUMNS],
    dtype=np.intp,
)
# (DAYS column, its placeholder flag) positions in the numeric matrix.
_FLAGGED_DAYS = tuple(
    (_NUMERIC_INDEX[column], _NUMERIC_INDEX[anomaly_flag_name(column)])
    for column in APPLICATION_TEST.anomaly_day_columns
)


def raw_rows_from_records(
    records: Sequence[Mapping[str, object]], codes: CategoryCodes
) -> tuple[np.ndarray, np.ndarray]:
    """Raw application records keyed by Kaggle column as ``FeedBuilder.feed`` takes them:
    float64 [rows, len(RAW_NUMERIC_COLUMNS)] (not cleaned) and int16 ``codes``.

    An absent key, None, NaN or "" is a missing value; numbers may be numbers or strings
    (CSV text).
    """
    numeric = np.full((len(records), len(RAW_NUMERIC_COLUMNS)), np.nan)
    coded = np.full((len(records), len(RAW_CATEGORICAL_COLUMNS)), UNSET_CODE, dtype=np.int16)
    for i, record in enumerate(records):
        for name, value in record.items():
            if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
                continue
            if name in _NUMERIC_INDEX:
                numeric[i, _NUMERIC_INDEX[name]] = float(value)  # type: ignore[arg-type]
            elif name in _CATEGORICAL_INDEX:
                j = _CATEGORICAL_INDEX[name]
                coded[i, j] = codes.code_of(j, str(value))
    return numeric, coded


class CategoryCodes:
    """Raw categorical values as small integers, so that rows can travel as one int matrix.

    Code k of column j (RAW_CATEGORICAL_COLUMNS order) is ``values[j][k]``; UNSET_CODE marks
    an unset value, UNKNOWN_CODE one outside ``values[j]``. The server decodes payloads
    straight into codes: every lookup here is then one indexing of a flat table, whatever the
    number of rows, instead of a Python step per cell. Immutable.
    """

    def __init__(self, values: Sequence[Sequence[str]]) -> None:
        if len(values) != len(RAW_CATEGORICAL_COLUMNS):
            raise ValueError(f"need values for the {len(RAW_CATEGORICAL_COLUMNS)} raw columns")
        self.values = tuple(tuple(column) for column in values)
        # Each column's block of a flat table: [unknown, unset, code 0, code 1, ...].
        starts = np.cumsum([0, *(len(column) + 2 for column in self.values)])[:-1]
        self.offsets = (starts - UNKNOWN_CODE).astype(np.intp)
        self._index = tuple({value: k for k, value in enumerate(c)} for c in self.values)

    @classmethod
    def of_spec(cls, spec: FeatureSpec) -> CategoryCodes:
        """Codes for the model's own vocabularies (columns it does not use: none)."""
        return cls([spec.categorical.get(name, ()) for name in RAW_CATEGORICAL_COLUMNS])

    def code_of(self, column: int, value: str) -> int:
        """The code of ``value`` in column ``column`` ("" is unset)."""
        if value == MISSING_STRING:
            return UNSET_CODE
        return self._index[column].get(value, UNKNOWN_CODE)

    def table(
        self,
        value_of: Callable[[int, str | None], object],
        unknown: object,
        dtype: type | np.dtype = object,
    ) -> np.ndarray:
        """Flat table indexed by ``codes + offsets``: ``value_of(column, value)`` (value None:
        unset), ``unknown`` for UNKNOWN_CODE."""
        cells: list[object] = []
        for j, column in enumerate(self.values):
            cells += [unknown, value_of(j, None), *(value_of(j, v) for v in column)]
        table = np.empty(len(cells), dtype=dtype)
        table[:] = cells
        return table


def _is_missing(value: str | None) -> bool:
    """Whether a raw category is missing once cleaned like clean_table."""
    return value is None or value == MISSING_STRING or value in MISSING_CATEGORY_CODES


class FeedBuilder:
    """The ONNX feed of raw application rows plus their clients' history rows.

    Same formulas as ``build_feature_frame`` (``kernels``, ``combined_columns``) and the same
    result as ``onnx_inputs(build_feature_frame(app, history, catalog), spec)``, computed by
    one compiled pass over the rows (``kernels.feed_rows``) with column positions resolved
    once here. Categorical values go through ``codes`` (default: the model's vocabularies).
    Immutable after construction, so one builder serves concurrent calls.
    """

    def __init__(
        self,
        spec: FeatureSpec,
        history_columns: Sequence[str],
        codes: CategoryCodes | None = None,
        category_values: Mapping[str, Mapping[str, float]] | None = None,
    ) -> None:
        """``category_values``: the encoded model's code of each category value
        (``onnx_sessions.EncodedModel.codes``; default: ``model_inputs.category_codes``,
        as ``export_onnx`` numbers them)."""
        self.spec = spec
        self.codes = CategoryCodes.of_spec(spec) if codes is None else codes
        self.history_columns = tuple(history_columns)
        history_index = {name: j for j, name in enumerate(self.history_columns)}
        # Where each numeric input comes from: (source, column), source 0 the cleaned raw
        # row, 1 the derived features, 2 the history row.
        sources = {name: (0, j) for name, j in _NUMERIC_INDEX.items() if name in KEPT_NUMERIC}
        sources |= {name: (1, k) for k, name in enumerate(DERIVED_COLUMNS) if name in DERIVED_META}
        sources |= {name: (2, j) for name, j in history_index.items()}
        placed = [(k, *sources[name]) for k, name in enumerate(spec.numeric) if name in sources]
        self._places = _table(placed, 3)
        self._combined = _table(_combined_rows(spec, history_index), 5)
        self._clean_days = _table(_FLAGGED_DAYS, 2)
        self._building_codes = np.stack([_BUILDING_CODES, self.codes.offsets[_BUILDING_CODES]])
        self._code_missing = self.codes.table(
            lambda _, value: float(_is_missing(value)), unknown=0.0, dtype=np.float64
        )
        categorical = [name for name in spec.categorical if name in KEPT_CATEGORICAL]
        self._categorical_positions = _indices(
            categorical, {name: k for k, name in enumerate(spec.categorical)}
        )
        columns = _indices(categorical, _CATEGORICAL_INDEX)
        self._categorical_columns = columns
        self._categorical_offsets = self.codes.offsets[columns]
        self._categorical_complete = len(categorical) == len(spec.categorical)
        # A category outside the training vocabulary is encoded like a missing one.
        vocabularies = {_CATEGORICAL_INDEX[n]: set(spec.categorical[n]) for n in categorical}
        self._categorical_table = self.codes.table(
            lambda j, value: value if value in vocabularies.get(j, ()) else MISSING_STRING,
            unknown=MISSING_STRING,
        )
        if category_values is None:
            category_values = category_codes(spec)
        # Codes of the spec's categorical columns, in its order (NaN: missing or unseen).
        by_column = {_CATEGORICAL_INDEX[name]: category_values[name] for name in categorical}
        self._category_values = self.codes.table(
            lambda j, value: (
                by_column[j].get(value, np.nan) if j in by_column and value is not None else np.nan
            ),
            unknown=np.nan,
            dtype=np.float64,
        )
        encoded = [_CATEGORICAL_INDEX[name] for name in spec.categorical]
        self._encoded_categories = np.stack(
            [np.asarray(encoded, dtype=np.intp), self.codes.offsets[encoded]]
        ).reshape(2, -1)
        self._no_categories = _table((), 2)

    def feed(
        self, numeric: np.ndarray, codes: np.ndarray, history: np.ndarray | None
    ) -> dict[str, np.ndarray]:
        """ONNX inputs of application rows as received.

        ``numeric``: float64 [rows, len(RAW_NUMERIC_COLUMNS)], NaN where missing, not cleaned
        (the anomaly flag columns are ignored: cleaning sets them); ``codes``: int16
        [rows, len(RAW_CATEGORICAL_COLUMNS)] in this builder's ``codes``; ``history``: float64
        [rows, history_columns], a row of NaN for a client without history, None when none
        has any. Cleaning is clean_table's: DAYS placeholders (365243) missing and flagged,
        XNA / XAP missing.
        """
        feed = {NUMERIC_INPUT: self._numeric(numeric, codes, history, self._no_categories)}
        if self.spec.categorical:
            feed[CATEGORICAL_INPUT] = self._categorical_strings(codes)
        return feed

    def encoded(
        self, numeric: np.ndarray, codes: np.ndarray, history: np.ndarray | None
    ) -> np.ndarray:
        """The encoded model's input (ENCODED_INPUT) of the rows ``feed`` takes: the numeric
        inputs, then the code of each categorical input (NaN when missing or unseen)."""
        return self._numeric(numeric, codes, history, self._encoded_categories)

    def encoded_categories(self, codes: np.ndarray) -> np.ndarray:
        """The categorical block of ``encoded`` alone."""
        columns, offsets = self._encoded_categories
        return self._category_values[codes[:, columns] + offsets]

    def _numeric(
        self,
        numeric: np.ndarray,
        codes: np.ndarray,
        history: np.ndarray | None,
        categories: np.ndarray,
    ) -> np.ndarray:
        if history is None:
            history = np.empty((0, len(self.history_columns)))
        # C order throughout: other layouts would make numba compile another version.
        return feed_rows(
            np.ascontiguousarray(numeric, dtype=np.float64), self._clean_days,
            float(ANOMALY_DAYS), np.ascontiguousarray(codes, dtype=np.int16),
            self._building_codes, self._code_missing,
            np.ascontiguousarray(history, dtype=np.float64), DERIVED_TABLES, self._places,
            self._combined, len(self.spec.numeric), categories, self._category_values,
        )  # fmt: skip

    def _categorical_strings(self, codes: np.ndarray) -> np.ndarray:
        strings = self._categorical_table[
            codes[:, self._categorical_columns] + self._categorical_offsets
        ]
        if self._categorical_complete:
            return strings
        out = np.full((len(codes), len(self.spec.categorical)), MISSING_STRING, dtype=object)
        out[:, self._categorical_positions] = strings
        return out


def _combined_rows(spec: FeatureSpec, history_index: Mapping[str, int]) -> list[tuple[int, ...]]:
    """(position, numerator source and column, denominator source and column) of each
    combined feature computable from the raw row and the history."""

    def source(name: str) -> tuple[int, int] | None:
        if name in history_index:
            return 2, history_index[name]
        return (0, _NUMERIC_INDEX[name]) if name in _NUMERIC_INDEX else None

    rows: list[tuple[int, ...]] = []
    for k, name in enumerate(spec.numeric):
        pair = COMBINED_RATIOS.get(name)
        top, bottom = (source(pair[0]), source(pair[1])) if pair else (None, None)
        if top is not None and bottom is not None:
            rows.append((k, *top, *bottom))
    return rows


def _table(rows: Sequence[tuple[int, ...]], width: int) -> np.ndarray:
    """int [width, len(rows)]: one column per row, as the kernels read them."""
    return np.asarray(rows, dtype=np.intp).reshape(-1, width).T.copy()


def _indices(names: Sequence[str], index: Mapping[str, int]) -> np.ndarray:
    return np.asarray([index[name] for name in names], dtype=np.intp)
