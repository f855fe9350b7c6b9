"""The contract's rules applied to engineered feature vectors (the KServe V2 endpoint's
inputs): no infinity where the model takes a number, raw application columns within their
Application field's rules, categories from the model's vocabulary. Missing (NaN, "") stays
allowed: the model takes a missing value for every feature."""

from __future__ import annotations

import numpy as np

from server.contract import application_field, quote
from server.errors import FieldViolation

__all__ = ["MAX_REPORTED", "FeatureRules"]

# Violations listed in one error: enough to fix a request, never a trailer too large to send.
MAX_REPORTED = 10


class FeatureRules:
    """Checks the numeric and categorical feature matrices of the served model; immutable."""

    def __init__(self, numeric: tuple[str, ...], categorical: dict[str, tuple[str, ...]]) -> None:
        self._numeric = numeric
        count = len(numeric)
        self._low, self._high = np.full(count, -np.inf), np.full(count, np.inf)
        self._strict = np.zeros(count, dtype=bool)
        self._whole = np.zeros(count, dtype=bool)
        self._also = np.full(count, np.nan)
        for j, name in enumerate(numeric):
            try:
                rule = application_field(name).rule
            except KeyError:
                continue  # a derived feature: any finite number
            self._low[j], self._high[j] = rule.low, rule.high
            self._strict[j], self._whole[j] = rule.low_exclusive, rule.whole_number
            self._also[j] = rule.also_allowed[0] if rule.also_allowed else np.nan
        self._categorical = tuple(categorical)
        self._vocabularies = tuple(frozenset(v) for v in categorical.values())

    def numeric_violations(self, values: np.ndarray, path: str) -> list[FieldViolation]:
        """Cells of ``values`` [rows, features] that are infinite or outside their rule."""
        with np.errstate(invalid="ignore"):
            below = np.where(self._strict, values <= self._low, values < self._low)
            whole = ~self._whole | (values == np.floor(values))
            bad = np.isinf(values) | (
                ~np.isnan(values)
                & (values != self._also)
                & (below | (values > self._high) | ~whole)
            )
        found = []
        for row, j in zip(*np.nonzero(bad), strict=True):
            value = float(values[row, j])
            problem = "must be finite (NaN for missing)" if np.isinf(value) else "outside its rule"
            found.append(
                FieldViolation(
                    path, f"row {row}, feature {self._numeric[j]}: {problem}, got {value:g}"
                )
            )
        return _bounded(found, path)

    def categorical_violations(self, values: np.ndarray, path: str) -> list[FieldViolation]:
        """Cells of ``values`` [rows, features] that are neither missing nor in the vocabulary."""
        found = []
        for j, (name, vocabulary) in enumerate(
            zip(self._categorical, self._vocabularies, strict=True)
        ):
            for row, value in enumerate(values[:, j].tolist()):
                if value and value not in vocabulary:
                    found.append(
                        FieldViolation(
                            path, f"row {row}, feature {name}: unknown value {quote(value)}"
                        )
                    )
                    if len(found) > MAX_REPORTED:
                        return _bounded(found, path)
        return found


def _bounded(found: list[FieldViolation], path: str) -> list[FieldViolation]:
    if len(found) <= MAX_REPORTED:
        return found
    more = FieldViolation(path, f"… and {len(found) - MAX_REPORTED} more")
    return [*found[:MAX_REPORTED], more]
