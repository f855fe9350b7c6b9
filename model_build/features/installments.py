"""Per-client aggregates of the instalments of earlier loans: lateness and amounts short."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model_build.features.meta import (
    COUNT,
    CURRENCY,
    DAYS,
    REPAYMENT,
    SHARE,
    FeatureMeta,
    order_columns,
    safe_divide,
)

__all__ = ["INSTALMENT_META", "instalment_features"]

KEY = "SK_ID_CURR"
INSTALMENT_KEYS = ["SK_ID_PREV", "NUM_INSTALMENT_VERSION", "NUM_INSTALMENT_NUMBER"]
RECENT_DAYS = -365
SERIOUSLY_LATE_DAYS = 30
# Partial payments are summed, so amounts a few cents short are rounding, not arrears.
AMOUNT_TOLERANCE = 0.01


def _m(description: str, unit: str) -> FeatureMeta:
    return FeatureMeta(description, REPAYMENT, unit)


INSTALMENT_META: dict[str, FeatureMeta] = {
    "INSTAL_COUNT": _m("Instalments due on earlier loans with the lender", COUNT),
    "INSTAL_DPD_MAX": _m("Most days an instalment was paid late", DAYS),
    "INSTAL_DPD_MEAN": _m("Average days instalments were paid late (0 when on time)", DAYS),
    "INSTAL_LATE_SHARE": _m("Share of instalments paid late", SHARE),
    "INSTAL_LATE_30_COUNT": _m("Instalments paid more than 30 days late", COUNT),
    "INSTAL_DBD_MEAN": _m("Average days instalments were paid early (0 when not early)", DAYS),
    "INSTAL_PAYMENT_DIFF_MEAN": _m(
        "Average amount due minus amount paid per instalment (positive = short)", CURRENCY
    ),
    "INSTAL_PAYMENT_DIFF_MAX": _m("Largest amount short on one instalment", CURRENCY),
    "INSTAL_PAYMENT_DIFF_SUM": _m("Total amount due minus amount paid on instalments", CURRENCY),
    "INSTAL_PAID_RATIO_MEAN": _m("Amount paid as a share of amount due, on average", SHARE),
    "INSTAL_PAID_RATIO_MIN": _m("Lowest share of an instalment that was paid", SHARE),
    "INSTAL_UNDERPAID_SHARE": _m("Share of instalments not paid in full", SHARE),
    "INSTAL_UNPAID_COUNT": _m("Instalments with no payment recorded", COUNT),
    "INSTAL_RECENT_DPD_MEAN": _m("Average days late on instalments due in the last year", DAYS),
    "INSTAL_RECENT_LATE_SHARE": _m("Share of instalments due in the last year paid late", SHARE),
    "INSTAL_AMOUNT_MEAN": _m("Average instalment amount on earlier loans", CURRENCY),
    "INSTAL_DAYS_SINCE_LAST_PAYMENT": _m("Days since the last instalment payment", DAYS),
}


def per_instalment(payments: pd.DataFrame) -> pd.DataFrame:
    """One row per instalment: several partial payments of one instalment are combined.

    The amount paid is the sum of the payments (missing when none was recorded) and the
    payment day is the last one, so an instalment counts as late when it was completed late.
    An instalment is (SK_ID_PREV, NUM_INSTALMENT_VERSION, NUM_INSTALMENT_NUMBER); an earlier
    loan belongs to one client.
    """
    columns = [KEY, *INSTALMENT_KEYS, "DAYS_INSTALMENT", "AMT_INSTALMENT"]
    frame = payments[[*columns, "DAYS_ENTRY_PAYMENT", "AMT_PAYMENT"]]
    out = frame.groupby(INSTALMENT_KEYS, sort=False, dropna=False).agg(
        **{KEY: (KEY, "first")},
        due_day=("DAYS_INSTALMENT", "max"),
        due=("AMT_INSTALMENT", "max"),
        paid_day=("DAYS_ENTRY_PAYMENT", "max"),
        paid=("AMT_PAYMENT", "sum"),
        payments=("AMT_PAYMENT", "count"),
    )
    out["paid"] = out["paid"].where(out["payments"] > 0)
    return out.drop(columns="payments").reset_index(drop=True)


def instalment_features(payments: pd.DataFrame) -> pd.DataFrame:
    """One row per client of ``payments`` (installments_payments rows)."""
    inst = per_instalment(payments)
    due_day = inst["due_day"].to_numpy()
    due = inst["due"].to_numpy()
    paid = inst["paid"].to_numpy()
    paid_day = inst["paid_day"].to_numpy()
    delay = paid_day - due_day  # NaN when nothing was paid
    dpd = np.maximum(delay, 0.0)
    paid_or_zero = np.nan_to_num(paid, nan=0.0)
    diff = due - paid_or_zero
    late = np.where(np.isnan(delay), np.nan, (delay > 0).astype(np.float64))
    recent = due_day >= RECENT_DAYS
    rows = pd.DataFrame(
        {
            KEY: inst[KEY].to_numpy(),
            "dpd": dpd,
            "late": late,
            "late_30": (dpd > SERIOUSLY_LATE_DAYS).astype(np.int8),
            "dbd": np.maximum(-delay, 0.0),
            "diff": diff,
            "paid_ratio": safe_divide(paid_or_zero, due),
            "underpaid": (diff > AMOUNT_TOLERANCE).astype(np.int8),
            "unpaid": np.isnan(paid).astype(np.int8),
            "recent_dpd": np.where(recent, dpd, np.nan),
            "recent_late": np.where(recent, late, np.nan),
            "due": due,
            "paid_day": paid_day,
        }
    )
    g = rows.groupby(KEY, sort=True).agg(
        count=("dpd", "size"),
        dpd_max=("dpd", "max"),
        dpd_mean=("dpd", "mean"),
        late=("late", "mean"),
        late_30=("late_30", "sum"),
        dbd=("dbd", "mean"),
        diff_mean=("diff", "mean"),
        diff_max=("diff", "max"),
        diff_sum=("diff", "sum"),
        paid_ratio_mean=("paid_ratio", "mean"),
        paid_ratio_min=("paid_ratio", "min"),
        underpaid=("underpaid", "mean"),
        unpaid=("unpaid", "sum"),
        recent_dpd=("recent_dpd", "mean"),
        recent_late=("recent_late", "mean"),
        due=("due", "mean"),
        last_paid=("paid_day", "max"),
    )
    out = pd.DataFrame(
        {
            "INSTAL_COUNT": g["count"],
            "INSTAL_DPD_MAX": g["dpd_max"],
            "INSTAL_DPD_MEAN": g["dpd_mean"],
            "INSTAL_LATE_SHARE": g["late"],
            "INSTAL_LATE_30_COUNT": g["late_30"],
            "INSTAL_DBD_MEAN": g["dbd"],
            "INSTAL_PAYMENT_DIFF_MEAN": g["diff_mean"],
            "INSTAL_PAYMENT_DIFF_MAX": g["diff_max"],
            "INSTAL_PAYMENT_DIFF_SUM": g["diff_sum"],
            "INSTAL_PAID_RATIO_MEAN": g["paid_ratio_mean"],
            "INSTAL_PAID_RATIO_MIN": g["paid_ratio_min"],
            "INSTAL_UNDERPAID_SHARE": g["underpaid"],
            "INSTAL_UNPAID_COUNT": g["unpaid"],
            "INSTAL_RECENT_DPD_MEAN": g["recent_dpd"],
            "INSTAL_RECENT_LATE_SHARE": g["recent_late"],
            "INSTAL_AMOUNT_MEAN": g["due"],
            "INSTAL_DAYS_SINCE_LAST_PAYMENT": 0.0 - g["last_paid"],
        },
        index=g.index,
    )
    return order_columns(out.astype(np.float64), INSTALMENT_META)
