"""Per-client aggregates of the client's earlier applications to the lender."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model_build.features.meta import (
    COUNT,
    CURRENCY,
    DAYS,
    FLAG,
    MONTHS,
    PREVIOUS,
    RATIO,
    SHARE,
    FeatureMeta,
    latest_rows,
    order_columns,
    safe_divide,
)

__all__ = ["PREVIOUS_META", "previous_features"]

KEY = "SK_ID_CURR"
RECENT_DAYS = -365


def _m(description: str, unit: str) -> FeatureMeta:
    return FeatureMeta(description, PREVIOUS, unit)


PREVIOUS_META: dict[str, FeatureMeta] = {
    "PREV_COUNT": _m("Earlier applications to the lender", COUNT),
    "PREV_APPROVED_COUNT": _m("Earlier applications that were approved", COUNT),
    "PREV_REFUSED_COUNT": _m("Earlier applications that were refused", COUNT),
    "PREV_REFUSAL_RATE": _m("Share of earlier applications that were refused", SHARE),
    "PREV_CANCELED_SHARE": _m("Share of earlier applications cancelled by the client", SHARE),
    "PREV_LAST_REFUSED": _m("The most recent earlier application was refused", FLAG),
    "PREV_APPLICATIONS_LAST_YEAR": _m("Applications in the year before this one", COUNT),
    "PREV_DAYS_SINCE_LAST": _m("Days since the decision on the last earlier application", DAYS),
    "PREV_DAYS_SINCE_FIRST": _m("Days since the decision on the first earlier application", DAYS),
    "PREV_DAYS_SINCE_LAST_REFUSAL": _m("Days since the last refusal", DAYS),
    "PREV_ASKED_MEAN": _m("Average amount asked for in earlier applications", CURRENCY),
    "PREV_ASKED_MAX": _m("Largest amount asked for in an earlier application", CURRENCY),
    "PREV_REFUSED_ASKED_MEAN": _m("Average amount asked for in refused applications", CURRENCY),
    "PREV_APPROVED_CREDIT_MEAN": _m("Average amount of the earlier approved loans", CURRENCY),
    "PREV_APPROVED_ANNUITY_MEAN": _m(
        "Average monthly repayment of the earlier approved loans", CURRENCY
    ),
    "PREV_APPROVED_TERM_MEAN": _m("Average length of the earlier approved loans", MONTHS),
    "PREV_ASKED_TO_GRANTED_MEAN": _m(
        "Amount asked for divided by amount granted, on average over approved loans", RATIO
    ),
    "PREV_ASKED_TO_GRANTED_MAX": _m(
        "Largest ratio of amount asked for to amount granted (how much was cut)", RATIO
    ),
    "PREV_DOWN_PAYMENT_RATE_MEAN": _m(
        "Average down payment as a share of the price, on earlier applications", SHARE
    ),
    "PREV_HIGH_INTEREST_SHARE": _m("Share of earlier loans priced in the high-rate band", SHARE),
    "PREV_INSURED_SHARE": _m("Share of earlier approved loans taken with insurance", SHARE),
    "PREV_RUNNING_COUNT": _m("Earlier approved loans planned to run past this application", COUNT),
    "PREV_RUNNING_ANNUITY_SUM": _m(
        "Monthly repayments of the earlier loans still running", CURRENCY
    ),
}


def previous_features(previous: pd.DataFrame) -> pd.DataFrame:
    """One row per client of ``previous`` (cleaned previous_application rows)."""
    status = previous["NAME_CONTRACT_STATUS"]
    approved = (status == "Approved").to_numpy()
    refused = (status == "Refused").to_numpy()
    decided = previous["DAYS_DECISION"].to_numpy(dtype=np.float64)
    asked = previous["AMT_APPLICATION"].to_numpy(dtype=np.float64)
    granted = previous["AMT_CREDIT"].to_numpy(dtype=np.float64)
    annuity = previous["AMT_ANNUITY"].to_numpy(dtype=np.float64)
    yield_group = previous["NAME_YIELD_GROUP"]
    # Approved loans whose first planned last due date lies after this application.
    running = approved & (previous["DAYS_LAST_DUE_1ST_VERSION"].to_numpy(dtype=np.float64) > 0)
    rows = pd.DataFrame(
        {
            KEY: previous[KEY].to_numpy(),
            "approved": approved.astype(np.int8),
            "refused": refused.astype(np.int8),
            "canceled": (status == "Canceled").to_numpy().astype(np.int8),
            "recent": (decided >= RECENT_DAYS).astype(np.int8),
            "decided": decided,
            "refused_decided": np.where(refused, decided, np.nan),
            "asked": asked,
            "refused_asked": np.where(refused, asked, np.nan),
            "approved_credit": np.where(approved, granted, np.nan),
            "approved_annuity": np.where(approved, annuity, np.nan),
            "approved_term": np.where(
                approved, previous["CNT_PAYMENT"].to_numpy(dtype=np.float64), np.nan
            ),
            "asked_to_granted": np.where(approved, safe_divide(asked, granted), np.nan),
            "down_rate": previous["RATE_DOWN_PAYMENT"].to_numpy(dtype=np.float64),
            "high_yield": _flag_where_known(yield_group, "high"),
            "insured": np.where(
                approved, previous["NFLAG_INSURED_ON_APPROVAL"].to_numpy(dtype=np.float64), np.nan
            ),
            "running": running.astype(np.int8),
            "running_annuity": np.where(running, annuity, np.nan),
        }
    )
    g = rows.groupby(KEY, sort=True).agg(
        count=("approved", "size"),
        approved=("approved", "sum"),
        refused=("refused", "sum"),
        canceled=("canceled", "sum"),
        recent=("recent", "sum"),
        last=("decided", "max"),
        first=("decided", "min"),
        last_refusal=("refused_decided", "max"),
        asked_mean=("asked", "mean"),
        asked_max=("asked", "max"),
        refused_asked=("refused_asked", "mean"),
        approved_credit=("approved_credit", "mean"),
        approved_annuity=("approved_annuity", "mean"),
        approved_term=("approved_term", "mean"),
        asked_to_granted_mean=("asked_to_granted", "mean"),
        asked_to_granted_max=("asked_to_granted", "max"),
        down_rate=("down_rate", "mean"),
        high_yield=("high_yield", "mean"),
        insured=("insured", "mean"),
        running=("running", "sum"),
        running_annuity=("running_annuity", "sum"),
    )
    out = pd.DataFrame(
        {
            "PREV_COUNT": g["count"],
            "PREV_APPROVED_COUNT": g["approved"],
            "PREV_REFUSED_COUNT": g["refused"],
            "PREV_REFUSAL_RATE": safe_divide(g["refused"], g["count"]),
            "PREV_CANCELED_SHARE": safe_divide(g["canceled"], g["count"]),
            "PREV_LAST_REFUSED": _last_refused(previous, refused, decided, g.index),
            "PREV_APPLICATIONS_LAST_YEAR": g["recent"],
            "PREV_DAYS_SINCE_LAST": 0.0 - g["last"],
            "PREV_DAYS_SINCE_FIRST": 0.0 - g["first"],
            "PREV_DAYS_SINCE_LAST_REFUSAL": 0.0 - g["last_refusal"],
            "PREV_ASKED_MEAN": g["asked_mean"],
            "PREV_ASKED_MAX": g["asked_max"],
            "PREV_REFUSED_ASKED_MEAN": g["refused_asked"],
            "PREV_APPROVED_CREDIT_MEAN": g["approved_credit"],
            "PREV_APPROVED_ANNUITY_MEAN": g["approved_annuity"],
            "PREV_APPROVED_TERM_MEAN": g["approved_term"],
            "PREV_ASKED_TO_GRANTED_MEAN": g["asked_to_granted_mean"],
            "PREV_ASKED_TO_GRANTED_MAX": g["asked_to_granted_max"],
            "PREV_DOWN_PAYMENT_RATE_MEAN": g["down_rate"],
            "PREV_HIGH_INTEREST_SHARE": g["high_yield"],
            "PREV_INSURED_SHARE": g["insured"],
            "PREV_RUNNING_COUNT": g["running"],
            "PREV_RUNNING_ANNUITY_SUM": g["running_annuity"],
        },
        index=g.index,
    )
    return order_columns(out.astype(np.float64), PREVIOUS_META)


def _flag_where_known(values: pd.Series, level: str) -> np.ndarray:
    """1.0 where ``values == level``, 0.0 for other values, NaN where missing."""
    flag = (values == level).to_numpy().astype(np.float64)
    flag[values.isna().to_numpy()] = np.nan
    return flag


def _last_refused(
    previous: pd.DataFrame, refused: np.ndarray, decided: np.ndarray, index: pd.Index
) -> pd.Series:
    # Ties on the decision day go to the highest SK_ID_PREV, so the result ignores row order.
    keys = previous[KEY].to_numpy()
    order = np.lexsort((previous["SK_ID_PREV"].to_numpy(), decided))
    last = order[latest_rows(keys[order], np.arange(len(order)))]
    return pd.Series(refused[last].astype(np.float64), index=keys[last]).reindex(index)
