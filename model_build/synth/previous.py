"""Synthetic previous_application rows: earlier Home Credit applications and their dates."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model_build.schema import ANOMALY_DAYS, PREVIOUS_APPLICATION
from model_build.synth.bureau import client_counts, sequential_ids
from model_build.synth.calibration import SegmentedTable
from model_build.synth.copula import Marginal, choose_segments
from model_build.synth.copula_fit import fit_marginal, fit_segment

logger = logging.getLogger(__name__)

__all__ = ["PreviousModel", "calibrate_previous", "sample_previous"]

PREVIOUS_SAMPLE = "previous_application_sample.csv"
FIRST_PREV_ID = 1_000_001
# Full-table figures (FACTS.md §1, §8): 1,670,214 rows for 356,255 applications, held by
# 338,857 clients (the share of applicants with an earlier Home Credit application).
ROWS_PER_CLIENT = 1_670_214 / 356_255
COVERAGE = 338_857 / 356_255
COUNT_DISPERSION = 1.6
ID_GAP_RATE = 0.105
MIN_SEGMENT_ROWS = 50
DAY_COLUMNS = PREVIOUS_APPLICATION.anomaly_day_columns
# Risky clients were refused more often (log-odds tilt of each status per unit of history).
STATUS_TILT = {"Refused": 0.5, "Canceled": 0.1}
CARD_EXTRA_AGE_DAYS = 900.0
MAX_DAYS = 2922


@dataclass
class DateRules:
    """How one contract type's approved applications fill the five DAYS_* columns."""

    p_drawing_unknown: float
    p_first_due_unknown: float
    p_last_due_1st_unknown: float
    p_open_if_running: float
    p_open_if_ended: float
    p_early: float
    p_termination_unknown: float
    due_offset: Marginal
    drawing_offset: Marginal
    termination_offset: Marginal

    def to_json(self) -> dict[str, Any]:
        return {k: v.to_json() if isinstance(v, Marginal) else v for k, v in self.__dict__.items()}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DateRules:
        fields: dict[str, Any] = {
            k: Marginal.from_json(v) if isinstance(v, dict) else v for k, v in d.items()
        }
        return cls(**fields)


@dataclass
class PreviousModel:
    """Calibrated previous_application parameters (the JSON 'previous' section)."""

    table: SegmentedTable
    dates: dict[str, DateRules]

    def to_json(self) -> dict[str, Any]:
        return {
            "table": self.table.to_json(),
            "dates": {k: v.to_json() for k, v in self.dates.items()},
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> PreviousModel:
        return cls(
            SegmentedTable.from_json(d["table"]),
            {k: DateRules.from_json(v) for k, v in d["dates"].items()},
        )


def _share(mask: pd.Series) -> float:
    return round(float(mask.mean()), 4) if len(mask) else 0.0


def _date_rules(g: pd.DataFrame) -> DateRules:
    g = g[g["DAYS_FIRST_DUE"].notna()]
    known = g["DAYS_LAST_DUE_1ST_VERSION"] != ANOMALY_DAYS
    running = ~known | (g["DAYS_LAST_DUE_1ST_VERSION"] > 0)
    last_known = g["DAYS_LAST_DUE"] != ANOMALY_DAYS
    due = g["DAYS_FIRST_DUE"] != ANOMALY_DAYS
    draw = g["DAYS_FIRST_DRAWING"] != ANOMALY_DAYS
    term = g["DAYS_TERMINATION"] != ANOMALY_DAYS
    ended = known & last_known
    return DateRules(
        p_drawing_unknown=_share(~draw),
        p_first_due_unknown=_share(~due),
        p_last_due_1st_unknown=_share(~known),
        p_open_if_running=_share(~last_known[running]),
        p_open_if_ended=_share(~last_known[~running]),
        p_early=_share(
            g.loc[ended, "DAYS_LAST_DUE"] < g.loc[ended, "DAYS_LAST_DUE_1ST_VERSION"] - 1
        ),
        p_termination_unknown=_share(~term[last_known]),
        due_offset=fit_marginal((g["DAYS_FIRST_DUE"] - g["DAYS_DECISION"])[due]),
        drawing_offset=fit_marginal((g["DAYS_FIRST_DRAWING"] - g["DAYS_DECISION"])[draw]),
        termination_offset=fit_marginal((g["DAYS_TERMINATION"] - g["DAYS_LAST_DUE"])[term]),
    )


def calibrate_previous(real: Path) -> dict[str, Any]:
    """Copula segments per (contract type, status) and date rules per contract type."""
    df = pd.read_csv(real / PREVIOUS_SAMPLE)
    spec = PREVIOUS_APPLICATION
    skip = {"SK_ID_PREV", "SK_ID_CURR", *DAY_COLUMNS}
    columns = [c.name for c in spec.columns if c.name not in skip]
    vocab = {
        c.name: sorted(df[c.name].dropna().astype(str).unique().tolist())
        for c in spec.columns
        if c.is_categorical
    }
    missing = {c: [c] for c in columns if df[c].isna().any() and not spec.column(c).is_categorical}
    segments = []
    for (ctype, status), part in df.groupby(["NAME_CONTRACT_TYPE", "NAME_CONTRACT_STATUS"]):
        if len(part) < MIN_SEGMENT_ROWS:
            continue
        name = f"{ctype}|{status}"
        segments.append(
            fit_segment(part, name, len(part) / len(df), columns, missing_groups=missing)
        )
    approved = df[df["NAME_CONTRACT_STATUS"] == "Approved"]
    dates = {str(t): _date_rules(g) for t, g in approved.groupby("NAME_CONTRACT_TYPE")}
    return PreviousModel(SegmentedTable(vocab, segments), dates).to_json()


def sample_previous(
    model: PreviousModel,
    client_ids: np.ndarray,
    history: np.ndarray,
    rng: np.random.Generator,
    next_id: int,
) -> tuple[dict[str, np.ndarray], np.ndarray, int]:
    """previous_application rows, the row -> client index map, and the next free id."""
    counts = client_counts(len(client_ids), COVERAGE, ROWS_PER_CLIENT, rng, COUNT_DISPERSION)
    owner = np.repeat(np.arange(len(client_ids)), counts)
    n = len(owner)
    table = model.table
    tilt = np.array([STATUS_TILT.get(s.name.split("|")[1], 0.0) for s in table.segments])
    seg = choose_segments(table.weights, rng, n, tilt, history[owner])
    cols, _ = table.sample(n, rng, segment=seg)
    ids = sequential_ids(next_id, n, ID_GAP_RATE, rng)
    cols["SK_ID_PREV"] = ids
    cols["SK_ID_CURR"] = client_ids[owner].astype(np.int64)
    # The goods price is what the client asked for whenever there are goods.
    goods = cols["AMT_GOODS_PRICE"]
    cols["AMT_GOODS_PRICE"] = np.where(np.isnan(goods), goods, cols["AMT_APPLICATION"])
    for col in DAY_COLUMNS:
        cols[col] = np.full(n, np.nan)
    vocab = table.vocab
    approved = cols["NAME_CONTRACT_STATUS"] == vocab["NAME_CONTRACT_STATUS"].index("Approved")
    for ctype, rules in model.dates.items():
        code = vocab["NAME_CONTRACT_TYPE"].index(ctype)
        rows = np.flatnonzero(approved & (cols["NAME_CONTRACT_TYPE"] == code))
        if ctype == "Revolving loans":
            _age_cards(cols, rows, rng)
        _dates(cols, rows, rules, rng)
    out = {c.name: cols[c.name] for c in PREVIOUS_APPLICATION.columns}
    return out, owner, int(ids[-1]) + 1 if n else next_id


def _age_cards(cols: dict[str, np.ndarray], rows: np.ndarray, rng: np.random.Generator) -> None:
    # The card table holds 2.3 monthly rows per previous application (FACTS.md §8), i.e.
    # about 44 months per approved card, older than the sample's card decisions suggest
    # (its first rows over-represent recent applications); age the approvals to match.
    extra = np.round(rng.exponential(CARD_EXTRA_AGE_DAYS, len(rows)))
    cols["DAYS_DECISION"][rows] = np.maximum(cols["DAYS_DECISION"][rows] - extra, -MAX_DAYS)


def _dates(
    cols: dict[str, np.ndarray], rows: np.ndarray, rules: DateRules, rng: np.random.Generator
) -> None:
    n = len(rows)
    decision = cols["DAYS_DECISION"][rows]
    term_months = np.nan_to_num(cols["CNT_PAYMENT"][rows])
    due = decision + rules.due_offset.inverse(rng.random(n))
    draw = np.minimum(decision + rules.drawing_offset.inverse(rng.random(n)), -1)
    last1 = due + 30 * np.maximum(term_months - 1, 0)
    last1_unknown = rng.random(n) < rules.p_last_due_1st_unknown
    running = last1_unknown | (last1 > 0)
    p_open = np.where(running, rules.p_open_if_running, rules.p_open_if_ended)
    is_open = rng.random(n) < p_open
    # Closed early: somewhere between the first due date and the planned (or current) end.
    end = np.where(running, -1, last1)
    early = running | (rng.random(n) < rules.p_early)
    last = np.where(early, np.round(due + rng.random(n) * (end - due)), last1)
    last = np.minimum(np.maximum(last, due), -1)
    term = last + rules.termination_offset.inverse(rng.random(n))
    term_unknown = is_open | (rng.random(n) < rules.p_termination_unknown)
    due_unknown = rng.random(n) < rules.p_first_due_unknown
    a = float(ANOMALY_DAYS)
    cols["DAYS_FIRST_DRAWING"][rows] = np.where(rng.random(n) < rules.p_drawing_unknown, a, draw)
    cols["DAYS_FIRST_DUE"][rows] = np.where(due_unknown, a, due)
    cols["DAYS_LAST_DUE_1ST_VERSION"][rows] = np.where(last1_unknown, a, last1)
    cols["DAYS_LAST_DUE"][rows] = np.where(is_open, a, last)
    cols["DAYS_TERMINATION"][rows] = np.where(term_unknown, a, np.minimum(term, 0))
    # Approved rows without insurance information have no dates either (as in the source).
    blank = rows[np.isnan(cols["NFLAG_INSURED_ON_APPROVAL"][rows])]
    for col in DAY_COLUMNS:
        cols[col][blank] = np.nan
