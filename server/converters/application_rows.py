"""Applications as the protobuf library parsed them (typed messages, or ApplicationColumns) →
the matrices the validator and the feature builder take (ApplicationRows).

The one descriptor-driven step from a contract field to a model column: each Application field
is placed by its (Kaggle.column) option (server.contract), so a field added to the contract is
read everywhere at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from google.protobuf.descriptor import FieldDescriptor

from creditscore.v1 import application_pb2, credit_score_pb2
from model_build.features.application import RAW_CATEGORICAL_COLUMNS, RAW_NUMERIC_COLUMNS
from model_build.features.rows import UNKNOWN_CODE, UNSET_CODE, CategoryCodes
from server.contract import APPLICATION_FIELDS, ApplicationField, quote
from server.errors import FieldViolation, InvalidArgument
from server.scorer import ApplicationRows, ScoreQueries

__all__ = ["MAX_COLUMN_ROWS", "MAX_DICTIONARY", "ApplicationReader"]

# Rows of one columnar batch: 10,000 rows of every column fit well within the message limit.
MAX_COLUMN_ROWS = 10_000
# Distinct values of one dictionary-coded column.
MAX_DICTIONARY = 256
_FLOAT64 = np.dtype("<f8")
_INT64 = np.dtype("<i8")
_INT32 = np.dtype("<i4")

# How a number read as float64 is set on a field of each protobuf type.
_CASTS = {
    FieldDescriptor.TYPE_BOOL: bool,
    FieldDescriptor.TYPE_INT32: int,
    FieldDescriptor.TYPE_INT64: int,
}
_NUMERIC_INDEX = {name: j for j, name in enumerate(RAW_NUMERIC_COLUMNS)}
_CATEGORICAL_INDEX = {name: j for j, name in enumerate(RAW_CATEGORICAL_COLUMNS)}


class ApplicationReader:
    """Reads applications into ApplicationRows with the served category codes; immutable,
    shared by every call."""

    def __init__(self, codes: CategoryCodes) -> None:
        # Each field descriptor's place: (categorical?, column position in its matrix).
        self._slots: dict[FieldDescriptor, tuple[bool, int]] = {}
        self._by_name: dict[str, ApplicationField] = {}
        for field in APPLICATION_FIELDS:
            index = _CATEGORICAL_INDEX if field.is_categorical else _NUMERIC_INDEX
            self._slots[field.descriptor] = (field.is_categorical, index[field.column])
            self._by_name[field.name] = field
        self._code_of = tuple(
            {value: k for k, value in enumerate(column)} for column in codes.values
        )
        self._words = tuple(tuple(column) for column in codes.values)
        self._builders = tuple(
            (field.name, field.is_categorical, slot, _CASTS.get(field.descriptor.type, float))
            for field in APPLICATION_FIELDS
            for _, slot in [self._slots[field.descriptor]]
        )

    def messages(
        self,
        applications: Sequence[application_pb2.Application],
        positions: Sequence[int] | None = None,
        count: int | None = None,
    ) -> ApplicationRows:
        """Rows of typed Application messages (an empty message is a row of missing values);
        with ``positions``, application k is row ``positions[k]`` of ``count`` rows and the
        other rows are missing values.

        One walk of each message's set fields (ListFields) into Python lists, then one array
        per matrix: numpy calls cost more than the walk for a single row.
        """
        numbers: list[list[float]] = []
        categories: list[list[int]] = []
        unknown: dict[tuple[int, str], str] = {}
        suspects: list[int] = []
        slots, code_of = self._slots, self._code_of
        blank_numbers = [math.nan] * len(RAW_NUMERIC_COLUMNS)
        blank_codes = [UNSET_CODE] * len(RAW_CATEGORICAL_COLUMNS)
        for i, application in enumerate(applications):
            number_row, code_row = blank_numbers.copy(), blank_codes.copy()
            total = 0.0
            for field, value in application.ListFields():
                categorical, j = slots[field]
                if not categorical:
                    number_row[j] = value
                    total += value
                elif value:
                    code = code_of[j].get(value, UNKNOWN_CODE)
                    code_row[j] = code
                    if code == UNKNOWN_CODE:
                        unknown[(i, RAW_CATEGORICAL_COLUMNS[j])] = quote(value)
            # A NaN or an infinity among the numbers makes the sum non-finite (so may a
            # huge sum: such a row is only looked at closer).
            if total - total != 0.0:
                suspects.append(i)
            numbers.append(number_row)
            categories.append(code_row)
        numeric = np.array(numbers, dtype=np.float64).reshape(-1, len(blank_numbers))
        codes = np.array(categories, dtype=np.int16).reshape(-1, len(blank_codes))
        non_finite = _non_finite(numeric, suspects, applications) if suspects else ()
        if positions is None:
            return ApplicationRows(numeric, codes, non_finite, unknown)
        return _placed(ApplicationRows(numeric, codes, non_finite, unknown), positions, count)

    def canonical(self, rows: ApplicationRows, indices: Sequence[int]) -> list[bytes]:
        """Rows ``indices`` of ``rows`` as Application messages in deterministic protobuf bytes:
        the application exactly as scored, for the decision record (a columnar row has no
        message of its own). Missing values stay unset."""
        builders = self._builders
        numeric, codes = rows.numeric, rows.codes
        out: list[bytes] = []
        for i in indices:
            numbers, categories = numeric[i].tolist(), codes[i].tolist()
            values: dict[str, Any] = {}
            for name, categorical, j, cast in builders:
                if categorical:
                    code = categories[j]
                    if code >= 0:
                        values[name] = self._words[j][code]
                elif numbers[j] == numbers[j]:  # not NaN
                    values[name] = cast(numbers[j])
            out.append(application_pb2.Application(**values).SerializeToString(deterministic=True))
        return out

    def columns(
        self, columns: credit_score_pb2.ApplicationColumns
    ) -> tuple[ScoreQueries, ApplicationRows]:
        """The queries and rows of a columnar batch; InvalidArgument for a badly laid out
        request (the whole call), while bad values fail their own row later."""
        count = columns.row_count
        if not 1 <= count <= MAX_COLUMN_ROWS:
            raise _layout("columns.row_count", f"must be from 1 to {MAX_COLUMN_ROWS}, got {count}")
        client_ids = _client_ids(columns.client_ids, count)
        numeric = np.full((count, len(RAW_NUMERIC_COLUMNS)), np.nan)
        seen: set[str] = set()
        for k, column in enumerate(columns.numeric):
            field = self._field(f"columns.numeric[{k}]", column.field, seen, categorical=False)
            values = _packed(f"columns.numeric[{k}].values", column.values, _FLOAT64, count)
            numeric[:, _NUMERIC_INDEX[field.column]] = values
        infinite = np.isinf(numeric)
        non_finite = tuple(
            (int(i), RAW_NUMERIC_COLUMNS[j]) for i, j in zip(*np.nonzero(infinite), strict=True)
        )
        numeric[infinite] = np.nan
        codes = np.full((count, len(RAW_CATEGORICAL_COLUMNS)), UNSET_CODE, dtype=np.int16)
        unknown: dict[tuple[int, str], str] = {}
        for k, column in enumerate(columns.categorical):
            path = f"columns.categorical[{k}]"
            field = self._field(path, column.field, seen, categorical=True)
            j = _CATEGORICAL_INDEX[field.column]
            codes[:, j] = self._category_codes(path, column, j, count, unknown)
        has_client = client_ids != 0
        has_value = ~np.isnan(numeric).all(axis=1) | (codes != UNSET_CODE).any(axis=1)
        if non_finite:
            has_value[[row for row, _ in non_finite]] = True
        # A new applicant always has an application, if only to say what it lacks.
        queries = ScoreQueries(client_ids, has_client, has_value | ~has_client)
        return queries, ApplicationRows(numeric, codes, non_finite, unknown, prefix="columns.")

    def _field(
        self, path: str, name: str, seen: set[str], *, categorical: bool
    ) -> ApplicationField:
        field = self._by_name.get(name)
        if field is None:
            raise _layout(f"{path}.field", f"{quote(name)} is not an Application field")
        if field.is_categorical != categorical:
            kind = "categorical" if field.is_categorical else "numeric"
            raise _layout(f"{path}.field", f"{name} is a {kind} field")
        if name in seen:
            raise _layout(f"{path}.field", f"{name} appears twice")
        seen.add(name)
        return field

    def _category_codes(
        self,
        path: str,
        column: credit_score_pb2.CategoryColumn,
        j: int,
        count: int,
        unknown: dict[tuple[int, str], str],
    ) -> np.ndarray:
        """The served codes of one categorical column; its unknown values go to ``unknown``."""
        if column.values:
            if column.dictionary or column.codes:
                raise _layout(path, "set values, or dictionary and codes, not both")
            if len(column.values) != count:
                raise _layout(
                    f"{path}.values", f"must hold {count} values, got {len(column.values)}"
                )
            dictionary, positions = np.unique(
                np.asarray(column.values, dtype=object), return_inverse=True
            )
            raw = positions.astype(np.intp)
            words = dictionary.tolist()
        else:
            words = list(column.dictionary)
            if len(words) > MAX_DICTIONARY:
                raise _layout(
                    f"{path}.dictionary", f"at most {MAX_DICTIONARY} values, got {len(words)}"
                )
            raw = _packed(f"{path}.codes", column.codes, _INT32, count).astype(np.intp)
            if raw.size and (raw.min() < -1 or raw.max() >= len(words)):
                raise _layout(f"{path}.codes", f"must be from -1 to {len(words) - 1}")
        served = [UNSET_CODE if not w else self._code_of[j].get(w, UNKNOWN_CODE) for w in words]
        # -1 (missing) picks the table's last entry.
        table = np.asarray([*served, UNSET_CODE], dtype=np.int16)
        for position, code in enumerate(served):
            if code == UNKNOWN_CODE:
                quoted = quote(words[position])
                for row in np.flatnonzero(raw == position).tolist():
                    unknown[(row, RAW_CATEGORICAL_COLUMNS[j])] = quoted
        return table[raw]


def _placed(rows: ApplicationRows, positions: Sequence[int], count: int | None) -> ApplicationRows:
    """``rows`` moved to ``positions`` among ``count`` rows of missing values."""
    total = len(positions) if count is None else count
    numeric = np.full((total, rows.numeric.shape[1]), np.nan)
    codes = np.full((total, rows.codes.shape[1]), UNSET_CODE, dtype=np.int16)
    numeric[positions] = rows.numeric
    codes[positions] = rows.codes
    return ApplicationRows(
        numeric,
        codes,
        tuple((positions[r], c) for r, c in rows.non_finite),
        {(positions[r], c): v for (r, c), v in rows.unknown.items()},
    )


def _non_finite(
    numeric: np.ndarray,
    suspects: list[int],
    applications: Sequence[application_pb2.Application],
) -> tuple[tuple[int, str], ...]:
    """(row, column) of the numbers of ``suspects`` rows sent as NaN or an infinity; those
    cells become NaN (unset) in ``numeric``, and the validator reports them."""
    found: list[tuple[int, str]] = []
    for i in suspects:
        for field, value in applications[i].ListFields():
            if not isinstance(value, str) and not math.isfinite(value):
                column = field.GetOptions().Extensions[application_pb2.Kaggle.column]
                found.append((i, column))
                numeric[i, _NUMERIC_INDEX[column]] = np.nan
    return tuple(sorted(found))


def _client_ids(data: bytes, count: int) -> np.ndarray:
    if not data:
        return np.zeros(count, dtype=np.int64)
    ids = _packed("columns.client_ids", data, _INT64, count).astype(np.int64)
    if (ids < 0).any():
        raise _layout("columns.client_ids", "must be 0 (no stored client) or a client id")
    return ids


def _packed(path: str, data: bytes, dtype: np.dtype, count: int) -> np.ndarray:
    if len(data) != count * dtype.itemsize:
        raise _layout(
            path,
            f"must hold row_count ({count}) values of {dtype.itemsize} bytes: "
            f"{count * dtype.itemsize} bytes, got {len(data)}",
        )
    return np.frombuffer(data, dtype=dtype)


def _layout(path: str, description: str) -> InvalidArgument:
    return InvalidArgument([FieldViolation(path, description)])
