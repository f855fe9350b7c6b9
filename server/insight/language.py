"""The languages of labels and texts: "en" (default) and "fr"."""

from __future__ import annotations

from typing import Literal

from server.contract import quote
from server.errors import FieldViolation, InvalidArgument

__all__ = ["LANGUAGES", "Language", "check_language", "parse_language"]

Language = Literal["en", "fr"]
LANGUAGES: tuple[Language, ...] = ("en", "fr")


def check_language(
    code: str, field: str = "language_code"
) -> tuple[Language, list[FieldViolation]]:
    """The language of a request's BCP-47 code ("en" when empty or invalid) and its problems,
    so that a caller can report them with the request's other problems."""
    normalised = code.strip().lower()
    if normalised in ("", "en"):
        return "en", []
    if normalised == "fr":
        return "fr", []
    return "en", [
        FieldViolation(field, f'{quote(code)} is not a supported language; use "en" or "fr"')
    ]


def parse_language(code: str, field: str = "language_code") -> Language:
    """The language of a request's BCP-47 code: empty means "en"; anything but en/fr is invalid."""
    language, problems = check_language(code, field)
    if problems:
        raise InvalidArgument(problems)
    return language
