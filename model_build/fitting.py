"""The Fitter seam of the training job: who fits LightGBM (this process, or a cluster)."""

from __future__ import annotations

from typing import Protocol

import lightgbm as lgb
import numpy as np
import pandas as pd

from model_build.config import TrainConfig
from model_build.lightgbm_training import (
    CrossValidation,
    FoldCallback,
    cross_validate,
    fit_final,
)
from model_build.model_card import single_machine_training

__all__ = ["Fitter", "LocalFitter"]


class Fitter(Protocol):
    """How the training job fits LightGBM: the cross-validation that gives the out-of-fold
    margins (on the same folds, whoever fits), then the final model. Everything else in the
    job (features, calibration, threshold, export, report, card) is shared."""

    @property
    def where(self) -> str:
        """Where the fits run, for the stage display (``on this machine``)."""
        ...

    def cross_validate(
        self,
        features: pd.DataFrame,
        y: np.ndarray,
        config: TrainConfig,
        categorical: list[str],
        on_fold: FoldCallback | None = None,
    ) -> CrossValidation:
        """Out-of-fold margins of the config's stratified folds."""
        ...

    def fit_final(
        self,
        features: pd.DataFrame,
        y: np.ndarray,
        config: TrainConfig,
        categorical: list[str],
        cv: CrossValidation,
    ) -> lgb.Booster:
        """The deployed model, on every row, with ``cv.final_rounds`` trees."""
        ...

    def training(self, config: TrainConfig, cv: CrossValidation) -> dict[str, object]:
        """How the model was trained: the model card's and the report's ``training``."""
        ...


class LocalFitter:
    """LightGBM in this process: early stopping on each fold, then the final fit."""

    where = "on this machine"

    def cross_validate(
        self,
        features: pd.DataFrame,
        y: np.ndarray,
        config: TrainConfig,
        categorical: list[str],
        on_fold: FoldCallback | None = None,
    ) -> CrossValidation:
        return cross_validate(features, y, config, categorical, on_fold)

    def fit_final(
        self,
        features: pd.DataFrame,
        y: np.ndarray,
        config: TrainConfig,
        categorical: list[str],
        cv: CrossValidation,
    ) -> lgb.Booster:
        return fit_final(features, y, config, categorical, cv)

    def training(self, config: TrainConfig, cv: CrossValidation) -> dict[str, object]:
        return single_machine_training(config, cv.final_rounds)
