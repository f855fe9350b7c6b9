"""LightGBM fitted data-parallel on a Dask cluster (lightgbm.dask) behind the Fitter seam."""

from __future__ import annotations

import logging
import warnings

import dask.dataframe as dd
import lightgbm as lgb
import numpy as np
import pandas as pd
from distributed import Client
from lightgbm.dask import DaskLGBMClassifier
from sklearn.model_selection import train_test_split

from model_build.config import TrainConfig
from model_build.distributed.cluster import worker_count
from model_build.lightgbm_training import (
    CrossValidation,
    FoldCallback,
    cross_validate,
    cross_validate_folds,
    lightgbm_params,
    resolve_scale_pos_weight,
)

__all__ = ["DaskFitter", "planned_trees"]

logger = logging.getLogger(__name__)


class DaskFitter:
    """Every fit on the cluster of ``client`` with lightgbm.dask, data-parallel.

    lightgbm.dask has no early stopping: the folds and the final model all grow the same
    number of trees, fixed beforehand (``planned_trees``). The folds are those of
    single-machine training, so the out-of-fold figures, calibration and threshold are
    computed the same way.
    """

    def __init__(self, client: Client) -> None:
        self.client = client
        self._trees_from: str | None = None

    @property
    def where(self) -> str:
        return f"on Dask, {worker_count(self.client)} workers"

    def cross_validate(
        self,
        features: pd.DataFrame,
        y: np.ndarray,
        config: TrainConfig,
        categorical: list[str],
        on_fold: FoldCallback | None = None,
    ) -> CrossValidation:
        trees, self._trees_from = planned_trees(features, y, config, categorical)
        weight = resolve_scale_pos_weight(config.lightgbm, y)

        def fit_fold(
            fit_x: pd.DataFrame, fit_y: np.ndarray, val_x: pd.DataFrame, _: np.ndarray
        ) -> tuple[np.ndarray, int]:
            booster = self.fit(fit_x, fit_y, config, weight, categorical, trees)
            return np.asarray(booster.predict(val_x, raw_score=True)), trees

        return cross_validate_folds(
            features, y, config, weight, fit_fold, on_fold, planned_rounds=trees
        )

    def fit_final(
        self,
        features: pd.DataFrame,
        y: np.ndarray,
        config: TrainConfig,
        categorical: list[str],
        cv: CrossValidation,
    ) -> lgb.Booster:
        return self.fit(features, y, config, cv.scale_pos_weight, categorical, cv.final_rounds)

    def training(self, config: TrainConfig, cv: CrossValidation) -> dict[str, object]:
        return {
            "method": (
                "LightGBM data-parallel on a Dask cluster (lightgbm.dask, tree_learner=data), "
                f"{worker_count(self.client)} workers"
            ),
            "trees": (
                f"{cv.final_rounds}, fixed beforehand (lightgbm.dask has no early stopping), "
                f"from {self._trees_from}; every fold model has as many"
            ),
            "folds": config.n_folds,
            "final_fit": "refitted on every development client on the cluster with the same "
            "number of trees",
            "seed": config.seed,
        }

    def fit(
        self,
        features: pd.DataFrame,
        y: np.ndarray,
        config: TrainConfig,
        scale_pos_weight: float,
        categorical: list[str],
        trees: int,
    ) -> lgb.Booster:
        """One data-parallel fit of ``trees`` trees; the booster comes back to this process."""
        params = lightgbm_params(config.lightgbm, scale_pos_weight, config.seed)
        # lightgbm.dask gives each worker as many threads as it has: num_threads would be
        # ignored with a warning.
        params.pop("num_threads")
        data, label = self._scatter(features, pd.Series(y, index=features.index))
        model = DaskLGBMClassifier(client=self.client, n_estimators=trees)
        model.set_params(**params)  # LightGBM's native names, as single-machine training
        with warnings.catch_warnings():
            # The scikit-learn wrapper always passes n_jobs, which lightgbm.dask then drops.
            warnings.filterwarnings("ignore", "Parameter n_jobs will be ignored", UserWarning)
            model.fit(data, label, categorical_feature=categorical)
        booster: lgb.Booster = model.booster_
        return booster

    def _scatter(self, features: pd.DataFrame, y: pd.Series) -> tuple[dd.DataFrame, dd.Series]:
        """The rows as one dask partition per worker, sent to the workers up front (not
        embedded in the task graph); label part k holds the labels of data part k."""
        chunks = np.array_split(np.arange(len(y)), max(1, worker_count(self.client)))
        x_parts = self.client.scatter([features.iloc[rows] for rows in chunks])
        y_parts = self.client.scatter([y.iloc[rows] for rows in chunks])
        return (
            dd.from_delayed(x_parts, meta=features.iloc[:0], verify_meta=False),
            dd.from_delayed(y_parts, meta=y.iloc[:0], verify_meta=False),
        )


def planned_trees(
    features: pd.DataFrame, y: np.ndarray, config: TrainConfig, categorical: list[str]
) -> tuple[int, str]:
    """The trees of every distributed fit and where the number comes from: the config, or
    early stopping in a single-machine cross-validation of a stratified sample."""
    if config.distributed.num_trees != "cv":
        return int(config.distributed.num_trees), "config (distributed.num_trees)"
    rows = config.distributed.cv_sample_rows
    index = np.arange(len(y))
    if len(y) > rows:
        index = np.sort(
            train_test_split(index, train_size=rows, stratify=y, random_state=config.seed)[0]
        )
    cv = cross_validate(features.iloc[index], y[index], config, categorical)
    logger.info("%d trees from single-machine cross-validation of %d rows", cv.final_rounds, rows)
    return cv.final_rounds, (
        f"single-machine {config.n_folds}-fold cross-validation with early stopping on "
        f"{len(index):,} of the {len(y):,} rows (stratified sample)"
    )
