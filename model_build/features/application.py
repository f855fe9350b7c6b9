"""Features of the loan application itself: kept raw columns plus domain ratios (FACTS.md §5)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd

from model_build.anomalies import anomaly_flag_name, clean_table
from model_build.features.descriptions import ALL_DOCUMENTS, RAW_META
from model_build.features.kernels import FORMULAS, DerivedTables, derived_rows
from model_build.features.meta import (
    AGE_EMPLOYMENT,
    CONTACT_DOCUMENTS,
    COUNT,
    CREDIT_BUREAU,
    CURRENCY,
    EXTERNAL_SCORES,
    FLAG,
    HOUSING,
    INCOME_FAMILY,
    LOAN,
    LOAN_BURDEN,
    RATIO,
    REGION,
    SCORE,
    SHARE,
    SOCIAL,
    YEARS,
    FeatureMeta,
    as_category,
    category_strings,
    order_columns,
)
from model_build.schema import APPLICATION_TEST

__all__ = [
    "APPLICATION_META",
    "CATEGORICAL_COLUMNS",
    "DERIVED_COLUMNS",
    "DERIVED_TABLES",
    "KEPT_CATEGORICAL",
    "KEPT_NUMERIC",
    "RAW_CATEGORICAL_COLUMNS",
    "RAW_NUMERIC_COLUMNS",
    "RawApplication",
    "application_columns",
    "application_features",
    "derived_columns",
    "derived_matrix",
    "raw_application",
]

logger = logging.getLogger(__name__)

EMPLOYED_FLAG = anomaly_flag_name("DAYS_EMPLOYED")
CATEGORICAL_COLUMNS: frozenset[str] = frozenset(
    c.name for c in APPLICATION_TEST.columns if c.is_categorical
)
EXT_SOURCES = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3")
CONTACT_FLAGS = (
    "FLAG_EMP_PHONE",
    "FLAG_WORK_PHONE",
    "FLAG_CONT_MOBILE",
    "FLAG_PHONE",
    "FLAG_EMAIL",
)
ADDRESS_FLAGS = (
    "REG_REGION_NOT_LIVE_REGION",
    "REG_REGION_NOT_WORK_REGION",
    "LIVE_REGION_NOT_WORK_REGION",
    "REG_CITY_NOT_LIVE_CITY",
    "REG_CITY_NOT_WORK_CITY",
    "LIVE_CITY_NOT_WORK_CITY",
)
ENQUIRIES_LAST_MONTH = tuple(f"AMT_REQ_CREDIT_BUREAU_{p}" for p in ("HOUR", "DAY", "WEEK", "MON"))
ENQUIRIES_ALL = (*ENQUIRIES_LAST_MONTH, "AMT_REQ_CREDIT_BUREAU_QRT", "AMT_REQ_CREDIT_BUREAU_YEAR")
# The 47 building columns of the Kaggle file (all statistics), whose missingness is informative.
BUILDING_COLUMNS = tuple(
    c.name for c in APPLICATION_TEST.columns if c.name.endswith(("_AVG", "_MODE", "_MEDI"))
)

DERIVED_META: dict[str, FeatureMeta] = {
    EMPLOYED_FLAG: FeatureMeta(
        "No employment start date recorded (the data's placeholder; mostly pensioners)",
        AGE_EMPLOYMENT,
        FLAG,
    ),
    "AGE_YEARS": FeatureMeta("Age of the client at application", AGE_EMPLOYMENT, YEARS),
    "EMPLOYMENT_YEARS": FeatureMeta(
        "Years in the current job at application", AGE_EMPLOYMENT, YEARS
    ),
    "EMPLOYED_TO_AGE": FeatureMeta(
        "Time in the current job as a share of the client's age", AGE_EMPLOYMENT, SHARE
    ),
    "AGE_AT_LOAN_END_YEARS": FeatureMeta(
        "Roughly the age the client will be when the last monthly repayment is due",
        AGE_EMPLOYMENT,
        YEARS,
    ),
    "CREDIT_TO_INCOME": FeatureMeta("Loan amount divided by declared income", LOAN_BURDEN, RATIO),
    "ANNUITY_TO_INCOME": FeatureMeta(
        "Loan repayment as a share of declared income", LOAN_BURDEN, SHARE
    ),
    "PAYMENT_RATE": FeatureMeta(
        "Repayment as a share of the loan amount (higher = shorter loan)", LOAN_BURDEN, SHARE
    ),
    "GOODS_TO_CREDIT": FeatureMeta("Price of the goods divided by the loan amount", LOAN, RATIO),
    "CREDIT_MINUS_GOODS": FeatureMeta(
        "Loan amount above the price of the goods (fees, insurance, ...)", LOAN, CURRENCY
    ),
    "INCOME_PER_PERSON": FeatureMeta("Declared income per family member", INCOME_FAMILY, CURRENCY),
    "CHILDREN_SHARE": FeatureMeta(
        "Children as a share of the family members", INCOME_FAMILY, SHARE
    ),
    "REGISTRATION_TO_AGE": FeatureMeta(
        "Time since the last registration change as a share of age", CONTACT_DOCUMENTS, SHARE
    ),
    "ID_PUBLISH_TO_AGE": FeatureMeta(
        "Time since the identity document was renewed as a share of age",
        CONTACT_DOCUMENTS,
        SHARE,
    ),
    "PHONE_CHANGE_TO_AGE": FeatureMeta(
        "Time since the last phone change as a share of age", CONTACT_DOCUMENTS, SHARE
    ),
    "CAR_AGE_TO_AGE": FeatureMeta("Car age divided by the client's age", HOUSING, RATIO),
    "EXT_SOURCE_MEAN": FeatureMeta(
        "Average of the available external scores", EXTERNAL_SCORES, SCORE
    ),
    "EXT_SOURCE_STD": FeatureMeta(
        "Disagreement between the external scores (standard deviation)", EXTERNAL_SCORES, SCORE
    ),
    "EXT_SOURCE_MIN": FeatureMeta("Lowest external score", EXTERNAL_SCORES, SCORE),
    "EXT_SOURCE_MAX": FeatureMeta("Highest external score", EXTERNAL_SCORES, SCORE),
    "EXT_SOURCE_PRODUCT": FeatureMeta(
        "Product of the three external scores (missing unless all three are known)",
        EXTERNAL_SCORES,
        SCORE,
    ),
    "EXT_SOURCE_MISSING_COUNT": FeatureMeta(
        "Number of external scores that are unknown (0-3)", EXTERNAL_SCORES, COUNT
    ),
    "SOCIAL_DEFAULT_RATE_30": FeatureMeta(
        "Share of the observed social circle that defaulted by more than 30 days",
        SOCIAL,
        SHARE,
    ),
    "SOCIAL_DEFAULT_RATE_60": FeatureMeta(
        "Share of the observed social circle that defaulted by more than 60 days",
        SOCIAL,
        SHARE,
    ),
    "DOCUMENT_COUNT": FeatureMeta(
        "Number of optional documents the client provided (of 20)", CONTACT_DOCUMENTS, COUNT
    ),
    "CONTACT_COUNT": FeatureMeta(
        "Number of contact channels given (phones, e-mail; of 5)", CONTACT_DOCUMENTS, COUNT
    ),
    "ADDRESS_MISMATCH_COUNT": FeatureMeta(
        "Number of mismatches between permanent, contact and work addresses (of 6)",
        REGION,
        COUNT,
    ),
    "BUILDING_INFO_MISSING_COUNT": FeatureMeta(
        "Number of unknown details about the client's building (of 47)", HOUSING, COUNT
    ),
    "BUREAU_ENQUIRIES_LAST_MONTH": FeatureMeta(
        "Enquiries to the credit bureau about the client in the month before applying",
        CREDIT_BUREAU,
        COUNT,
    ),
    "BUREAU_ENQUIRIES_LAST_YEAR": FeatureMeta(
        "Enquiries to the credit bureau about the client in the year before applying",
        CREDIT_BUREAU,
        COUNT,
    ),
}

APPLICATION_META: dict[str, FeatureMeta] = {
    **{c.name: RAW_META[c.name] for c in APPLICATION_TEST.columns if c.name in RAW_META},
    **DERIVED_META,
}


# Inputs of the formulas: the application file's columns (SK_ID_CURR aside), cleaned. The
# numeric block ends with the DAYS_EMPLOYED placeholder flag that cleaning adds.
RAW_NUMERIC_COLUMNS: tuple[str, ...] = (
    *(c.name for c in APPLICATION_TEST.columns if not c.is_categorical and c.name != "SK_ID_CURR"),
    EMPLOYED_FLAG,
)
RAW_CATEGORICAL_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in APPLICATION_TEST.columns if c.is_categorical
)
# Raw columns that are model inputs as they are (the rest of APPLICATION_META is derived).
KEPT_NUMERIC: tuple[str, ...] = tuple(n for n in RAW_META if n not in CATEGORICAL_COLUMNS)
KEPT_CATEGORICAL: tuple[str, ...] = tuple(n for n in RAW_META if n in CATEGORICAL_COLUMNS)

_NUMERIC_INDEX = {name: j for j, name in enumerate(RAW_NUMERIC_COLUMNS)}
_CATEGORICAL_INDEX = {name: j for j, name in enumerate(RAW_CATEGORICAL_COLUMNS)}

# Ratios of two raw columns: feature -> (numerator, denominator). NaN where the denominator is
# zero or missing. "_LOAN_TERM_MONTHS" is an intermediate, not a feature.
_LOAN_TERM = "_LOAN_TERM_MONTHS"
RAW_RATIOS: dict[str, tuple[str, str]] = {
    "EMPLOYED_TO_AGE": ("DAYS_EMPLOYED", "DAYS_BIRTH"),
    _LOAN_TERM: ("AMT_CREDIT", "AMT_ANNUITY"),
    "CREDIT_TO_INCOME": ("AMT_CREDIT", "AMT_INCOME_TOTAL"),
    "ANNUITY_TO_INCOME": ("AMT_ANNUITY", "AMT_INCOME_TOTAL"),
    "PAYMENT_RATE": ("AMT_ANNUITY", "AMT_CREDIT"),
    "GOODS_TO_CREDIT": ("AMT_GOODS_PRICE", "AMT_CREDIT"),
    "INCOME_PER_PERSON": ("AMT_INCOME_TOTAL", "CNT_FAM_MEMBERS"),
    "CHILDREN_SHARE": ("CNT_CHILDREN", "CNT_FAM_MEMBERS"),
    "REGISTRATION_TO_AGE": ("DAYS_REGISTRATION", "DAYS_BIRTH"),
    "ID_PUBLISH_TO_AGE": ("DAYS_ID_PUBLISH", "DAYS_BIRTH"),
    "PHONE_CHANGE_TO_AGE": ("DAYS_LAST_PHONE_CHANGE", "DAYS_BIRTH"),
    "SOCIAL_DEFAULT_RATE_30": ("DEF_30_CNT_SOCIAL_CIRCLE", "OBS_30_CNT_SOCIAL_CIRCLE"),
    "SOCIAL_DEFAULT_RATE_60": ("DEF_60_CNT_SOCIAL_CIRCLE", "OBS_60_CNT_SOCIAL_CIRCLE"),
}
# Counts over groups of columns: feature -> columns summed (NaN when all of them are missing).
ROW_SUMS: dict[str, tuple[str, ...]] = {
    "DOCUMENT_COUNT": tuple(f"FLAG_DOCUMENT_{d}" for d in ALL_DOCUMENTS),
    "CONTACT_COUNT": CONTACT_FLAGS,
    "ADDRESS_MISMATCH_COUNT": ADDRESS_FLAGS,
    "BUREAU_ENQUIRIES_LAST_MONTH": ENQUIRIES_LAST_MONTH,
    "BUREAU_ENQUIRIES_LAST_YEAR": ENQUIRIES_ALL,
}


def _positions(names: tuple[str, ...], index: Mapping[str, int]) -> np.ndarray:
    return np.asarray([index[name] for name in names], dtype=np.intp)


_RATIO_NUMERATORS = _positions(tuple(n for n, _ in RAW_RATIOS.values()), _NUMERIC_INDEX)
_RATIO_DENOMINATORS = _positions(tuple(d for _, d in RAW_RATIOS.values()), _NUMERIC_INDEX)
# The row sums read one gathered block, group after group, reduced with one reduceat call.
_SUM_COLUMNS = _positions(tuple(c for cols in ROW_SUMS.values() for c in cols), _NUMERIC_INDEX)
_BUILDING_NUMERIC = _positions(
    tuple(c for c in BUILDING_COLUMNS if c in _NUMERIC_INDEX), _NUMERIC_INDEX
)
# None as an object scalar array: np.equal(values, _NONE) finds missing categories.
_NONE = np.asarray(None, dtype=object)
_BUILDING_CATEGORICAL = _positions(
    tuple(c for c in BUILDING_COLUMNS if c in _CATEGORICAL_INDEX), _CATEGORICAL_INDEX
)


class RawApplication(Mapping[str, np.ndarray]):
    """Cleaned application rows as two matrices: the one input of the feature formulas.

    ``numeric`` is float64 [rows, len(RAW_NUMERIC_COLUMNS)] with NaN where missing (the
    DAYS_EMPLOYED placeholder already NaN and flagged); ``categorical`` is object
    [rows, len(RAW_CATEGORICAL_COLUMNS)] holding str, or None where missing (XNA / XAP
    included). Reading a column by name gives a view of its matrix.
    """

    __slots__ = ("categorical", "numeric")

    def __init__(self, numeric: np.ndarray, categorical: np.ndarray) -> None:
        rows = numeric.shape[0]
        if numeric.shape != (rows, len(RAW_NUMERIC_COLUMNS)) or numeric.dtype != np.float64:
            raise ValueError(f"numeric must be float64 [rows, {len(RAW_NUMERIC_COLUMNS)}]")
        if categorical.shape != (rows, len(RAW_CATEGORICAL_COLUMNS)):
            raise ValueError(f"categorical must be [rows, {len(RAW_CATEGORICAL_COLUMNS)}]")
        self.numeric = numeric
        self.categorical = categorical

    @property
    def rows(self) -> int:
        return int(self.numeric.shape[0])

    def __getitem__(self, name: str) -> np.ndarray:
        j = _NUMERIC_INDEX.get(name)
        if j is not None:
            return self.numeric[:, j]
        return self.categorical[:, _CATEGORICAL_INDEX[name]]

    def __iter__(self) -> Iterator[str]:
        return iter((*RAW_NUMERIC_COLUMNS, *RAW_CATEGORICAL_COLUMNS))

    def __len__(self) -> int:
        return len(RAW_NUMERIC_COLUMNS) + len(RAW_CATEGORICAL_COLUMNS)


def raw_application(app: pd.DataFrame) -> RawApplication:
    """The formulas' input from cleaned application rows (absent columns are missing)."""
    numeric = np.empty((len(app), len(RAW_NUMERIC_COLUMNS)), dtype=np.float64)
    for j, name in enumerate(RAW_NUMERIC_COLUMNS):
        numeric[:, j] = _number(app, name)
    categorical = np.full((len(app), len(RAW_CATEGORICAL_COLUMNS)), None, dtype=object)
    for j, name in enumerate(RAW_CATEGORICAL_COLUMNS):
        if name in app.columns:
            categorical[:, j] = category_strings(app[name])
    return RawApplication(numeric, categorical)


def application_features(app: pd.DataFrame) -> pd.DataFrame:
    """Model inputs computed from application rows alone, indexed by SK_ID_CURR, input order.

    ``app`` is cleaned application rows (train or test layout; TARGET ignored). Rows that were
    not cleaned (no DAYS_EMPLOYED_ANOM column) are cleaned here. Raw columns absent from
    ``app`` come out missing. Ratios with a zero or missing denominator are NaN, never inf.
    The values come from ``application_columns``, the formulas the server uses too.
    """
    if "SK_ID_CURR" not in app.columns:
        raise KeyError("application rows need an SK_ID_CURR column")
    if EMPLOYED_FLAG not in app.columns:
        logger.debug("application rows not cleaned yet: applying clean_table")
        app = clean_table(APPLICATION_TEST, app)
    index = pd.Index(app["SK_ID_CURR"].to_numpy(), name="SK_ID_CURR")
    columns = application_columns(raw_application(app))
    frame = pd.DataFrame(
        {
            name: as_category(pd.Series(values, dtype=object)).array
            if name in CATEGORICAL_COLUMNS
            else values
            for name, values in columns.items()
        },
        index=index,
    )
    return order_columns(frame, APPLICATION_META)


def application_columns(raw: RawApplication) -> dict[str, np.ndarray]:
    """Every APPLICATION_META feature of ``raw``'s rows, in APPLICATION_META order.

    Numeric features are float64 arrays; categorical ones object arrays of str / None.
    """
    derived = derived_columns(raw)
    return {name: derived[name] if name in derived else raw[name] for name in APPLICATION_META}


def derived_columns(raw: RawApplication) -> dict[str, np.ndarray]:
    """The derived application features (DERIVED_META), float64 arrays: the formulas."""
    matrix = derived_matrix(raw)
    return {name: matrix[:, DERIVED_COLUMNS.index(name)] for name in DERIVED_META}


def derived_matrix(raw: RawApplication) -> np.ndarray:
    """float64 [rows, len(DERIVED_COLUMNS)]: the derived features of each row, computed by
    the compiled formulas (``kernels.derived_rows``) that serving uses too."""
    building_missing = np.equal(raw.categorical[:, _BUILDING_CATEGORICAL], _NONE).sum(axis=1)
    return derived_rows(raw.numeric, building_missing.astype(np.float64), DERIVED_TABLES)


# The formulas' index tables (see kernels._derived_row): the raw inputs read by name...
_KERNEL_INPUTS = _positions(
    (
        "DAYS_BIRTH",
        "DAYS_EMPLOYED",
        EMPLOYED_FLAG,
        "AMT_CREDIT",
        "AMT_GOODS_PRICE",
        "OWN_CAR_AGE",
        *EXT_SOURCES,
    ),
    _NUMERIC_INDEX,
)
DERIVED_TABLES: DerivedTables = (
    _KERNEL_INPUTS,
    np.stack([_RATIO_NUMERATORS, _RATIO_DENOMINATORS]),
    tuple(RAW_RATIOS).index(_LOAN_TERM),
    _BUILDING_NUMERIC,
    _SUM_COLUMNS,
    np.cumsum([len(cols) for cols in ROW_SUMS.values()]).astype(np.intp),
)
# ...and the columns of derived_matrix, in the order the kernel writes them.
DERIVED_COLUMNS: tuple[str, ...] = (*RAW_RATIOS, *FORMULAS, *ROW_SUMS)
if FORMULAS[0] != EMPLOYED_FLAG or set(DERIVED_COLUMNS) - {_LOAN_TERM} != set(DERIVED_META):
    raise AssertionError("kernels.FORMULAS must write every DERIVED_META feature")


def _number(app: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as float64 (NaN when absent or not numeric)."""
    if name not in app.columns:
        return np.full(len(app), np.nan)
    return pd.to_numeric(app[name], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
