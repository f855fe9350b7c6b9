"""Domain validation of application rows: every bad field of every row, as field violations."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numba
import numpy as np

from model_build.features import FeatureCatalog
from model_build.features.application import (
    BUILDING_COLUMNS,
    RAW_CATEGORICAL_COLUMNS,
    RAW_NUMERIC_COLUMNS,
)
from model_build.features.rows import UNKNOWN_CODE, CategoryCodes
from model_build.schema import ANOMALY_DAYS, APPLICATION_TEST
from server.errors import FieldViolation

__all__ = [
    "BOUNDS",
    "DAYS_PER_YEAR",
    "KAGGLE_VOCABULARIES",
    "MAX_AGE_YEARS",
    "MAX_TERM_MONTHS",
    "MIN_AGE_YEARS",
    "MIN_TERM_MONTHS",
    "REQUIRED_COLUMNS",
    "ApplicationValidator",
    "Bound",
    "accepted_values",
]

DAYS_PER_YEAR = 365.25
MIN_AGE_YEARS, MAX_AGE_YEARS = 18, 100
# AMT_CREDIT / AMT_ANNUITY: the number of monthly repayments the loan implies.
MIN_TERM_MONTHS, MAX_TERM_MONTHS = 1, 600
REQUIRED_COLUMNS: tuple[str, ...] = ("AMT_INCOME_TOTAL", "AMT_CREDIT")

# Values of each categorical column documented for the Kaggle data (the Application message's
# field comments): accepted even when the serving model never saw them (they are then encoded
# like a missing value, as in batch scoring).
KAGGLE_VOCABULARIES: dict[str, tuple[str, ...]] = {
    "NAME_CONTRACT_TYPE": ("Cash loans", "Revolving loans"),
    "CODE_GENDER": ("F", "M", "XNA"),
    "FLAG_OWN_CAR": ("Y", "N"),
    "FLAG_OWN_REALTY": ("Y", "N"),
    "NAME_TYPE_SUITE": (
        "Unaccompanied",
        "Family",
        "Spouse, partner",
        "Children",
        "Other_A",
        "Other_B",
        "Group of people",
    ),
    "NAME_INCOME_TYPE": (
        "Working",
        "Commercial associate",
        "Pensioner",
        "State servant",
        "Unemployed",
        "Student",
        "Businessman",
        "Maternity leave",
    ),
    "NAME_EDUCATION_TYPE": (
        "Lower secondary",
        "Secondary / secondary special",
        "Incomplete higher",
        "Higher education",
        "Academic degree",
    ),
    "NAME_FAMILY_STATUS": (
        "Married",
        "Civil marriage",
        "Single / not married",
        "Separated",
        "Widow",
        "Unknown",
    ),
    "NAME_HOUSING_TYPE": (
        "House / apartment",
        "With parents",
        "Municipal apartment",
        "Rented apartment",
        "Office apartment",
        "Co-op apartment",
    ),
    "OCCUPATION_TYPE": (
        "Accountants",
        "Cleaning staff",
        "Cooking staff",
        "Core staff",
        "Drivers",
        "HR staff",
        "High skill tech staff",
        "IT staff",
        "Laborers",
        "Low-skill Laborers",
        "Managers",
        "Medicine staff",
        "Private service staff",
        "Realty agents",
        "Sales staff",
        "Secretaries",
        "Security staff",
        "Waiters/barmen staff",
    ),
    "WEEKDAY_APPR_PROCESS_START": (
        "MONDAY",
        "TUESDAY",
        "WEDNESDAY",
        "THURSDAY",
        "FRIDAY",
        "SATURDAY",
        "SUNDAY",
    ),
    "ORGANIZATION_TYPE": (
        "Advertising",
        "Agriculture",
        "Bank",
        *(f"Business Entity Type {n}" for n in range(1, 4)),
        "Cleaning",
        "Construction",
        "Culture",
        "Electricity",
        "Emergency",
        "Government",
        "Hotel",
        "Housing",
        *(f"Industry: type {n}" for n in range(1, 14)),
        "Insurance",
        "Kindergarten",
        "Legal Services",
        "Medicine",
        "Military",
        "Mobile",
        "Other",
        "Police",
        "Postal",
        "Realtor",
        "Religion",
        "Restaurant",
        "School",
        "Security",
        "Security Ministries",
        "Self-employed",
        "Services",
        "Telecom",
        *(f"Trade: type {n}" for n in range(1, 8)),
        *(f"Transport: type {n}" for n in range(1, 5)),
        "University",
        "XNA",
    ),
    "FONDKAPREMONT_MODE": (
        "reg oper account",
        "reg oper spec account",
        "org spec account",
        "not specified",
    ),
    "HOUSETYPE_MODE": ("block of flats", "specific housing", "terraced house"),
    "WALLSMATERIAL_MODE": (
        "Panel",
        "Stone, brick",
        "Block",
        "Wooden",
        "Mixed",
        "Monolithic",
        "Others",
    ),
    "EMERGENCYSTATE_MODE": ("No", "Yes"),
}


@dataclass(frozen=True, slots=True)
class Bound:
    """Inclusive range of some numeric columns, with the domain as the contract states it."""

    columns: tuple[str, ...]
    low: float
    high: float
    domain: str


# "> 0" as an inclusive bound: the smallest positive double.
_ABOVE_ZERO = math.nextafter(0.0, 1.0)
_FLAGS = tuple(
    name
    for name in RAW_NUMERIC_COLUMNS
    if name.startswith(("FLAG_", "REG_", "LIVE_")) and not name.endswith("_ANOM")
)
_NORMALISED = (
    "REGION_POPULATION_RELATIVE",
    "EXT_SOURCE_1",
    "EXT_SOURCE_2",
    "EXT_SOURCE_3",
    *(name for name in BUILDING_COLUMNS if name in RAW_NUMERIC_COLUMNS),
)
_NON_NEGATIVE = (
    "CNT_CHILDREN",
    "OWN_CAR_AGE",
    "OBS_30_CNT_SOCIAL_CIRCLE",
    "DEF_30_CNT_SOCIAL_CIRCLE",
    "OBS_60_CNT_SOCIAL_CIRCLE",
    "DEF_60_CNT_SOCIAL_CIRCLE",
    *(f"AMT_REQ_CREDIT_BUREAU_{p}" for p in ("HOUR", "DAY", "WEEK", "MON", "QRT", "YEAR")),
)
_EMPLOYED = "DAYS_EMPLOYED"

# The domains stated on the Application message's fields.
BOUNDS: tuple[Bound, ...] = (
    Bound(
        ("AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE"),
        _ABOVE_ZERO,
        math.inf,
        "> 0",
    ),
    Bound(_NON_NEGATIVE, 0.0, math.inf, ">= 0"),
    Bound(("CNT_FAM_MEMBERS",), 1.0, math.inf, "a whole number >= 1"),
    Bound(
        ("DAYS_BIRTH",),
        -MAX_AGE_YEARS * DAYS_PER_YEAR,
        -MIN_AGE_YEARS * DAYS_PER_YEAR,
        f"an age of {MIN_AGE_YEARS} to {MAX_AGE_YEARS} years, i.e. from "
        f"{-MAX_AGE_YEARS * DAYS_PER_YEAR:g} to {-MIN_AGE_YEARS * DAYS_PER_YEAR:g} days",
    ),
    Bound((_EMPLOYED,), -math.inf, 0.0, f"<= 0, or {ANOMALY_DAYS} (not employed)"),
    Bound(
        ("DAYS_REGISTRATION", "DAYS_ID_PUBLISH", "DAYS_LAST_PHONE_CHANGE"),
        -math.inf,
        0.0,
        "<= 0",
    ),
    Bound(_NORMALISED, 0.0, 1.0, "in [0, 1]"),
    Bound(("REGION_RATING_CLIENT", "REGION_RATING_CLIENT_W_CITY"), 1.0, 3.0, "1, 2 or 3"),
    Bound(("HOUR_APPR_PROCESS_START",), 0.0, 23.0, "from 0 to 23"),
    Bound(_FLAGS, 0.0, 1.0, "0 or 1"),
)
_INDEX = {name: j for j, name in enumerate(RAW_NUMERIC_COLUMNS)}
# Violations are reported in the Application message's field order (the Kaggle file's).
_FIELD_ORDER = {column.name: k for k, column in enumerate(APPLICATION_TEST.columns)}


def accepted_values(catalog: FeatureCatalog) -> tuple[tuple[str, ...], ...]:
    """Accepted values of each raw categorical column (RAW_CATEGORICAL_COLUMNS order): the
    model's vocabulary, then Kaggle's documented values."""
    return tuple(_allowed_values(name, catalog) for name in RAW_CATEGORICAL_COLUMNS)


class ApplicationValidator:
    """Checks raw application rows against the contract; immutable, shared by every call.

    Rows are the converter's matrices before cleaning: ``numeric`` float64
    [rows, len(RAW_NUMERIC_COLUMNS)] with NaN where unset, ``codes`` int16
    [rows, len(RAW_CATEGORICAL_COLUMNS)] in ``codes`` (whose values are the accepted ones:
    ``accepted_values``), UNKNOWN_CODE for anything else.
    """

    def __init__(self, codes: CategoryCodes, field_paths: Mapping[str, str]) -> None:
        """``field_paths`` maps a Kaggle column to its reported path (application.amt_credit)."""
        self._paths = dict(field_paths)
        count = len(RAW_NUMERIC_COLUMNS)
        self._low = np.full(count, -np.inf)
        self._high = np.full(count, np.inf)
        self._domain = [""] * count
        for bound in BOUNDS:
            for name in bound.columns:
                j = _INDEX[name]
                self._low[j], self._high[j], self._domain[j] = bound.low, bound.high, bound.domain
        self._employed = _INDEX[_EMPLOYED]
        self._family = _INDEX["CNT_FAM_MEMBERS"]
        self._required = np.asarray([_INDEX[name] for name in REQUIRED_COLUMNS], dtype=np.intp)
        self._credit, self._annuity = _INDEX["AMT_CREDIT"], _INDEX["AMT_ANNUITY"]
        self._allowed = codes.values
        self._rules: Rules = (
            self._low, self._high, self._employed, self._family, self._required, self._credit,
            self._annuity,
        )  # fmt: skip

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
    ) -> dict[int, list[FieldViolation]]:
        """Violations of each bad row (rows absent from the result are valid).

        ``non_finite`` lists (row, column) cells that were set to NaN or an infinity, which
        the matrix cannot tell from an unset value; ``unknown`` gives the text of
        UNKNOWN_CODE cells.
        """
        if not non_finite and not unknown and not self.any_broken(numeric, codes):
            return {}
        found: dict[int, list[tuple[int, FieldViolation]]] = {}
        reported = set(non_finite)
        for row, column in sorted(reported):
            self._add(found, row, column, "must be a finite number (leave it unset when missing)")
        self._numeric_violations(numeric, codes, found, reported)
        self._categorical_violations(codes, unknown or {}, found)
        return {
            row: [violation for _, violation in sorted(items, key=lambda item: item[0])]
            for row, items in sorted(found.items())
        }

    def _numeric_violations(
        self,
        numeric: np.ndarray,
        codes: np.ndarray,
        found: dict[int, list[tuple[int, FieldViolation]]],
        reported: set[tuple[int, str]],
    ) -> None:
        """Bounds, required fields and the loan term; cells in ``reported`` (non-finite
        values, already reported) are not reported again."""
        bad, missing, bad_term = _rule_breaks(numeric, codes, self._rules)
        credit, annuity = numeric[:, self._credit], numeric[:, self._annuity]
        with np.errstate(divide="ignore", invalid="ignore"):
            term = credit / np.where(annuity > 0, annuity, np.nan)
        for row, j in zip(*np.nonzero(bad), strict=True):
            column = RAW_NUMERIC_COLUMNS[j]
            if (int(row), column) not in reported:
                value = float(numeric[row, j])
                self._add(found, int(row), column, f"must be {self._domain[j]}, got {value:.10g}")
        for row, k in zip(*np.nonzero(missing), strict=True):
            if (int(row), REQUIRED_COLUMNS[k]) not in reported:
                self._add(found, int(row), REQUIRED_COLUMNS[k], "required: must be set")
        for row in np.flatnonzero(bad_term).tolist():
            if {(row, "AMT_CREDIT"), (row, "AMT_ANNUITY")} & reported:
                continue
            self._add(
                found,
                row,
                "AMT_ANNUITY",
                f"implies a loan of {float(term[row]):.4g} monthly repayments "
                f"(amt_credit / amt_annuity); must be from {MIN_TERM_MONTHS} to "
                f"{MAX_TERM_MONTHS}",
            )

    def _categorical_violations(
        self,
        codes: np.ndarray,
        unknown: Mapping[tuple[int, str], str],
        found: dict[int, list[tuple[int, FieldViolation]]],
    ) -> None:
        for row, k in zip(*np.nonzero(codes == UNKNOWN_CODE), strict=True):
            column = RAW_CATEGORICAL_COLUMNS[k]
            value = unknown.get((int(row), column), "")
            self._add(
                found,
                int(row),
                column,
                f"unknown value {value!r}; allowed values: "
                + ", ".join(repr(v) for v in self._allowed[k]),
            )

    def _add(
        self,
        found: dict[int, list[tuple[int, FieldViolation]]],
        row: int,
        column: str,
        description: str,
    ) -> None:
        violation = FieldViolation(self._paths.get(column, column), description)
        found.setdefault(row, []).append((_FIELD_ORDER.get(column, len(_FIELD_ORDER)), violation))


_jit = numba.njit(cache=True)


# The rules' tables, as the kernels take them: low and high bounds per column, the columns of
# DAYS_EMPLOYED and CNT_FAM_MEMBERS, the required columns, the columns of AMT_CREDIT and
# AMT_ANNUITY.
Rules = tuple[np.ndarray, np.ndarray, int, int, np.ndarray, int, int]


@_jit
def _row_breaks(
    row: np.ndarray, codes: np.ndarray, rules: Rules, bad: np.ndarray, missing: np.ndarray
) -> tuple[bool, bool]:
    """The rules on one row: fills ``bad`` (cells out of bounds) and ``missing`` (required
    cells unset); returns (any rule broken, bad loan term). An unknown category
    (UNKNOWN_CODE in ``codes``) breaks a rule too."""
    low, high, employed, family, required, credit, annuity = rules
    broken = False
    for j in range(len(row)):
        # Comparisons with NaN (unset) are False: unset fields pass every bound.
        out = row[j] < low[j] or row[j] > high[j]
        if j == employed:
            out = out and row[j] != ANOMALY_DAYS
        elif j == family:
            out = out or row[j] % 1.0 > 0
        bad[j] = out
        broken |= out
    for k in range(len(required)):
        missing[k] = np.isnan(row[required[k]])
        broken |= missing[k]
    # The term credit / annuity, compared without dividing: annuity > 0 is checked first.
    c, a = row[credit], row[annuity]
    bad_term = c > 0 and a > 0 and (c < MIN_TERM_MONTHS * a or c > MAX_TERM_MONTHS * a)
    for code in codes:
        broken |= code == UNKNOWN_CODE
    return broken or bad_term, bad_term


@_jit
def _any_broken(numeric: np.ndarray, codes: np.ndarray, rules: Rules) -> bool:
    """Whether any row breaks a rule: most break none, and this is all they cost."""
    bad = np.empty(numeric.shape[1], dtype=np.bool_)
    missing = np.empty(len(rules[4]), dtype=np.bool_)
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
    missing = np.zeros((rows, len(rules[4])), dtype=np.bool_)
    bad_term = np.zeros(rows, dtype=np.bool_)
    for i in range(rows):
        _, bad_term[i] = _row_breaks(numeric[i], codes[i], rules, bad[i], missing[i])
    return bad, missing, bad_term


def _allowed_values(column: str, catalog: FeatureCatalog) -> tuple[str, ...]:
    values: list[str] = []
    if column in catalog.names:
        values.extend(catalog[column].vocabulary)
    values.extend(KAGGLE_VOCABULARIES.get(column, ()))
    return tuple(dict.fromkeys(values))
