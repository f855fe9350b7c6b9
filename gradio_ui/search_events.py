"""Search events: the form, its pages, the review queue and the filter chips."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import gradio as gr

from gradio_ui import actions
from gradio_ui.categories import Categories
from gradio_ui.filters import (
    FILTER_KEYS,
    REVIEW_QUEUE,
    active_filters,
    filters_sentence,
    without,
)
from gradio_ui.formatting import format_number
from gradio_ui.settings import Language
from gradio_ui.texts import t

if TYPE_CHECKING:
    from gradio_ui.events import EventHandlers

__all__ = [
    "FORM_PARTS",
    "SearchState",
    "near_threshold",
    "next_page",
    "previous_page",
    "remove_filters",
    "search",
    "search_page",
]

Updates = dict[str, Any]
# The search form's components, in the order the handlers take them.
FORM_PARTS = ("client_id", "contract_types", "income_types", "decision", "band", "order")


@dataclass(frozen=True, slots=True)
class SearchState:
    """The last search: its form, the token of each page visited, the page shown."""

    query: actions.SearchQuery
    tokens: tuple[str, ...] = ("",)
    index: int = 0
    next_token: str = ""


def _query(
    prefix: str | None,
    contracts: list[str] | None,
    incomes: list[str] | None,
    decision: str | None,
    band: str | None,
    order: str | None,
) -> actions.SearchQuery:
    return actions.SearchQuery(
        client_id_prefix=(prefix or "").strip(),
        contract_types=tuple(contracts or ()),
        income_types=tuple(incomes or ()),
        decision=decision or "any",
        band=band or "any",
        order=order or "client_id",
    )


def _form_updates(query: actions.SearchQuery) -> Updates:
    """The form showing `query` (after the app changed it: queue, removed chips)."""
    return {
        "client_id": query.client_id_prefix,
        "contract_types": list(query.contract_types),
        "income_types": list(query.income_types),
        "decision": query.decision,
        "band": query.band,
        "order": query.order,
    }


def _chips_update(chips: list[tuple[str, str]]) -> Any:
    return gr.update(choices=chips, value=[key for _, key in chips], visible=bool(chips))


def _empty_status(
    calls: EventHandlers,
    query: actions.SearchQuery,
    chips: list[tuple[str, str]],
    language: Language,
) -> str:
    """Why nothing matched: which filters apply and, for a client number, how many clients it
    finds without them (a search by number is never silently filtered)."""
    if not chips:
        return t(language, "search.empty")
    status = t(language, "search.empty_filtered", filters=filters_sentence(chips))
    if query.client_id_prefix:
        unfiltered = replace(without(query, FILTER_KEYS), order="client_id")
        found = actions.search_clients(calls.client, calls.settings, unfiltered, language)
        if found.total_size:
            status += " " + t(
                language,
                "search.outside_filters",
                count=format_number(found.total_size, language),
                prefix=query.client_id_prefix,
            )
    return status


def search_page(calls: EventHandlers, state: SearchState, language: Language) -> Updates:
    """One page of the state's search; on failure the banner replaces the old results (no
    stale list under an error)."""

    def run() -> tuple[actions.SearchView, list[tuple[str, str]], str]:
        view = actions.search_clients(
            calls.client,
            calls.settings,
            state.query,
            language,
            page_token=state.tokens[state.index],
            page_number=state.index + 1,
        )
        categories = Categories.of(calls.client.model_info(language))
        chips = active_filters(state.query, language, categories)
        status = view.status
        if not view.total_size:
            status = _empty_status(calls, state.query, chips, language)
        return view, chips, status

    outcome = calls.safely(run, language)
    if outcome.value is None:
        return {
            "banner": outcome.banner,
            "results": actions.empty_results(language),
            "search_status": "",
            "previous": gr.update(interactive=False),
            "next": gr.update(interactive=False),
            "search_state": None,
        }
    view, chips, status = outcome.value
    state = replace(state, next_token=view.next_page_token)
    return {
        "banner": "",
        "results": view.table,
        "search_status": status,
        "previous": gr.update(interactive=state.index > 0),
        "next": gr.update(interactive=bool(view.next_page_token)),
        "search_state": state,
        "filter_chips": _chips_update(chips),
    }


def search(
    calls: EventHandlers,
    language: Language,
    prefix: str | None,
    contracts: list[str] | None,
    incomes: list[str] | None,
    decision: str | None,
    band: str | None,
    order: str | None,
) -> Updates:
    """The first page of the form's search."""
    query = _query(prefix, contracts, incomes, decision, band, order)
    return search_page(calls, SearchState(query), language)


def near_threshold(calls: EventHandlers, language: Language, *_form: Any) -> Updates:
    """The review queue: the grey zone only, closest to the threshold first; the form shows it
    (the other filters and the number are cleared, not silently kept)."""
    return {
        **search_page(calls, SearchState(REVIEW_QUEUE), language),
        **_form_updates(REVIEW_QUEUE),
    }


def remove_filters(
    calls: EventHandlers,
    language: Language,
    kept: list[str] | None,
    prefix: str | None,
    contracts: list[str] | None,
    incomes: list[str] | None,
    decision: str | None,
    band: str | None,
    order: str | None,
) -> Updates:
    """The search again without the filters whose chip the advisor removed."""
    query = _query(prefix, contracts, incomes, decision, band, order)
    removed = set(FILTER_KEYS) - set(kept or ())
    query = without(query, removed)
    return {**search_page(calls, SearchState(query), language), **_form_updates(query)}


def next_page(calls: EventHandlers, language: Language, state: SearchState | None) -> Updates:
    if state is None or not state.next_token:
        return {}
    tokens = (*state.tokens[: state.index + 1], state.next_token)
    return search_page(calls, replace(state, tokens=tokens, index=state.index + 1), language)


def previous_page(calls: EventHandlers, language: Language, state: SearchState | None) -> Updates:
    if state is None or state.index == 0:
        return {}
    return search_page(calls, replace(state, index=state.index - 1), language)
