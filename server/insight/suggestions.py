"""What would change the decision: a deterministic search over the loan's actionable inputs.

Only the levers move (server.insight.levers: the loan amount, its duration, the down payment, a
co-borrower's income). Every other fact about the client stays as it is, and the credit history
comes from the store as for any what-if, so every candidate is an application that Score would
score the same way.

The search, in batches through the Scorer (one onnxruntime run each):
  1. a grid: each lever alone at SINGLE_STEPS of its range, and each pair of levers at
     PAIR_STEPS x PAIR_STEPS;
  2. for each lever or pair that reaches the target, the cheapest grid point that does, then
     BISECTION_ROUNDS rounds of bisection between it and a point known not to (the previous
     step of a single lever, the unchanged application for a pair), one batch per round for
     all of them.
Every option returned is a point that was scored and reached the target; nothing is
interpolated. The model is a tree ensemble, not monotone: bisection finds a crossing within
its bracket, not necessarily the smallest change of the lever that crosses.
"""

from __future__ import annotations

import enum
import functools
import itertools
from dataclasses import dataclass

import numpy as np

from server.insight.levers import (
    AXIS_COUNT,
    Candidates,
    Lever,
    LeverRanges,
    LoanTerms,
    SearchBounds,
    levers_of,
    plans,
)
from server.scorer import ApplicationRows, ScoreQueries, ScoreQuery, Scorer, ScoreResult

__all__ = [
    "BORDERLINE_SHARE",
    "DEFAULT_OPTIONS",
    "ChangeSearch",
    "SuggestedChange",
    "Suggestions",
    "Zone",
]

# Approved scores at or above this share of the threshold are borderline (ScoreZone in the
# contract): their options aim below it, to keep a margin.
BORDERLINE_SHARE = 0.8
# Options returned when the request asks for 0 (SuggestChangesRequest.max_options).
DEFAULT_OPTIONS = 3

# Intensities (shares of each lever's range) of the grid. Small steps first: the cheapest
# change is the one sought, and bisection refines between two steps.
SINGLE_STEPS = (0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 1.0)
PAIR_STEPS = (0.15, 0.35, 0.6, 1.0)
# Each round halves the bracket: 1/64 of it after 6.
BISECTION_ROUNDS = 6


class Zone(enum.Enum):
    """Where a score stands against the threshold (ScoreZone)."""

    REFUSED = "refused"
    BORDERLINE = "borderline"
    CLEAR = "clear"


@dataclass(frozen=True, slots=True)
class SuggestedChange:
    """One option: the levers pulled, the changed inputs and their score."""

    levers: tuple[Lever, ...]
    terms: LoanTerms
    result: ScoreResult
    # Sum over the levers of the relative change of the loan amount, duration and income.
    change_size: float


@dataclass(frozen=True, slots=True)
class Suggestions:
    """SuggestChanges' answer: the current score, its zone, the target and the options."""

    current: ScoreResult
    zone: Zone
    # Options score below this; 0 when the zone is CLEAR (nothing searched).
    target: float
    base: LoanTerms
    options: tuple[SuggestedChange, ...]
    # None when nothing was searched (zone CLEAR).
    bounds: SearchBounds | None


# An option found: levers, terms, probability, change size.
_Found = tuple[tuple[Lever, ...], LoanTerms, float, float]


class ChangeSearch:
    """Searches the changes that reach a target score; immutable, shared by every call."""

    def __init__(self, scorer: Scorer) -> None:
        self._scorer = scorer

    def suggest(self, query: ScoreQuery, rows: ApplicationRows, max_options: int) -> Suggestions:
        """The options of one application (row ``query.application_row`` of ``rows``, with the
        stored client ``query.client_id``'s history); raises like Scorer.score for a bad
        request, before anything is searched."""
        current = self._scorer.score(query, rows)
        threshold = current.threshold
        position = query.application_row or 0
        one = ApplicationRows(
            rows.numeric[position : position + 1], rows.codes[position : position + 1]
        )
        base = LoanTerms.of_row(one.numeric[0])
        if current.probability >= threshold:
            zone, target = Zone.REFUSED, threshold
        elif current.probability >= BORDERLINE_SHARE * threshold:
            zone, target = Zone.BORDERLINE, BORDERLINE_SHARE * threshold
        else:
            return Suggestions(current, Zone.CLEAR, 0.0, base, (), None)
        ranges = LeverRanges(base)
        found = _Search(self._scorer, query.client_id, one, ranges, target).run()
        options = tuple(
            SuggestedChange(levers, terms, self._scorer.result(query.client_id, probability), cost)
            for levers, terms, probability, cost in _choose(found, max_options)
        )
        return Suggestions(current, zone, target, base, options, ranges.bounds())


class _Search:
    """One search: the grid, then bisection of every plan (lever or pair) that reaches the
    target."""

    def __init__(
        self,
        scorer: Scorer,
        client_id: int | None,
        base: ApplicationRows,
        ranges: LeverRanges,
        target: float,
    ) -> None:
        self._scorer, self._client_id, self._base = scorer, client_id, base
        self._ranges, self._target = ranges, target

    def run(self) -> list[_Found]:
        tried = plans(self._ranges.axes)
        if not tried:
            return []
        points, plan_of, step_of = _grid(self._ranges.axes)
        candidates = self._ranges.candidates(points)
        probability = self._probabilities(candidates)
        reached = probability < self._target
        found: list[tuple[tuple[int, ...], np.ndarray, np.ndarray, float]] = []
        for p, plan in enumerate(tried):
            rows = np.flatnonzero((plan_of == p) & reached)
            if not len(rows):
                continue
            # The cheapest grid point that reaches the target (the first one on ties).
            k = int(rows[np.argmin(candidates.cost[rows])])
            low = np.zeros(AXIS_COUNT)
            if len(plan) == 1 and step_of[k] > 0:
                low[plan[0]] = SINGLE_STEPS[step_of[k] - 1]
            found.append((plan, low, points[k], float(probability[k])))
        if not found:
            return []
        low = np.array([entry[1] for entry in found])
        high = np.array([entry[2] for entry in found])
        scores = np.array([entry[3] for entry in found])
        for _ in range(BISECTION_ROUNDS):
            middle = (low + high) / 2.0
            probability = self._probabilities(self._ranges.candidates(middle))
            closer = probability < self._target
            high[closer], scores[closer] = middle[closer], probability[closer]
            low[~closer] = middle[~closer]
        final = self._ranges.candidates(high)
        return [
            (levers_of(entry[0]), final.terms(k), float(scores[k]), float(final.cost[k]))
            for k, entry in enumerate(found)
        ]

    def _probabilities(self, candidates: Candidates) -> np.ndarray:
        """Each candidate's probability, in one batch (NaN for a candidate the scorer refuses,
        which then never reaches the target)."""
        count = len(candidates)
        numeric = np.repeat(self._base.numeric, count, axis=0)
        candidates.write(numeric)
        codes = np.repeat(self._base.codes, count, axis=0)
        client = self._client_id
        queries = ScoreQueries(
            client_ids=np.full(count, client or 0, dtype=np.int64),
            has_client=np.full(count, client is not None),
            has_application=np.ones(count, dtype=bool),
        )
        return self._scorer.score_items(queries, ApplicationRows(numeric, codes)).probabilities


@functools.cache
def _grid(axes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The grid of the plans of ``axes``: intensities [n, AXIS_COUNT], each point's plan (its
    position in ``plans(axes)``) and its step (the position in SINGLE_STEPS for a single
    lever). Cached, read-only: the same few sets of axes come back on every call."""
    points: list[np.ndarray] = []
    plan_of: list[int] = []
    step_of: list[int] = []
    for p, plan in enumerate(plans(axes)):
        steps = (
            [(s,) for s in SINGLE_STEPS]
            if len(plan) == 1
            else list(itertools.product(PAIR_STEPS, repeat=2))
        )
        for k, values in enumerate(steps):
            point = np.zeros(AXIS_COUNT)
            point[list(plan)] = values
            points.append(point)
            plan_of.append(p)
            step_of.append(k)
    grid = (np.array(points), np.array(plan_of), np.array(step_of))
    for array in grid:
        array.setflags(write=False)
    return grid


def _choose(found: list[_Found], max_options: int) -> list[_Found]:
    """At most ``max_options`` options: the cheapest per set of levers, a pair only when it
    costs less than each of its levers alone; first those that pull no lever an earlier one
    pulls, then the others, each part cheapest first."""
    cheapest: dict[tuple[Lever, ...], _Found] = {}
    for option in sorted(found, key=_rank):
        cheapest.setdefault(option[0], option)
    kept = sorted(
        (
            option
            for levers, option in cheapest.items()
            if len(levers) == 1
            or all(
                (lever,) not in cheapest or cheapest[(lever,)][3] > option[3] for lever in levers
            )
        ),
        key=_rank,
    )
    first: list[_Found] = []
    used: set[Lever] = set()
    for option in kept:
        if used.isdisjoint(option[0]):
            first.append(option)
            used.update(option[0])
    taken = {id(option) for option in first}
    return (first + [option for option in kept if id(option) not in taken])[:max_options]


def _rank(option: _Found) -> tuple[float, tuple[int, ...]]:
    # Ties (equal change sizes) by levers, so that the order never depends on the search's.
    return option[3], tuple(lever.value for lever in option[0])
