"""Per-client aggregates of the monthly snapshots of earlier loans (POS/cash) and cards."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model_build.features.meta import (
    COUNT,
    CREDIT_CARDS,
    CURRENCY,
    DAYS,
    REPAYMENT,
    SHARE,
    FeatureMeta,
    latest_rows,
    order_columns,
    safe_divide,
)

__all__ = ["CARD_META", "POS_META", "card_features", "pos_features"]

KEY = "SK_ID_CURR"
RECENT_MONTHS = -12


def _pos(description: str, unit: str) -> FeatureMeta:
    return FeatureMeta(description, REPAYMENT, unit)


def _card(description: str, unit: str) -> FeatureMeta:
    return FeatureMeta(description, CREDIT_CARDS, unit)


POS_META: dict[str, FeatureMeta] = {
    "POS_LOANS_COUNT": _pos("Earlier consumer and cash loans with monthly records", COUNT),
    "POS_MONTHS_COUNT": _pos("Monthly records of earlier consumer and cash loans", COUNT),
    "POS_DPD_MAX": _pos("Longest delay on an earlier consumer or cash loan", DAYS),
    "POS_DPD_MEAN": _pos("Average monthly delay on earlier consumer and cash loans", DAYS),
    "POS_LATE_MONTHS_SHARE": _pos("Share of months late on earlier consumer and cash loans", SHARE),
    "POS_LATE_MONTHS_TOLERANT": _pos(
        "Months late on earlier consumer and cash loans, ignoring very small debts", COUNT
    ),
    "POS_RECENT_DPD_MAX": _pos(
        "Longest delay on an earlier consumer or cash loan in the last 12 months", DAYS
    ),
    "POS_COMPLETED_SHARE": _pos("Share of earlier consumer and cash loans fully repaid", SHARE),
    "POS_INSTALMENTS_LEFT": _pos(
        "Monthly repayments still to pay on earlier consumer and cash loans", COUNT
    ),
}

CARD_META: dict[str, FeatureMeta] = {
    "CC_CARDS_COUNT": _card("Credit cards held with the lender before", COUNT),
    "CC_MONTHS_COUNT": _card("Monthly records of the client's credit cards", COUNT),
    "CC_UTILISATION_MEAN": _card("Average card balance as a share of the card limit", SHARE),
    "CC_UTILISATION_MAX": _card("Highest card balance as a share of the card limit", SHARE),
    "CC_UTILISATION_LAST": _card("Card balance as a share of the limit in the latest month", SHARE),
    "CC_BALANCE_MEAN": _card("Average monthly card balance", CURRENCY),
    "CC_LIMIT_MAX": _card("Highest card limit", CURRENCY),
    "CC_DRAWINGS_MEAN": _card("Average amount drawn on cards per month", CURRENCY),
    "CC_DRAWINGS_COUNT_MEAN": _card("Average number of card drawings per month", COUNT),
    "CC_ATM_DRAWINGS_SHARE": _card("Share of card drawings taken as cash at ATMs", SHARE),
    "CC_PAYMENT_TO_MINIMUM_MEAN": _card(
        "Card payments divided by the minimum payment due, on average", SHARE
    ),
    "CC_MISSED_MINIMUM_SHARE": _card(
        "Share of months the card payment was below the minimum due", SHARE
    ),
    "CC_DPD_MAX": _card("Longest delay on a card payment", DAYS),
    "CC_LATE_MONTHS_SHARE": _card("Share of months a card payment was late", SHARE),
}


def pos_features(pos: pd.DataFrame) -> pd.DataFrame:
    """One row per client of ``pos`` (POS_CASH_balance rows)."""
    months = pos["MONTHS_BALANCE"].to_numpy()
    dpd = pos["SK_DPD"].to_numpy(dtype=np.float64)
    prev = pos["SK_ID_PREV"].to_numpy()
    completed = (pos["NAME_CONTRACT_STATUS"] == "Completed").to_numpy()
    rows = pd.DataFrame(
        {
            KEY: pos[KEY].to_numpy(),
            "prev": prev,
            "dpd": dpd,
            "late": (dpd > 0).astype(np.int8),
            "late_def": (pos["SK_DPD_DEF"].to_numpy() > 0).astype(np.int8),
            "recent_dpd": np.where(months >= RECENT_MONTHS, dpd, np.nan),
        }
    )
    g = rows.groupby(KEY, sort=True).agg(
        loans=("prev", "nunique"),
        months=("prev", "size"),
        dpd_max=("dpd", "max"),
        dpd_mean=("dpd", "mean"),
        late=("late", "mean"),
        late_def=("late_def", "sum"),
        recent_dpd=("recent_dpd", "max"),
    )
    completed_loans = (
        rows.loc[completed].groupby(KEY, sort=True)["prev"].nunique().reindex(g.index, fill_value=0)
    )
    out = pd.DataFrame(
        {
            "POS_LOANS_COUNT": g["loans"],
            "POS_MONTHS_COUNT": g["months"],
            "POS_DPD_MAX": g["dpd_max"],
            "POS_DPD_MEAN": g["dpd_mean"],
            "POS_LATE_MONTHS_SHARE": g["late"],
            "POS_LATE_MONTHS_TOLERANT": g["late_def"],
            "POS_RECENT_DPD_MAX": g["recent_dpd"],
            "POS_COMPLETED_SHARE": safe_divide(completed_loans, g["loans"]),
            "POS_INSTALMENTS_LEFT": _instalments_left(pos, months).reindex(g.index),
        },
        index=g.index,
    )
    return order_columns(out.astype(np.float64), POS_META)


def _instalments_left(pos: pd.DataFrame, months: np.ndarray) -> pd.Series:
    """Instalments still due per loan in its latest month, summed over the client's loans."""
    last = latest_rows(pos["SK_ID_PREV"].to_numpy(), months)
    latest = pd.DataFrame(
        {
            KEY: pos[KEY].to_numpy()[last],
            "left": pos["CNT_INSTALMENT_FUTURE"].to_numpy(dtype=np.float64)[last],
        }
    )
    return latest.groupby(KEY, sort=True)["left"].sum(min_count=1)


def card_features(card: pd.DataFrame) -> pd.DataFrame:
    """One row per client of ``card`` (credit_card_balance rows)."""
    months = card["MONTHS_BALANCE"].to_numpy()
    balance = card["AMT_BALANCE"].to_numpy(dtype=np.float64)
    limit = card["AMT_CREDIT_LIMIT_ACTUAL"].to_numpy(dtype=np.float64)
    minimum = card["AMT_INST_MIN_REGULARITY"].to_numpy(dtype=np.float64)
    paid = card["AMT_PAYMENT_TOTAL_CURRENT"].to_numpy(dtype=np.float64)
    dpd = card["SK_DPD"].to_numpy(dtype=np.float64)
    minimum_due = minimum > 0
    utilisation = safe_divide(balance, limit)
    rows = pd.DataFrame(
        {
            KEY: card[KEY].to_numpy(),
            "prev": card["SK_ID_PREV"].to_numpy(),
            "utilisation": utilisation,
            "balance": balance,
            "limit": limit,
            "drawn": card["AMT_DRAWINGS_CURRENT"].to_numpy(dtype=np.float64),
            "atm": card["AMT_DRAWINGS_ATM_CURRENT"].to_numpy(dtype=np.float64),
            "drawings": card["CNT_DRAWINGS_CURRENT"].to_numpy(dtype=np.float64),
            "paid_to_min": np.where(minimum_due, safe_divide(paid, minimum), np.nan),
            "missed_min": np.where(minimum_due, (paid < minimum).astype(np.float64), np.nan),
            "dpd": dpd,
            "late": (dpd > 0).astype(np.int8),
        }
    )
    g = rows.groupby(KEY, sort=True).agg(
        cards=("prev", "nunique"),
        months=("prev", "size"),
        utilisation_mean=("utilisation", "mean"),
        utilisation_max=("utilisation", "max"),
        balance=("balance", "mean"),
        limit=("limit", "max"),
        drawn_mean=("drawn", "mean"),
        drawn_sum=("drawn", "sum"),
        atm_sum=("atm", "sum"),
        drawings=("drawings", "mean"),
        paid_to_min=("paid_to_min", "mean"),
        missed_min=("missed_min", "mean"),
        dpd=("dpd", "max"),
        late=("late", "mean"),
    )
    last = latest_rows(rows["prev"].to_numpy(), months)
    last_utilisation = (
        pd.Series(utilisation[last], index=rows[KEY].to_numpy()[last])
        .groupby(level=0, sort=True)
        .mean()
    )
    out = pd.DataFrame(
        {
            "CC_CARDS_COUNT": g["cards"],
            "CC_MONTHS_COUNT": g["months"],
            "CC_UTILISATION_MEAN": g["utilisation_mean"],
            "CC_UTILISATION_MAX": g["utilisation_max"],
            "CC_UTILISATION_LAST": last_utilisation.reindex(g.index),
            "CC_BALANCE_MEAN": g["balance"],
            "CC_LIMIT_MAX": g["limit"],
            "CC_DRAWINGS_MEAN": g["drawn_mean"],
            "CC_DRAWINGS_COUNT_MEAN": g["drawings"],
            "CC_ATM_DRAWINGS_SHARE": safe_divide(g["atm_sum"], g["drawn_sum"]),
            "CC_PAYMENT_TO_MINIMUM_MEAN": g["paid_to_min"],
            "CC_MISSED_MINIMUM_SHARE": g["missed_min"],
            "CC_DPD_MAX": g["dpd"],
            "CC_LATE_MONTHS_SHARE": g["late"],
        },
        index=g.index,
    )
    return order_columns(out.astype(np.float64), CARD_META)
