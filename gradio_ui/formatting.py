"""Numbers, percentages and percentiles written the way an English or French reader expects."""

from __future__ import annotations

import math

from gradio_ui.settings import Language

__all__ = [
    "format_amount",
    "format_amount_input",
    "format_number",
    "format_percent",
    "format_points",
    "format_years",
    "logit",
    "sigmoid",
    "threshold_decimals",
]

# French groups thousands with a narrow no-break space and puts a no-break space before "%".
_THIN_NBSP = "\u202f"
_NBSP = "\u00a0"


def format_number(value: float, language: Language, decimals: int = 0) -> str:
    """12345.6 -> "12,346" (en) or "12 346" (fr)."""
    text = f"{value:,.{decimals}f}"
    if language == "fr":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", _THIN_NBSP)
    return text


def format_amount(value: float, language: Language) -> str:
    """An amount in currency units, without decimals."""
    return format_number(value, language, 0)


def format_amount_input(value: float | None, language: Language) -> str:
    """An amount as the what-if form shows it: grouped, with its decimals (up to 2) only when
    it has some, so that 409232.5 reads "409,232.5" and not a rounded 409,233."""
    if value is None:
        return ""
    decimals = next((d for d in (0, 1, 2) if round(value, d) == value), 2)
    return format_number(value, language, decimals)


def format_percent(probability: float, language: Language, decimals: int = 1) -> str:
    """0.1234 -> "12.3%" (en) or "12,3 %" (fr)."""
    number = format_number(probability * 100, language, decimals)
    return f"{number}{_NBSP}%" if language == "fr" else f"{number}%"


def threshold_decimals(probability: float, threshold: float, least: int = 1) -> int:
    """Decimals of a percentage enough to tell `probability` from `threshold` (up to 3): near
    the threshold "9.7% vs 9.7%" says nothing; "9.74% vs 9.71%" says which side it is on."""
    for decimals in range(least, 4):
        if round(probability * 100, decimals) != round(threshold * 100, decimals):
            return decimals
    return 3


def format_points(
    points: float, language: Language, *, signed: bool = True, decimals: int = 1
) -> str:
    """A difference of probabilities in percentage points: "+2.3 pts" / "+2,3 pts"."""
    sign = "" if not signed else ("+" if points > 0 else ("−" if points < 0 else ""))
    number = format_number(abs(points), language, decimals)
    return f"{sign}{number}{_NBSP}pts"


def format_years(months: float, language: Language) -> str:
    """A duration in months, as "2 years 3 months" / "2 ans 3 mois"."""
    whole = round(months)
    years, rest = divmod(whole, 12)
    if language == "fr":
        parts = [f"{years} an{'s' if years > 1 else ''}"] if years else []
        parts += [f"{rest} mois"] if rest or not years else []
    else:
        parts = [f"{years} year{'s' if years > 1 else ''}"] if years else []
        parts += [f"{rest} month{'s' if rest != 1 else ''}"] if rest or not years else []
    return " ".join(parts)


def sigmoid(value: float) -> float:
    """Logistic function, stable for large |value|."""
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)


def logit(probability: float) -> float:
    """Inverse of sigmoid, for probabilities strictly inside (0, 1)."""
    return math.log(probability / (1.0 - probability))
