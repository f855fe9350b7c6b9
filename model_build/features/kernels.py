"""The application formulas, compiled (numba): one pass per row, for training and serving.

Why compiled: the server computes features for one row per call, where each numpy operation's
fixed cost (about 1 µs, several times that with cold caches between calls) outweighs its work;
one compiled pass costs a few µs whatever the number of rows, and training runs the very
same code over every row.

The kernels know columns only by the index tables their callers pass
(``model_build.features.application``, ``model_build.features.rows``), and live in one module
because numba's cache only notices changes to the file of the function it compiled.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["FORMULAS", "DerivedTables", "derived_rows", "feed_rows"]

DAYS_PER_YEAR = 365.25

# Features written by ``_derived_row`` after the ratios, in this order.
FORMULAS: tuple[str, ...] = (
    "DAYS_EMPLOYED_ANOM",
    "AGE_YEARS",
    "EMPLOYMENT_YEARS",
    "AGE_AT_LOAN_END_YEARS",
    "CREDIT_MINUS_GOODS",
    "CAR_AGE_TO_AGE",
    "BUILDING_INFO_MISSING_COUNT",
    "EXT_SOURCE_MEAN",
    "EXT_SOURCE_STD",
    "EXT_SOURCE_MIN",
    "EXT_SOURCE_MAX",
    "EXT_SOURCE_PRODUCT",
    "EXT_SOURCE_MISSING_COUNT",
)
_EXT_AT = FORMULAS.index("EXT_SOURCE_MEAN")

# nogil: a large batch is split between threads that compute their rows in parallel.
_jit = numba.njit(cache=True, error_model="numpy", nogil=True)


@_jit
def _finite_or_nan(value: float) -> float:
    return value if np.isfinite(value) else np.nan


@_jit
def _ext_source_stats(s1: float, s2: float, s3: float, out: np.ndarray) -> None:
    """Mean, sample std (from two known scores), min, max, product and missing count of the
    external scores, in that order."""
    known = (not np.isnan(s1)) + (not np.isnan(s2)) + (not np.isnan(s3))
    f1 = 0.0 if np.isnan(s1) else s1
    f2 = 0.0 if np.isnan(s2) else s2
    f3 = 0.0 if np.isnan(s3) else s3
    mean = (f1 + f2 + f3) / known
    d1 = 0.0 if np.isnan(s1) else (s1 - mean) * (s1 - mean)
    d2 = 0.0 if np.isnan(s2) else (s2 - mean) * (s2 - mean)
    d3 = 0.0 if np.isnan(s3) else (s3 - mean) * (s3 - mean)
    out[0] = mean
    out[1] = np.sqrt((d1 + d2 + d3) / (known - 1)) if known >= 2 else np.nan
    out[2] = np.fmin(np.fmin(s1, s2), s3)
    out[3] = np.fmax(np.fmax(s1, s2), s3)
    out[4] = s1 * s2 * s3
    out[5] = 3.0 - known


# The formulas' tables (see _derived_row): inputs, ratios, loan_term, building, sums, sum_ends.
DerivedTables = tuple[np.ndarray, np.ndarray, int, np.ndarray, np.ndarray, np.ndarray]


@_jit
def _derived_row(
    row: np.ndarray, building_missing: float, tables: DerivedTables, out: np.ndarray
) -> None:
    """The derived features of one cleaned raw row: the ratios (``ratios`` [2, k]: numerator
    and denominator columns; NaN where the denominator is zero or missing, never inf), then
    FORMULAS, then the sums of the ``sums`` column groups (ending at ``sum_ends``; missing
    counts 0, NaN when all are missing), each written term by term in a fixed order.

    ``inputs``: columns of DAYS_BIRTH, DAYS_EMPLOYED, DAYS_EMPLOYED_ANOM, AMT_CREDIT,
    AMT_GOODS_PRICE, OWN_CAR_AGE, EXT_SOURCE_1..3; ``loan_term``: the ratio that is
    AMT_CREDIT / AMT_ANNUITY; ``building_missing``: unknown building details that are not in
    ``row`` (the categorical ones).
    """
    inputs, ratios, loan_term, building, sums, sum_ends = tables
    count = ratios.shape[1]
    for k in range(count):
        out[k] = _finite_or_nan(row[ratios[0, k]] / row[ratios[1, k]])
    age = -row[inputs[0]] / DAYS_PER_YEAR
    formulas = out[count:]
    formulas[0] = row[inputs[2]]
    formulas[1] = age
    formulas[2] = (0.0 - row[inputs[1]]) / DAYS_PER_YEAR
    formulas[3] = age + out[loan_term] / 12.0
    formulas[4] = row[inputs[3]] - row[inputs[4]]
    formulas[5] = _finite_or_nan(row[inputs[5]] / age)
    for column in building:
        if np.isnan(row[column]):
            building_missing += 1.0
    formulas[6] = building_missing
    _ext_source_stats(row[inputs[6]], row[inputs[7]], row[inputs[8]], formulas[_EXT_AT:])
    start, at = 0, count + len(FORMULAS)
    for group in range(len(sum_ends)):
        total, known = 0.0, False
        for column in sums[start : sum_ends[group]]:
            if not np.isnan(row[column]):
                total += row[column]
                known = True
        out[at + group] = total if known else np.nan
        start = sum_ends[group]


@_jit
def derived_rows(
    numeric: np.ndarray, building_missing: np.ndarray, tables: DerivedTables
) -> np.ndarray:
    """``_derived_row`` of every row of ``numeric`` (cleaned), float64 [rows, outputs]."""
    out = np.empty((numeric.shape[0], _derived_width(tables)))
    for i in range(numeric.shape[0]):
        _derived_row(numeric[i], building_missing[i], tables, out[i])
    return out


@_jit
def _derived_width(tables: DerivedTables) -> int:
    return tables[1].shape[1] + len(FORMULAS) + len(tables[5])


@_jit
def _value(
    row: np.ndarray, features: np.ndarray, past: np.ndarray, source: int, column: int
) -> float:
    """Column ``column`` of source ``source``: 0 the raw row, 1 its features, 2 its history."""
    if source == 0:
        return row[column]
    if source == 1:
        return features[column]
    return past[column]


@_jit
def feed_rows(
    numeric: np.ndarray,
    clean_days: np.ndarray,
    placeholder: float,
    codes: np.ndarray,
    building_codes: np.ndarray,
    code_missing: np.ndarray,
    history: np.ndarray,
    derived: DerivedTables,
    places: np.ndarray,
    combined: np.ndarray,
    width: int,
    categories: np.ndarray,
    category_values: np.ndarray,
) -> np.ndarray:
    """The numeric ONNX input of raw rows, float64 [rows, width], NaN where missing.

    Per row: cleaning (``clean_days`` [2, k]: a DAYS column and its placeholder flag; the
    ``placeholder`` value becomes NaN with the flag 1, other values get flag 0; empty: the
    rows are clean already), the derived features (``derived``: ``_derived_row``'s tables;
    categorical building details are missing where ``code_missing[codes + offsets]``, with
    ``building_codes`` [2, k]: code columns and their offsets), then ``places`` [3, k]:
    output position, source (0 raw row, 1 derived features, 2 history row) and source
    column, then ``combined`` [5, k]: output position, then source and column of a numerator
    and of a denominator (NaN where the denominator is zero or missing). ``history`` has a
    row per row (NaN: no history) or no rows at all. Then, when ``categories`` [2, k] (code
    columns and their offsets) has columns, the k category values
    ``category_values[codes + offsets]`` follow the ``width`` numeric inputs.
    """
    rows = numeric.shape[0]
    out = np.full((rows, width + categories.shape[1]), np.nan)
    features = np.empty(_derived_width(derived))
    past = np.full(history.shape[1], np.nan)
    for i in range(rows):
        row = numeric[i].copy()
        for k in range(clean_days.shape[1]):
            day, flag = clean_days[0, k], clean_days[1, k]
            found = row[day] == placeholder
            row[flag] = 1.0 if found else 0.0
            if found:
                row[day] = np.nan
        missing = 0.0
        for k in range(building_codes.shape[1]):
            missing += code_missing[codes[i, building_codes[0, k]] + building_codes[1, k]]
        _derived_row(row, missing, derived, features)
        if history.shape[0]:
            past[:] = history[i]
        for k in range(places.shape[1]):
            # Branches rather than a helper call: this loop runs once per model input.
            source, column = places[1, k], places[2, k]
            if source == 0:
                out[i, places[0, k]] = row[column]
            elif source == 1:
                out[i, places[0, k]] = features[column]
            else:
                out[i, places[0, k]] = past[column]
        if history.shape[0]:
            for k in range(combined.shape[1]):
                top = _value(row, features, past, combined[1, k], combined[2, k])
                bottom = _value(row, features, past, combined[3, k], combined[4, k])
                out[i, combined[0, k]] = _finite_or_nan(top / bottom)
        for k in range(categories.shape[1]):
            out[i, width + k] = category_values[codes[i, categories[0, k]] + categories[1, k]]
    return out
