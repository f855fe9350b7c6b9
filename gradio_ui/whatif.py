"""What-if: re-score and explain a stored client with the loan's terms and income changed."""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from creditscore.v1 import application_pb2
from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui import charts
from gradio_ui.client import CreditScoreClient
from gradio_ui.errors import InputError
from gradio_ui.formatting import format_amount_input, format_percent, format_points, format_years
from gradio_ui.settings import Language, UiSettings
from gradio_ui.texts import t
from gradio_ui.views import decision_badge, reasons_markdown
from gradio_ui.whatif_form import (
    WhatIfDefaults,
    WhatIfForm,
    WhatIfInputs,
    field_limits,
    read_form,
)

__all__ = [
    "WhatIfDefaults",
    "WhatIfForm",
    "WhatIfInputs",
    "WhatIfView",
    "edited_application",
    "repayment_text",
    "run_whatif",
    "run_whatif_form",
    "term_text",
    "whatif_defaults",
]

# Application fields a what-if may change, with their text keys.
_FIELDS = (
    ("amt_credit", "whatif.credit"),
    ("amt_annuity", "whatif.annuity"),
    ("amt_goods_price", "whatif.goods"),
    ("amt_income_total", "whatif.household_income"),
)


@dataclass(frozen=True, slots=True)
class WhatIfView:
    """The stored decision beside the simulated one, the changes, and the simulation's own
    reasons."""

    result_html: str
    chart: go.Figure
    markdown: str
    before: pb.ScoreResult
    after: pb.ScoreResult
    inputs: WhatIfInputs


def whatif_defaults(application: application_pb2.Application) -> WhatIfDefaults:
    """The stored values of the editable fields."""

    def value(name: str) -> float | None:
        return float(getattr(application, name)) if application.HasField(name) else None

    return WhatIfDefaults(
        credit=value("amt_credit"),
        annuity=value("amt_annuity"),
        goods_price=value("amt_goods_price"),
        income=value("amt_income_total"),
    )


def term_text(credit: float | None, annuity: float | None, language: Language) -> str:
    """The number of repayments the amount and annuity imply (empty when unknown)."""
    if not credit or not annuity or credit <= 0 or annuity <= 0:
        return ""
    months = credit / annuity
    return t(language, "whatif.term", months=round(months), duration=format_years(months, language))


def repayment_text(form: WhatIfForm, stored: WhatIfDefaults | None, language: Language) -> str:
    """The repayment the form's amount, duration and rate give, or what to fix in them."""
    if stored is None:
        return ""
    try:
        inputs = read_form(form, stored, language)
    except InputError as error:
        return f"⚠ {error}"
    if inputs.annuity is None:
        return t(language, "whatif.repayment_unknown")
    how = (
        "whatif.repayment_stored"
        if inputs.annuity == stored.annuity
        else "whatif.repayment_computed"
    )
    text = t(
        language,
        "whatif.repayment",
        amount=format_amount_input(round(inputs.annuity, 2), language),
        how=t(language, how),
    )
    return f"{text} {term_text(inputs.credit, inputs.annuity, language)}"


def _check(inputs: WhatIfInputs, language: Language) -> None:
    values = {
        "amt_credit": inputs.credit,
        "amt_annuity": inputs.annuity,
        "amt_goods_price": inputs.goods_price,
        "amt_income_total": inputs.income,
    }
    for name, key in _FIELDS:
        value = values[name]
        required = name in ("amt_credit", "amt_income_total")
        if (value is None and required) or (
            value is not None and not field_limits(name).accepts(value)
        ):
            raise InputError(t(language, "whatif.invalid_amount", field=t(language, key)))
    if inputs.coborrower_income is not None and inputs.coborrower_income < 0:
        raise InputError(
            t(language, "whatif.invalid_amount", field=t(language, "whatif.coborrower"))
        )


def edited_application(
    stored: application_pb2.Application, inputs: WhatIfInputs, language: Language
) -> tuple[application_pb2.Application, list[str]]:
    """The stored application with the inputs' values, and the facts that changed in words."""
    _check(inputs, language)
    edited = application_pb2.Application()
    edited.CopyFrom(stored)
    # The model has no co-borrower: their income counts as declared household income.
    income = (inputs.income or 0.0) + (inputs.coborrower_income or 0.0)
    values = {
        "amt_credit": inputs.credit,
        "amt_annuity": inputs.annuity,
        "amt_goods_price": inputs.goods_price,
        "amt_income_total": income,
    }
    changes = []
    for name, key in _FIELDS:
        value = values[name]
        if value is None:
            edited.ClearField(name)
        else:
            setattr(edited, name, float(value))
        before = getattr(stored, name) if stored.HasField(name) else None
        after = getattr(edited, name) if edited.HasField(name) else None
        if before != after:
            shown = [
                format_amount_input(v, language) if v is not None else "—" for v in (before, after)
            ]
            changes.append(f"{t(language, key)} {shown[0]} → {shown[1]}")
    return edited, changes


def run_whatif(
    client: CreditScoreClient,
    settings: UiSettings,
    client_id: int,
    inputs: WhatIfInputs,
    language: Language,
) -> WhatIfView:
    """Scores and explains the edited application with the client's stored history, beside the
    stored score."""
    stored = client.get_client(client_id, language)
    application, changes = edited_application(stored.application, inputs, language)
    explanation = client.explain(client_id, language, application)
    after = explanation.score
    before = stored.score
    grey_zone = settings.grey_zone_points / 100
    cards = "".join(
        decision_badge(score, language, grey_zone=grey_zone, caption=t(language, key))
        for score, key in ((before, "whatif.current"), (after, "whatif.simulated"))
    )
    delta = (after.default_probability - before.default_probability) * 100
    lines = [
        t(
            language,
            "whatif.change",
            before=format_percent(before.default_probability, language),
            after=format_percent(after.default_probability, language),
            delta=format_points(delta, language),
        ),
        t(language, "whatif.flip" if after.decision != before.decision else "whatif.same"),
        f"**{t(language, 'whatif.changed_facts')}**",
        "\n".join(f"- {change}" for change in changes)
        if changes
        else t(language, "whatif.no_change"),
        f"## {t(language, 'whatif.simulated_reasons')}",
        # The simulation's own reasons: the simulated file explained, not the stored one.
        reasons_markdown(explanation, language).replace("### ", "#### "),
    ]
    return WhatIfView(
        result_html=f'<div class="cs-compare-cards">{cards}</div>',
        chart=charts.whatif_bars(
            before.default_probability,
            after.default_probability,
            after.threshold,
            grey_zone,
            language,
        ),
        markdown="\n\n".join(lines),
        before=before,
        after=after,
        inputs=inputs,
    )


def run_whatif_form(
    client: CreditScoreClient,
    settings: UiSettings,
    client_id: int,
    form: WhatIfForm,
    language: Language,
) -> WhatIfView:
    """The what-if of the form as typed (checked before any call that scores)."""
    stored = whatif_defaults(client.get_client(client_id, language).application)
    inputs = read_form(form, stored, language)
    return run_whatif(client, settings, client_id, inputs, language)
