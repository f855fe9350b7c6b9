"""SuggestChanges' texts in English and French: amounts, option sentences, and the note."""

from __future__ import annotations

from server.insight.labels import feature_label
from server.insight.language import Language
from server.insight.levers import Lever, SearchBounds
from server.insight.suggestions import BORDERLINE_SHARE, SuggestedChange, Suggestions, Zone
from server.insight.units import DisplayUnit, format_number

__all__ = ["format_amount", "input_label", "note", "option_text"]

_CURRENCY = DisplayUnit("number", "currency", 1.0, 0)
_MONTHS = DisplayUnit("number", "months", 1.0, 0)
_WHOLE = DisplayUnit("number", "", 1.0, 0)
_SHARE = DisplayUnit("number", "%", 1.0, 0)
# Probabilities get one decimal, two when one decimal would show two different values alike.
_PLAIN = (DisplayUnit("number", "", 1.0, 1), DisplayUnit("number", "", 1.0, 2))

# (English, French) templates. "{...}" are display values in the language.
_APPROVED = (
    "would be approved: {new} probability of default against {now} now (threshold {threshold}).",
    "serait accordé : probabilité de défaut de {new} contre {now} actuellement "
    "(seuil {threshold}).",
)
_WITH_MARGIN = (
    "would be approved with a margin: {new} probability of default against {now} now "
    "(threshold {threshold}, margin below {target}).",
    "serait accordé avec une marge : probabilité de défaut de {new} contre {now} actuellement "
    "(seuil {threshold}, marge sous {target}).",
)
_LOAN = ("A loan of {credit}", "Un prêt de {credit}")
_OVER = (" over {duration}", " sur {duration}")
_FOR_GOODS = (" for goods of {goods}", " pour un bien de {goods}")
_DOWN = (
    "with {down} paid up front towards goods of {goods}",
    "avec un apport de {down} pour un bien de {goods}",
)
_CO_BORROWER = (
    "with a co-borrower's income of {added}",
    "avec un co-emprunteur aux revenus de {added}",
)
_CLEAR = (
    "Approved with a margin: the probability of default ({now}) is below {share} of the "
    "threshold ({threshold}), so no change is searched.",
    "Accordé avec une marge : la probabilité de défaut ({now}) est inférieure à {share} du "
    "seuil ({threshold}) ; aucun changement n'est recherché.",
)
_NOTHING_REFUSED = (
    "No change within the bounds searched brings the probability of default ({now}) below the "
    "threshold ({threshold}).",
    "Aucun changement dans les bornes explorées n'amène la probabilité de défaut ({now}) sous "
    "le seuil ({threshold}).",
)
_NOTHING_BORDERLINE = (
    "No change within the bounds searched brings the probability of default ({now}) below "
    "{target} ({share} of the threshold of {threshold}).",
    "Aucun changement dans les bornes explorées n'amène la probabilité de défaut ({now}) sous "
    "{target} ({share} du seuil de {threshold}).",
)
_TRIED = (" Tried, alone and in pairs: {items}.", " Essayé, seul et par paires : {items}.")
_NOT_TRIED = (" Not tried: {items}.", " Non essayé : {items}.")
_TRIED_LOAN = ("a loan down to {credit}", "un prêt réduit jusqu'à {credit}")
_TRIED_DURATION = ("a duration from {low} to {high}", "une durée de {low} à {high}")
# Items of a list: French puts a space before a semicolon.
_SEPARATOR = ("; ", " ; ")
_TRIED_DOWN = ("a down payment of up to {down}", "un apport jusqu'à {down}")
_TRIED_CO_BORROWER = (
    "a co-borrower's income of up to {added}",
    "un co-emprunteur aux revenus jusqu'à {added}",
)
_NO_ANNUITY = (
    "another duration (the application has no repayment amount)",
    "une autre durée (la demande n'indique pas de mensualité)",
)
_AT_BOUNDS = (
    "another duration (the current one is at the bounds)",
    "une autre durée (la durée actuelle est déjà aux bornes)",
)
_INCOME_AT_MAXIMUM = (
    "a co-borrower's income (the income is at the contract's maximum)",
    "un co-emprunteur (le revenu est au maximum du contrat)",
)
_NO_GOODS = (
    "a down payment (the application has no goods price)",
    "un apport (la demande n'indique pas le prix du bien)",
)


def format_amount(value: float, language: Language) -> str:
    """An amount in currency units, e.g. "310,000"; FR "310 000"."""
    return format_number(value, _CURRENCY, language)


def input_label(column: str, language: Language) -> str:
    """The label of a changed input (a Kaggle column), e.g. "Loan amount"."""
    return feature_label(column, language)


def option_text(found: Suggestions, option: SuggestedChange, language: Language) -> str:
    """One sentence: the changed loan, and its probability against the current one."""
    pick = _pick(language)
    terms, base = option.terms, found.base
    text = _LOAN[pick].format(credit=format_amount(terms.credit, language))
    if terms.duration_months is not None:
        text += _OVER[pick].format(duration=_months(terms.duration_months, language))
    if Lever.LOAN_AMOUNT in option.levers and terms.goods_price is not None:
        text += _FOR_GOODS[pick].format(goods=format_amount(terms.goods_price, language))
    extras = []
    if Lever.DOWN_PAYMENT in option.levers and terms.goods_price is not None:
        down = format_amount(base.credit - terms.credit, language)
        goods = format_amount(terms.goods_price, language)
        extras.append(_DOWN[pick].format(down=down, goods=goods))
    if Lever.CO_BORROWER_INCOME in option.levers:
        added = format_amount(terms.income - base.income, language)
        extras.append(_CO_BORROWER[pick].format(added=added))
    if extras:
        text += "".join(f", {extra}" for extra in extras) + ","
    template = _WITH_MARGIN if found.zone is Zone.BORDERLINE else _APPROVED
    new, now, threshold, target = _percents(
        (
            option.result.probability,
            found.current.probability,
            found.current.threshold,
            found.target,
        ),
        language,
    )
    ending = template[pick].format(new=new, now=now, threshold=threshold, target=target)
    return f"{text} {ending}"


def note(found: Suggestions, language: Language) -> str:
    """Why there is no option ("" when there are): approved with a margin, or what was tried."""
    if found.options:
        return ""
    pick = _pick(language)
    now, threshold, target = _percents(
        (found.current.probability, found.current.threshold, found.target), language
    )
    share = format_number(100.0 * BORDERLINE_SHARE, _SHARE, language)
    if found.zone is Zone.CLEAR or found.bounds is None:
        return _CLEAR[pick].format(now=now, share=share, threshold=threshold)
    template = _NOTHING_BORDERLINE if found.zone is Zone.BORDERLINE else _NOTHING_REFUSED
    text = template[pick].format(now=now, target=target, share=share, threshold=threshold)
    tried, not_tried = _searched(found.bounds, language)
    text += _TRIED[pick].format(items=_SEPARATOR[pick].join(tried))
    if not_tried:
        text += _NOT_TRIED[pick].format(items=_SEPARATOR[pick].join(not_tried))
    return text


def _searched(bounds: SearchBounds, language: Language) -> tuple[list[str], list[str]]:
    """The levers' ranges searched, and the levers that could not be, in plain words."""
    pick = _pick(language)
    tried = [_TRIED_LOAN[pick].format(credit=format_amount(bounds.min_credit, language))]
    not_tried = []
    if bounds.durations is None:
        not_tried.append(_NO_ANNUITY[pick])
    elif bounds.durations[0] == bounds.durations[1]:
        not_tried.append(_AT_BOUNDS[pick])
    else:
        low = format_number(round(bounds.durations[0]), _WHOLE, language)
        high = _months(bounds.durations[1], language)
        tried.append(_TRIED_DURATION[pick].format(low=low, high=high))
    if bounds.max_down_payment is None:
        not_tried.append(_NO_GOODS[pick])
    else:
        down = format_amount(bounds.max_down_payment, language)
        tried.append(_TRIED_DOWN[pick].format(down=down))
    if bounds.max_added_income > 0:
        added = format_amount(bounds.max_added_income, language)
        tried.append(_TRIED_CO_BORROWER[pick].format(added=added))
    else:
        not_tried.append(_INCOME_AT_MAXIMUM[pick])
    return tried, not_tried


def _pick(language: Language) -> int:
    return 1 if language == "fr" else 0


def _months(months: float, language: Language) -> str:
    return format_number(round(months), _MONTHS, language)


def _percents(probabilities: tuple[float, ...], language: Language) -> list[str]:
    """Probabilities as percentages, e.g. "8.9%" (FR "8,9 %"): one decimal, or two when one
    decimal would show different values alike (8.64% against a threshold of 8.65%)."""
    distinct = len(set(probabilities))
    for unit in _PLAIN:
        numbers = [format_number(100.0 * p, unit, language) for p in probabilities]
        if len(set(numbers)) == distinct:
            break
    sign = " %" if language == "fr" else "%"
    return [f"{number}{sign}" for number in numbers]
