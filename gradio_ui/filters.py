"""The search's active filters, shown as chips the advisor can remove, and the review queue."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from gradio_ui.categories import Categories
from gradio_ui.search import SearchQuery
from gradio_ui.settings import Language
from gradio_ui.texts import t

__all__ = ["FILTER_KEYS", "REVIEW_QUEUE", "active_filters", "filters_sentence", "without"]

# The form's filters, by the name of their field in SearchQuery (the id prefix is not one: it
# is a search, shown in its own box).
FILTER_KEYS = ("contract_types", "income_types", "decision", "band")
# The grey zone, closest to the threshold first, and nothing else: a queue of files to review.
REVIEW_QUEUE = SearchQuery(band="grey", order="threshold_distance")
_CONTRACT_TYPE = "NAME_CONTRACT_TYPE"
_INCOME_TYPE = "NAME_INCOME_TYPE"


def active_filters(
    query: SearchQuery, language: Language, categories: Categories
) -> list[tuple[str, str]]:
    """(chip text, filter key) of every filter the query applies."""
    chips = []
    for key, column in (("contract_types", _CONTRACT_TYPE), ("income_types", _INCOME_TYPE)):
        values = getattr(query, key)
        if values:
            labels = ", ".join(categories.label(column, v) for v in values)
            chips.append((f"{t(language, f'search.{key}')}: {labels}", key))
    if query.decision != "any":
        word = t(language, f"decision.{query.decision}").capitalize()
        chips.append((f"{t(language, 'search.decision')}: {word}", "decision"))
    if query.band != "any":
        chips.append((f"{t(language, 'search.band')}: {t(language, f'band.{query.band}')}", "band"))
    return chips


def filters_sentence(chips: list[tuple[str, str]]) -> str:
    """The chips' texts in one line, e.g. for a status that says which filters apply."""
    return " · ".join(text for text, _ in chips)


def without(query: SearchQuery, removed: Collection[str]) -> SearchQuery:
    """The query with the filters named in `removed` back to "any"."""
    defaults = SearchQuery()
    return replace(query, **{key: getattr(defaults, key) for key in removed if key in FILTER_KEYS})
