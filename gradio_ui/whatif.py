"""What-if: re-score a stored client with the fields the client can act on changed."""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from creditscore.v1 import application_pb2
from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui import charts
from gradio_ui.client import CreditScoreClient
from gradio_ui.errors import InputError
from gradio_ui.formatting import format_amount, format_percent, format_points, format_years
from gradio_ui.settings import Language, UiSettings
from gradio_ui.texts import t
from gradio_ui.views import decision_badge

__all__ = [
    "WhatIfDefaults",
    "WhatIfInputs",
    "WhatIfView",
    "edited_application",
    "run_whatif",
    "term_text",
    "whatif_defaults",
]

# Application fields a what-if may change, with their text keys; income is handled apart
# because the co-borrower's income is added to it.
_AMOUNT_FIELDS = (
    ("amt_credit", "whatif.credit"),
    ("amt_annuity", "whatif.annuity"),
    ("amt_goods_price", "whatif.goods"),
)


@dataclass(frozen=True, slots=True)
class WhatIfDefaults:
    """The stored values of the fields a what-if can change (None when missing)."""

    credit: float | None
    annuity: float | None
    goods_price: float | None
    income: float | None


@dataclass(frozen=True, slots=True)
class WhatIfInputs:
    """The what-if form; None (an emptied box) leaves an optional field missing."""

    credit: float | None
    annuity: float | None
    goods_price: float | None
    income: float | None
    coborrower_income: float | None = None


@dataclass(frozen=True, slots=True)
class WhatIfView:
    """The stored decision beside the simulated one, with the change in words."""

    result_html: str
    chart: go.Figure
    markdown: str
    before: pb.ScoreResult
    after: pb.ScoreResult


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


def _set_amount(application: application_pb2.Application, name: str, value: float | None) -> None:
    if value is None:
        application.ClearField(name)
    else:
        setattr(application, name, float(value))


def _unless_rounding(
    stored: application_pb2.Application, name: str, value: float | None
) -> float | None:
    # The form shows whole currency units: an untouched field must keep its exact stored value.
    if value is not None and stored.HasField(name) and abs(getattr(stored, name) - value) < 0.5:
        return float(getattr(stored, name))
    return value


def edited_application(
    stored: application_pb2.Application, inputs: WhatIfInputs, language: Language
) -> tuple[application_pb2.Application, list[str]]:
    """The stored application with the form's values, and the changes in words."""
    values = {
        "amt_credit": inputs.credit,
        "amt_annuity": inputs.annuity,
        "amt_goods_price": inputs.goods_price,
    }
    for name, key in (*_AMOUNT_FIELDS, ("amt_income_total", "whatif.income")):
        value = inputs.income if name == "amt_income_total" else values[name]
        required = name in ("amt_credit", "amt_income_total")
        if (value is None and required) or (value is not None and value <= 0):
            raise InputError(t(language, "whatif.invalid_amount", field=t(language, key)))
    if inputs.coborrower_income is not None and inputs.coborrower_income < 0:
        raise InputError(
            t(language, "whatif.invalid_amount", field=t(language, "whatif.coborrower"))
        )
    edited = application_pb2.Application()
    edited.CopyFrom(stored)
    for name, _ in _AMOUNT_FIELDS:
        _set_amount(edited, name, _unless_rounding(stored, name, values[name]))
    # The model has no co-borrower: their income counts as declared household income.
    income = _unless_rounding(stored, "amt_income_total", inputs.income) or 0.0
    if inputs.coborrower_income:
        income += float(inputs.coborrower_income)
    edited.amt_income_total = income
    changes = []
    for name, key in (*_AMOUNT_FIELDS, ("amt_income_total", "whatif.income")):
        before = getattr(stored, name) if stored.HasField(name) else None
        after = getattr(edited, name) if edited.HasField(name) else None
        if before != after:
            shown = [format_amount(v, language) if v is not None else "—" for v in (before, after)]
            changes.append(f"{t(language, key)} {shown[0]} → {shown[1]}")
    return edited, changes


def run_whatif(
    client: CreditScoreClient,
    settings: UiSettings,
    client_id: int,
    inputs: WhatIfInputs,
    language: Language,
) -> WhatIfView:
    """Scores the edited application with the client's stored history, beside the stored score."""
    stored = client.get_client(client_id, language)
    application, changes = edited_application(stored.application, inputs, language)
    after = client.score(client_id, application).score
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
        t(language, "whatif.changes", changes="; ".join(changes))
        if changes
        else t(language, "whatif.no_change"),
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
    )
