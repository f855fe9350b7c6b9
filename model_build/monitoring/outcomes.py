"""Performance where outcomes are known: AUC, KS, default rate and calibration by score band."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from model_build.metrics import ks_statistic
from model_build.monitoring.bands import ScoreBands
from model_build.monitoring.samples import Sample

__all__ = ["BandOutcome", "Outcomes", "outcomes"]


@dataclass(frozen=True)
class BandOutcome:
    """One score band of the current sample: observed defaults against predicted ones."""

    band: int  # 1 = lowest predicted risk
    rows: int
    defaults: int
    default_rate: float  # NaN for an empty band
    mean_probability: float  # NaN for an empty band
    # Calibration: 1 when the band defaults as often as the model predicts.
    observed_to_predicted: float


@dataclass(frozen=True)
class Outcomes:
    """The model's quality on the current sample's rows with a known outcome."""

    rows: int
    default_rate: float
    mean_probability: float
    roc_auc: float
    ks: float
    # The model card's out-of-fold figures of the build, for comparison.
    development_roc_auc: float | None
    development_ks: float | None
    bands: list[BandOutcome]
    # Adjacent bands whose default rate falls as predicted risk rises (0 = ranks in order).
    rank_order_breaks: int


def outcomes(sample: Sample, bands: ScoreBands, card: dict[str, Any]) -> Outcomes | None:
    """AUC, KS and per-band default rates; None when the sample has no outcomes or only one
    kind (AUC needs both defaults and repayments)."""
    if sample.target is None:
        return None
    known = np.isfinite(sample.target)
    y = sample.target[known].astype(np.int64)
    p = sample.probability[known]
    if len(np.unique(y)) < 2:
        return None
    band = bands.band_of(p)
    per_band = [_band(k, y[band == k], p[band == k]) for k in range(bands.count)]
    rates = np.array([b.default_rate for b in per_band if b.rows > 0])
    metrics = card.get("metrics", {})
    return Outcomes(
        rows=len(y),
        default_rate=float(y.mean()),
        mean_probability=float(p.mean()),
        roc_auc=float(roc_auc_score(y, p)),
        ks=ks_statistic(y, p),
        development_roc_auc=_number(metrics.get("roc_auc")),
        development_ks=_number(metrics.get("ks")),
        bands=per_band,
        rank_order_breaks=int(np.sum(np.diff(rates) < 0)),
    )


def _band(index: int, y: np.ndarray, p: np.ndarray) -> BandOutcome:
    nan = float("nan")
    if len(y) == 0:
        return BandOutcome(index + 1, 0, 0, nan, nan, nan)
    rate, predicted = float(y.mean()), float(p.mean())
    ratio = rate / predicted if predicted > 0 else nan
    return BandOutcome(index + 1, len(y), int(y.sum()), rate, predicted, ratio)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
