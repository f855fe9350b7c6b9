"""The main reasons of a decision in plain language: the strongest facts for and against refusal."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from model_build.features import FeatureInfo
from server.insight import eligibility, phrases
from server.insight.store import FeatureValue

__all__ = ["MAX_REASONS", "Fact", "Reason", "select_reasons"]

MAX_REASONS = 4
# At most this many reasons per business concept, so that four reasons name different things.
MAX_PER_GROUP = 2
# Contributions below this (log-odds) do not move the decision enough to be named.
MIN_CONTRIBUTION = 1e-3


@dataclass(frozen=True, slots=True)
class Fact:
    """One feature of one client, as the reasons need it."""

    info: FeatureInfo
    label: str
    value: FeatureValue
    display_value: str
    # The value in display units (None when missing or categorical).
    display_number: float | None
    contribution: float


@dataclass(frozen=True, slots=True)
class Reason:
    """A main reason: a sentence naming a fact about the client, with its feature and weight."""

    text: str
    feature: str
    label: str
    display_value: str
    contribution: float
    percentile: float | None


# Shares of the reference population below / equal to / above a display value, and the
# contract's percentile (ties counted half).
Placement = Callable[[str, float], tuple[tuple[float, float, float], float] | None]


def select_reasons(
    candidates: Iterable[Fact],
    values: Mapping[str, FeatureValue],
    placement: Placement,
    language: str,
) -> list[Reason]:
    """Up to 4 reasons from candidate facts, strongest first.

    ``candidates``: the facts that push one way (towards refusal or approval), strongest
    first, protected characteristics and opaque features already left out; ``values``: every
    feature of the client, by name. A missing value is cited only when its absence is the fact
    ("no score from external source 1"); one sentence is never given twice and one business
    concept gives at most two reasons.
    """
    reasons: list[Reason] = []
    texts: set[str] = set()
    per_group: dict[str, int] = {}
    for fact in candidates:
        if per_group.get(fact.info.group, 0) >= MAX_PER_GROUP:
            continue
        reason = _reason(fact, values, placement, language)
        if reason is None or reason.text in texts:
            continue
        reasons.append(reason)
        texts.add(reason.text)
        per_group[fact.info.group] = per_group.get(fact.info.group, 0) + 1
        if len(reasons) == MAX_REASONS:
            break
    return reasons


def _reason(
    fact: Fact, values: Mapping[str, FeatureValue], placement: Placement, language: str
) -> Reason | None:
    if fact.value is None:
        text = _missing_sentence(fact.info.name, values, language)
        if text is None:
            return None
        return Reason(
            text + ".", fact.info.name, fact.label, fact.display_value, fact.contribution, None
        )
    sentence, percentile = _present_sentence(fact, placement, language)
    return Reason(
        sentence + ".",
        fact.info.name,
        fact.label,
        fact.display_value,
        fact.contribution,
        percentile,
    )


def _present_sentence(fact: Fact, placement: Placement, language: str) -> tuple[str, float | None]:
    name = fact.info.name
    pick = 1 if language == "fr" else 0
    placed = None if fact.display_number is None else placement(name, fact.display_number)
    percentile = None if placed is None else placed[1]
    if name in phrases.FLAG_FACTS and fact.display_number is not None:
        true_text, false_text = phrases.FLAG_FACTS[name]
        return (true_text if fact.display_number >= 0.5 else false_text)[pick], percentile
    template = phrases.FACTS.get(name)
    if name in phrases.SINGULAR_FACTS and _singular(fact.display_number, language):
        template = phrases.SINGULAR_FACTS[name]
    if template is None:
        text = phrases.generic_fact(fact.label, fact.display_value, language)
    else:
        text = template[pick].format(value=fact.display_value)
        text = text[0].upper() + text[1:]
    # Where a yes/no or a count of a fixed total sits among clients says little.
    comparable = fact.info.unit != "flag 0/1" and name not in eligibility.NO_COMPARISON
    if comparable and placed is not None:
        text += phrases.comparison(placed[0], language)
    return text, percentile


def _singular(number: float | None, language: str) -> bool:
    if number is None:
        return False
    return abs(number) < 2 if language == "fr" else number == 1


def _missing_sentence(name: str, values: Mapping[str, FeatureValue], language: str) -> str | None:
    pick = 1 if language == "fr" else 0
    if name in phrases.MISSING_FACTS:
        return phrases.MISSING_FACTS[name][pick]
    anchor = eligibility.history_anchor(name)
    if anchor is not None and anchor in values and values[anchor] is None:
        return phrases.NO_HISTORY[anchor][pick]
    return None
