"""Feature values converted for humans (years not days, percentages) and formatted in EN or FR."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from model_build.features import FeatureInfo
from server.insight.labels import CATEGORY_LABELS

__all__ = [
    "DisplayUnit",
    "display_unit",
    "format_category",
    "format_missing",
    "format_number",
    "format_value",
]

DAYS_PER_YEAR = 365.25

Kind = Literal["number", "flag", "category"]

# Words after a number, per display unit: (English, French) as (singular, plural).
_UNIT_WORDS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "years": (("year", "years"), ("an", "ans")),
    "days": (("day", "days"), ("jour", "jours")),
    "months": (("month", "months"), ("mois", "mois")),
    "times": (("time", "times"), ("fois", "fois")),
}
# Y/N categories read as words in English too.
_MISSING = ("missing", "non renseigné")
_YES_NO = {("en", True): "Yes", ("en", False): "No", ("fr", True): "Oui", ("fr", False): "Non"}


@dataclass(frozen=True, slots=True)
class DisplayUnit:
    """How a feature's model value is shown: display value = scale * model value, in ``unit``."""

    kind: Kind
    unit: str
    scale: float = 1.0
    decimals: int = 0


def display_unit(info: FeatureInfo) -> DisplayUnit:
    """The human unit of a catalogue feature (a monotone, linear map of the model's value)."""
    unit = info.unit
    if info.kind == "categorical":
        return DisplayUnit("category", "")
    if unit == "flag 0/1":
        return DisplayUnit("flag", "")
    if unit == "days":
        # Delays stay in days; dates (days before or after the application) become years.
        if any(marker in info.name for marker in ("DPD", "DBD", "OVERDUE_DAYS")):
            return DisplayUnit("number", "days", 1.0, 0)
        sign = -1.0 if info.name.startswith("DAYS_") else 1.0
        return DisplayUnit("number", "years", sign / DAYS_PER_YEAR, 1)
    fixed = {
        "share": DisplayUnit("number", "%", 100.0, 0),
        "ratio": DisplayUnit("number", "times", 1.0, 2),
        "currency": DisplayUnit("number", "currency", 1.0, 0),
        "years": DisplayUnit("number", "years", 1.0, 1),
        "months": DisplayUnit("number", "months", 1.0, 0),
        "count": DisplayUnit("number", "count", 1.0, 1),
        "score 0-1": DisplayUnit("number", "score 0-1", 1.0, 3),
        "normalised 0-1": DisplayUnit("number", "normalised 0-1", 1.0, 3),
        "rating 1-3": DisplayUnit("number", "rating 1-3", 1.0, 0),
        "status 0-5": DisplayUnit("number", "status 0-5", 1.0, 0),
        "hour of day": DisplayUnit("number", "hour", 1.0, 0),
    }
    return fixed.get(unit, DisplayUnit("number", unit, 1.0, 2))


def format_missing(language: str) -> str:
    """The word shown for a missing value."""
    return _MISSING[1] if language == "fr" else _MISSING[0]


def format_category(value: str, language: str) -> str:
    """A Kaggle category for display (translated where a translation exists)."""
    return CATEGORY_LABELS["fr" if language == "fr" else "en"].get(value, value)


def format_value(value: float | str | None, unit: DisplayUnit, language: str) -> str:
    """A model value for display: converted units, translated categories, "missing"."""
    if value is None:
        return format_missing(language)
    if isinstance(value, str):
        return format_category(value, language)
    return format_number(value * unit.scale, unit, language)


def format_number(value: float, unit: DisplayUnit, language: str) -> str:
    """A display-unit value with its unit, e.g. "43.2 years", "38%", "202,500"; FR "43,2 ans"."""
    if unit.kind == "flag":
        return _YES_NO[(language, value >= 0.5)]
    if unit.unit == "hour":
        return f"{value:.0f}:00" if language == "en" else f"{value:.0f} h"
    decimals = _decimals(value, unit)
    text = _grouped(value, decimals, language)
    if unit.unit == "%":
        return f"{text} %" if language == "fr" else f"{text}%"
    words = _UNIT_WORDS.get(unit.unit)
    if words is None:
        return text
    shown = abs(round(value, decimals))
    # CLDR's plural rules: English singular for "1" only ("1.00 times", "1.0 years"); French
    # singular below 2 ("1,5 an").
    singular = shown < 2 if language == "fr" else shown == 1 and decimals == 0
    return f"{text} {words[1 if language == 'fr' else 0][0 if singular else 1]}"


def _decimals(value: float, unit: DisplayUnit) -> int:
    if unit.unit == "count" and float(value).is_integer():
        return 0
    if unit.unit == "%" and 0 < abs(value) < 10:
        # 2.5% must not read as 3%; larger shares do not need the decimal.
        return 1
    return unit.decimals


def _grouped(value: float, decimals: int, language: str) -> str:
    if not math.isfinite(value):
        return str(value)
    if round(value, decimals) == 0:
        value = 0.0  # never "-0"
    text = f"{value:,.{decimals}f}"
    if language == "fr":
        # French groups thousands with a space and uses a decimal comma.
        text = text.replace(",", " ").replace(".", ",")
    return text
