"""What-if events: the form of one client, its repayment, its run, its reset, and the form kept
across a language switch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gradio as gr

from gradio_ui.settings import Language
from gradio_ui.texts import t
from gradio_ui.views import banner_html
from gradio_ui.whatif import WhatIfForm, repayment_text, run_whatif_form
from gradio_ui.whatif_form import WhatIfDefaults, form_texts, translate_form

if TYPE_CHECKING:
    from gradio_ui.events import EventHandlers

__all__ = [
    "FIELD_PARTS",
    "RESULT_PARTS",
    "WHATIF_PARTS",
    "form_updates",
    "kept_updates",
    "repayment",
    "reset",
    "run",
]

Updates = dict[str, Any]
# The form's text boxes, in WhatIfForm's field order.
FIELD_PARTS = (
    "whatif_credit",
    "whatif_duration",
    "whatif_rate",
    "whatif_goods",
    "whatif_income",
    "whatif_coborrower",
)
RESULT_PARTS = ("whatif_result", "whatif_md", "whatif_chart", "whatif_ran")
# Everything the what-if tab shows of one client.
WHATIF_PARTS = (*FIELD_PARTS, "whatif_term", "whatif_stored", *RESULT_PARTS)


def _cleared() -> Updates:
    return {
        "whatif_result": "",
        "whatif_md": "",
        "whatif_chart": gr.update(value=None, visible=False),
        "whatif_ran": None,
    }


def form_updates(stored: WhatIfDefaults, language: Language) -> Updates:
    """The form of a freshly opened file: its stored values, no simulation."""
    form = form_texts(stored, language)
    return {
        **dict(zip(FIELD_PARTS, _texts(form), strict=True)),
        "whatif_term": repayment_text(form, stored, language),
        "whatif_stored": stored,
        **_cleared(),
    }


def _texts(form: WhatIfForm) -> tuple[str, ...]:
    return (form.credit, form.duration, form.rate, form.goods_price, form.income, form.coborrower)


def run(
    calls: EventHandlers, language: Language, client_id: int | None, *texts: str | None
) -> Updates:
    """Scores and explains the simulated file; a problem is said next to the form (in the
    reader's language, never a browser popup)."""
    if client_id is None:
        return {"whatif_result": banner_html(t(language, "error.no_client"))}
    form = WhatIfForm(*(text or "" for text in texts))
    outcome = calls.safely(
        lambda: run_whatif_form(calls.client, calls.settings, client_id, form, language),
        language,
        client_id,
    )
    if outcome.value is None:
        return {**_cleared(), "whatif_result": outcome.banner}
    view = outcome.value
    return {
        "whatif_result": view.result_html,
        "whatif_md": view.markdown,
        "whatif_chart": gr.update(value=view.chart, visible=True),
        # The form as run: a language switch runs it again in the other language.
        "whatif_ran": form,
    }


def reset(calls: EventHandlers, language: Language, stored: WhatIfDefaults | None) -> Updates:
    """The form back to the stored file."""
    if stored is None:
        return {}
    return form_updates(stored, language)


def repayment(
    calls: EventHandlers, language: Language, stored: WhatIfDefaults | None, *texts: str | None
) -> Updates:
    """The repayment of the amount, duration and rate typed (or what to fix in them)."""
    form = WhatIfForm(*(text or "" for text in texts))
    return {"whatif_term": repayment_text(form, stored, language)}


def kept_updates(
    calls: EventHandlers,
    language: Language,
    client_id: int,
    stored: WhatIfDefaults | None,
    texts: tuple[str | None, ...],
    ran: WhatIfForm | None,
) -> Updates:
    """The what-if in progress, rewritten for the new language: the typed values (with the new
    separators) and, when a simulation was shown, the simulation again."""
    old: Language = "en" if language == "fr" else "fr"
    form = translate_form(WhatIfForm(*(text or "" for text in texts)), old, language)
    updates: Updates = dict(zip(FIELD_PARTS, _texts(form), strict=True))
    updates["whatif_term"] = repayment_text(form, stored, language)
    if ran is not None:
        updates |= run(calls, language, client_id, *_texts(translate_form(ran, old, language)))
    return updates
