"""Characteristic stability: each model input's PSI, missing rate and out-of-range rate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from model_build.features import FeatureCatalog, FeatureInfo
from model_build.monitoring.stability import (
    Bin,
    Binning,
    Light,
    Noise,
    category_binning,
    light_of,
    numeric_binning,
    psi,
    sampling_noise,
    shares,
)
from server.contract import APPLICATION_FIELDS, FieldRule

__all__ = ["FeatureStability", "feature_stability", "importance_of"]

# The contract's rules of the numeric Application fields, by Kaggle column: an input that is
# an Application field is checked against what the server accepts.
_CONTRACT_RULES: dict[str, FieldRule] = {
    f.column: f.rule for f in APPLICATION_FIELDS if not f.is_categorical
}


@dataclass(frozen=True)
class FeatureStability:
    """How one model input moved between the development and the current sample."""

    feature: str
    kind: str  # "numeric" | "categorical"
    importance: float  # mean |SHAP| from the model card; 0 when it lists none
    psi: float
    light: Light
    noise: Noise
    missing_development: float
    missing_current: float
    # Numeric inputs only (None otherwise): the development sample's range, the share of
    # current rows outside it, and the share of rows the contract's rules refuse (inputs that
    # are Application fields: the server never scores those, a data feed may carry them).
    development_min: float | None
    development_max: float | None
    outside_development_range: float | None
    outside_contract_development: float | None
    outside_contract_current: float | None
    bins: list[Bin]


def importance_of(card: dict[str, Any]) -> dict[str, float]:
    """Mean |SHAP| of each feature, from the model card's global importance."""
    listed = card.get("global_importance", [])
    return {str(item["feature"]): float(item["mean_abs_shap"]) for item in listed}


def feature_stability(
    development: pd.DataFrame,
    current: pd.DataFrame,
    catalog: FeatureCatalog,
    importance: dict[str, float],
) -> list[FeatureStability]:
    """Every model input, the most important first, compared on bins of the development
    sample (deciles for numbers, one per category, one for missing values)."""
    ordered = sorted(catalog.features, key=lambda f: (-importance.get(f.name, 0.0), f.name))
    return [
        _stability(info, development[info.name], current[info.name], importance) for info in ordered
    ]


def _stability(
    info: FeatureInfo, dev: pd.Series, cur: pd.Series, importance: dict[str, float]
) -> FeatureStability:
    binning = _binning(info, dev)
    dev_shares = shares(binning.assign(dev), binning.count)
    cur_shares = shares(binning.assign(cur), binning.count)
    value = psi(dev_shares, cur_shares)
    occupied = int(np.count_nonzero(dev_shares))
    ranges = _ranges(info, dev, cur)
    return FeatureStability(
        feature=info.name,
        kind=info.kind,
        importance=importance.get(info.name, 0.0),
        psi=value,
        light=light_of(value),
        noise=sampling_noise(occupied, len(dev), len(cur)),
        missing_development=float(dev.isna().mean()) if len(dev) else 0.0,
        missing_current=float(cur.isna().mean()) if len(cur) else 0.0,
        **ranges,
        bins=[
            Bin(label, float(d), float(c))
            for label, d, c in zip(binning.labels, dev_shares, cur_shares, strict=True)
        ],
    )


def _binning(info: FeatureInfo, dev: pd.Series) -> Binning:
    if info.kind == "categorical":
        return category_binning(info.vocabulary)
    return numeric_binning(dev.to_numpy(dtype=np.float64, na_value=np.nan))


def _ranges(info: FeatureInfo, dev: pd.Series, cur: pd.Series) -> dict[str, float | None]:
    keys = (
        "development_min",
        "development_max",
        "outside_development_range",
        "outside_contract_development",
        "outside_contract_current",
    )
    if info.kind == "categorical":
        return dict.fromkeys(keys)
    d = dev.to_numpy(dtype=np.float64, na_value=np.nan)
    c = cur.to_numpy(dtype=np.float64, na_value=np.nan)
    present = d[~np.isnan(d)]
    low, high = (float(present.min()), float(present.max())) if len(present) else (None, None)
    outside = None
    if low is not None and high is not None and len(c):
        outside = float(np.mean((c < low) | (c > high)))
    rule = _CONTRACT_RULES.get(info.name)
    return {
        "development_min": low,
        "development_max": high,
        "outside_development_range": outside,
        "outside_contract_development": None if rule is None else _refused_share(d, rule),
        "outside_contract_current": None if rule is None else _refused_share(c, rule),
    }


def _refused_share(values: np.ndarray, rule: FieldRule) -> float:
    """Share of rows holding a number the contract's rule refuses (missing values pass)."""
    if len(values) == 0:
        return 0.0
    present = ~np.isnan(values)
    above_low = values > rule.low if rule.low_exclusive else values >= rule.low
    accepted = above_low & (values <= rule.high)
    if rule.whole_number:
        accepted &= values == np.floor(values)
    accepted |= np.isin(values, rule.also_allowed)
    return float(np.mean(present & ~accepted))
