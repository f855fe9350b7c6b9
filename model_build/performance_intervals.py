"""Bootstrap intervals of a model's out-of-fold performance: ROC AUC, KS and business cost."""

from __future__ import annotations

import numpy as np

from model_build.config import Costs
from model_build.fairness import CONFIDENCE, Estimate
from model_build.group_bootstrap import bootstrap_groups
from model_build.metrics import Evaluation, ks_statistic

__all__ = ["PERFORMANCE_RESAMPLES", "performance_intervals"]

# Resamples of the clients behind the intervals: as many as the fairness table's default
# (ReportConfig.fairness_bootstrap), so that the model card's sections read alike.
PERFORMANCE_RESAMPLES = 200


def performance_intervals(
    y_true: np.ndarray,
    probability: np.ndarray,
    evaluation: Evaluation,
    costs: Costs,
    *,
    resamples: int = PERFORMANCE_RESAMPLES,
    seed: int = 0,
) -> dict[str, Estimate]:
    """ROC AUC, KS and business cost of ``evaluation`` (the figures of ``probability`` at its
    threshold) with percentile-bootstrap intervals at fairness.CONFIDENCE over ``resamples``
    resamples of the clients.

    AUC and cost come from group_bootstrap (all clients as one group: every resample at once);
    a resample's business cost is FN * cost + FP * cost, with FN and FP from its default rate
    and refusal rates. group_bootstrap has no KS, so KS resamples the rows itself.
    """
    y = np.asarray(y_true, dtype=np.int64)
    p = np.asarray(probability, dtype=np.float64)
    n = len(y)
    replicates = bootstrap_groups(
        np.zeros(n, dtype=np.intp), 1, p, y, evaluation.threshold, resamples=resamples, seed=seed
    )
    defaulters = replicates["default_rate"][:, 0] * n
    missed = defaulters * (1 - replicates["true_positive_rate"][:, 0])
    refused_payers = (n - defaulters) * replicates["false_positive_rate"][:, 0]
    cost = costs.false_negative * missed + costs.false_positive * refused_payers
    rng = np.random.default_rng(seed)
    # One resample's rows at a time: all of them at once would be resamples x n integers.
    ks = np.array(
        [
            ks_statistic(y[rows], p[rows])
            for rows in (rng.integers(0, n, n) for _ in range(resamples))
        ]
    )
    return {
        "roc_auc": _estimate(evaluation.roc_auc, replicates["roc_auc"][:, 0]),
        "ks": _estimate(evaluation.ks, ks),
        "business_cost": _estimate(evaluation.business_cost, cost),
    }


def _estimate(value: float, replicates: np.ndarray) -> Estimate:
    tails = ((1 - CONFIDENCE) / 2, (1 + CONFIDENCE) / 2)
    low, high = (float(np.nanquantile(replicates, q)) for q in tails)
    return Estimate(value, low, high)
