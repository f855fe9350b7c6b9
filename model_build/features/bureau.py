"""Per-client aggregates of other lenders' credits (bureau) and their monthly statuses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model_build.features.meta import (
    COUNT,
    CREDIT_BUREAU,
    CURRENCY,
    DAYS,
    MONTHS,
    SHARE,
    STATUS,
    FeatureMeta,
    order_columns,
    safe_divide,
)

__all__ = ["BALANCE_META", "BUREAU_META", "bureau_features"]

KEY = "SK_ID_CURR"
# DAYS_CREDIT_ENDDATE, DAYS_ENDDATE_FACT and DAYS_CREDIT_UPDATE hold impossible values near
# -42,000 days (FACTS.md §3.1); anything older than this is treated as unknown.
OLDEST_PLAUSIBLE_DAYS = -36_500
SECURED_TYPES = ("Car loan", "Mortgage", "Real estate loan")
BAD_DEBT_STATES = ("Sold", "Bad debt")
RECENT_DAYS = -365
RECENT_MONTHS = -12


def _m(description: str, unit: str) -> FeatureMeta:
    return FeatureMeta(description, CREDIT_BUREAU, unit)


BUREAU_META: dict[str, FeatureMeta] = {
    "BUREAU_CREDIT_COUNT": _m("Credits with other lenders known to the credit bureau", COUNT),
    "BUREAU_ACTIVE_COUNT": _m("Credits with other lenders still running", COUNT),
    "BUREAU_ACTIVE_SHARE": _m("Share of the bureau credits still running", SHARE),
    "BUREAU_BAD_DEBT_COUNT": _m("Bureau credits sold to collectors or written off", COUNT),
    "BUREAU_CREDIT_TYPES_COUNT": _m("Different kinds of credit in the bureau record", COUNT),
    "BUREAU_MICROLOAN_COUNT": _m("Microloans in the bureau record", COUNT),
    "BUREAU_CREDIT_CARD_SHARE": _m("Share of the bureau credits that are credit cards", SHARE),
    "BUREAU_SECURED_COUNT": _m("Car loans and mortgages in the bureau record", COUNT),
    "BUREAU_OLDEST_CREDIT_DAYS_AGO": _m("Days since the oldest bureau credit was opened", DAYS),
    "BUREAU_NEWEST_CREDIT_DAYS_AGO": _m("Days since the newest bureau credit was opened", DAYS),
    "BUREAU_CREDITS_LAST_YEAR": _m("Bureau credits opened in the year before applying", COUNT),
    "BUREAU_ACTIVE_MAX_DAYS_TO_END": _m(
        "Days until the last running bureau credit is planned to end", DAYS
    ),
    "BUREAU_CLOSED_LATE_SHARE": _m(
        "Share of finished bureau credits that ended after their planned end date", SHARE
    ),
    "BUREAU_OVERDUE_CREDITS_COUNT": _m("Bureau credits overdue at application", COUNT),
    "BUREAU_OVERDUE_DAYS_MAX": _m("Longest delay on a bureau credit at application", DAYS),
    "BUREAU_OVERDUE_AMOUNT_SUM": _m("Total amount overdue on bureau credits", CURRENCY),
    "BUREAU_MAX_OVERDUE_EVER": _m(
        "Largest amount ever overdue on a single bureau credit", CURRENCY
    ),
    "BUREAU_PROLONGATIONS": _m("Times bureau credits were prolonged", COUNT),
    "BUREAU_CREDIT_AMOUNT_MEAN": _m("Average amount of the bureau credits", CURRENCY),
    "BUREAU_CREDIT_AMOUNT_MAX": _m("Largest bureau credit amount", CURRENCY),
    "BUREAU_ACTIVE_CREDIT_SUM": _m("Total amount of the running bureau credits", CURRENCY),
    "BUREAU_ACTIVE_DEBT_SUM": _m("Debt still owed on the running bureau credits", CURRENCY),
    "BUREAU_ACTIVE_DEBT_SHARE": _m(
        "Share of the running bureau credits still owed (debt / amount)", SHARE
    ),
    "BUREAU_ACTIVE_LIMIT_SUM": _m("Credit-card limits of the running bureau credits", CURRENCY),
}

BALANCE_META: dict[str, FeatureMeta] = {
    "BUREAU_MONTHS_REPORTED": _m("Monthly statuses the bureau reported on the credits", COUNT),
    "BUREAU_LATE_MONTHS": _m("Months with a late payment on a bureau credit", COUNT),
    "BUREAU_LATE_MONTHS_SHARE": _m(
        "Share of the open months with a late payment on a bureau credit", SHARE
    ),
    "BUREAU_LATE_MONTHS_LAST_YEAR": _m(
        "Months with a late payment on a bureau credit in the last 12 months", COUNT
    ),
    "BUREAU_WORST_STATUS": _m(
        "Worst monthly delay on a bureau credit (0 none, 1 up to 30 days, ... 5 over 120 "
        "days or written off)",
        STATUS,
    ),
    "BUREAU_MONTHS_SINCE_LATE": _m("Months since the last late bureau payment", MONTHS),
}


def bureau_features(bureau: pd.DataFrame, balance: pd.DataFrame | None) -> pd.DataFrame:
    """One row per client of ``bureau``; the monthly-status block only when ``balance`` is given."""
    credits = _credit_features(bureau)
    if balance is None:
        return credits
    return credits.join(_balance_features(bureau, balance), how="left")


def _days(values: pd.Series) -> pd.Series:
    days = values.astype(np.float64)
    return days.mask(days < OLDEST_PLAUSIBLE_DAYS)


def _credit_features(bureau: pd.DataFrame) -> pd.DataFrame:
    state = bureau["CREDIT_ACTIVE"]
    kind = bureau["CREDIT_TYPE"]
    active = (state == "Active").to_numpy()
    closed = (state == "Closed").to_numpy()
    opened = bureau["DAYS_CREDIT"].astype(np.float64)
    planned_end = _days(bureau["DAYS_CREDIT_ENDDATE"])
    actual_end = _days(bureau["DAYS_ENDDATE_FACT"])
    overdue_days = bureau["CREDIT_DAY_OVERDUE"].astype(np.float64)
    overdue_amount = bureau["AMT_CREDIT_SUM_OVERDUE"].astype(np.float64)
    amount = bureau["AMT_CREDIT_SUM"].astype(np.float64)
    ended_known = closed & planned_end.notna().to_numpy() & actual_end.notna().to_numpy()
    rows = pd.DataFrame(
        {
            KEY: bureau[KEY].to_numpy(),
            "active": active.astype(np.int8),
            "bad": state.isin(BAD_DEBT_STATES).to_numpy().astype(np.int8),
            "type_code": _codes_or_nan(kind),
            "micro": (kind == "Microloan").to_numpy().astype(np.int8),
            "card": (kind == "Credit card").to_numpy().astype(np.int8),
            "secured": kind.isin(SECURED_TYPES).to_numpy().astype(np.int8),
            "opened": opened.to_numpy(),
            "recent": (opened >= RECENT_DAYS).to_numpy().astype(np.int8),
            "active_end": planned_end.where(active).to_numpy(),
            "ended_known": ended_known.astype(np.int8),
            "ended_late": (ended_known & (actual_end > planned_end).to_numpy()).astype(np.int8),
            "overdue": ((overdue_days > 0) | (overdue_amount > 0)).to_numpy().astype(np.int8),
            "overdue_days": overdue_days.to_numpy(),
            "overdue_amount": overdue_amount.to_numpy(),
            "max_overdue": bureau["AMT_CREDIT_MAX_OVERDUE"].to_numpy(dtype=np.float64),
            "prolong": bureau["CNT_CREDIT_PROLONG"].to_numpy(dtype=np.float64),
            "amount": amount.to_numpy(),
            "active_amount": amount.where(active).to_numpy(),
            "active_debt": bureau["AMT_CREDIT_SUM_DEBT"].where(active).to_numpy(np.float64),
            "active_limit": bureau["AMT_CREDIT_SUM_LIMIT"].where(active).to_numpy(np.float64),
        }
    )
    g = rows.groupby(KEY, sort=True).agg(
        count=("active", "size"),
        active=("active", "sum"),
        bad=("bad", "sum"),
        types=("type_code", "nunique"),
        micro=("micro", "sum"),
        card=("card", "sum"),
        secured=("secured", "sum"),
        opened_min=("opened", "min"),
        opened_max=("opened", "max"),
        recent=("recent", "sum"),
        active_end=("active_end", "max"),
        ended_known=("ended_known", "sum"),
        ended_late=("ended_late", "sum"),
        overdue=("overdue", "sum"),
        overdue_days=("overdue_days", "max"),
        overdue_amount=("overdue_amount", "sum"),
        max_overdue=("max_overdue", "max"),
        prolong=("prolong", "sum"),
        amount_mean=("amount", "mean"),
        amount_max=("amount", "max"),
        active_amount=("active_amount", "sum"),
        active_debt=("active_debt", "sum"),
        active_limit=("active_limit", "sum"),
    )
    out = pd.DataFrame(
        {
            "BUREAU_CREDIT_COUNT": g["count"],
            "BUREAU_ACTIVE_COUNT": g["active"],
            "BUREAU_ACTIVE_SHARE": safe_divide(g["active"], g["count"]),
            "BUREAU_BAD_DEBT_COUNT": g["bad"],
            "BUREAU_CREDIT_TYPES_COUNT": g["types"],
            "BUREAU_MICROLOAN_COUNT": g["micro"],
            "BUREAU_CREDIT_CARD_SHARE": safe_divide(g["card"], g["count"]),
            "BUREAU_SECURED_COUNT": g["secured"],
            "BUREAU_OLDEST_CREDIT_DAYS_AGO": 0.0 - g["opened_min"],
            "BUREAU_NEWEST_CREDIT_DAYS_AGO": 0.0 - g["opened_max"],
            "BUREAU_CREDITS_LAST_YEAR": g["recent"],
            "BUREAU_ACTIVE_MAX_DAYS_TO_END": g["active_end"],
            "BUREAU_CLOSED_LATE_SHARE": safe_divide(g["ended_late"], g["ended_known"]),
            "BUREAU_OVERDUE_CREDITS_COUNT": g["overdue"],
            "BUREAU_OVERDUE_DAYS_MAX": g["overdue_days"],
            "BUREAU_OVERDUE_AMOUNT_SUM": g["overdue_amount"],
            "BUREAU_MAX_OVERDUE_EVER": g["max_overdue"],
            "BUREAU_PROLONGATIONS": g["prolong"],
            "BUREAU_CREDIT_AMOUNT_MEAN": g["amount_mean"],
            "BUREAU_CREDIT_AMOUNT_MAX": g["amount_max"],
            "BUREAU_ACTIVE_CREDIT_SUM": g["active_amount"],
            "BUREAU_ACTIVE_DEBT_SUM": g["active_debt"],
            "BUREAU_ACTIVE_DEBT_SHARE": safe_divide(g["active_debt"], g["active_amount"]),
            "BUREAU_ACTIVE_LIMIT_SUM": g["active_limit"],
        },
        index=g.index,
    )
    return order_columns(out.astype(np.float64), BUREAU_META)


def _codes_or_nan(values: pd.Series) -> np.ndarray:
    codes = pd.Series(values).astype("category").cat.codes.to_numpy().astype(np.float64)
    codes[codes < 0] = np.nan
    return codes


def _status_severity(status: pd.Series) -> np.ndarray:
    """Monthly bureau STATUS as its delay class 0-5; -1 for C (closed), X (unknown), missing."""
    status = status.astype("category")
    table = np.array(
        [int(c) if str(c) in {"0", "1", "2", "3", "4", "5"} else -1 for c in status.cat.categories]
        + [-1],
        dtype=np.int8,
    )
    return table[status.cat.codes.to_numpy()]


def _balance_features(bureau: pd.DataFrame, balance: pd.DataFrame) -> pd.DataFrame:
    # Monthly rows reach the client through their bureau credit; rows of unknown credits drop.
    position = pd.Index(bureau["SK_ID_BUREAU"].to_numpy()).get_indexer(
        balance["SK_ID_BUREAU"].to_numpy()
    )
    keep = position >= 0
    severity = _status_severity(balance["STATUS"])[keep]
    months = balance["MONTHS_BALANCE"].to_numpy()[keep].astype(np.float32)
    late = severity >= 1
    rows = pd.DataFrame(
        {
            KEY: bureau[KEY].to_numpy()[position[keep]],
            "late": late.astype(np.int8),
            "known": (severity >= 0).astype(np.int8),
            "late_recent": (late & (months >= RECENT_MONTHS)).astype(np.int8),
            "severity": np.where(severity >= 0, severity, np.nan).astype(np.float32),
            "late_month": np.where(late, months, np.nan).astype(np.float32),
        }
    )
    g = rows.groupby(KEY, sort=True).agg(
        months=("late", "size"),
        late=("late", "sum"),
        known=("known", "sum"),
        late_recent=("late_recent", "sum"),
        worst=("severity", "max"),
        last_late=("late_month", "max"),
    )
    out = pd.DataFrame(
        {
            "BUREAU_MONTHS_REPORTED": g["months"],
            "BUREAU_LATE_MONTHS": g["late"],
            "BUREAU_LATE_MONTHS_SHARE": safe_divide(g["late"], g["known"]),
            "BUREAU_LATE_MONTHS_LAST_YEAR": g["late_recent"],
            "BUREAU_WORST_STATUS": g["worst"],
            "BUREAU_MONTHS_SINCE_LATE": 0.0 - g["last_late"].astype(np.float64),
        },
        index=g.index,
    )
    return order_columns(out.astype(np.float64), BALANCE_META)
