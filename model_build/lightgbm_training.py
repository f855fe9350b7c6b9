"""LightGBM fitting: stratified K-fold CV with early stopping, final fit, Platt calibration."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from model_build.config import LightGBMConfig, TrainConfig

__all__ = [
    "Calibration",
    "CrossValidation",
    "FoldFit",
    "cross_validate",
    "cross_validate_folds",
    "fit_final",
    "fit_platt",
    "sigmoid",
]

logger = logging.getLogger(__name__)

FoldCallback = Callable[[int, float, int], None]
# Fits one fold: (fit rows, their labels, held-out rows, their labels) -> (raw margins of the
# held-out rows, trees used).
FoldFit = Callable[[pd.DataFrame, np.ndarray, pd.DataFrame, np.ndarray], tuple[np.ndarray, int]]


@dataclass(frozen=True)
class Calibration:
    """Platt scaling of LightGBM's raw margin: p = sigmoid(slope * margin + intercept)."""

    slope: float
    intercept: float

    def apply(self, margin: np.ndarray) -> np.ndarray:
        return sigmoid(self.slope * np.asarray(margin, dtype=np.float64) + self.intercept)


@dataclass(frozen=True)
class CrossValidation:
    """Out-of-fold raw margins and what each fold's early stopping chose."""

    oof_margin: np.ndarray
    best_iterations: list[int]
    fold_auc: list[float]
    scale_pos_weight: float
    # Trees of every fit when they were fixed beforehand (no early stopping), else None.
    planned_rounds: int | None = None

    @property
    def final_rounds(self) -> int:
        if self.planned_rounds is not None:
            return self.planned_rounds
        # The final model sees k/(k-1) times more rows than a fold model: grow it a bit longer.
        k = len(self.best_iterations)
        return max(1, round(float(np.mean(self.best_iterations)) * k / (k - 1)))


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function."""
    out: np.ndarray = 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))
    return out


def lightgbm_params(cfg: LightGBMConfig, scale_pos_weight: float, seed: int) -> dict[str, object]:
    """Native LightGBM parameters from the config."""
    return {
        "objective": "binary",
        "learning_rate": cfg.learning_rate,
        "num_leaves": cfg.num_leaves,
        "min_child_samples": cfg.min_child_samples,
        "feature_fraction": cfg.feature_fraction,
        "bagging_fraction": cfg.bagging_fraction,
        "bagging_freq": cfg.bagging_freq,
        "lambda_l2": cfg.lambda_l2,
        "max_bin": cfg.max_bin,
        "scale_pos_weight": scale_pos_weight,
        "num_threads": cfg.num_threads,
        "seed": seed,
        "deterministic": True,
        "force_row_wise": True,
        "verbosity": -1,
    }


def resolve_scale_pos_weight(cfg: LightGBMConfig, y: np.ndarray) -> float:
    """The positive-class weight: configured, or sqrt(negatives / positives) for "auto"."""
    if cfg.scale_pos_weight != "auto":
        return float(cfg.scale_pos_weight)
    positives = float(np.sum(y == 1))
    return float(np.sqrt((len(y) - positives) / positives))


def cross_validate(
    features: pd.DataFrame,
    y: np.ndarray,
    config: TrainConfig,
    categorical: list[str],
    on_fold: FoldCallback | None = None,
) -> CrossValidation:
    """Stratified K-fold with early stopping on each held-out fold; returns OOF margins.

    ``features`` comes from ``encode_for_lightgbm``: ``categorical`` columns hold codes that
    LightGBM splits on natively.
    """
    weight = resolve_scale_pos_weight(config.lightgbm, y)
    params = lightgbm_params(config.lightgbm, weight, config.seed)

    def fit_fold(
        fit_x: pd.DataFrame, fit_y: np.ndarray, val_x: pd.DataFrame, val_y: np.ndarray
    ) -> tuple[np.ndarray, int]:
        train_set = lgb.Dataset(fit_x, label=fit_y, categorical_feature=categorical)
        valid_set = lgb.Dataset(val_x, label=val_y, reference=train_set)
        booster = lgb.train(
            {**params, "metric": "auc"},
            train_set,
            num_boost_round=config.lightgbm.max_rounds,
            valid_sets=[valid_set],
            callbacks=[lgb.early_stopping(config.lightgbm.early_stopping_rounds, verbose=False)],
        )
        best = booster.best_iteration or config.lightgbm.max_rounds
        margin = np.asarray(booster.predict(val_x, num_iteration=best, raw_score=True))
        return margin, int(best)

    return cross_validate_folds(features, y, config, weight, fit_fold, on_fold)


def cross_validate_folds(
    features: pd.DataFrame,
    y: np.ndarray,
    config: TrainConfig,
    scale_pos_weight: float,
    fit_fold: FoldFit,
    on_fold: FoldCallback | None = None,
    *,
    planned_rounds: int | None = None,
) -> CrossValidation:
    """The stratified folds of ``config`` (the same for every fitter and for the benchmark
    models), each fitted by ``fit_fold`` on the others and scored out of fold."""
    folds = StratifiedKFold(n_splits=config.n_folds, shuffle=True, random_state=config.seed)
    oof = np.zeros(len(y), dtype=np.float64)
    best_iterations: list[int] = []
    fold_auc: list[float] = []
    for fold, (fit_idx, val_idx) in enumerate(folds.split(features, y), start=1):
        margin, rounds = fit_fold(
            features.iloc[fit_idx], y[fit_idx], features.iloc[val_idx], y[val_idx]
        )
        oof[val_idx] = margin
        auc = float(roc_auc_score(y[val_idx], oof[val_idx]))
        best_iterations.append(rounds)
        fold_auc.append(auc)
        logger.info("fold %d: AUC %.4f after %d rounds", fold, auc, rounds)
        if on_fold is not None:
            on_fold(fold, auc, rounds)
    return CrossValidation(oof, best_iterations, fold_auc, scale_pos_weight, planned_rounds)


def fit_final(
    features: pd.DataFrame,
    y: np.ndarray,
    config: TrainConfig,
    categorical: list[str],
    cv: CrossValidation,
) -> lgb.Booster:
    """The deployed model: all rows, the number of rounds early stopping found on average."""
    params = lightgbm_params(config.lightgbm, cv.scale_pos_weight, config.seed)
    data = lgb.Dataset(features, label=y, categorical_feature=categorical)
    return lgb.train(params, data, num_boost_round=cv.final_rounds)


def fit_platt(margin: np.ndarray, y: np.ndarray) -> Calibration:
    """Map weighted-training margins back to honest default probabilities (out of fold)."""
    model = LogisticRegression(C=1e6, max_iter=1000)
    model.fit(np.asarray(margin, dtype=np.float64).reshape(-1, 1), y)
    return Calibration(slope=float(model.coef_[0, 0]), intercept=float(model.intercept_[0]))
