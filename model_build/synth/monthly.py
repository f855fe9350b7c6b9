"""Synthetic POS_CASH_balance and installments_payments rows of approved instalment loans."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from model_build.schema import ANOMALY_DAYS
from model_build.synth.copula import Marginal
from model_build.synth.copula_fit import fit_marginal
from model_build.synth.risk import intercept_for_rate

logger = logging.getLogger(__name__)

__all__ = ["MonthlyModel", "calibrate_monthly", "expand", "sample_instalment_loans"]

INSTALMENTS_SAMPLE = "installments_payments_sample.csv"
POS_SAMPLE = "POS_CASH_balance_sample.csv"
MONTH = 30.4375
MAX_MONTHS = 96
POS_STATUS = ("Active", "Completed", "Signed", "Demand")
# Loan-level behaviour = LOAN_LOADING h + LOAN_NOISE e (h: client history latent).
LOAN_LOADING = 0.6
LOAN_NOISE = 0.8
# Within-loan persistence: a row is late with prob sigmoid(a + ROW_SCALE * behaviour).
ROW_SCALE = 1.0
SPLIT_PAYMENT = 0.5  # share of underpaid instalments whose remainder comes in a second row
RESTRUCTURED = 0.12  # loans whose instalment calendar gets a second version
SIGNED_FIRST_ROW = 0.05
# Sample estimates (FACTS.md §3.4-3.5): rows without a recorded payment, or without a term.
UNPAID_ROWS = 0.0002
POS_WITHOUT_TERM = 0.0027
# Arrears "with tolerance" (SK_DPD_DEF) show mostly on short arrears: long ones are on
# small written-off amounts that the tolerance ignores.
DEF_MAX_DAYS = 60


@dataclass
class MonthlyModel:
    """Calibrated payment behaviour (the JSON 'monthly' section)."""

    early_days: Marginal  # days paid before the due date (<= 0)
    late_days: Marginal  # days paid after it (> 0)
    late_intercept: float
    under_intercept: float
    dpd_intercept: float
    dpd_days: Marginal
    dpd_def_share: float
    card_limit: Marginal
    card: dict[str, float]

    def to_json(self) -> dict[str, Any]:
        return {k: v.to_json() if isinstance(v, Marginal) else v for k, v in self.__dict__.items()}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> MonthlyModel:
        fields: dict[str, Any] = {
            k: Marginal.from_json(v) if isinstance(v, dict) and "kind" in v else v
            for k, v in d.items()
        }
        return cls(**fields)


def calibrate_monthly(real: Path) -> dict[str, Any]:
    """Payment delays, arrears rates and card parameters from the monthly samples."""
    from model_build.synth.cards import calibrate_cards

    inst = pd.read_csv(real / INSTALMENTS_SAMPLE)
    loans = inst[inst["NUM_INSTALMENT_VERSION"] > 0]
    delay = (loans["DAYS_ENTRY_PAYMENT"] - loans["DAYS_INSTALMENT"]).dropna()
    paid = loans.dropna(subset=["AMT_PAYMENT"])
    under = float((paid["AMT_PAYMENT"] < paid["AMT_INSTALMENT"] - 0.01).mean())
    pos = pd.read_csv(real / POS_SAMPLE)
    dpd = pos["SK_DPD"]
    short_dpd = (dpd > 0) & (dpd <= DEF_MAX_DAYS)
    scale = float(np.hypot(ROW_SCALE * LOAN_LOADING, ROW_SCALE * LOAN_NOISE))
    # Each underpaid instalment yields 1 + SPLIT_PAYMENT rows, of which one is short.
    under_rate = under / (1 + SPLIT_PAYMENT * (1 - under))
    card_limit, card = calibrate_cards(real)
    model = MonthlyModel(
        early_days=fit_marginal(delay[delay <= 0]),
        late_days=fit_marginal(delay[delay > 0]),
        late_intercept=round(intercept_for_rate(float((delay > 0).mean()), scale), 4),
        under_intercept=round(intercept_for_rate(under_rate, scale), 4),
        # Rows in arrears are those after a loan's slip month: about half of a slipped loan.
        dpd_intercept=round(intercept_for_rate(2 * float((dpd > 0).mean()), scale), 4),
        dpd_days=fit_marginal(dpd[dpd > 0]),
        dpd_def_share=round(float((pos.loc[short_dpd, "SK_DPD_DEF"] > 0).mean()), 4),
        card_limit=card_limit,
        card=card,
    )
    return model.to_json()


def expand(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For parents with `lengths` rows each: the parent index and position of every row."""
    lengths = np.asarray(lengths, dtype=np.int64)
    parent = np.repeat(np.arange(len(lengths)), lengths)
    starts = np.cumsum(lengths) - lengths
    return parent, np.arange(len(parent)) - starts[parent]


def arrears_def(dpd: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """SK_DPD_DEF from SK_DPD: kept for a share of the short arrears, zero otherwise."""
    keep = (dpd <= DEF_MAX_DAYS) & (rng.random(len(dpd)) < share)
    return np.where(keep, dpd, 0.0)


def loan_behaviour(history: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per-loan repayment-risk score driven by the client's history latent."""
    return LOAN_LOADING * history + LOAN_NOISE * rng.standard_normal(len(history))


def sample_instalment_loans(
    model: MonthlyModel,
    prev: dict[str, np.ndarray],
    rows: np.ndarray,
    behaviour: np.ndarray,
    rng: np.random.Generator,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """POS_CASH_balance and installments_payments rows of the previous applications `rows`
    (approved cash/consumer loans with a schedule); `behaviour` is per row of `rows`."""
    first_due = prev["DAYS_FIRST_DUE"][rows]
    term = prev["CNT_PAYMENT"][rows].astype(np.int64)
    last = prev["DAYS_LAST_DUE"][rows]
    end_day = np.where(last == ANOMALY_DAYS, -1.0, last)
    ctx = _Loans(
        prev_id=prev["SK_ID_PREV"][rows],
        curr_id=prev["SK_ID_CURR"][rows],
        first_due=first_due,
        term=term,
        end_day=end_day,
        closed=last != ANOMALY_DAYS,
        annuity=np.nan_to_num(prev["AMT_ANNUITY"][rows]),
        behaviour=behaviour,
    )
    return _pos(model, ctx, rng), _instalments(model, ctx, rng)


@dataclass
class _Loans:
    prev_id: np.ndarray
    curr_id: np.ndarray
    first_due: np.ndarray
    term: np.ndarray
    end_day: np.ndarray
    closed: np.ndarray
    annuity: np.ndarray
    behaviour: np.ndarray


def _pos(model: MonthlyModel, loans: _Loans, rng: np.random.Generator) -> dict[str, np.ndarray]:
    # Monthly snapshots from the signing month (a month before the first due date) to the
    # month the loan ended, or to the freshest month (-1) while it runs.
    start = np.floor(loans.first_due / MONTH).astype(np.int64) - 1
    stop = np.minimum(np.floor(loans.end_day / MONTH).astype(np.int64), -1)
    stop = np.minimum(np.maximum(stop, start), -1)
    first = np.maximum(start, -MAX_MONTHS)
    first = np.minimum(first, stop)
    loan, pos = expand(stop - first + 1)
    month = first[loan] + pos
    term = loans.term[loan]
    future = np.clip(term - (month - start[loan]), 0, term).astype(np.float64)
    status = np.zeros(len(loan), dtype=np.int16)
    last_row = month == stop[loan]
    done = last_row & loans.closed[loan]
    status[done] = POS_STATUS.index("Completed")
    future[done] = 0.0
    status[(pos == 0) & (rng.random(len(loan)) < SIGNED_FIRST_ROW)] = POS_STATUS.index("Signed")
    # Arrears: once a loan slips it stays behind for a while, so DPD runs within the loan.
    p = special.expit(model.dpd_intercept + ROW_SCALE * loans.behaviour)
    slipped = rng.random(len(loans.term)) < np.sqrt(p)
    since = np.floor(rng.random(len(loans.term)) * (stop - first + 1)).astype(np.int64)
    late = slipped[loan] & (pos >= since[loan]) & (rng.random(len(loan)) < np.sqrt(p[loan]))
    dpd = np.where(late, np.round(model.dpd_days.inverse(rng.random(len(loan)))), 0.0)
    dpd_def = arrears_def(dpd, model.dpd_def_share, rng)
    status[late & (dpd > 500)] = POS_STATUS.index("Demand")
    no_term = rng.random(len(loan)) < POS_WITHOUT_TERM
    future[no_term] = np.nan
    return {
        "SK_ID_PREV": loans.prev_id[loan],
        "SK_ID_CURR": loans.curr_id[loan],
        "MONTHS_BALANCE": month,
        "CNT_INSTALMENT": np.where(no_term, np.nan, term.astype(np.float64)),
        "CNT_INSTALMENT_FUTURE": future,
        "NAME_CONTRACT_STATUS": status,
        "SK_DPD": dpd,
        "SK_DPD_DEF": dpd_def,
    }


def _instalments(
    model: MonthlyModel, loans: _Loans, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    # Instalments fall due every 30 days from the first due date until the loan's end.
    due_count = (
        np.floor((np.minimum(loans.end_day, -1) - loans.first_due) / 30).astype(np.int64) + 1
    )
    count = np.clip(np.minimum(due_count, loans.term), 0, None)
    loan, pos = expand(count)
    n = len(loan)
    number = pos + 1
    day = loans.first_due[loan] + 30 * pos
    version = np.ones(n)
    restructured = rng.random(len(count)) < RESTRUCTURED
    switch = np.floor(rng.random(len(count)) * np.maximum(count, 1))
    version[restructured[loan] & (pos >= switch[loan])] = 2.0
    amount = np.round(loans.annuity[loan], 3)
    b = ROW_SCALE * loans.behaviour[loan]
    late = rng.random(n) < special.expit(model.late_intercept + b)
    delay = np.where(
        late, model.late_days.inverse(rng.random(n)), model.early_days.inverse(rng.random(n))
    )
    short = rng.random(n) < special.expit(model.under_intercept + b)
    share = np.where(short, np.round(0.05 + 0.9 * rng.random(n), 2), 1.0)
    paid = np.round(amount * share, 3)
    # Part of a short payment's remainder arrives in a second row for the same instalment.
    second = np.flatnonzero(short & (rng.random(n) < SPLIT_PAYMENT))
    rows = np.concatenate([np.arange(n), second])
    entry = np.concatenate(
        [day + delay, day[second] + delay[second] + 1 + np.floor(30 * rng.random(len(second)))]
    )
    payment = np.concatenate([paid, np.round(amount[second] - paid[second], 3)])
    entry = np.minimum(entry, -1.0)
    order = np.lexsort((entry, rows))
    rows, entry, payment = rows[order], entry[order], payment[order]
    unpaid = rng.random(len(rows)) < UNPAID_ROWS
    entry[unpaid] = np.nan
    payment[unpaid] = np.nan
    return {
        "SK_ID_PREV": loans.prev_id[loan][rows],
        "SK_ID_CURR": loans.curr_id[loan][rows],
        "NUM_INSTALMENT_VERSION": version[rows],
        "NUM_INSTALMENT_NUMBER": number[rows],
        "DAYS_INSTALMENT": day[rows],
        "DAYS_ENTRY_PAYMENT": entry,
        "AMT_INSTALMENT": amount[rows],
        "AMT_PAYMENT": payment,
    }
