"""The what-if form: amounts shown with their separators, read back strictly, checked against
the contract's rules, and the repayment computed from the loan, its duration and its rate."""

from __future__ import annotations

import math
from dataclasses import dataclass

from creditscore.v1 import application_pb2, rules_pb2
from gradio_ui.errors import InputError
from gradio_ui.formatting import format_amount_input, format_number
from gradio_ui.parsing import NotANumber, parse_amount
from gradio_ui.settings import Language
from gradio_ui.texts import t

__all__ = [
    "MAX_DURATION_MONTHS",
    "MAX_RATE_PERCENT",
    "MIN_DURATION_MONTHS",
    "FieldLimits",
    "WhatIfDefaults",
    "WhatIfForm",
    "WhatIfInputs",
    "field_limits",
    "form_texts",
    "read_form",
    "repayment",
    "translate_form",
]

# The contract's one rule across fields (application.proto): amt_credit / amt_annuity, the
# number of monthly repayments, is from 1 to 600. Proto options hold rules of one field only.
MIN_DURATION_MONTHS, MAX_DURATION_MONTHS = 1, 600
# An annual rate above this is not a loan offer but a typing error.
MAX_RATE_PERCENT = 50.0


@dataclass(frozen=True, slots=True)
class FieldLimits:
    """The accepted numbers of an Application field, read from its (FieldRules.rules)."""

    low: float | None
    low_inclusive: bool
    high: float | None

    def accepts(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.low is not None and (
            value < self.low or (value == self.low and not self.low_inclusive)
        ):
            return False
        return self.high is None or value <= self.high


def field_limits(name: str) -> FieldLimits:
    """The limits the contract declares on Application field `name`."""
    field = application_pb2.Application.DESCRIPTOR.fields_by_name[name]
    rules = field.GetOptions().Extensions[rules_pb2.FieldRules.rules]
    if rules.HasField("greater_than"):
        low, inclusive = rules.greater_than, False
    elif rules.HasField("min"):
        low, inclusive = rules.min, True
    else:
        low, inclusive = None, True
    return FieldLimits(low, inclusive, rules.max if rules.HasField("max") else None)


@dataclass(frozen=True, slots=True)
class WhatIfDefaults:
    """The stored values of the fields a what-if can change (None when missing)."""

    credit: float | None
    annuity: float | None
    goods_price: float | None
    income: float | None

    @property
    def duration_months(self) -> float | None:
        """The number of monthly repayments the file implies (the data has no term)."""
        if not self.credit or not self.annuity:
            return None
        return self.credit / self.annuity


@dataclass(frozen=True, slots=True)
class WhatIfForm:
    """The form as typed: texts in the reader's language."""

    credit: str = ""
    duration: str = ""
    rate: str = ""
    goods_price: str = ""
    income: str = ""
    coborrower: str = ""


@dataclass(frozen=True, slots=True)
class WhatIfInputs:
    """The application fields the form sets; None leaves an optional field missing."""

    credit: float | None
    annuity: float | None
    goods_price: float | None
    income: float | None
    coborrower_income: float | None = None


def _duration_text(months: float | None, language: Language) -> str:
    if months is None:
        return ""
    return format_number(months, language, 0 if abs(months - round(months)) < 0.05 else 1)


def form_texts(stored: WhatIfDefaults, language: Language) -> WhatIfForm:
    """The form showing the stored file, at a rate of 0% (the data has none)."""
    return WhatIfForm(
        credit=format_amount_input(stored.credit, language),
        duration=_duration_text(stored.duration_months, language),
        rate=format_number(0, language),
        goods_price=format_amount_input(stored.goods_price, language),
        income=format_amount_input(stored.income, language),
        coborrower=format_number(0, language),
    )


def repayment(credit: float, months: float, rate_percent: float) -> float:
    """The monthly repayment of a loan of `credit` over `months` at an annual rate."""
    monthly = rate_percent / 100 / 12
    if monthly == 0:
        return credit / months
    return credit * monthly / (1 - (1 + monthly) ** -months)


def _number(text: str, label_key: str, language: Language) -> float | None:
    try:
        return parse_amount(text, language)
    except NotANumber:
        example = format_number(12345.5, language, 1)
        raise InputError(
            t(
                language,
                "whatif.not_a_number",
                field=t(language, label_key),
                text=text.strip(),
                example=example,
            )
        ) from None


def _checked(value: float, name: str, label_key: str, language: Language) -> float:
    limits = field_limits(name)
    if not limits.accepts(value):
        low = format_number(limits.low or 0, language)
        high = format_number(limits.high, language) if limits.high is not None else "∞"
        key = "whatif.out_of_range" if limits.low_inclusive else "whatif.out_of_range_open"
        raise InputError(t(language, key, field=t(language, label_key), low=low, high=high))
    return value


def _amount(
    typed: str, shown: str, stored: float | None, name: str, key: str, language: Language
) -> float | None:
    """The field's value: the stored one, exactly, while the text is the one shown for it."""
    if typed.strip() == shown.strip():
        return stored
    value = _number(typed, key, language)
    if value is None:
        if stored is not None:
            raise InputError(t(language, "whatif.required", field=t(language, key)))
        return None
    return _checked(value, name, key, language)


def _annuity(
    form: WhatIfForm,
    shown: WhatIfForm,
    stored: WhatIfDefaults,
    credit: float | None,
    language: Language,
) -> float | None:
    same_terms = form.duration.strip() == shown.duration.strip()
    rate = _number(form.rate, "whatif.rate", language) or 0.0
    if not 0 <= rate <= MAX_RATE_PERCENT:
        high = format_number(MAX_RATE_PERCENT, language)
        raise InputError(t(language, "whatif.rate_range", high=high))
    if same_terms and rate == 0 and credit == stored.credit:
        return stored.annuity
    months = (
        stored.duration_months
        if same_terms
        else _number(form.duration, "whatif.duration", language)
    )
    if months is None:
        if stored.annuity is None and rate == 0 and same_terms:
            return None
        raise InputError(t(language, "whatif.duration_needed"))
    if not MIN_DURATION_MONTHS <= months <= MAX_DURATION_MONTHS:
        raise InputError(
            t(language, "whatif.duration_range", low=MIN_DURATION_MONTHS, high=MAX_DURATION_MONTHS)
        )
    if credit is None:
        return None
    return _checked(repayment(credit, months, rate), "amt_annuity", "whatif.annuity", language)


def read_form(form: WhatIfForm, stored: WhatIfDefaults, language: Language) -> WhatIfInputs:
    """The application fields of the form: an untouched field keeps its exact stored value (no
    phantom change from rounding), the repayment comes from amount, duration and rate, and
    every value is checked against the contract's rules; InputError in `language`."""
    shown = form_texts(stored, language)
    credit = _amount(
        form.credit, shown.credit, stored.credit, "amt_credit", "whatif.credit", language
    )
    goods = _amount(
        form.goods_price,
        shown.goods_price,
        stored.goods_price,
        "amt_goods_price",
        "whatif.goods",
        language,
    )
    income = _amount(
        form.income, shown.income, stored.income, "amt_income_total", "whatif.income", language
    )
    coborrower = _number(form.coborrower, "whatif.coborrower", language) or 0.0
    if income is not None and coborrower:
        _checked(income + coborrower, "amt_income_total", "whatif.household_income", language)
    annuity = _annuity(form, shown, stored, credit, language)
    return WhatIfInputs(credit, annuity, goods, income, coborrower or None)


def translate_form(form: WhatIfForm, old: Language, new: Language) -> WhatIfForm:
    """The form's texts rewritten for a reader of `new` (a text that is not a number in `old`
    is kept as typed, so that the advisor sees what to fix)."""

    def again(text: str) -> str:
        try:
            value = parse_amount(text, old)
        except NotANumber:
            return text
        return format_amount_input(value, new)

    return WhatIfForm(
        credit=again(form.credit),
        duration=again(form.duration),
        rate=again(form.rate),
        goods_price=again(form.goods_price),
        income=again(form.income),
        coborrower=again(form.coborrower),
    )
