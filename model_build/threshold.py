"""The decision threshold that minimises the expected business cost of wrong decisions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model_build.config import Costs

__all__ = ["CostCurve", "cost_curve", "optimal_threshold"]


@dataclass(frozen=True)
class CostCurve:
    """Cost of refusing every client whose probability is >= each candidate threshold."""

    thresholds: np.ndarray
    costs: np.ndarray
    false_negatives: np.ndarray
    false_positives: np.ndarray

    @property
    def best_index(self) -> int:
        # Ties go to the highest threshold: among equally cheap policies, refuse fewer people.
        best = np.flatnonzero(self.costs == self.costs.min())
        return int(best[-1])

    @property
    def threshold(self) -> float:
        return float(self.thresholds[self.best_index])

    @property
    def cost(self) -> float:
        return float(self.costs[self.best_index])


def cost_curve(y_true: np.ndarray, probability: np.ndarray, costs: Costs) -> CostCurve:
    """Exact cost at every distinct probability, in O(n log n).

    A client is refused when ``probability >= threshold``. Candidate thresholds are the distinct
    predicted probabilities plus one above the maximum (refuse nobody), which covers every
    possible decision policy of the form "refuse above a cut-off".
    """
    y = np.asarray(y_true, dtype=np.int64)
    p = np.asarray(probability, dtype=np.float64)
    order = np.argsort(-p, kind="stable")
    p_sorted, y_sorted = p[order], y[order]
    # Refused set for threshold t = all rows with p >= t: prefix sums over descending p.
    positives_refused = np.cumsum(y_sorted)
    negatives_refused = np.cumsum(1 - y_sorted)
    last_of_value = np.r_[p_sorted[1:] != p_sorted[:-1], True]
    thresholds = p_sorted[last_of_value]
    total_positives = int(y.sum())
    fn = np.r_[total_positives - positives_refused[last_of_value], total_positives]
    fp = np.r_[negatives_refused[last_of_value], 0]
    thresholds = np.r_[thresholds, np.nextafter(p_sorted[0], np.inf) if len(p) else 1.0]
    total = costs.false_negative * fn + costs.false_positive * fp
    ascending = np.argsort(thresholds, kind="stable")
    return CostCurve(
        thresholds=thresholds[ascending],
        costs=total[ascending].astype(np.float64),
        false_negatives=fn[ascending],
        false_positives=fp[ascending],
    )


def optimal_threshold(y_true: np.ndarray, probability: np.ndarray, costs: Costs) -> float:
    """The cut-off with the lowest expected cost ``fn_cost·FN + fp_cost·FP``."""
    return cost_curve(y_true, probability, costs).threshold
