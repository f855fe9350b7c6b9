"""The external-bureau scores shown as one item with one plain explanation: the model reads the
scores and the statistics computed from them together, so several bars or reasons naming
"external source 1", "2" and "3" would say the same thing several times."""

from __future__ import annotations

from collections.abc import Sequence

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui.charts import Factor
from gradio_ui.settings import Language
from gradio_ui.texts import t

__all__ = ["explanation", "grouped_factors", "grouped_reason_texts", "is_external"]

_PREFIX = "EXT_SOURCE_"
# The bureaus' own scores, whose values the grouped bar lists (the statistics computed from
# them, such as their mean, add no new value to show).
_SCORES = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3")
_LABEL_LIMIT = 48


def is_external(feature: str) -> bool:
    """True for an external-bureau score or a statistic computed from them."""
    return feature.startswith(_PREFIX)


def explanation(language: Language) -> str:
    """What the external credit scores are, in one plain sentence."""
    return t(language, "external.explained")


def grouped_factors(
    contributions: Sequence[pb.FeatureContribution],
    label_of: dict[str, str],
    language: Language,
) -> list[Factor]:
    """One factor per feature, the external scores summed into one "External credit scores"
    factor (placed where the strongest of them was) labelled with the bureaus' scores."""
    external = [c for c in contributions if is_external(c.feature)]
    factors: list[Factor] = []
    merged = False
    for contribution in contributions:
        if not is_external(contribution.feature):
            factors.append(Factor(label_of[contribution.feature], contribution.contribution))
        elif not merged:
            factors.append(Factor(_group_label(external, language), _total(external)))
            merged = True
    return factors


def _total(contributions: Sequence[pb.FeatureContribution]) -> float:
    return sum(c.contribution for c in contributions)


def _group_label(contributions: Sequence[pb.FeatureContribution], language: Language) -> str:
    by_name = {c.feature: c.display_value for c in contributions}
    values = [by_name[name] for name in _SCORES if by_name.get(name)]
    title = t(language, "external.title")
    text = (
        t(language, "external.item", heading=title, texts=" / ".join(values)) if values else title
    )
    return text if len(text) <= _LABEL_LIMIT else text[: _LABEL_LIMIT - 1] + "…"


def grouped_reason_texts(
    reasons: Sequence[pb.Reason], language: Language, *, markdown: bool = True
) -> list[str]:
    """The reasons' texts, those about external scores joined into one item at the place of
    the first of them, under a title (bold in ``markdown``; plain for the client's letter)."""
    external = [r.text for r in reasons if is_external(r.feature)]
    title = t(language, "external.title")
    heading = f"**{title}**" if markdown else title
    texts: list[str] = []
    for reason in reasons:
        if not is_external(reason.feature):
            texts.append(reason.text)
        elif reason.text == external[0]:
            texts.append(t(language, "external.item", heading=heading, texts=" ".join(external)))
    return texts
