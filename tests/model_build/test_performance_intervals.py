"""Bootstrap intervals of the out-of-fold ROC AUC, KS and business cost (model card)."""

from __future__ import annotations

import numpy as np

from model_build.config import Costs
from model_build.metrics import evaluate
from model_build.performance_intervals import performance_intervals


def test_a_perfect_ranking_has_intervals_at_the_perfect_figures() -> None:
    y = np.array([0] * 80 + [1] * 20)
    probability = np.where(y == 1, 0.9, 0.1) + np.linspace(0, 0.05, 100)
    evaluation = evaluate(y, probability, 0.5, Costs())
    intervals = performance_intervals(y, probability, evaluation, Costs(), resamples=50, seed=1)
    assert (intervals["roc_auc"].low, intervals["roc_auc"].high) == (1.0, 1.0)
    assert (intervals["ks"].low, intervals["ks"].high) == (1.0, 1.0)
    assert (intervals["business_cost"].low, intervals["business_cost"].high) == (0.0, 0.0)


def test_the_business_cost_interval_surrounds_the_cost_evaluate_counts() -> None:
    # Everybody refused: the cost is the number of good payers (1 each), in the sample and in
    # each resample of its 400 clients.
    rng = np.random.default_rng(3)
    y = (rng.random(400) < 0.25).astype(np.int64)
    probability = rng.random(400)
    evaluation = evaluate(y, probability, 0.0, Costs())
    cost = performance_intervals(y, probability, evaluation, Costs(), resamples=200, seed=2)[
        "business_cost"
    ]
    assert cost.value == evaluation.business_cost == float(np.sum(y == 0))
    assert 0 < cost.low < cost.value < cost.high < 400


def test_performance_intervals_repeat_with_their_seed() -> None:
    rng = np.random.default_rng(4)
    y = (rng.random(300) < 0.3).astype(np.int64)
    probability = np.clip(0.3 * y + rng.random(300) * 0.7, 0, 1)
    evaluation = evaluate(y, probability, 0.4, Costs())
    first = performance_intervals(y, probability, evaluation, Costs(), resamples=30, seed=9)
    again = performance_intervals(y, probability, evaluation, Costs(), resamples=30, seed=9)
    assert first == again
