"""Synthetic bureau and bureau_balance rows: other lenders' credits and their monthly status."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from model_build.schema import BUREAU
from model_build.synth.calibration import SegmentedTable
from model_build.synth.copula import choose_segments
from model_build.synth.copula_fit import fit_segment
from model_build.synth.risk import intercept_for_rate

logger = logging.getLogger(__name__)

__all__ = ["BureauModel", "calibrate_bureau", "client_counts", "sample_bureau", "sequential_ids"]

BUREAU_SAMPLE = "bureau_sample.csv"
BALANCE_SAMPLE = "bureau_balance_sample.csv"
FIRST_BUREAU_ID = 5_000_000
# Full-table figures (FACTS.md §1, §8): 1,716,428 rows for 356,255 applications; 305,811
# clients have at least one bureau credit; bureau_balance has 15.9 months per bureau row.
ROWS_PER_CLIENT = 1_716_428 / 356_255
COVERAGE = 305_811 / 356_255
COUNT_DISPERSION = 2.2
MONTHS_PER_ROW = 27_299_925 / 1_716_428
ID_GAP_RATE = 0.07
MONTH = 30.4375
MAX_MONTHS = 96
# Loadings of the client's history latent on the copula dimensions (risky clients show
# overdue amounts and days, recent credits and larger debts) and on being still open.
SHIFTS = {
    "CREDIT_DAY_OVERDUE": 0.4,
    "AMT_CREDIT_SUM_OVERDUE": 0.4,
    "AMT_CREDIT_MAX_OVERDUE": 0.3,
    "CNT_CREDIT_PROLONG": 0.2,
    "DAYS_CREDIT": 0.2,
    "AMT_CREDIT_SUM_DEBT": 0.15,
}
OPEN_TILT = 0.3
# Monthly status: loan-level arrears propensity = sigmoid(a + DPD_LOADING h + DPD_NOISE e).
DPD_LOADING = 0.9
DPD_NOISE = 1.3
DPD_LEVELS = ("1", "2", "3", "4", "5")
STATUS = ("0", "1", "2", "3", "4", "5", "C", "X")
OPEN_BALANCE_WEIGHT = 0.4
DPD_COVERAGE_BOOST = 1.35


@dataclass
class BureauModel:
    """Calibrated bureau parameters (the JSON 'bureau' section)."""

    table: SegmentedTable
    balance_coverage: float
    unknown_loan_share: float
    dpd_intercept: float
    dpd_level_probs: list[float]

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["table"] = self.table.to_json()
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> BureauModel:
        return cls(**{**d, "table": SegmentedTable.from_json(d["table"])})


def calibrate_bureau(real: Path) -> dict[str, Any]:
    """Fit the bureau copula segments (closed / open credits) and monthly-status rates."""
    df = pd.read_csv(real / BUREAU_SAMPLE)
    columns = [c.name for c in BUREAU.columns if c.name not in ("SK_ID_CURR", "SK_ID_BUREAU")]
    vocab = {
        c.name: sorted(df[c.name].dropna().unique().tolist())
        for c in BUREAU.columns
        if c.is_categorical
    }
    missing = {c: [c] for c in columns if df[c].isna().any()}
    closed = df["CREDIT_ACTIVE"] == "Closed"
    segments = [
        fit_segment(df[rows], name, float(rows.mean()), columns, missing_groups=missing)
        for name, rows in (("closed", closed), ("open", ~closed))
    ]
    bb = pd.read_csv(real / BALANCE_SAMPLE)
    status = bb["STATUS"].astype(str).value_counts(normalize=True)
    dpd = np.array([status.get(s, 0.0) for s in DPD_LEVELS])
    # Months reachable by a balance history, from the copula's DAYS_CREDIT distribution.
    months = np.minimum(np.floor(-df["DAYS_CREDIT"] / MONTH), MAX_MONTHS) + 1
    weight = np.where(df["DAYS_ENDDATE_FACT"].isna(), OPEN_BALANCE_WEIGHT, 1.0)
    coverage = float(min(1.0, MONTHS_PER_ROW / np.average(months, weights=weight)))
    # Arrears share among months that are neither closed (C) nor unknown (X).
    active = float(status.get("0", 0.0)) + dpd.sum()
    # Open credits (where arrears concentrate) are under-covered by balance histories.
    target = DPD_COVERAGE_BOOST * dpd.sum() / active
    intercept = intercept_for_rate(target, float(np.hypot(DPD_LOADING, DPD_NOISE)))
    model = BureauModel(
        table=SegmentedTable(vocab, segments),
        balance_coverage=round(coverage, 4),
        unknown_loan_share=round(float(status.get("X", 0.0)), 4),
        dpd_intercept=round(intercept, 4),
        dpd_level_probs=[round(float(p), 4) for p in dpd / dpd.sum()],
    )
    return model.to_json()


def sequential_ids(start: int, n: int, gap_rate: float, rng: np.random.Generator) -> np.ndarray:
    """Increasing ids from `start` with occasional gaps, like the source's hashed ranges."""
    steps = 1 + (rng.random(n) < gap_rate)
    steps[:1] = 0
    return start + np.cumsum(steps)


def client_counts(
    n: int, coverage: float, per_client: float, rng: np.random.Generator, dispersion: float
) -> np.ndarray:
    """Child rows per client: none for a share of clients, else 1 + negative binomial."""
    extra = per_client / coverage - 1.0
    counts = 1 + rng.negative_binomial(dispersion, dispersion / (dispersion + extra), size=n)
    return np.where(rng.random(n) < coverage, counts, 0)


def sample_bureau(
    model: BureauModel,
    client_ids: np.ndarray,
    history: np.ndarray,
    rng: np.random.Generator,
    next_id: int,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], int]:
    """Bureau rows for the clients, their monthly balance rows, and the next free id."""
    counts = client_counts(len(client_ids), COVERAGE, ROWS_PER_CLIENT, rng, COUNT_DISPERSION)
    owner = np.repeat(np.arange(len(client_ids)), counts)
    n = len(owner)
    h = history[owner]
    tilt = np.array([0.0 if s.name == "closed" else OPEN_TILT for s in model.table.segments])
    seg = choose_segments(model.table.weights, rng, n, tilt, h)
    cols, _ = model.table.sample(n, rng, segment=seg, shifts={c: (b, h) for c, b in SHIFTS.items()})
    cols["SK_ID_CURR"] = client_ids[owner].astype(np.int64)
    ids = sequential_ids(next_id, n, ID_GAP_RATE, rng)
    cols["SK_ID_BUREAU"] = ids
    _bureau_consistency(cols)
    balance = _balance(model, cols, h, rng)
    out = {c.name: cols[c.name] for c in BUREAU.columns}
    return out, balance, int(ids[-1]) + 1 if n else next_id


def _bureau_consistency(cols: dict[str, np.ndarray]) -> None:
    start = cols["DAYS_CREDIT"]
    for col in ("DAYS_ENDDATE_FACT", "DAYS_CREDIT_UPDATE"):
        # An end or update date cannot precede the credit itself (bar the source's own
        # ~-42,000-day artefacts, which the copula reproduces only in the tails).
        cols[col] = np.where(cols[col] < start, start, cols[col])
    cols["DAYS_ENDDATE_FACT"] = np.minimum(cols["DAYS_ENDDATE_FACT"], 0)


def _balance(
    model: BureauModel, cols: dict[str, np.ndarray], h: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    n = len(h)
    # Closed credits more often come with a monthly history than open ones.
    weight = np.where(np.isnan(cols["DAYS_ENDDATE_FACT"]), OPEN_BALANCE_WEIGHT, 1.0)
    # Normalised per chunk so that the share of covered credits stays balance_coverage.
    weight /= weight.mean() if n else 1.0
    covered = np.flatnonzero(rng.random(n) < model.balance_coverage * weight)
    first = np.maximum(np.floor(cols["DAYS_CREDIT"][covered] / MONTH), -MAX_MONTHS).astype(np.int64)
    length = 1 - first
    loan = np.repeat(np.arange(len(covered)), length)
    starts = np.cumsum(length) - length
    month = first[loan] + (np.arange(len(loan)) - starts[loan])
    # Closed credits report C after their closing month; the oldest months of some credits
    # were never reported (X); the rest are 0 or an arrears level driven by the history.
    fact = cols["DAYS_ENDDATE_FACT"][covered]
    close_month = np.where(np.isnan(fact), 1, np.floor(np.nan_to_num(fact) / MONTH)).astype(
        np.int64
    )
    unknown_until = np.where(
        rng.random(len(covered)) < 2.0 * model.unknown_loan_share,
        first + np.floor(rng.random(len(covered)) * length).astype(np.int64),
        first - 1,
    )
    propensity = special.expit(
        model.dpd_intercept
        + DPD_LOADING * h[covered]
        + DPD_NOISE * rng.standard_normal(len(covered))
    )
    late = rng.random(len(loan)) < propensity[loan]
    level = rng.choice(len(DPD_LEVELS), size=len(loan), p=model.dpd_level_probs) + 1
    status = np.where(late, level, 0).astype(np.int8)
    status = np.where(month > close_month[loan], STATUS.index("C"), status)
    status = np.where(month <= unknown_until[loan], STATUS.index("X"), status).astype(np.int8)
    return {
        "SK_ID_BUREAU": cols["SK_ID_BUREAU"][covered][loan],
        "MONTHS_BALANCE": month,
        "STATUS": status,
    }
