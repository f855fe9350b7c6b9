"""Synthetic application rows: copula sample, structural rules, rare values and TARGET."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy import special

from model_build.schema import ANOMALY_DAYS, APPLICATION_TRAIN
from model_build.synth.calibration import ApplicationModel, Calibration
from model_build.synth.risk import feature_matrix

logger = logging.getLogger(__name__)

__all__ = ["Applications", "sample_applications"]

# Copula dimensions that are not application columns themselves.
GOODS_RATIO = "CREDIT_GOODS_RATIO"
PAYMENT_RATE = "PAYMENT_RATE"
BUILDING_COUNT = "BUILDING_PRESENT_COUNT"
# Share of the history latent explained by the application risk (history is not independent
# of what the application shows: low external scores go with bureau arrears).
HISTORY_ON_APPLICATION = 0.5
YEAR = 365
MARRIED = ("Married", "Civil marriage")
REVOLVING = ("Revolving loans",)
# FACTS.md §2: 278 of the 29,279 revolving loans in train have no goods price.
REVOLVING_WITHOUT_GOODS = 278 / 29_279


@dataclass
class Applications:
    """One chunk of clients: application columns plus the latents the child tables use."""

    columns: dict[str, np.ndarray]  # categoricals as int16 codes into the vocabulary
    is_test: np.ndarray
    target: np.ndarray
    # Standardised application risk, and the client's credit-history risk (both ~N(0, 1)).
    risk_z: np.ndarray
    history: np.ndarray


def sample_applications(
    cal: Calibration,
    ids: np.ndarray,
    rng: np.random.Generator,
    *,
    first_chunk: bool,
) -> Applications:
    """Application rows for the clients `ids` with their TARGET and history latent."""
    model = cal.application
    n = len(ids)
    cols, _ = model.table.sample(n, rng)
    is_test = rng.random(n) < model.test_share
    vocab = model.table.vocab
    _amounts(cols, vocab, rng)
    _building(cols, model, rng)
    _consistency(cols, vocab)
    _inject_rare(cols, cal, is_test, rng, first_chunk)
    married = np.isin(cols["NAME_FAMILY_STATUS"], _codes(vocab, "NAME_FAMILY_STATUS", MARRIED))
    cols["CNT_FAM_MEMBERS"] = cols["CNT_CHILDREN"] + 1.0 + married
    cols["SK_ID_CURR"] = ids.astype(np.int64)

    risk = cal.risk
    score = risk.trees.raw_score(feature_matrix(cols, risk.trees.features))
    eps = rng.standard_normal(n)
    logit = risk.scale * (score + risk.intercept) + risk.history_weight * eps
    target = (rng.random(n) < special.expit(logit)).astype(np.int8)
    cols["TARGET"] = target.astype(np.float64)
    risk_z = (score - risk.score_mean) / risk.score_sd
    a = HISTORY_ON_APPLICATION
    history = a * risk_z + np.sqrt(1 - a * a) * eps
    out = {c.name: cols[c.name] for c in APPLICATION_TRAIN.columns}
    return Applications(out, is_test, target, risk_z, history)


def _codes(vocab: dict[str, list[str]], col: str, values: tuple[str, ...]) -> list[int]:
    return [vocab[col].index(v) for v in values if v in vocab[col]]


def _half(x: np.ndarray) -> np.ndarray:
    return np.round(x * 2.0) / 2.0


MIN_CREDIT = 45_000.0


def _amounts(
    cols: dict[str, np.ndarray], vocab: dict[str, list[str]], rng: np.random.Generator
) -> None:
    # The copula holds goods price, credit/goods and annuity/credit, because those ratios
    # (not the raw amounts) carry the loan terms that drive risk.
    goods = cols["AMT_GOODS_PRICE"]
    # The sampled credit/goods ratio can be 0 at the bottom of its marginal; no real loan is
    # below the full data's minimum (45,000), and the server rightly rejects a zero credit.
    credit = np.maximum(_half(goods * cols.pop(GOODS_RATIO)), MIN_CREDIT)
    cols["AMT_CREDIT"] = credit
    cols["AMT_ANNUITY"] = _half(credit * cols.pop(PAYMENT_RATE))
    revolving = np.isin(cols["NAME_CONTRACT_TYPE"], _codes(vocab, "NAME_CONTRACT_TYPE", REVOLVING))
    goods[revolving & (rng.random(len(goods)) < REVOLVING_WITHOUT_GOODS)] = np.nan


def _building(
    cols: dict[str, np.ndarray], model: ApplicationModel, rng: np.random.Generator
) -> None:
    # The copula gives how many groups a row has; which ones follows the real co-occurrence
    # (weighted sampling of exactly k groups via the Gumbel top-k trick).
    count = np.nan_to_num(cols.pop(BUILDING_COUNT)).astype(np.int64)
    n, g = len(count), len(model.building_groups)
    presence = np.asarray(model.building_presence)
    scores = np.log(presence[count] + 1e-6) + rng.gumbel(size=(n, g))
    ranks = np.argsort(np.argsort(-scores, axis=1), axis=1)
    present = ranks < count[:, None]
    for j, group in enumerate(model.building_groups):
        for col in group:
            arr = cols[col]
            if arr.dtype == np.int16:
                arr[~present[:, j]] = -1
            else:
                arr[~present[:, j]] = np.nan


def _consistency(cols: dict[str, np.ndarray], vocab: dict[str, list[str]]) -> None:
    birth = cols["DAYS_BIRTH"]
    emp = cols["DAYS_EMPLOYED"]
    working = emp != ANOMALY_DAYS
    # Nobody starts work before about 15 or changes ID papers before 14.
    cols["DAYS_EMPLOYED"] = np.where(
        working, np.minimum(np.maximum(emp, birth + 15 * YEAR), 0), emp
    )
    cols["DAYS_REGISTRATION"] = np.minimum(np.maximum(cols["DAYS_REGISTRATION"], birth), 0)
    cols["DAYS_ID_PUBLISH"] = np.minimum(np.maximum(cols["DAYS_ID_PUBLISH"], birth + 14 * YEAR), 0)
    no_car = np.isin(cols["FLAG_OWN_CAR"], _codes(vocab, "FLAG_OWN_CAR", ("N",)))
    cols["OWN_CAR_AGE"][no_car] = np.nan
    # Defaults are a subset of observations, and 60-day counts a subset of 30-day ones.
    for hi, lo in (
        ("OBS_30", "OBS_60"),
        ("OBS_30", "DEF_30"),
        ("OBS_60", "DEF_60"),
        ("DEF_30", "DEF_60"),
    ):
        a, b = f"{hi}_CNT_SOCIAL_CIRCLE", f"{lo}_CNT_SOCIAL_CIRCLE"
        cols[b] = np.where(cols[b] > cols[a], cols[a], cols[b])


def _inject_rare(
    cols: dict[str, np.ndarray],
    cal: Calibration,
    is_test: np.ndarray,
    rng: np.random.Generator,
    first_chunk: bool,
) -> None:
    vocab = cal.application.table.vocab
    for rare in cal.application.rare:
        if rare.value not in vocab[rare.column] or rare.replaces not in vocab[rare.column]:
            continue
        arr = cols[rare.column]
        pool = arr == vocab[rare.column].index(rare.replaces)
        if rare.train_only:
            pool &= ~is_test
        eligible = np.flatnonzero(pool)
        base = int(np.sum(~is_test)) if rare.train_only else len(arr)
        count = int(rng.binomial(base, rare.rate))
        # One occurrence in the first chunk so that small data sets still show the anomaly.
        count = min(max(count, int(first_chunk)), len(eligible))
        if count:
            arr[rng.choice(eligible, size=count, replace=False)] = vocab[rare.column].index(
                rare.value
            )
