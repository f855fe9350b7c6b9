"""Synthetic credit_card_balance rows of approved revolving loans, and their card payments."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special

from model_build.schema import ANOMALY_DAYS
from model_build.synth.copula import Marginal
from model_build.synth.copula_fit import fit_marginal
from model_build.synth.monthly import (
    LOAN_LOADING,
    LOAN_NOISE,
    MAX_MONTHS,
    MONTH,
    ROW_SCALE,
    MonthlyModel,
    arrears_def,
    expand,
)
from model_build.synth.risk import intercept_for_rate

logger = logging.getLogger(__name__)

__all__ = ["CARD_STATUS", "calibrate_cards", "sample_cards"]

CARDS_SAMPLE = "credit_card_balance_sample.csv"
INSTALMENTS_SAMPLE = "installments_payments_sample.csv"
CARD_STATUS = ("Active", "Completed", "Signed")
DORMANT_CARDS = 0.4  # cards (with a limit) never used: zero balance every month
IDLE_MONTHS = 0.15  # months without balance on a used card
MIN_PAYMENT_SHARE = 0.05
PAYMENTS_PER_MONTH = 1.8
DRAWING_COLUMNS = (
    "AMT_DRAWINGS_ATM_CURRENT",
    "AMT_DRAWINGS_OTHER_CURRENT",
    "AMT_DRAWINGS_POS_CURRENT",
    "CNT_DRAWINGS_ATM_CURRENT",
    "CNT_DRAWINGS_OTHER_CURRENT",
    "CNT_DRAWINGS_POS_CURRENT",
)


def calibrate_cards(real: Path) -> tuple[Marginal, dict[str, float]]:
    """Card limit distribution and the missing-value and payment rates of card months."""
    cc = pd.read_csv(real / CARDS_SAMPLE)
    idle = cc["AMT_BALANCE"] == 0
    inst = pd.read_csv(real / INSTALMENTS_SAMPLE)
    card_rows = inst[inst["NUM_INSTALMENT_VERSION"] == 0]
    late = float((card_rows["DAYS_ENTRY_PAYMENT"] > card_rows["DAYS_INSTALMENT"]).mean())
    scale = float(np.hypot(ROW_SCALE * LOAN_LOADING, ROW_SCALE * LOAN_NOISE))
    params = {
        "nan_drawings_idle": float(cc.loc[idle, "AMT_DRAWINGS_ATM_CURRENT"].isna().mean()),
        "nan_payment_idle": float(cc.loc[idle, "AMT_PAYMENT_CURRENT"].isna().mean()),
        "fee_payment_idle": float(
            (cc.loc[idle, "AMT_PAYMENT_CURRENT"] > 0).mean()
            / max(cc.loc[idle, "AMT_PAYMENT_CURRENT"].notna().mean(), 1e-9)
        ),
        "total_equals_payment": float(
            (cc["AMT_PAYMENT_TOTAL_CURRENT"] == cc["AMT_PAYMENT_CURRENT"]).sum()
            / max(cc["AMT_PAYMENT_CURRENT"].notna().sum(), 1)
        ),
        "nan_min_payment": float(cc["AMT_INST_MIN_REGULARITY"].isna().mean()),
        "late_intercept": intercept_for_rate(late, scale),
        "utilisation": float(
            (
                cc.loc[~idle, "AMT_BALANCE"]
                / cc.loc[~idle, "AMT_CREDIT_LIMIT_ACTUAL"].replace(0, np.nan)
            ).median()
        ),
    }
    return fit_marginal(cc["AMT_CREDIT_LIMIT_ACTUAL"]), {k: round(v, 4) for k, v in params.items()}


def sample_cards(
    model: MonthlyModel,
    prev: dict[str, np.ndarray],
    rows: np.ndarray,
    behaviour: np.ndarray,
    rng: np.random.Generator,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """credit_card_balance rows of the approved revolving applications `rows`, and the
    installments_payments rows (version 0) of their monthly card payments."""
    n_cards = len(rows)
    last = prev["DAYS_LAST_DUE"][rows]
    start = np.maximum(np.floor(prev["DAYS_DECISION"][rows] / MONTH).astype(np.int64), -MAX_MONTHS)
    stop = np.where(last == ANOMALY_DAYS, -1, np.floor(np.nan_to_num(last) / MONTH))
    stop = np.clip(stop.astype(np.int64), start, -1)
    card, pos = expand(stop - start + 1)
    n = len(card)
    limit = model.card_limit.inverse(rng.random(n_cards))
    # Cards without a limit, and a share of the others, are never used.
    used_card = (limit > 0) & (rng.random(n_cards) >= DORMANT_CARDS)
    out = _card_amounts(model, limit[card], used_card[card], behaviour[card], rng)
    paid_month = out["AMT_PAYMENT_CURRENT"] > 0
    mature = _group_cumsum(paid_month, card, pos)
    slipped = rng.random(n_cards) < special.expit(model.dpd_intercept + ROW_SCALE * behaviour)
    late = slipped[card] & used_card[card] & (rng.random(n) < 0.5)
    dpd = np.where(late, np.round(model.dpd_days.inverse(rng.random(n))), 0.0)
    month = start[card] + pos
    status = np.zeros(n, dtype=np.int16)
    status[(month == stop[card]) & (last != ANOMALY_DAYS)[card]] = CARD_STATUS.index("Completed")
    status[(pos == 0) & (rng.random(n) < 0.01)] = CARD_STATUS.index("Signed")
    out.update(
        SK_ID_PREV=prev["SK_ID_PREV"][rows][card],
        SK_ID_CURR=prev["SK_ID_CURR"][rows][card],
        MONTHS_BALANCE=month,
        CNT_INSTALMENT_MATURE_CUM=mature.copy(),
        NAME_CONTRACT_STATUS=status,
        SK_DPD=dpd,
        SK_DPD_DEF=arrears_def(dpd, model.dpd_def_share, rng),
    )
    no_min = rng.random(n) < model.card["nan_min_payment"]
    out["AMT_INST_MIN_REGULARITY"][no_min] = np.nan
    out["CNT_INSTALMENT_MATURE_CUM"][no_min] = np.nan
    payments = _card_payments(model, out, paid_month, mature, card, behaviour, rng)
    return out, payments


def _card_amounts(
    model: MonthlyModel,
    limit: np.ndarray,
    used: np.ndarray,
    behaviour: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Balance, drawings and payments of each card month."""
    n = len(limit)
    p = model.card
    b = ROW_SCALE * behaviour
    active = used & (rng.random(n) >= IDLE_MONTHS)
    # Risky clients run their cards close to (or over) the limit and pay less of it back.
    level = special.expit(special.logit(p["utilisation"]) + 0.6 * b + 0.8 * rng.standard_normal(n))
    balance = np.where(active, np.round(level * limit, 2), 0.0)
    idle = balance == 0
    min_pay = np.round(MIN_PAYMENT_SHARE * balance, 2)
    share = np.exp(np.log(1.3) + 0.5 * rng.standard_normal(n) - 0.4 * np.maximum(b, 0))
    # Idle months still show small payments (fees, interest) about half of the time.
    fee = np.where(
        rng.random(n) < p["fee_payment_idle"],
        np.round(np.exp(5.3 + rng.standard_normal(n)), 2),
        0.0,
    )
    payment = np.where(idle, fee, np.round(min_pay * share, 2))
    payment[idle & (rng.random(n) < p["nan_payment_idle"])] = np.nan
    total = np.where(rng.random(n) < p["total_equals_payment"], np.nan_to_num(payment), 0.0)
    drawn = active & (rng.random(n) < 0.6)
    drawings = np.where(drawn, np.round(balance * 0.3 * rng.random(n), 2), 0.0)
    atm = np.round(drawings * np.where(rng.random(n) < 0.5, 1.0, rng.random(n)), 2)
    pos_amt = np.round(drawings - atm, 2)
    cnt_atm = np.where(atm > 0, np.ceil(atm / 9000.0), 0.0)
    cnt_pos = np.where(pos_amt > 0, np.ceil(pos_amt / 4000.0), 0.0)
    out = {
        "AMT_BALANCE": balance,
        "AMT_CREDIT_LIMIT_ACTUAL": limit,
        "AMT_DRAWINGS_ATM_CURRENT": atm,
        "AMT_DRAWINGS_CURRENT": drawings,
        "AMT_DRAWINGS_OTHER_CURRENT": np.zeros(n),
        "AMT_DRAWINGS_POS_CURRENT": pos_amt,
        "AMT_INST_MIN_REGULARITY": min_pay,
        "AMT_PAYMENT_CURRENT": payment,
        "AMT_PAYMENT_TOTAL_CURRENT": total,
        "AMT_RECEIVABLE_PRINCIPAL": np.round(balance * 0.96, 2),
        "AMT_RECIVABLE": balance.copy(),
        "AMT_TOTAL_RECEIVABLE": balance.copy(),
        "CNT_DRAWINGS_ATM_CURRENT": cnt_atm,
        "CNT_DRAWINGS_CURRENT": cnt_atm + cnt_pos,
        "CNT_DRAWINGS_OTHER_CURRENT": np.zeros(n),
        "CNT_DRAWINGS_POS_CURRENT": cnt_pos,
    }
    # Idle months often carry no breakdown of drawings at all.
    no_breakdown = idle & (rng.random(n) < p["nan_drawings_idle"])
    for col in DRAWING_COLUMNS:
        out[col][no_breakdown] = np.nan
    return out


def _group_cumsum(x: np.ndarray, group: np.ndarray, pos: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    total = np.cumsum(x)
    start_rows = np.flatnonzero(pos == 0)
    before = (total - x)[start_rows]  # running total before each group's first row
    return total - before[group]


def _card_payments(
    model: MonthlyModel,
    cc: dict[str, np.ndarray],
    paid_month: np.ndarray,
    number: np.ndarray,
    card: np.ndarray,
    behaviour: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    # A paid month shows one or more payment rows (the card table averages about one
    # installments row per card month although most months carry no payment).
    months = np.flatnonzero(paid_month)
    parts = 1 + rng.poisson(PAYMENTS_PER_MONTH - 1, len(months))
    which, _ = expand(parts)
    rows = months[which]
    n = len(rows)
    day = np.round(cc["MONTHS_BALANCE"][rows] * MONTH + 30 * rng.random(n))
    b = ROW_SCALE * behaviour[card[rows]]
    late = rng.random(n) < special.expit(model.card["late_intercept"] + b)
    delay = np.where(
        late, model.late_days.inverse(rng.random(n)), model.early_days.inverse(rng.random(n))
    )
    amount = np.round(cc["AMT_PAYMENT_TOTAL_CURRENT"][rows] / parts[which], 2)
    return {
        "SK_ID_PREV": cc["SK_ID_PREV"][rows],
        "SK_ID_CURR": cc["SK_ID_CURR"][rows],
        "NUM_INSTALMENT_VERSION": np.zeros(n),
        "NUM_INSTALMENT_NUMBER": number[rows],
        "DAYS_INSTALMENT": np.minimum(day, -1.0),
        "DAYS_ENTRY_PAYMENT": np.minimum(day + delay, -1.0),
        "AMT_INSTALMENT": amount,
        "AMT_PAYMENT": amount.copy(),
    }
