"""Fit calibration.json from the real samples (python -m model_build.synth.calibrate --real DIR)."""

from __future__ import annotations

import argparse
import logging
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special

from model_build.schema import ANOMALY_DAYS, APPLICATION_TRAIN
from model_build.synth import bureau, monthly, previous
from model_build.synth.application import (
    BUILDING_COUNT,
    GOODS_RATIO,
    PAYMENT_RATE,
    sample_applications,
)
from model_build.synth.calibration import (
    CALIBRATION_PATH,
    ApplicationModel,
    Calibration,
    RareCategory,
    RiskModel,
    SegmentedTable,
    save_calibration,
)
from model_build.synth.copula_fit import fit_segment
from model_build.synth.risk import feature_matrix, fit_tree_model

logger = logging.getLogger(__name__)

__all__ = ["calibrate", "encode_categories", "main"]

APPLICATION_SAMPLE = "application_train_sample.csv"
# Full-data figures from FACTS.md (§0, §2.2): the sample is too small to show them.
TARGET_RATE = 0.080729
TEST_SHARE = 48_744 / 356_255
N_TRAIN_FULL = 307_511
RARE = (
    RareCategory("CODE_GENDER", "XNA", 4 / N_TRAIN_FULL, "F", True),
    RareCategory("NAME_FAMILY_STATUS", "Unknown", 2 / N_TRAIN_FULL, "Married", True),
    RareCategory("NAME_INCOME_TYPE", "Maternity leave", 5 / N_TRAIN_FULL, "Working", True),
    RareCategory("NAME_INCOME_TYPE", "Student", 18 / N_TRAIN_FULL, "Working", False),
    RareCategory(
        "NAME_INCOME_TYPE", "Businessman", 10 / N_TRAIN_FULL, "Commercial associate", False
    ),
)
BUILDING_MEASURES = (
    "APARTMENTS", "BASEMENTAREA", "YEARS_BEGINEXPLUATATION", "YEARS_BUILD", "COMMONAREA",
    "ELEVATORS", "ENTRANCES", "FLOORSMAX", "FLOORSMIN", "LANDAREA", "LIVINGAPARTMENTS",
    "LIVINGAREA", "NONLIVINGAPARTMENTS", "NONLIVINGAREA",
)  # fmt: skip
BUILDING_SINGLES = (
    "TOTALAREA_MODE", "FONDKAPREMONT_MODE", "HOUSETYPE_MODE", "WALLSMATERIAL_MODE",
    "EMERGENCYSTATE_MODE",
)  # fmt: skip
# Drivers of the risk function, chosen by 5-fold CV on the real sample (about 0.76 AUC).
RISK_FEATURES = [
    "EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3", "X_EXT_MEAN", "DAYS_BIRTH", "DAYS_EMPLOYED",
    "X_EMPLOYED_BIRTH", "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "AMT_INCOME_TOTAL",
    "X_PAYMENT_RATE", "X_CREDIT_GOODS", "X_ANNUITY_INCOME", "X_CREDIT_INCOME", "CODE_GENDER",
    "NAME_EDUCATION_TYPE", "NAME_INCOME_TYPE", "NAME_FAMILY_STATUS", "NAME_HOUSING_TYPE",
    "OCCUPATION_TYPE", "ORGANIZATION_TYPE", "NAME_CONTRACT_TYPE", "FLAG_OWN_CAR", "OWN_CAR_AGE",
    "FLAG_OWN_REALTY", "CNT_CHILDREN", "CNT_FAM_MEMBERS", "REGION_RATING_CLIENT",
    "REGION_RATING_CLIENT_W_CITY", "REGION_POPULATION_RELATIVE", "DAYS_ID_PUBLISH",
    "DAYS_REGISTRATION", "DAYS_LAST_PHONE_CHANGE", "FLAG_DOCUMENT_3", "FLAG_WORK_PHONE",
    "FLAG_PHONE", "REG_CITY_NOT_WORK_CITY", "REG_CITY_NOT_LIVE_CITY", "DEF_30_CNT_SOCIAL_CIRCLE",
    "DEF_60_CNT_SOCIAL_CIRCLE", "AMT_REQ_CREDIT_BUREAU_YEAR", "AMT_REQ_CREDIT_BUREAU_QRT",
    "TOTALAREA_MODE", "HOUR_APPR_PROCESS_START", "NAME_TYPE_SUITE", "FLAG_EMP_PHONE",
]  # fmt: skip
# Heavily regularised: the function should carry the sample's signal, not its noise.
RISK_PARAMS = {
    "n_estimators": 500,
    "learning_rate": 0.02,
    "num_leaves": 3,
    "min_data_in_leaf": 150,
    "feature_fraction": 0.5,
    "bagging_fraction": 0.7,
    "bagging_freq": 1,
    "lambda_l2": 5.0,
    "cat_smooth": 50.0,
    "min_data_per_group": 100,
}
# Weight of the credit-history latent in TARGET's log-odds (see RiskModel).
HISTORY_WEIGHT = 1.0
INTERCEPT_SAMPLE = 100_000


def _categorical_columns() -> list[str]:
    return [c.name for c in APPLICATION_TRAIN.columns if c.is_categorical]


def application_vocab(app: pd.DataFrame) -> dict[str, list[str]]:
    vocab = {c: sorted(str(v) for v in app[c].dropna().unique()) for c in _categorical_columns()}
    for rare in RARE:
        if rare.value not in vocab[rare.column]:
            vocab[rare.column].append(rare.value)
    return vocab


def encode_categories(df: pd.DataFrame, vocab: dict[str, list[str]]) -> dict[str, np.ndarray]:
    """Columns as arrays: categorical ones as int16 vocabulary codes (-1 = missing)."""
    out: dict[str, np.ndarray] = {}
    for col in df.columns:
        if col in vocab:
            lut = {v: i for i, v in enumerate(vocab[col])}
            out[col] = np.array([lut.get(v, -1) for v in df[col].astype(object)], dtype=np.int16)
        else:
            out[col] = df[col].to_numpy(dtype=np.float64)
    return out


def _category_orders(
    app: pd.DataFrame, logit: np.ndarray, vocab: dict[str, list[str]]
) -> dict[str, list[str | None]]:
    # Ordering levels by mean fitted risk lets the copula's single latent per categorical
    # carry its association with the other risk drivers.
    orders: dict[str, list[str | None]] = {}
    mean = float(np.mean(logit))
    for col in vocab:
        key = app[col].astype(object).where(app[col].notna(), None)
        stats = (
            pd.DataFrame({"k": key.fillna("__none__"), "r": logit})
            .groupby("k")["r"]
            .agg(["sum", "count"])
        )
        smooth = (stats["sum"] + 20 * mean) / (stats["count"] + 20)
        orders[col] = [None if k == "__none__" else k for k in smooth.sort_values().index]
    return orders


def _application_frame(app: pd.DataFrame) -> pd.DataFrame:
    df = app.copy()
    revolving = df["NAME_CONTRACT_TYPE"] == "Revolving loans"
    df["AMT_GOODS_PRICE"] = df["AMT_GOODS_PRICE"].fillna(df["AMT_CREDIT"])
    df[GOODS_RATIO] = df["AMT_CREDIT"] / df["AMT_GOODS_PRICE"]
    df[PAYMENT_RATE] = df["AMT_ANNUITY"] / df["AMT_CREDIT"]
    df.loc[revolving & df[PAYMENT_RATE].isna(), PAYMENT_RATE] = 0.05
    present = [df[g[0]].notna() for g in _building_groups(app)]
    df[BUILDING_COUNT] = np.sum(present, axis=0).astype(np.float64)
    return df


def _building_groups(app: pd.DataFrame) -> list[list[str]]:
    groups = [[f"{m}_AVG", f"{m}_MODE", f"{m}_MEDI"] for m in BUILDING_MEASURES]
    groups += [[c] for c in BUILDING_SINGLES]
    return sorted(groups, key=lambda g: float(app[g[0]].isna().mean()))


def fit_application(
    app: pd.DataFrame, vocab: dict[str, list[str]], orders: dict[str, list[str | None]]
) -> ApplicationModel:
    """Two copula segments: clients with an employer, and pensioners/unemployed (XNA)."""
    df = _application_frame(app)
    links = {f"{m}_{s}": f"{m}_AVG" for m in BUILDING_MEASURES for s in ("MODE", "MEDI")}
    derived = {"SK_ID_CURR", "TARGET", "AMT_CREDIT", "AMT_ANNUITY", "CNT_FAM_MEMBERS", *links}
    columns = [c.name for c in APPLICATION_TRAIN.columns if c.name not in derived]
    columns += [GOODS_RATIO, PAYMENT_RATE, BUILDING_COUNT]
    by = {c: "NAME_CONTRACT_TYPE" for c in ("AMT_GOODS_PRICE", GOODS_RATIO, PAYMENT_RATE)}
    req = [c for c in df.columns if c.startswith("AMT_REQ_CREDIT_BUREAU_")]
    social = [c for c in df.columns if c.endswith("_CNT_SOCIAL_CIRCLE")]
    missing = {
        "EXT_SOURCE_1": ["EXT_SOURCE_1"],
        "EXT_SOURCE_2": ["EXT_SOURCE_2"],
        "EXT_SOURCE_3": ["EXT_SOURCE_3"],
        "AMT_REQ_CREDIT_BUREAU_YEAR": req,
        "OBS_30_CNT_SOCIAL_CIRCLE": social,
        "DAYS_LAST_PHONE_CHANGE": ["DAYS_LAST_PHONE_CHANGE"],
    }
    segments = []
    no_employer = df["DAYS_EMPLOYED"] == ANOMALY_DAYS
    for name, rows in (("employed", ~no_employer), ("no_employer", no_employer)):
        part = df[rows]
        seg = fit_segment(
            part,
            name,
            float(rows.mean()),
            columns,
            orders={c: list(o) for c, o in orders.items()},
            by=by,
            links=links,
            missing_groups=missing,
            observed_only=set(BUILDING_SINGLES),
        )
        segments.append(seg)
        logger.info("application segment %s: %d rows, %d dims", name, len(part), len(seg.columns))
    table = SegmentedTable(vocab, segments)
    groups = _building_groups(app)
    return ApplicationModel(table, groups, _building_presence(app, groups), list(RARE), TEST_SHARE)


def _building_presence(app: pd.DataFrame, groups: list[list[str]]) -> list[list[float]]:
    """Per number k of groups present, the weights that make Gumbel top-k sampling include
    each group as often as real rows with k groups do (fixed-point iteration)."""
    present = np.stack([app[g[0]].notna().to_numpy() for g in groups], axis=1)
    count = present.sum(axis=1)
    rng = np.random.default_rng(0)
    g = len(groups)
    table = []
    for k in range(g + 1):
        rows = present[count == k]
        target = (rows.sum(axis=0) + 0.01) / (len(rows) + 0.02) if len(rows) else np.full(g, k / g)
        weights = target.copy()
        if 0 < k < g:
            gumbel = rng.gumbel(size=(4000, g))
            for _ in range(30):
                top = np.argsort(-(np.log(weights + 1e-9) + gumbel), axis=1)[:, :k]
                got = np.bincount(top.ravel(), minlength=g) / len(gumbel)
                weights = np.clip(weights * (target + 1e-4) / (got + 1e-4), 1e-6, 1e6)
                weights /= weights.max()
        table.append([float(f"{v:.4g}") for v in weights])
    return table


def _tune_intercept(cal: Calibration, rng: np.random.Generator) -> None:
    """Set the intercept so that synthetic clients default at the full-data rate."""
    ids = np.arange(INTERCEPT_SAMPLE)
    apps = sample_applications(cal, ids, rng, first_chunk=False)
    risk = cal.risk
    score = risk.trees.raw_score(feature_matrix(apps.columns, risk.trees.features))
    nodes, weights = np.polynomial.hermite_e.hermegauss(21)
    weights = weights / weights.sum()

    def rate(b: float) -> float:
        logit = risk.scale * (score[:, None] + b) + risk.history_weight * nodes[None, :]
        return float(np.mean(special.expit(logit) @ weights))

    lo, hi = -5.0, 5.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if rate(mid) < risk.target_rate else (lo, mid)
    risk.intercept = (lo + hi) / 2
    risk.score_mean, risk.score_sd = float(np.mean(score)), float(np.std(score))
    logger.info("intercept %.4f, synthetic score mean %.3f sd %.3f", risk.intercept,
                risk.score_mean, risk.score_sd)  # fmt: skip


def calibrate(real: Path, *, holdout: int = 0, seed: int = 0) -> Calibration:
    """Fit every section of the calibration from the real samples in `real`."""
    app = pd.read_csv(real / APPLICATION_SAMPLE)
    if holdout:
        app = app.iloc[:-holdout]
    vocab = application_vocab(app)
    coded = encode_categories(app, vocab)
    x = feature_matrix(coded, RISK_FEATURES)
    cats = [f for f in RISK_FEATURES if f in vocab]
    trees = fit_tree_model(x, app["TARGET"].to_numpy(), RISK_FEATURES, cats, RISK_PARAMS)
    logit = trees.raw_score(x)
    application = fit_application(app, vocab, _category_orders(app, logit, vocab))
    scale = math.sqrt(1.0 + math.pi * HISTORY_WEIGHT**2 / 8.0)
    risk = RiskModel(trees, 0.0, scale, HISTORY_WEIGHT, TARGET_RATE)
    cal = Calibration(
        application,
        risk,
        bureau=bureau.calibrate_bureau(real),
        previous=previous.calibrate_previous(real),
        monthly=monthly.calibrate_monthly(real),
        meta={"application_rows": len(app), "holdout_rows": holdout, "source": str(real.name)},
    )
    _tune_intercept(cal, np.random.default_rng(seed))
    return cal


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--real", type=Path, required=True, help="folder of the real samples")
    parser.add_argument("--out", type=Path, default=CALIBRATION_PATH)
    parser.add_argument(
        "--holdout", type=int, default=0, help="leave the last N application rows out (validation)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    cal = calibrate(args.real, holdout=args.holdout)
    save_calibration(cal, args.out)
    logger.info("wrote %s (%.0f KB)", args.out, args.out.stat().st_size / 1024)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
