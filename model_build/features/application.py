"""Features of the loan application itself: kept raw columns plus domain ratios (FACTS.md §5)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from model_build.anomalies import anomaly_flag_name, clean_table
from model_build.features.descriptions import ALL_DOCUMENTS, RAW_META
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
    order_columns,
    safe_divide,
)
from model_build.schema import APPLICATION_TEST

__all__ = ["APPLICATION_META", "CATEGORICAL_COLUMNS", "application_features"]

logger = logging.getLogger(__name__)

DAYS_PER_YEAR = 365.25
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


def application_features(app: pd.DataFrame) -> pd.DataFrame:
    """Model inputs computed from application rows alone, indexed by SK_ID_CURR, input order.

    ``app`` is cleaned application rows (train or test layout; TARGET ignored). Rows that were
    not cleaned (no DAYS_EMPLOYED_ANOM column) are cleaned here. Raw columns absent from
    ``app`` come out missing. Ratios with a zero or missing denominator are NaN, never inf.
    """
    if "SK_ID_CURR" not in app.columns:
        raise KeyError("application rows need an SK_ID_CURR column")
    if EMPLOYED_FLAG not in app.columns:
        logger.debug("application rows not cleaned yet: applying clean_table")
        app = clean_table(APPLICATION_TEST, app)
    index = pd.Index(app["SK_ID_CURR"].to_numpy(), name="SK_ID_CURR")
    columns: dict[str, pd.Series | np.ndarray] = {}
    for name in RAW_META:
        columns[name] = _raw_column(app, name)
    columns.update(_derived(app))
    frame = pd.DataFrame({k: _values(v) for k, v in columns.items()}, index=index)
    return order_columns(frame, APPLICATION_META)


def _values(column: pd.Series | np.ndarray) -> pd.Series | np.ndarray:
    # Drop the input index so that columns line up by position with the SK_ID_CURR index.
    if isinstance(column, pd.Series):
        return column.array if isinstance(column.dtype, pd.CategoricalDtype) else column.values
    return column


def _raw_column(app: pd.DataFrame, name: str) -> pd.Series | np.ndarray:
    if name in CATEGORICAL_COLUMNS:
        values = app[name] if name in app.columns else pd.Series([None] * len(app), dtype=object)
        return as_category(values)
    return _number(app, name)


def _number(app: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as float64 (NaN when absent or not numeric)."""
    if name not in app.columns:
        return np.full(len(app), np.nan)
    return pd.to_numeric(app[name], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _derived(app: pd.DataFrame) -> dict[str, np.ndarray]:
    def n(name: str) -> np.ndarray:
        return _number(app, name)

    income, credit, annuity = n("AMT_INCOME_TOTAL"), n("AMT_CREDIT"), n("AMT_ANNUITY")
    goods, family, birth = n("AMT_GOODS_PRICE"), n("CNT_FAM_MEMBERS"), n("DAYS_BIRTH")
    employed = n("DAYS_EMPLOYED")
    age = -birth / DAYS_PER_YEAR
    payment_rate = safe_divide(annuity, credit)
    out: dict[str, np.ndarray] = {
        EMPLOYED_FLAG: n(EMPLOYED_FLAG),
        "AGE_YEARS": age,
        "EMPLOYMENT_YEARS": (0.0 - employed) / DAYS_PER_YEAR,
        "EMPLOYED_TO_AGE": safe_divide(employed, birth),
        "AGE_AT_LOAN_END_YEARS": age + safe_divide(credit, annuity) / 12.0,
        "CREDIT_TO_INCOME": safe_divide(credit, income),
        "ANNUITY_TO_INCOME": safe_divide(annuity, income),
        "PAYMENT_RATE": payment_rate,
        "GOODS_TO_CREDIT": safe_divide(goods, credit),
        "CREDIT_MINUS_GOODS": credit - goods,
        "INCOME_PER_PERSON": safe_divide(income, family),
        "CHILDREN_SHARE": safe_divide(n("CNT_CHILDREN"), family),
        "REGISTRATION_TO_AGE": safe_divide(n("DAYS_REGISTRATION"), birth),
        "ID_PUBLISH_TO_AGE": safe_divide(n("DAYS_ID_PUBLISH"), birth),
        "PHONE_CHANGE_TO_AGE": safe_divide(n("DAYS_LAST_PHONE_CHANGE"), birth),
        "CAR_AGE_TO_AGE": safe_divide(n("OWN_CAR_AGE"), age),
        "SOCIAL_DEFAULT_RATE_30": safe_divide(
            n("DEF_30_CNT_SOCIAL_CIRCLE"), n("OBS_30_CNT_SOCIAL_CIRCLE")
        ),
        "SOCIAL_DEFAULT_RATE_60": safe_divide(
            n("DEF_60_CNT_SOCIAL_CIRCLE"), n("OBS_60_CNT_SOCIAL_CIRCLE")
        ),
        "DOCUMENT_COUNT": _row_sum(app, [f"FLAG_DOCUMENT_{d}" for d in ALL_DOCUMENTS]),
        "CONTACT_COUNT": _row_sum(app, CONTACT_FLAGS),
        "ADDRESS_MISMATCH_COUNT": _row_sum(app, ADDRESS_FLAGS),
        "BUILDING_INFO_MISSING_COUNT": _missing_count(app, BUILDING_COLUMNS),
        "BUREAU_ENQUIRIES_LAST_MONTH": _row_sum(app, ENQUIRIES_LAST_MONTH),
        "BUREAU_ENQUIRIES_LAST_YEAR": _row_sum(app, ENQUIRIES_ALL),
    }
    out.update(_ext_source_stats(np.column_stack([n(c) for c in EXT_SOURCES])))
    return out


def _row_sum(app: pd.DataFrame, names: tuple[str, ...] | list[str]) -> np.ndarray:
    """Sum over the columns; NaN only when every one of them is missing."""
    block = np.column_stack([_number(app, c) for c in names])
    total = np.nansum(block, axis=1)
    total[np.isnan(block).all(axis=1)] = np.nan
    return total


def _missing_count(app: pd.DataFrame, names: tuple[str, ...]) -> np.ndarray:
    count = np.zeros(len(app))
    for name in names:
        count += app[name].isna().to_numpy() if name in app.columns else 1.0
    return count


def _ext_source_stats(scores: np.ndarray) -> dict[str, np.ndarray]:
    known = ~np.isnan(scores)
    n_known = known.sum(axis=1)
    filled = np.where(known, scores, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = filled.sum(axis=1) / n_known
        squares = np.where(known, (scores - mean[:, None]) ** 2, 0.0).sum(axis=1)
        # Sample standard deviation, defined from two known scores on.
        std = np.sqrt(squares / (n_known - 1))
    mean[n_known == 0] = np.nan
    std[n_known < 2] = np.nan
    return {
        "EXT_SOURCE_MEAN": mean,
        "EXT_SOURCE_STD": std,
        "EXT_SOURCE_MIN": np.where(
            n_known > 0, np.where(known, scores, np.inf).min(axis=1), np.nan
        ),
        "EXT_SOURCE_MAX": np.where(
            n_known > 0, np.where(known, scores, -np.inf).max(axis=1), np.nan
        ),
        "EXT_SOURCE_PRODUCT": scores.prod(axis=1),
        "EXT_SOURCE_MISSING_COUNT": (3 - n_known).astype(np.float64),
    }
