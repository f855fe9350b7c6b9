"""The business threshold is the cut-off with the lowest 10·FN + 1·FP cost."""

from __future__ import annotations

import numpy as np
import pytest

from model_build.config import Costs
from model_build.threshold import cost_curve, optimal_threshold

COSTS = Costs(false_negative=10.0, false_positive=1.0)


def _brute_force(y: np.ndarray, p: np.ndarray, costs: Costs) -> tuple[float, float]:
    best = (np.inf, np.nan)
    for t in sorted(set(p.tolist()) | {1.0 + 1e-9}):
        refused = p >= t
        fn = np.sum(~refused & (y == 1))
        fp = np.sum(refused & (y == 0))
        cost = costs.false_negative * fn + costs.false_positive * fp
        if cost <= best[0]:
            best = (cost, t)
    return best


def test_hand_made_case_refuses_from_the_first_defaulter_worth_it():
    # One defaulter at 0.3 costs 10 if approved; refusing at 0.3 also refuses two payers
    # (0.3 and 0.4): cost 2 < 10, so the cut-off is 0.3.
    y = np.array([0, 0, 1, 0, 0, 1])
    p = np.array([0.05, 0.1, 0.3, 0.3, 0.4, 0.9])
    curve = cost_curve(y, p, COSTS)
    assert curve.threshold == pytest.approx(0.3)
    assert curve.cost == 2.0
    assert optimal_threshold(y, p, COSTS) == pytest.approx(0.3)


def test_matches_brute_force_on_random_scores_with_ties():
    rng = np.random.default_rng(3)
    for _ in range(20):
        p = np.round(rng.random(300), 2)  # many ties
        y = (rng.random(300) < p * 0.3).astype(int)
        cost, threshold = _brute_force(y, p, COSTS)
        curve = cost_curve(y, p, COSTS)
        assert curve.cost == cost
        assert curve.threshold == pytest.approx(threshold)


def test_costs_are_configurable():
    y = np.array([0, 0, 1, 0, 0, 1])
    p = np.array([0.05, 0.1, 0.3, 0.3, 0.4, 0.9])
    # A refused payer now costs as much as a missed defaulter: only refuse at 0.9.
    assert optimal_threshold(y, p, Costs(false_negative=1.0, false_positive=1.0)) == 0.9


def test_curve_covers_accept_all_and_refuse_all():
    y = np.array([0, 1, 0, 1])
    p = np.array([0.2, 0.4, 0.6, 0.8])
    curve = cost_curve(y, p, COSTS)
    assert curve.costs[0] == 2.0  # threshold 0.2: refuse everyone, two payers refused
    assert curve.costs[-1] == 20.0  # above every score: accept everyone, two defaulters missed
    assert np.all(np.diff(curve.thresholds) > 0)
