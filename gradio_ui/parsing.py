"""What the advisor types, read strictly: ASCII digits only ("²" and full-width digits are
digits to Python, not to the server), amounts with the reader's separators."""

from __future__ import annotations

import re

from gradio_ui.settings import Language

__all__ = ["NotANumber", "is_ascii_digits", "parse_amount"]

_DIGITS = re.compile(r"[0-9]+")
# Thousands separators a reader may type besides the English comma: spaces of any width, '.
_SPACES = re.compile(r"[ \u00a0\u202f\u2009']")
_EN_GROUPED = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
_AMOUNT = {
    "en": re.compile(r"[0-9]+(\.[0-9]+)?"),
    "fr": re.compile(r"[0-9]+(,[0-9]+)?"),
}


class NotANumber(ValueError):
    """The text is not a number written with ASCII digits and the reader's separators."""


def is_ascii_digits(text: str) -> bool:
    """True for one or more of 0-9, and nothing else."""
    return bool(_DIGITS.fullmatch(text))


def parse_amount(text: str, language: Language) -> float | None:
    """ "409,232.5" (en) or "409 232,5" (fr) -> 409232.5; None for an empty box. An English
    reader may also type "409232.5", a French one "409232,5" or "409.232,5" is refused (the
    dot is ambiguous), as are signs, exponents and any digit outside 0-9."""
    cleaned = _SPACES.sub("", text.strip())
    if not cleaned:
        return None
    if language == "en" and _EN_GROUPED.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    if not _AMOUNT[language].fullmatch(cleaned):
        raise NotANumber(text)
    return float(cleaned.replace(",", "."))
