"""Evaluation metrics of a probability-of-default model at a business threshold."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score, roc_curve

from model_build.config import Costs

__all__ = ["Evaluation", "evaluate", "ks_statistic"]


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """Out-of-fold quality figures; costs are totals over the evaluated clients."""

    rows: int
    default_rate: float
    roc_auc: float
    pr_auc: float
    ks: float
    brier: float
    threshold: float
    true_positives: int
    false_positives: int
    true_negatives: int
    false_negatives: int
    business_cost: float
    cost_accept_all: float
    cost_refuse_all: float
    refusal_rate: float
    calibration_predicted: list[float]
    calibration_observed: list[float]

    @property
    def saving_vs_best_naive(self) -> float:
        """Share of the cheaper naive policy's cost that the model saves."""
        naive = min(self.cost_accept_all, self.cost_refuse_all)
        return 1.0 - self.business_cost / naive if naive else 0.0


def ks_statistic(y_true: np.ndarray, probability: np.ndarray) -> float:
    """Kolmogorov-Smirnov separation: max gap between the score CDFs of defaulters and payers."""
    fpr, tpr, _ = roc_curve(y_true, probability)
    return float(np.max(tpr - fpr))


def evaluate(
    y_true: np.ndarray, probability: np.ndarray, threshold: float, costs: Costs
) -> Evaluation:
    """All report figures for predictions ``probability`` refused at ``>= threshold``."""
    y = np.asarray(y_true, dtype=np.int64)
    p = np.asarray(probability, dtype=np.float64)
    refused = p >= threshold
    tp = int(np.sum(refused & (y == 1)))
    fp = int(np.sum(refused & (y == 0)))
    tn = int(np.sum(~refused & (y == 0)))
    fn = int(np.sum(~refused & (y == 1)))
    observed, predicted = calibration_curve(y, p, n_bins=10, strategy="quantile")
    return Evaluation(
        rows=len(y),
        default_rate=float(y.mean()),
        roc_auc=float(roc_auc_score(y, p)),
        pr_auc=float(average_precision_score(y, p)),
        ks=ks_statistic(y, p),
        brier=float(brier_score_loss(y, p)),
        threshold=float(threshold),
        true_positives=tp,
        false_positives=fp,
        true_negatives=tn,
        false_negatives=fn,
        business_cost=costs.false_negative * fn + costs.false_positive * fp,
        cost_accept_all=costs.false_negative * float(y.sum()),
        cost_refuse_all=costs.false_positive * float((y == 0).sum()),
        refusal_rate=float(refused.mean()),
        calibration_predicted=[float(v) for v in predicted],
        calibration_observed=[float(v) for v in observed],
    )
