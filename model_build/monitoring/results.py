"""The monitor's figures: the report's records and how they are computed from two samples."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from model_build.monitoring.bands import ScoreBands
from model_build.monitoring.characteristics import (
    FeatureStability,
    feature_stability,
    importance_of,
)
from model_build.monitoring.outcomes import Outcomes, outcomes
from model_build.monitoring.samples import Sample
from model_build.monitoring.stability import (
    ACT_PSI,
    EMPTY_BIN_SHARE,
    FEATURE_BINS,
    WATCH_PSI,
    Light,
    Noise,
    light_of,
    psi,
    sampling_noise,
    shares,
)
from model_build.scoring import ScoringModel

__all__ = [
    "BandShare",
    "MonitorReport",
    "SampleSummary",
    "ScoreStability",
    "Thresholds",
    "build_report",
]


@dataclass(frozen=True)
class SampleSummary:
    """One sample in a sentence of figures."""

    source: str
    rows: int
    approval_rate: float
    outcome_rows: int
    default_rate: float | None  # among the rows with a known outcome
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BandShare:
    """Share of each sample in one score band."""

    band: int  # 1 = lowest predicted risk
    lower: float
    upper: float
    development_share: float
    current_share: float


@dataclass(frozen=True)
class ScoreStability:
    """Population stability of the score on the build's bands."""

    psi: float
    light: Light
    noise: Noise
    band_source: str
    bands: list[BandShare]
    mean_probability_development: float
    mean_probability_current: float


@dataclass(frozen=True)
class Thresholds:
    """How the figures are judged, stated in the report itself."""

    watch_psi: float = WATCH_PSI
    act_psi: float = ACT_PSI
    empty_bin_share: float = EMPTY_BIN_SHARE
    feature_bins: int = FEATURE_BINS
    note: str = ""


@dataclass(frozen=True)
class MonitorReport:
    """Everything monitor.json holds."""

    model_version: str
    created_at: str
    artifacts: str
    development: SampleSummary
    current: SampleSummary
    thresholds: Thresholds
    score: ScoreStability
    approval_rate_change: float  # current minus development
    features: list[FeatureStability]  # the most important first
    outcomes: Outcomes | None
    warnings: list[str]

    def lights(self) -> dict[Light, list[str]]:
        """Feature names by light (the score not included)."""
        out: dict[Light, list[str]] = {"green": [], "amber": [], "red": []}
        for feature in self.features:
            out[feature.light].append(feature.feature)
        return out

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready values (NaN and infinities become null)."""
        content = dataclasses.asdict(self)
        content["flagged"] = {k: v for k, v in self.lights().items() if k != "green"}
        return _finite(content)


def build_report(
    model: ScoringModel, development: Sample, current: Sample, bands: ScoreBands
) -> MonitorReport:
    """The figures of the monitor, computed from the two samples."""
    score = _score_stability(development, current, bands)
    features = feature_stability(
        development.features, current.features, model.catalog, importance_of(model.card)
    )
    return MonitorReport(
        model_version=str(model.card["model_version"]),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        artifacts=str(model.paths.root),
        development=_summary(development),
        current=_summary(current),
        thresholds=Thresholds(note=_sample_size_note(score.noise)),
        score=score,
        approval_rate_change=float(np.mean(~current.refused) - np.mean(~development.refused)),
        features=features,
        outcomes=outcomes(current, bands, model.card),
        warnings=_warnings(score.noise, current),
    )


def _score_stability(development: Sample, current: Sample, bands: ScoreBands) -> ScoreStability:
    dev = shares(bands.band_of(development.probability), bands.count)
    cur = shares(bands.band_of(current.probability), bands.count)
    value = psi(dev, cur)
    ranges = bands.ranges()
    return ScoreStability(
        psi=value,
        light=light_of(value),
        noise=sampling_noise(bands.count, development.rows, current.rows),
        band_source=bands.source,
        bands=[
            BandShare(k + 1, low, high, float(dev[k]), float(cur[k]))
            for k, (low, high) in enumerate(ranges)
        ],
        mean_probability_development=float(development.probability.mean()),
        mean_probability_current=float(current.probability.mean()),
    )


def _summary(sample: Sample) -> SampleSummary:
    target = sample.target if sample.target is not None else np.full(sample.rows, np.nan)
    known = np.isfinite(target)
    return SampleSummary(
        source=sample.source,
        rows=sample.rows,
        approval_rate=float(np.mean(~sample.refused)),
        outcome_rows=int(known.sum()),
        default_rate=float(target[known].mean()) if known.any() else None,
        notes=list(sample.notes),
    )


def _sample_size_note(noise: Noise) -> str:
    return (
        f"PSI < {WATCH_PSI} stable, {WATCH_PSI}-{ACT_PSI} watch, > {ACT_PSI} act: thresholds "
        "made for large samples. PSI carries sampling noise: with n rows per sample and B "
        "bins it is about (B - 1)(1/n_dev + 1/n_cur) without any drift, here "
        f"{noise.mean:.4f} for the score's {noise.bins} bands (99th percentile "
        f"{noise.p99:.4f}); each feature lists its own. On small samples a PSI above "
        f"{WATCH_PSI} can be noise; on very large ones a PSI well below {WATCH_PSI} can be a "
        f"real, if small, shift. Empty bins count as a share of {EMPTY_BIN_SHARE:g}."
    )


def _warnings(noise: Noise, current: Sample) -> list[str]:
    warnings = []
    if noise.p99 >= WATCH_PSI:
        warnings.append(
            f"the samples are too small for the PSI thresholds: sampling noise alone reaches a "
            f"score PSI of {noise.p99:.3f} (99th percentile) with {current.rows:,} current rows"
        )
    return warnings


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
