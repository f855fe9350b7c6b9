"""Errors the advisor can fix, and how any failure becomes a banner instead of a traceback."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from gradio_ui.client import ErrorKind, ServiceError
from gradio_ui.settings import Language
from gradio_ui.texts import t
from gradio_ui.views import banner_html

__all__ = ["InputError", "Outcome", "error_message", "run_safely"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


class InputError(ValueError):
    """Input the advisor must correct; the message is already in the reader's language."""


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """A handler's result, or the banner that replaces it."""

    value: T | None = None
    banner: str = ""


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
        detail = "; ".join(f"{v.field}: {v.description}" for v in error.violations)
        return t(language, "error.invalid", detail=detail or error.detail)
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
    except Exception:
        # Anything else is a bug of ours: log it in full, show only a reference.
        reference = uuid.uuid4().hex[:8]
        logger.exception("unexpected error, reference %s", reference)
        return Outcome(banner=banner_html(t(language, "error.unexpected", reference=reference)))
