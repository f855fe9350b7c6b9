"""Drifted synthetic populations: named application columns shifted after generation."""

from __future__ import annotations

import math
import re
from collections.abc import MutableMapping
from dataclasses import dataclass

import numpy as np

from model_build.errors import ModelBuildError
from model_build.schema import APPLICATION_TEST

__all__ = ["DRIFT_GROUPS", "Change", "Drift", "parse_drift"]

# Names a drift item can use besides a column: the columns a person thinks of as one thing.
DRIFT_GROUPS: dict[str, tuple[str, ...]] = {
    "income": ("AMT_INCOME_TOTAL",),
    "credit": ("AMT_CREDIT",),
    "annuity": ("AMT_ANNUITY",),
    "goods_price": ("AMT_GOODS_PRICE",),
    "ext_source": ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"),
}
# Every numeric column of the application file can be drifted by its Kaggle name.
_NUMERIC_COLUMNS = frozenset(
    c.name for c in APPLICATION_TEST.columns if not c.is_categorical and c.name != "SK_ID_CURR"
)
_ITEM = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<sign>[+-])(?P<size>\d+(\.\d*)?)(?P<pct>%?)$"
)
_GRAMMAR = "NAME=+N%, NAME=-N%, NAME=+X or NAME=-X"
# A strict lower bound (amounts > 0) clips to one unit above it: one currency unit.
_ABOVE_STRICT_BOUND = 1.0


@dataclass(frozen=True)
class Change:
    """One item of a drift: every value of ``columns`` scaled by a percentage, or shifted."""

    columns: tuple[str, ...]
    amount: float  # signed: +0.2 for +20% or for +0.2
    relative: bool
    text: str  # the item as written, for the manifest and messages

    def apply(self, values: np.ndarray, column: str) -> np.ndarray:
        """The drifted copy of one column: missing values and special codes (the contract's
        also-allowed values, e.g. DAYS_EMPLOYED's 365243) are left alone; the rest are moved
        and clipped into the contract's rules, so that the server accepts the drifted rows."""
        low, high, whole, special = _bounds(column)
        moved = values * (1.0 + self.amount) if self.relative else values + self.amount
        if whole:
            moved = np.round(moved)
        moved = np.clip(moved, low, high)
        keep = np.isnan(values) | np.isin(values, special)
        return np.where(keep, values, moved)


@dataclass(frozen=True)
class Drift:
    """A parsed ``--drift`` SPEC: changes applied in order to the application columns."""

    changes: tuple[Change, ...]

    @property
    def spec(self) -> str:
        """The SPEC as given (items joined by commas), recorded in the data set's manifest."""
        return ",".join(change.text for change in self.changes)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every drifted application column."""
        return tuple(column for change in self.changes for column in change.columns)

    def apply(self, columns: MutableMapping[str, np.ndarray]) -> None:
        """Drift generated application columns in place (float arrays, NaN missing).

        Deterministic: no random draw, so a seed gives the same clients with or without the
        drift, and only the named columns differ. TARGET is not redrawn: the recorded values
        move while the clients' risk stays as generated (e.g. incomes declared higher, or an
        external bureau rescaling its scores).
        """
        for change in self.changes:
            for column in change.columns:
                values = np.asarray(columns[column], dtype=np.float64)
                columns[column] = change.apply(values, column)


def parse_drift(spec: str) -> Drift:
    """Parse ``NAME=+N%|-N%|+X|-X`` items separated by commas; NAME is a group of
    DRIFT_GROUPS or a numeric application column (Kaggle name). ModelBuildError names the
    bad item."""
    if not spec.strip():
        raise ModelBuildError(f"--drift is empty; expected items such as {_example()}")
    changes: list[Change] = []
    seen: dict[str, str] = {}
    for item in (part.strip() for part in spec.split(",")):
        change = _change(item)
        for column in change.columns:
            if column in seen:
                raise ModelBuildError(
                    f"--drift item {item!r}: {column} is already drifted by {seen[column]!r}"
                )
            seen[column] = item
        changes.append(change)
    return Drift(tuple(changes))


def _change(item: str) -> Change:
    match = _ITEM.match(item.replace(" ", ""))
    if match is None:
        raise ModelBuildError(f"--drift item {item!r}: expected {_GRAMMAR} ({_example()})")
    name = match["name"]
    columns = DRIFT_GROUPS.get(name.lower())
    if columns is None and name.upper() in _NUMERIC_COLUMNS:
        columns = (name.upper(),)
    if columns is None:
        raise ModelBuildError(
            f"--drift item {item!r}: unknown name {name!r}; use a group "
            f"({', '.join(DRIFT_GROUPS)}) or a numeric application column such as DAYS_BIRTH"
        )
    size = float(match["size"])
    relative = match["pct"] == "%"
    amount = (size / 100.0 if relative else size) * (-1.0 if match["sign"] == "-" else 1.0)
    if relative and amount <= -1.0:
        raise ModelBuildError(f"--drift item {item!r}: a fall of 100% or more leaves no value")
    return Change(columns, amount, relative, item.replace(" ", ""))


def _bounds(column: str) -> tuple[float, float, bool, tuple[float, ...]]:
    # The contract (protos) is the one statement of what a column accepts; server.contract is
    # its one reader. Imported here so that generating undrifted data never needs the server.
    from server.contract import application_field

    rule = application_field(column).rule
    low = rule.low + _ABOVE_STRICT_BOUND if rule.low_exclusive else rule.low
    high = rule.high
    if rule.whole_number:
        low, high = float(math.ceil(low)), float(math.floor(high))
    return low, high, rule.whole_number, rule.also_allowed


def _example() -> str:
    return "income=+20%,ext_source=-0.15"
