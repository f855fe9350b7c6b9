"""Metadata records and the numeric / categorical helpers shared by the feature modules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "FeatureMeta",
    "Source",
    "as_category",
    "category_strings",
    "latest_rows",
    "order_columns",
    "safe_divide",
]

Source = Literal["raw", "derived"]

# Business concepts used to group features in reports and explanations.
EXTERNAL_SCORES = "external scores"
LOAN = "loan requested"
LOAN_BURDEN = "loan burden"
INCOME_FAMILY = "income and family"
AGE_EMPLOYMENT = "age and employment"
HOUSING = "housing and assets"
PROFILE = "personal profile"
SOCIAL = "social circle"
CONTACT_DOCUMENTS = "contact and documents"
REGION = "region"
CREDIT_BUREAU = "credit bureau"
PREVIOUS = "previous applications"
REPAYMENT = "repayment history"
CREDIT_CARDS = "credit cards"
APPLICATION_PROCESS = "application process"

# Units, as shown to a non-expert next to a value.
DAYS = "days"
YEARS = "years"
MONTHS = "months"
HOURS = "hour of day"
CURRENCY = "currency"
RATIO = "ratio"
SHARE = "share"
COUNT = "count"
FLAG = "flag 0/1"
SCORE = "score 0-1"
NORMALISED = "normalised 0-1"
RATING = "rating 1-3"
STATUS = "status 0-5"
CATEGORY = "category"


@dataclass(frozen=True, slots=True)
class FeatureMeta:
    """What a feature means, defined next to the code that computes it."""

    description: str
    group: str
    unit: str
    source: Source = "derived"


def safe_divide(numerator: object, denominator: object) -> pd.Series | np.ndarray:
    """Element-wise ratio; NaN where the denominator is 0 or missing (never inf)."""
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    out[~np.isfinite(out)] = np.nan
    if isinstance(numerator, pd.Series):
        return pd.Series(out, index=numerator.index)
    if isinstance(denominator, pd.Series):
        return pd.Series(out, index=denominator.index)
    return out


def latest_rows(keys: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Positions of the latest row (largest ``times``) of each key; ties go to the last row."""
    order = np.lexsort((times, keys))
    sorted_keys = keys[order]
    is_last = np.ones(len(sorted_keys), dtype=bool)
    is_last[:-1] = sorted_keys[1:] != sorted_keys[:-1]
    return order[is_last]


def order_columns(frame: pd.DataFrame, meta: Mapping[str, FeatureMeta]) -> pd.DataFrame:
    """``frame`` with exactly the columns declared in ``meta``, in declaration order.

    Raises when the code and the metadata disagree, so no feature ships undescribed.
    """
    unknown = [c for c in frame.columns if c not in meta]
    missing = [c for c in meta if c not in frame.columns]
    if unknown or missing:
        raise KeyError(f"features without metadata {unknown}; metadata without feature {missing}")
    return frame[list(meta)]


def category_strings(values: pd.Series) -> np.ndarray:
    """Object array of str, None where missing; blank strings count as missing."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        spelled = np.array([str(c) for c in values.cat.categories] + [None], dtype=object)
        out = spelled[values.cat.codes.to_numpy()]
    else:
        out = values.to_numpy(dtype=object, copy=True)
        present = ~pd.isna(out)
        out[present] = [str(v) for v in out[present]]
        out[~present] = None
    out[out == ""] = None
    return out


def as_category(values: pd.Series, vocabulary: Sequence[str] | None = None) -> pd.Series:
    """``values`` as a categorical of strings.

    Categories are ``vocabulary`` when given (values outside it become missing, so a served
    frame can only hold what training saw), else the sorted observed values.
    """
    strings = category_strings(values)
    if vocabulary is None:
        vocabulary = sorted({v for v in strings if v is not None})
    categories = pd.Index(list(vocabulary), dtype=object)
    # Values outside the vocabulary (and missing ones) get code -1, i.e. missing.
    codes = categories.get_indexer(strings)
    categorical = pd.Categorical.from_codes(codes, categories=categories)
    return pd.Series(categorical, index=values.index, name=values.name)
