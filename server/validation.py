"""Validation of application rows against the contract's rules: every bad field of every row.

The rules come from the Application fields' (FieldRules.rules) options (server.contract); the
row-wise checks run in one compiled pass, and the detailed messages are built only for a bad
row.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numba
import numpy as np

from model_build.features import FeatureCatalog
from model_build.features.application import RAW_CATEGORICAL_COLUMNS, RAW_NUMERIC_COLUMNS
from model_build.features.rows import UNKNOWN_CODE, CategoryCodes
from server.contract import APPLICATION_FIELDS, application_field
from server.errors import FieldViolation

__all__ = [
    "MAX_TERM_MONTHS",
    "MIN_TERM_MONTHS",
    "ApplicationValidator",
    "accepted_values",
]

# AMT_CREDIT / AMT_ANNUITY: the number of monthly repayments the loan implies (the one rule
# that spans two fields; the Application message's comment states it).
MIN_TERM_MONTHS, MAX_TERM_MONTHS = 1, 600

_INDEX = {name: j for j, name in enumerate(RAW_NUMERIC_COLUMNS)}
# Violations are reported in the Application message's field order.
_FIELD_ORDER = {f.column: k for k, f in enumerate(APPLICATION_FIELDS)}
# Numeric columns the server computes itself (the anomaly flags), which no field carries.
_RULED = tuple(name for name in RAW_NUMERIC_COLUMNS if name in _FIELD_ORDER)


def accepted_values(catalog: FeatureCatalog) -> tuple[tuple[str, ...], ...]:
    """Accepted values of each raw categorical column (RAW_CATEGORICAL_COLUMNS order): the
    model's vocabulary, then the contract's values."""
    return tuple(_allowed_values(name, catalog) for name in RAW_CATEGORICAL_COLUMNS)


# The rules' tables, as the kernels take them (constants as arguments: numba's cache does not
# track other modules' globals): per numeric column the low and high bounds, whether the low
# one is strict, whether only whole numbers pass and one value accepted outside the bounds
# (NaN: none); the required columns; the columns of AMT_CREDIT and AMT_ANNUITY and the loan
# term's bounds; the code of an unknown category.
Rules = tuple[
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    int,
    int,
    float,
    float,
    int,
]


def _rules_tables() -> tuple[Rules, list[str]]:
    """The kernels' tables and each numeric column's domain, from the contract."""
    count = len(RAW_NUMERIC_COLUMNS)
    low, high = np.full(count, -np.inf), np.full(count, np.inf)
    strict, whole = np.zeros(count, dtype=np.bool_), np.zeros(count, dtype=np.bool_)
    also = np.full(count, np.nan)
    domains = [""] * count
    for name in _RULED:
        rule, j = application_field(name).rule, _INDEX[name]
        if len(rule.also_allowed) > 1:
            raise ValueError(f"{name}: the kernels take one value outside the bounds at most")
        low[j], high[j], strict[j], whole[j] = (
            rule.low,
            rule.high,
            rule.low_exclusive,
            rule.whole_number,
        )
        also[j] = rule.also_allowed[0] if rule.also_allowed else np.nan
        domains[j] = rule.domain()
    required = np.asarray(
        [_INDEX[f.column] for f in APPLICATION_FIELDS if f.rule.required and not f.is_categorical],
        dtype=np.intp,
    )
    rules: Rules = (
        low, high, strict, whole, also, required, _INDEX["AMT_CREDIT"], _INDEX["AMT_ANNUITY"],
        float(MIN_TERM_MONTHS), float(MAX_TERM_MONTHS), UNKNOWN_CODE,
    )  # fmt: skip
    return rules, domains


class ApplicationValidator:
    """Checks raw application rows against the contract; immutable, shared by every call.

    Rows are the readers' matrices before cleaning: ``numeric`` float64
    [rows, len(RAW_NUMERIC_COLUMNS)] with NaN where unset, ``codes`` int16
    [rows, len(RAW_CATEGORICAL_COLUMNS)] in ``codes`` (whose values are the accepted ones:
    ``accepted_values``), UNKNOWN_CODE for anything else.
    """

    def __init__(self, codes: CategoryCodes) -> None:
        self._rules, self._domains = _rules_tables()
        self._required_columns = tuple(RAW_NUMERIC_COLUMNS[j] for j in self._rules[5].tolist())
        self._allowed = codes.values

    def any_broken(self, numeric: np.ndarray, codes: np.ndarray) -> bool:
        """Whether a row breaks a rule, non-finite values aside (then ``violations`` tells
        which); one compiled pass, the cost of a valid request."""
        return bool(_any_broken(numeric, codes, self._rules))

    def violations(
        self,
        numeric: np.ndarray,
        codes: np.ndarray,
        non_finite: Iterable[tuple[int, str]] = (),
        unknown: Mapping[tuple[int, str], str] | None = None,
        prefix: str = "application.",
    ) -> dict[int, list[FieldViolation]]:
        """Violations of each bad row (rows absent from the result are valid).

        ``non_finite`` lists (row, column) cells that were set to NaN or an infinity, which
        the matrix cannot tell from an unset value; ``unknown`` gives the value of
        UNKNOWN_CODE cells as errors quote it (server.contract.quote); ``prefix`` starts
        each field path ("application.amt_credit").
        """
        if not non_finite and not unknown and not self.any_broken(numeric, codes):
            return {}
        found: dict[int, list[tuple[int, FieldViolation]]] = {}
        add = _Collector(found, prefix)
        reported = set(non_finite)
        for row, column in sorted(reported):
            add(row, column, "must be a finite number (leave it unset when missing)")
        self._numeric_violations(numeric, codes, add, reported)
        self._categorical_violations(codes, unknown or {}, add)
        return {
            row: [violation for _, violation in sorted(items, key=lambda item: item[0])]
            for row, items in sorted(found.items())
        }

    def _numeric_violations(
        self,
        numeric: np.ndarray,
        codes: np.ndarray,
        add: _Collector,
        reported: set[tuple[int, str]],
    ) -> None:
        """Bounds, required fields and the loan term; cells in ``reported`` (non-finite
        values, already reported) are not reported again."""
        bad, missing, bad_term = _rule_breaks(numeric, codes, self._rules)
        credit, annuity = numeric[:, self._rules[6]], numeric[:, self._rules[7]]
        with np.errstate(divide="ignore", invalid="ignore"):
            term = credit / np.where(annuity > 0, annuity, np.nan)
        for row, j in zip(*np.nonzero(bad), strict=True):
            column = RAW_NUMERIC_COLUMNS[j]
            if (int(row), column) not in reported:
                value = float(numeric[row, j])
                add(int(row), column, f"must be {self._domains[j]}, got {value:.10g}")
        for row, k in zip(*np.nonzero(missing), strict=True):
            if (int(row), self._required_columns[k]) not in reported:
                add(int(row), self._required_columns[k], "required: must be set")
        for row in np.flatnonzero(bad_term).tolist():
            if {(row, "AMT_CREDIT"), (row, "AMT_ANNUITY")} & reported:
                continue
            add(
                row,
                "AMT_ANNUITY",
                f"implies a loan of {float(term[row]):.4g} monthly repayments "
                f"(amt_credit / amt_annuity); must be from {MIN_TERM_MONTHS} to "
                f"{MAX_TERM_MONTHS}",
            )

    def _categorical_violations(
        self, codes: np.ndarray, unknown: Mapping[tuple[int, str], str], add: _Collector
    ) -> None:
        for row, k in zip(*np.nonzero(codes == UNKNOWN_CODE), strict=True):
            column = RAW_CATEGORICAL_COLUMNS[k]
            value = unknown.get((int(row), column), '""')
            add(
                int(row),
                column,
                f"unknown value {value}; allowed values: "
                + ", ".join(f'"{v}"' for v in self._allowed[k]),
            )


class _Collector:
    """Adds a violation of a row's column, with its field path and its rank in field order."""

    def __init__(self, found: dict[int, list[tuple[int, FieldViolation]]], prefix: str) -> None:
        self._found, self._prefix = found, prefix

    def __call__(self, row: int, column: str, description: str) -> None:
        name = application_field(column).name
        violation = FieldViolation(self._prefix + name, description)
        rank = _FIELD_ORDER.get(column, len(_FIELD_ORDER))
        self._found.setdefault(row, []).append((rank, violation))


_jit = numba.njit(cache=True)


@_jit
def _row_breaks(
    row: np.ndarray, codes: np.ndarray, rules: Rules, bad: np.ndarray, missing: np.ndarray
) -> tuple[bool, bool]:
    """The rules on one row: fills ``bad`` (cells out of bounds) and ``missing`` (required
    cells unset); returns (any rule broken, bad loan term). An unknown category breaks a rule
    too."""
    low, high, strict, whole, also, required, credit, annuity, min_term, max_term, unknown = rules
    broken = False
    for j in range(len(row)):
        value = row[j]
        # Unset (NaN) fields pass every bound.
        out = False
        if value == value and value != also[j]:
            below = value <= low[j] if strict[j] else value < low[j]
            out = below or value > high[j] or (whole[j] and value != math.floor(value))
        bad[j] = out
        broken |= out
    for k in range(len(required)):
        missing[k] = np.isnan(row[required[k]])
        broken |= missing[k]
    # The term credit / annuity, compared without dividing: annuity > 0 is checked first.
    c, a = row[credit], row[annuity]
    bad_term = c > 0 and a > 0 and (c < min_term * a or c > max_term * a)
    for code in codes:
        broken |= code == unknown
    return broken or bad_term, bad_term


@_jit
def _any_broken(numeric: np.ndarray, codes: np.ndarray, rules: Rules) -> bool:
    """Whether any row breaks a rule: most break none, and this is all they cost."""
    bad = np.empty(numeric.shape[1], dtype=np.bool_)
    missing = np.empty(len(rules[5]), dtype=np.bool_)
    for i in range(numeric.shape[0]):
        if _row_breaks(numeric[i], codes[i], rules, bad, missing)[0]:
            return True
    return False


@_jit
def _rule_breaks(
    numeric: np.ndarray, codes: np.ndarray, rules: Rules
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells out of bounds, required cells unset and rows with a bad loan term."""
    rows, width = numeric.shape
    bad = np.zeros((rows, width), dtype=np.bool_)
    missing = np.zeros((rows, len(rules[5])), dtype=np.bool_)
    bad_term = np.zeros(rows, dtype=np.bool_)
    for i in range(rows):
        _, bad_term[i] = _row_breaks(numeric[i], codes[i], rules, bad[i], missing[i])
    return bad, missing, bad_term


def _allowed_values(column: str, catalog: FeatureCatalog) -> tuple[str, ...]:
    values: list[str] = []
    if column in catalog.names:
        values.extend(catalog[column].vocabulary)
    values.extend(v.value for v in application_field(column).rule.values)
    return tuple(dict.fromkeys(values))
