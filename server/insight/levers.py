"""The loan's actionable inputs (the levers of SuggestChanges), their plausibility bounds, and
candidate applications built from them, as arrays."""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass

import numpy as np

from model_build.features.application import RAW_NUMERIC_COLUMNS
from server.contract import application_field

__all__ = [
    "AXIS_COUNT",
    "Candidates",
    "Lever",
    "LeverRanges",
    "LoanTerms",
    "SearchBounds",
    "levers_of",
    "plans",
]

# Plausibility bounds of the levers (ChangeLever in the contract states them to the caller).
MIN_LOAN_SHARE = 0.1  # a smaller loan or a down payment keeps >= 10% of the loan
MIN_DURATION_MONTHS = 6.0
# The longest term (CNT_PAYMENT) of the previous applications in the Home Credit data.
MAX_DURATION_MONTHS = 60.0
# A shorter duration raises the repayment: at most this share of the declared income.
MAX_REPAYMENT_SHARE = 0.5
MAX_DOWN_PAYMENT_SHARE = 0.5  # of the goods' price
MAX_CO_BORROWER_SHARE = 1.0  # of the applicant's own income

_CREDIT = RAW_NUMERIC_COLUMNS.index("AMT_CREDIT")
_ANNUITY = RAW_NUMERIC_COLUMNS.index("AMT_ANNUITY")
_GOODS = RAW_NUMERIC_COLUMNS.index("AMT_GOODS_PRICE")
_INCOME = RAW_NUMERIC_COLUMNS.index("AMT_INCOME_TOTAL")
# The contract's upper bounds of the fields a lever raises.
_MAX_ANNUITY = application_field("AMT_ANNUITY").rule.high
_MAX_INCOME = application_field("AMT_INCOME_TOTAL").rule.high
# Slack of a duration computed in floating point before it is rounded to whole months.
_MONTH_FUZZ = 1e-9


class Lever(enum.Enum):
    """An input of the loan a suggestion may change (ChangeLever), in the contract's order."""

    LOAN_AMOUNT = 1
    DURATION = 2
    DOWN_PAYMENT = 3
    CO_BORROWER_INCOME = 4


# The search's axes, one per direction of a lever (a duration gets longer or shorter): a point
# of the search is an intensity in [0, 1] per axis, the share of the axis's range.
_LOAN, _DOWN, _LONGER, _SHORTER, _CO = range(5)
AXIS_COUNT = 5
_LEVER_OF_AXIS = (
    Lever.LOAN_AMOUNT,
    Lever.DOWN_PAYMENT,
    Lever.DURATION,
    Lever.DURATION,
    Lever.CO_BORROWER_INCOME,
)
# Pairs that make no sense together: two ways of cutting the loan, two directions of a duration.
_EXCLUDED_PAIRS = {(_LOAN, _DOWN), (_LONGER, _SHORTER)}


def plans(axes: tuple[int, ...]) -> list[tuple[int, ...]]:
    """What the search tries: each available axis alone, then each allowed pair."""
    pairs = [pair for pair in itertools.combinations(axes, 2) if pair not in _EXCLUDED_PAIRS]
    return [*((axis,) for axis in axes), *pairs]


def levers_of(plan: tuple[int, ...]) -> tuple[Lever, ...]:
    """The levers a plan pulls, in the contract's order."""
    return tuple(sorted({_LEVER_OF_AXIS[axis] for axis in plan}, key=lambda lever: lever.value))


@dataclass(frozen=True, slots=True)
class LoanTerms:
    """The actionable inputs of an application, in currency units; None where unset."""

    credit: float
    annuity: float | None
    goods_price: float | None
    income: float

    @classmethod
    def of_row(cls, row: np.ndarray) -> LoanTerms:
        """The inputs of a raw numeric row (ApplicationRows.numeric)."""
        return cls(
            credit=float(row[_CREDIT]),
            annuity=_number(row[_ANNUITY]),
            goods_price=_number(row[_GOODS]),
            income=float(row[_INCOME]),
        )

    @property
    def duration_months(self) -> float | None:
        """Monthly repayments the loan implies (AMT_CREDIT / AMT_ANNUITY), as the contract reads
        it; None without an annuity."""
        return None if self.annuity is None else self.credit / self.annuity

    def columns(self) -> dict[str, float | None]:
        """The inputs by Kaggle column, in Application field order."""
        return {
            "AMT_INCOME_TOTAL": self.income,
            "AMT_CREDIT": self.credit,
            "AMT_ANNUITY": self.annuity,
            "AMT_GOODS_PRICE": self.goods_price,
        }


@dataclass(frozen=True, slots=True)
class SearchBounds:
    """How far each lever was searched; None where its input is unset (not searched)."""

    min_credit: float
    # Shortest and longest duration tried, in months (equal to the current one on a side that
    # the bounds close).
    durations: tuple[float, float] | None
    max_down_payment: float | None
    max_added_income: float


@dataclass(frozen=True, slots=True)
class Candidates:
    """Candidate applications as arrays (one entry per candidate), with their change size: the
    sum of the relative changes of the loan amount, the duration and the income."""

    credit: np.ndarray
    annuity: np.ndarray  # NaN where the application has no annuity
    goods: np.ndarray  # NaN where the application has no goods price
    income: np.ndarray
    cost: np.ndarray

    def __len__(self) -> int:
        return len(self.credit)

    def terms(self, k: int) -> LoanTerms:
        """Candidate ``k``'s inputs."""
        annuity, goods = float(self.annuity[k]), float(self.goods[k])
        return LoanTerms(
            credit=float(self.credit[k]),
            annuity=None if np.isnan(annuity) else annuity,
            goods_price=None if np.isnan(goods) else goods,
            income=float(self.income[k]),
        )

    def write(self, numeric: np.ndarray) -> None:
        """Set the inputs of raw numeric rows (one per candidate) in place."""
        numeric[:, _CREDIT] = self.credit
        numeric[:, _ANNUITY] = self.annuity
        numeric[:, _GOODS] = self.goods
        numeric[:, _INCOME] = self.income


class LeverRanges:
    """Each axis's range for one application, and the candidates at given intensities."""

    def __init__(self, base: LoanTerms) -> None:
        self.base = base
        credit, income = base.credit, base.income
        self._credit_cut = credit * (1.0 - MIN_LOAN_SHARE)
        self._down = (
            0.0
            if base.goods_price is None
            else min(self._credit_cut, MAX_DOWN_PAYMENT_SHARE * base.goods_price)
        )
        self._added_income = min(MAX_CO_BORROWER_SHARE * income, _MAX_INCOME - income)
        duration = base.duration_months
        self._duration = duration or 0.0
        self._shortest = self._longest = self._duration
        if duration is not None:
            # Whole months, within the plausibility bounds and the contract's largest repayment
            # (infinite for a vanishing income: then no shorter duration).
            with np.errstate(divide="ignore", over="ignore"):
                capped = np.float64(credit) / (MAX_REPAYMENT_SHARE * income)
            floor = max(MIN_DURATION_MONTHS, float(capped), credit / _MAX_ANNUITY)
            self._shortest = min(duration, float(np.ceil(floor)))
            self._longest = max(duration, MAX_DURATION_MONTHS)
        spans = (
            self._credit_cut,
            self._down,
            self._longest - self._duration,
            self._duration - self._shortest,
            self._added_income,
        )
        # The axes with room to move.
        self.axes = tuple(axis for axis, span in enumerate(spans) if span > 0)

    def bounds(self) -> SearchBounds:
        """The ranges, for a person."""
        base = self.base
        return SearchBounds(
            min_credit=float(_snap(np.array([base.credit - self._credit_cut]), base.credit)[0]),
            durations=None if base.annuity is None else (self._shortest, self._longest),
            max_down_payment=(
                None
                if base.goods_price is None
                else float(_round_down(np.array([self._down]), base.credit)[0])
            ),
            max_added_income=float(_round_down(np.array([self._added_income]), base.income)[0]),
        )

    def candidates(self, intensity: np.ndarray) -> Candidates:
        """The applications at ``intensity`` [n, AXIS_COUNT], with their change size.

        What the client would decide is round: the smaller loan (and its goods' price), the
        down payment and the co-borrower's income to three significant digits of the original
        amount (409,500 -> steps of 1,000), a changed duration to whole months, each rounded
        towards no change so that the bounds hold. Options read as round offers, and what is
        scored is exactly what is returned.
        """
        base = self.base
        loan, down, longer, shorter, co = intensity.T
        scale = 1.0 - loan * (1.0 - MIN_LOAN_SHARE)
        # A plan never pulls both: one of the two leaves the loan amount as it is.
        smaller = _changed(base.credit * scale, loan, base.credit)
        credit = smaller - _round_down(down * self._down, base.credit)
        goods_price = np.nan if base.goods_price is None else base.goods_price
        goods = _changed(goods_price * scale, loan, goods_price)
        income = base.income + _round_down(co * self._added_income, base.income)
        cost = (base.credit - credit) / base.credit + (income - base.income) / base.income
        if base.annuity is None:
            return Candidates(credit, np.full(len(intensity), np.nan), goods, income, cost)
        moved = longer + shorter > 0
        duration = self._duration + longer * (self._longest - self._duration)
        duration -= shorter * (self._duration - self._shortest)
        # The bounds are whole months (or the current duration, on a side with no room).
        whole = np.where(
            longer > 0, np.ceil(duration - _MONTH_FUZZ), np.floor(duration + _MONTH_FUZZ)
        )
        duration = np.where(moved, whole, self._duration)
        # The duration, kept or changed, sets the repayment: credit / duration.
        kept = (credit == base.credit) & ~moved
        annuity = np.where(kept, base.annuity, credit / duration)
        cost = cost + np.abs(duration - self._duration) / self._duration
        return Candidates(credit, annuity, goods, income, cost)


def _changed(values: np.ndarray, moved: np.ndarray, original: float) -> np.ndarray:
    """``values`` rounded where the lever ``moved``, the exact original elsewhere."""
    return np.where(moved > 0, _snap(values, original), original)


def _snap(values: np.ndarray, original: float) -> np.ndarray:
    """Amounts rounded to three significant digits of ``original``'s magnitude, towards it,
    never past it."""
    step = _step(original)
    if step == 0.0:
        return values
    below = values < original
    snapped = np.where(below, np.ceil(values / step), np.floor(values / step)) * step
    return np.where(below, np.minimum(snapped, original), np.maximum(snapped, original))


def _round_down(amounts: np.ndarray, magnitude: float) -> np.ndarray:
    """Non-negative amounts rounded down to three significant digits of ``magnitude``."""
    step = _step(magnitude)
    return amounts if step == 0.0 else np.floor(amounts / step) * step


def _step(magnitude: float) -> float:
    """The rounding step of amounts of this size (1,000 for 409,500); 0 for none (a
    subnormal, or not a positive number)."""
    if not np.isfinite(magnitude) or magnitude <= 0:
        return 0.0
    return float(10.0 ** (np.floor(np.log10(magnitude)) - 2))


def _number(value: float) -> float | None:
    return None if np.isnan(value) else float(value)
