"""Benchmark models on LightGBM's own folds: a prior-only baseline and a WoE scorecard."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from model_build.config import Costs, TrainConfig
from model_build.errors import ModelBuildError
from model_build.lightgbm_training import CrossValidation
from model_build.metrics import ks_statistic
from model_build.threshold import cost_curve

__all__ = [
    "BenchmarkComparison",
    "ModelBenchmark",
    "Scorecard",
    "WoeBins",
    "benchmark_markdown",
    "compare_models",
    "fit_scorecard",
    "fit_woe",
    "fold_ids",
]

logger = logging.getLogger(__name__)

WOE_BINS = 10
# Pseudo-clients at the overall default rate added to every bin: a bin without defaulters
# keeps a finite weight of evidence, and a thin bin is pulled toward zero evidence.
WOE_SMOOTHING = 20.0


@dataclass(frozen=True)
class WoeBins:
    """One feature's bins and the weight of evidence of each: ln(odds of repaying in the bin /
    overall odds of repaying), so a positive weight marks a safer-than-average bin.

    Bins: quantile intervals of a numeric feature or the categories of a categorical one,
    then "missing", then "unseen" (a category not met in fitting: weight 0, no evidence).
    """

    feature: str
    edges: np.ndarray  # interior cut points of a numeric feature; empty if categorical
    categories: tuple[str, ...] | None  # None for a numeric feature
    woe: np.ndarray

    @property
    def regular_bins(self) -> int:
        return len(self.woe) - 2

    def codes(self, values: pd.Series) -> np.ndarray:
        """Each value's bin: 0..regular_bins-1, then missing, then unseen."""
        missing = values.isna().to_numpy()
        if self.categories is None:
            x = pd.to_numeric(values).to_numpy(dtype=np.float64, na_value=np.nan)
            codes = np.searchsorted(self.edges, x, side="right")
        else:
            codes = pd.Index(self.categories).get_indexer(values.astype(object))
            codes = np.where(codes < 0, self.regular_bins + 1, codes)  # unseen (or missing)
        return np.where(missing, self.regular_bins, codes).astype(np.intp)

    def transform(self, values: pd.Series) -> np.ndarray:
        return self.woe[self.codes(values)]


def fit_woe(
    values: pd.Series,
    y: np.ndarray,
    *,
    bins: int = WOE_BINS,
    smoothing: float = WOE_SMOOTHING,
) -> WoeBins:
    """Quantile bins (numeric) or categories (otherwise) of ``values`` and their smoothed
    weights of evidence against the outcomes ``y`` (0/1, both present)."""
    y = np.asarray(y, dtype=np.float64)
    prior = float(y.mean())
    if not 0 < prior < 1:
        raise ValueError("weights of evidence need both outcomes")
    missing = values.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(values.dtype):
        x = pd.to_numeric(values).to_numpy(dtype=np.float64, na_value=np.nan)[~missing]
        inner = np.linspace(0, 1, bins + 1)[1:-1]
        edges = np.unique(np.quantile(x, inner)) if len(x) else np.empty(0)
        layout = WoeBins(str(values.name), edges, None, np.zeros(len(edges) + 3))
    else:
        categories = tuple(sorted(str(v) for v in pd.unique(values[~missing])))
        layout = WoeBins(str(values.name), np.empty(0), categories, np.zeros(len(categories) + 2))
    codes = layout.codes(values)
    rows = np.bincount(codes, minlength=len(layout.woe))
    defaulters = np.bincount(codes, weights=y, minlength=len(layout.woe))
    rate = (defaulters + smoothing * prior) / (rows + smoothing)
    # Empty bins (and "unseen") get the prior rate back, hence weight 0.
    woe = _logit(prior) - _logit(rate)
    return WoeBins(layout.feature, layout.edges, layout.categories, woe)


def _logit(p: np.ndarray | float) -> np.ndarray:
    return np.log(np.asarray(p) / (1 - np.asarray(p)))


@dataclass(frozen=True)
class Scorecard:
    """Logistic regression on the weights of evidence of a few binned features."""

    bins: tuple[WoeBins, ...]
    model: LogisticRegression

    def woe_matrix(self, frame: pd.DataFrame) -> np.ndarray:
        return np.column_stack([b.transform(frame[b.feature]) for b in self.bins])

    def probability(self, frame: pd.DataFrame) -> np.ndarray:
        out: np.ndarray = self.model.predict_proba(self.woe_matrix(frame))[:, 1]
        return out


def fit_scorecard(frame: pd.DataFrame, y: np.ndarray, features: Sequence[str]) -> Scorecard:
    """Bins and weights of evidence of ``features`` on these rows, then the regression."""
    bins = tuple(fit_woe(frame[name], y) for name in features)
    woe = np.column_stack([b.transform(frame[b.feature]) for b in bins])
    model = LogisticRegression(max_iter=1000).fit(woe, y)
    return Scorecard(bins, model)


def fold_ids(y: np.ndarray, n_folds: int, seed: int) -> np.ndarray:
    """Each row's validation fold (0..n_folds-1), by the splitter of
    ``lightgbm_training.cross_validate`` (compare_models checks that they agree)."""
    folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    ids = np.empty(len(y), dtype=np.int64)
    for fold, (_, validation) in enumerate(folds.split(np.zeros(len(y)), y)):
        ids[validation] = fold
    return ids


@dataclass(frozen=True, kw_only=True)
class ModelBenchmark:
    """Out-of-fold figures of one model; cost at the model's own cost-minimising threshold."""

    name: str
    description: str
    fold_auc: tuple[float, ...]
    fold_ks: tuple[float, ...]
    threshold: float
    business_cost: float
    refusal_rate: float
    rows: int

    @property
    def auc_mean(self) -> float:
        return float(np.mean(self.fold_auc))

    @property
    def auc_std(self) -> float:
        return float(np.std(self.fold_auc))

    @property
    def ks_mean(self) -> float:
        return float(np.mean(self.fold_ks))

    @property
    def cost_per_applicant(self) -> float:
        return self.business_cost / self.rows

    def to_dict(self) -> dict[str, object]:
        return {
            **asdict(self),
            "auc_mean": self.auc_mean,
            "auc_std": self.auc_std,
            "auc_min": min(self.fold_auc),
            "auc_max": max(self.fold_auc),
            "ks_mean": self.ks_mean,
            "cost_per_applicant": self.cost_per_applicant,
        }


@dataclass(frozen=True, kw_only=True)
class BenchmarkComparison:
    """LightGBM beside its benchmarks, all on the same folds."""

    fold_ids: np.ndarray
    lightgbm: ModelBenchmark
    scorecard: ModelBenchmark
    dummy: ModelBenchmark
    scorecard_features: tuple[str, ...]

    @property
    def models(self) -> tuple[ModelBenchmark, ...]:
        return (self.lightgbm, self.scorecard, self.dummy)

    def summary(self) -> str:
        """What LightGBM's complexity buys over the scorecard, in one sentence."""
        gbm, card = self.lightgbm, self.scorecard
        cost_change = gbm.cost_per_applicant - card.cost_per_applicant
        relative = cost_change / card.cost_per_applicant if card.cost_per_applicant else 0.0
        return (
            f"LightGBM: AUC {gbm.auc_mean:.3f} ± {gbm.auc_std:.3f} vs scorecard "
            f"{card.auc_mean:.3f} ± {card.auc_std:.3f}: {gbm.auc_mean - card.auc_mean:+.3f}; "
            f"cost per applicant {gbm.cost_per_applicant:.3f} vs "
            f"{card.cost_per_applicant:.3f} ({cost_change:+.3f}, {relative:+.1%})."
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "evaluated_on": "out-of-fold predictions, LightGBM's cross-validation folds",
            "fold_sizes": np.bincount(self.fold_ids).tolist(),
            "summary": self.summary(),
            "scorecard_features": list(self.scorecard_features),
            "woe_bins": WOE_BINS,
            "woe_smoothing_rows": WOE_SMOOTHING,
            "models": [m.to_dict() for m in self.models],
        }


def compare_models(
    features: pd.DataFrame,
    y: np.ndarray,
    cv: CrossValidation,
    probability: np.ndarray,
    ranked_features: Sequence[str],
    config: TrainConfig,
) -> BenchmarkComparison:
    """The dummy and the scorecard fitted on each of LightGBM's training folds and scored on
    its held-out fold, beside LightGBM's own out-of-fold results.

    ``cv``: LightGBM's cross-validation (its margins prove the folds are the same);
    ``probability``: its calibrated out-of-fold probabilities; ``ranked_features``: feature
    names, most important first (the scorecard takes the first ``report.scorecard_features``).
    """
    folds = fold_ids(y, config.n_folds, config.seed)
    margin_auc = [
        float(roc_auc_score(y[folds == k], cv.oof_margin[folds == k]))
        for k in range(config.n_folds)
    ]
    if not np.allclose(margin_auc, cv.fold_auc, rtol=0, atol=1e-12):
        raise ModelBuildError("benchmark folds differ from LightGBM's cross-validation folds")
    chosen = tuple(ranked_features[: config.report.scorecard_features])
    scorecard = np.empty(len(y))
    dummy = np.empty(len(y))
    for k in range(config.n_folds):
        fit, held_out = folds != k, folds == k
        fit_rows = features.loc[fit]
        card = fit_scorecard(fit_rows, y[fit], chosen)
        scorecard[held_out] = card.probability(features.loc[held_out])
        prior = DummyClassifier(strategy="prior").fit(np.zeros((fit.sum(), 1)), y[fit])
        dummy[held_out] = prior.predict_proba(np.zeros((held_out.sum(), 1)))[:, 1]
    costs = config.costs
    return BenchmarkComparison(
        fold_ids=folds,
        lightgbm=_benchmark(
            "LightGBM", "the deployed model (gradient-boosted trees)", y, probability, folds, costs
        ),
        scorecard=_benchmark(
            "scorecard",
            f"logistic regression on the weight of evidence of {len(chosen)} binned features",
            y,
            scorecard,
            folds,
            costs,
        ),
        dummy=_benchmark(
            "dummy", "the training folds' default rate for everyone", y, dummy, folds, costs
        ),
        scorecard_features=chosen,
    )


def _benchmark(
    name: str, description: str, y: np.ndarray, p: np.ndarray, folds: np.ndarray, costs: Costs
) -> ModelBenchmark:
    curve = cost_curve(y, p, costs)
    per_fold = [folds == k for k in range(int(folds.max()) + 1)]
    return ModelBenchmark(
        name=name,
        description=description,
        fold_auc=tuple(float(roc_auc_score(y[m], p[m])) for m in per_fold),
        fold_ks=tuple(ks_statistic(y[m], p[m]) for m in per_fold),
        threshold=curve.threshold,
        business_cost=curve.cost,
        refusal_rate=float(np.mean(p >= curve.threshold)),
        rows=len(y),
    )


def benchmark_markdown(comparison: BenchmarkComparison) -> list[str]:
    """The report's "Benchmark models" section."""
    sizes = ", ".join(f"{n:,}" for n in np.bincount(comparison.fold_ids))
    lines = [
        "## Benchmark models (same folds as LightGBM)",
        "",
        f"Every model is fitted on the same {len(comparison.lightgbm.fold_auc)} training folds "
        f"as LightGBM and scored on the held-out fold (sizes {sizes}); each is cut at its own "
        "cost-minimising threshold on its out-of-fold scores. The scorecard is a logistic "
        f"regression on the weights of evidence of {len(comparison.scorecard_features)} "
        f"features ({WOE_BINS} quantile bins each, missing values their own bin, "
        f"{WOE_SMOOTHING:.0f} pseudo-clients at the overall default rate per bin). Its "
        "features are the ones the final LightGBM relies on most, chosen with every row: a "
        "slight advantage for the scorecard.",
        "",
        f"**What the complexity buys:** {comparison.summary()}",
        "",
        "| model | what it is | ROC AUC mean ± std | min–max over folds | KS (fold mean) "
        "| threshold | refusal rate | business cost | cost per applicant |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for m in comparison.models:
        lines.append(
            f"| {m.name} | {m.description} | {m.auc_mean:.4f} ± {m.auc_std:.4f} "
            f"| {min(m.fold_auc):.4f}–{max(m.fold_auc):.4f} | {m.ks_mean:.4f} "
            f"| {m.threshold:.4f} | {m.refusal_rate:.1%} | {m.business_cost:,.0f} "
            f"| {m.cost_per_applicant:.4f} |"
        )
    lines += ["", "Scorecard features: " + ", ".join(comparison.scorecard_features) + ".", ""]
    return lines
