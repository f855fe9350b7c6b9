"""Errors the advisor can fix, and how any failure becomes a banner instead of a traceback."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from gradio_ui.client import ErrorKind, ServiceError, Superseded
from gradio_ui.settings import Language
from gradio_ui.texts import t
from gradio_ui.views import banner_html

__all__ = ["InputError", "Outcome", "error_message", "field_label", "run_safely"]

# Request fields with a name in the app, by their path in a violation.
_FIELD_KEYS = {
    "application.amt_credit": "whatif.credit",
    "application.amt_annuity": "whatif.annuity",
    "application.amt_goods_price": "whatif.goods",
    "application.amt_income_total": "whatif.household_income",
    "client_id": "col.client",
    "client_id_prefix": "search.client_id",
}

logger = logging.getLogger(__name__)

T = TypeVar("T")


class InputError(ValueError):
    """Input the advisor must correct; the message is already in the reader's language."""


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """A handler's result, or the banner that replaces it."""

    value: T | None = None
    banner: str = ""


def field_label(path: str, language: Language) -> str:
    """A violation's field path as the advisor knows the field."""
    key = _FIELD_KEYS.get(path)
    return t(language, key) if key else t(language, "error.other_field")


def error_message(
    error: ServiceError, language: Language, *, address: str, client_id: int | None = None
) -> str:
    """The sentence an advisor reads for a failed call."""
    if error.kind is ErrorKind.UNAVAILABLE:
        return t(language, "error.unavailable", address=address)
    if error.kind is ErrorKind.TIMEOUT:
        return t(language, "error.timeout")
    if error.kind is ErrorKind.NOT_FOUND:
        return t(language, "error.not_found", client_id=client_id if client_id else "?")
    if error.kind is ErrorKind.INVALID:
        # The server's descriptions are English and technical: they go to the log, and the
        # advisor reads which values were refused, by their names in the app.
        logger.info("request refused by the server: %s", error)
        fields = dict.fromkeys(field_label(v.field, language) for v in error.violations)
        return t(language, "error.invalid_fields", fields=", ".join(fields) or "?")
    return t(language, "error.internal", reference=error.request_id[:8])


def run_safely(
    call: Callable[[], T],
    *,
    language: Language,
    address: str,
    client_id: int | None = None,
) -> Outcome[T]:
    """Runs a handler; a failure becomes a banner, never a traceback on screen."""
    try:
        return Outcome(value=call())
    except InputError as error:
        return Outcome(banner=banner_html(str(error)))
    except ServiceError as error:
        message = error_message(error, language, address=address, client_id=client_id)
        return Outcome(banner=banner_html(message))
    except Superseded:
        # Not a failure: the event's answer is dropped as a whole (see gradio_ui.latest).
        raise
    except Exception:
        # Anything else is a bug of ours: log it in full, show only a reference.
        reference = uuid.uuid4().hex[:8]
        logger.exception("unexpected error, reference %s", reference)
        return Outcome(banner=banner_html(t(language, "error.unexpected", reference=reference)))
