"""Exact TreeSHAP contributions of one encoded row, behind a small engine interface."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import lightgbm as lgb
import numpy as np

__all__ = ["Attribution", "Explainer", "LightGBMExplainer"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Attribution:
    """SHAP values of one row on the log-odds margin: base + sum(contributions) = margin."""

    contributions: np.ndarray
    base_value: float

    @property
    def model_output(self) -> float:
        return float(self.base_value + self.contributions.sum())


class Explainer(Protocol):
    """An exact (path-dependent TreeSHAP) engine for the served booster."""

    @property
    def num_trees(self) -> int: ...

    def explain(self, row: np.ndarray) -> Attribution:
        """Contributions of one booster input row (float64, categoricals as codes, NaN missing)."""
        ...


class LightGBMExplainer:
    """LightGBM's own TreeSHAP (``pred_contrib``) on one row, single-threaded.

    One thread is faster than LightGBM's default for a single row (no OpenMP fork/join) and
    leaves the other cores to the concurrent calls of the gRPC thread pool.
    """

    def __init__(self, booster_path: Path) -> None:
        self._booster = lgb.Booster(model_file=str(booster_path))
        self._num_features = self._booster.num_feature()

    @property
    def num_trees(self) -> int:
        return int(self._booster.num_trees())

    def explain(self, row: np.ndarray) -> Attribution:
        matrix = np.ascontiguousarray(row, dtype=np.float64).reshape(1, self._num_features)
        out = self._booster.predict(matrix, pred_contrib=True, num_threads=1)
        values = np.asarray(out, dtype=np.float64)[0]
        return Attribution(values[:-1], float(values[-1]))
