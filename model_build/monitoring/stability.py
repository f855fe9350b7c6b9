"""Population stability index: bins fixed on the development sample, PSI, noise and lights."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "ACT_PSI",
    "EMPTY_BIN_SHARE",
    "FEATURE_BINS",
    "LIGHT_MEANING",
    "WATCH_PSI",
    "Bin",
    "Binning",
    "Light",
    "Noise",
    "category_binning",
    "light_of",
    "numeric_binning",
    "psi",
    "sampling_noise",
    "shares",
]

# The usual rule of thumb of credit scoring: below 0.1 stable, 0.1-0.25 watch, above act.
WATCH_PSI = 0.1
ACT_PSI = 0.25
# A bin that one sample leaves empty counts as this share, so that PSI stays finite; an empty
# bin opposite a share p then adds about p * ln(p / 1e-4) (0.0007 for p = 0.1%).
EMPTY_BIN_SHARE = 1e-4
# Quantile bins of a numeric feature on the development sample (plus one for missing values).
FEATURE_BINS = 10

Light = Literal["green", "amber", "red"]
LIGHT_MEANING: dict[Light, str] = {"green": "stable", "amber": "watch", "red": "act"}


@dataclass(frozen=True)
class Bin:
    """One bin: its label and the share of each sample that falls in it."""

    label: str
    development_share: float
    current_share: float


@dataclass(frozen=True)
class Noise:
    """PSI that sampling alone gives between two samples of one population.

    With n rows per sample and B bins, n_eff * PSI is about chi-squared with B - 1 degrees of
    freedom (1 / n_eff = 1 / n_dev + 1 / n_cur): its mean is (B - 1)(1/n_dev + 1/n_cur). When
    the 99th percentile nears 0.1, the samples are too small for the usual thresholds.
    """

    bins: int
    mean: float
    p99: float


@dataclass(frozen=True)
class Binning:
    """Bins defined on the development sample; ``assign`` gives each value's bin index."""

    labels: tuple[str, ...]
    edges: tuple[float, ...] = ()  # numeric: upper bounds (inclusive) of all but the top bin
    vocabulary: tuple[str, ...] = ()  # categorical: one bin per category

    @property
    def count(self) -> int:
        return len(self.labels)

    def assign(self, values: pd.Series) -> np.ndarray:
        """Bin index of each value; missing values (and categories outside the vocabulary,
        which the model sees as missing too) go to the last bin."""
        missing = self.count - 1
        if self.vocabulary:
            codes = pd.Categorical(values.astype(object), categories=self.vocabulary).codes
            return np.where(codes < 0, missing, codes).astype(np.intp)
        numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
        index = np.searchsorted(np.asarray(self.edges), numbers, side="left")
        return np.where(np.isnan(numbers), missing, index).astype(np.intp)


def numeric_binning(development: np.ndarray, bins: int = FEATURE_BINS) -> Binning:
    """Quantile bins of the non-missing development values, and a bin for missing values.

    Repeated quantiles (a value held by many rows, e.g. 0) collapse into one bin that holds
    the whole atom, so a discrete feature gets as many bins as it has distinct levels.
    """
    present = development[~np.isnan(development)]
    if len(present) == 0:
        return Binning(labels=("any value", "missing"))
    cuts = np.quantile(present, np.linspace(0.0, 1.0, bins + 1)[1:-1])
    edges = tuple(float(edge) for edge in np.unique(cuts) if edge < present.max())
    return Binning(labels=(*_interval_labels(edges), "missing"), edges=edges)


def category_binning(vocabulary: Sequence[str]) -> Binning:
    """One bin per category of the training vocabulary, and one for missing values."""
    return Binning(labels=(*vocabulary, "missing"), vocabulary=tuple(vocabulary))


def shares(index: np.ndarray, bins: int) -> np.ndarray:
    """Share of the rows in each bin."""
    if len(index) == 0:
        return np.zeros(bins)
    return np.bincount(index, minlength=bins) / len(index)


def psi(development: np.ndarray, current: np.ndarray) -> float:
    """Population stability index sum((cur - dev) * ln(cur / dev)) over bins; empty bins
    count as EMPTY_BIN_SHARE."""
    expected = np.maximum(development, EMPTY_BIN_SHARE)
    actual = np.maximum(current, EMPTY_BIN_SHARE)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def sampling_noise(bins: int, development_rows: int, current_rows: int) -> Noise:
    """The PSI expected without any drift, for ``bins`` occupied bins (see Noise)."""
    if bins < 2 or development_rows == 0 or current_rows == 0:
        return Noise(bins, 0.0, 0.0)
    scale = 1.0 / development_rows + 1.0 / current_rows
    return Noise(bins, (bins - 1) * scale, float(stats.chi2.ppf(0.99, bins - 1)) * scale)


def light_of(value: float) -> Light:
    """green below WATCH_PSI, amber up to ACT_PSI, red above."""
    if value < WATCH_PSI:
        return "green"
    return "amber" if value <= ACT_PSI else "red"


def _interval_labels(edges: tuple[float, ...]) -> list[str]:
    if not edges:
        return ["any value"]
    labels = [f"<= {edges[0]:.4g}"]
    labels += [f"({low:.4g}, {high:.4g}]" for low, high in itertools.pairwise(edges)]
    labels.append(f"> {edges[-1]:.4g}")
    return labels
