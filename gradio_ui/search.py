"""Client search: the SearchClients request of the search form and its page of results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui.categories import Categories
from gradio_ui.client import CreditScoreClient
from gradio_ui.errors import InputError
from gradio_ui.formatting import (
    format_amount,
    format_number,
    format_percent,
    format_points,
    threshold_decimals,
)
from gradio_ui.parsing import is_ascii_digits
from gradio_ui.settings import Language, UiSettings
from gradio_ui.texts import t
from gradio_ui.views import in_grey_zone

__all__ = [
    "BANDS",
    "ORDERS",
    "SearchQuery",
    "SearchView",
    "empty_results",
    "filter_choices",
    "results_table",
    "search_clients",
    "search_request",
]


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """The search form: id prefix and filters (Kaggle spellings, keys of the choice lists)."""

    client_id_prefix: str = ""
    contract_types: tuple[str, ...] = ()
    income_types: tuple[str, ...] = ()
    decision: str = "any"
    band: str = "any"
    order: str = "client_id"


@dataclass(frozen=True, slots=True)
class SearchView:
    """One page of results: the table, the page line and the token of the next page."""

    table: pd.DataFrame
    status: str
    next_page_token: str
    total_size: int


_DECISIONS = {
    "any": pb.DECISION_UNSPECIFIED,
    "approve": pb.DECISION_APPROVE,
    "refuse": pb.DECISION_REFUSE,
}
_ORDERS = {
    "client_id": "",
    "risk_desc": "default_probability desc",
    "risk_asc": "default_probability",
    # The review queue: closest to the threshold first.
    "threshold_distance": "threshold_distance",
}
ORDERS = tuple(_ORDERS)
BANDS = ("any", "grey", "below", "above", "low", "high")
# The Kaggle columns of ClientSummary.contract_type and .income_type.
_CONTRACT_TYPE = "NAME_CONTRACT_TYPE"
_INCOME_TYPE = "NAME_INCOME_TYPE"


def _band_limits(
    band: str, threshold: float, grey_zone: float
) -> tuple[float | None, float | None]:
    limits: dict[str, tuple[float | None, float | None]] = {
        "any": (None, None),
        "grey": (max(threshold - grey_zone, 0.0), min(threshold + grey_zone, 1.0)),
        "below": (None, threshold),
        "above": (threshold, None),
        "low": (None, 0.05),
        "high": (0.35, None),
    }
    return limits[band]


def search_request(
    query: SearchQuery, *, threshold: float, grey_zone: float, page_size: int, page_token: str
) -> pb.SearchClientsRequest:
    """The SearchClients request of a search form."""
    low, high = _band_limits(query.band, threshold, grey_zone)
    request = pb.SearchClientsRequest(
        client_id_prefix=query.client_id_prefix.strip(),
        contract_types=list(query.contract_types),
        income_types=list(query.income_types),
        decision=_DECISIONS[query.decision],
        order_by=_ORDERS[query.order],
        page_size=page_size,
        page_token=page_token,
    )
    if low is not None:
        request.min_default_probability = low
    if high is not None:
        request.max_default_probability = high
    return request


def _decision_cell(
    summary: pb.ClientSummary, threshold: float, grey_zone: float, language: Language
) -> str:
    refuse = summary.decision == pb.DECISION_REFUSE
    word = t(language, "decision.refuse" if refuse else "decision.approve")
    text = f"{'✗' if refuse else '✓'} {word}"
    if in_grey_zone(summary.default_probability, threshold, grey_zone):
        text += " ⚠"
    return text


def results_table(
    clients: Sequence[pb.ClientSummary],
    threshold: float,
    grey_zone: float,
    language: Language,
    categories: Categories,
) -> pd.DataFrame:
    """The results as a table with readable headers, formatted values and the server's labels
    of the categories."""
    rows = [
        [
            str(c.client_id),
            format_percent(
                c.default_probability,
                language,
                threshold_decimals(c.default_probability, threshold),
            ),
            _decision_cell(c, threshold, grey_zone, language),
            categories.label(_INCOME_TYPE, c.income_type),
            format_amount(c.credit_amount, language),
            format_number(c.age_years, language, 0),
        ]
        for c in clients
    ]
    keys = ("client", "probability", "decision", "income_type", "credit", "age")
    return pd.DataFrame(rows, columns=[t(language, f"col.{k}") for k in keys])


def empty_results(language: Language) -> pd.DataFrame:
    """The results table before any search: its headers only."""
    return results_table([], 0.5, 0.0, language, Categories())


def search_clients(
    client: CreditScoreClient,
    settings: UiSettings,
    query: SearchQuery,
    language: Language,
    *,
    page_token: str = "",
    page_number: int = 1,
) -> SearchView:
    """One page of clients matching the form, fetched from the server (never the whole book)."""
    prefix = query.client_id_prefix.strip()
    if prefix and not is_ascii_digits(prefix):
        raise InputError(t(language, "error.client_id"))
    model = client.model_info(language)
    threshold = model.threshold
    grey_zone = settings.grey_zone_points / 100
    request = search_request(
        query,
        threshold=threshold,
        grey_zone=grey_zone,
        page_size=settings.page_size,
        page_token=page_token,
    )
    response = client.search(request)
    pages = max(1, -(-response.total_size // settings.page_size))
    status = (
        t(
            language,
            "search.page",
            page=page_number,
            pages=pages,
            total=format_number(response.total_size, language),
        )
        if response.total_size
        else t(language, "search.empty")
    )
    if query.band == "grey":
        status += "\n\n" + t(
            language,
            "search.queue_note",
            points=format_points(settings.grey_zone_points, language, signed=False),
            threshold=format_percent(threshold, language),
        )
    return SearchView(
        table=results_table(response.clients, threshold, grey_zone, language, Categories.of(model)),
        status=status,
        next_page_token=response.next_page_token,
        total_size=response.total_size,
    )


def filter_choices(
    model: pb.GetModelInfoResponse,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(label, Kaggle value) choices of the contract-type and income-type filters, labelled in
    the card's language: the values the model knows (the contract's when the catalogue does
    not list them), without Kaggle's "XNA" not-available code."""
    vocabularies = {f.name: tuple(f.vocabulary) for f in model.features if f.vocabulary}
    categories = Categories.of(model)

    def choices(column: str) -> list[tuple[str, str]]:
        values = vocabularies.get(column) or categories.values(column)
        return [(categories.label(column, v), v) for v in values if v != "XNA"]

    return choices(_CONTRACT_TYPE), choices(_INCOME_TYPE)
