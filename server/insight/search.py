"""Search of stored clients by id prefix and filters, in pages (AIP-158), over sorted arrays."""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from server.contract import request_rule
from server.errors import FieldViolation, InvalidArgument
from server.insight.store import ClientStore

__all__ = ["ClientIndex", "ClientSummary", "SearchPage", "SearchQuery"]

logger = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = int(request_rule("SearchClientsRequest", "page_size").high)
ORDERS = ("client_id", "default_probability", "default_probability desc", "threshold_distance")

Decision = Literal["any", "approve", "refuse"]

_TOKEN_VERSION = 1
# version, 8 bytes of the query's fingerprint, offset.
_TOKEN = struct.Struct(">B8sQ")


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A SearchClients request; decision "invalid" stands for an enum value out of range."""

    client_id_prefix: str = ""
    contract_types: tuple[str, ...] = ()
    income_types: tuple[str, ...] = ()
    decision: Decision | Literal["invalid"] = "any"
    min_probability: float | None = None
    max_probability: float | None = None
    order_by: str = ""
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True, slots=True)
class ClientSummary:
    """One stored client in a search result."""

    client_id: int
    default_probability: float
    refused: bool
    contract_type: str
    income_type: str
    income_amount: float
    credit_amount: float
    age_years: float


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of matching clients, the token of the next page ("" on the last) and the total."""

    clients: tuple[ClientSummary, ...]
    next_page_token: str
    total_size: int


class ClientIndex:
    """Every stored client's id, filters and sort keys as arrays, sorted once at start."""

    def __init__(self, store: ClientStore, model_version: str, threshold: float) -> None:
        self._model_version = model_version
        self._ids = store.client_ids
        self._probability = store.probability
        # Sort key of each order but client_id's; ties always go by client_id.
        self._keys = {
            "default_probability": self._probability,
            "default_probability desc": -self._probability,
            # The grey zone's review queue: the closest to the threshold first.
            "threshold_distance": np.abs(self._probability - threshold),
        }
        self._refused = store.refused
        self._contract = _Categorical(store, "NAME_CONTRACT_TYPE")
        self._income_type = _Categorical(store, "NAME_INCOME_TYPE")
        self._income = _numeric(store, "AMT_INCOME_TOTAL")
        self._credit = _numeric(store, "AMT_CREDIT")
        self._age = _numeric(store, "AGE_YEARS")
        self._orders = {
            "client_id": np.argsort(self._ids, kind="stable"),
            **{order: np.lexsort((self._ids, key)) for order, key in self._keys.items()},
        }
        strings = self._ids.astype(str)
        self._by_string = np.argsort(strings, kind="stable")
        self._sorted_strings = strings[self._by_string]

    def search(self, query: SearchQuery) -> SearchPage:
        """The page of clients a query asks for; InvalidArgument names every bad field."""
        order_by, page_size = _validate(query)
        fingerprint = self._fingerprint(query, order_by)
        offset = _read_token(query.page_token, fingerprint)
        matched = self._matches(query, order_by)
        total = int(matched.size)
        if offset > total:
            raise InvalidArgument([FieldViolation("page_token", "the page token is out of range")])
        page = matched[offset : offset + page_size]
        following = offset + page.size
        token = _write_token(fingerprint, following) if following < total else ""
        return SearchPage(tuple(self._summary(int(p)) for p in page), token, total)

    def _matches(self, query: SearchQuery, order_by: str) -> np.ndarray:
        """Book positions of the matching clients, in the requested order."""
        if query.client_id_prefix:
            lo = np.searchsorted(self._sorted_strings, query.client_id_prefix, side="left")
            # ":" follows "9" in ASCII: every id starting with the prefix sorts before it.
            hi = np.searchsorted(self._sorted_strings, query.client_id_prefix + ":", side="left")
            rows = self._by_string[lo:hi]
            rows = rows[self._mask(query, rows)]
            if order_by == "client_id":
                return rows[np.argsort(self._ids[rows], kind="stable")]
            return rows[np.lexsort((self._ids[rows], self._keys[order_by][rows]))]
        order = self._orders[order_by]
        if not _has_filters(query):
            return order
        return order[self._mask(query, None)[order]]

    def _mask(self, query: SearchQuery, rows: np.ndarray | None) -> np.ndarray:
        """Which clients pass the filters: all of the book (rows None) or the given positions."""

        def take(values: np.ndarray) -> np.ndarray:
            return values if rows is None else values[rows]

        size = len(self._ids) if rows is None else rows.size
        mask = np.ones(size, dtype=bool)
        if query.contract_types:
            mask &= self._contract.isin(query.contract_types, take)
        if query.income_types:
            mask &= self._income_type.isin(query.income_types, take)
        if query.decision != "any":
            refused = take(self._refused)
            mask &= refused if query.decision == "refuse" else ~refused
        if query.min_probability is not None:
            mask &= take(self._probability) >= query.min_probability
        if query.max_probability is not None:
            mask &= take(self._probability) < query.max_probability
        return mask

    def _summary(self, position: int) -> ClientSummary:
        return ClientSummary(
            client_id=int(self._ids[position]),
            default_probability=float(self._probability[position]),
            refused=bool(self._refused[position]),
            contract_type=self._contract.label(position),
            income_type=self._income_type.label(position),
            income_amount=float(self._income[position]),
            credit_amount=float(self._credit[position]),
            age_years=float(self._age[position]),
        )

    def _fingerprint(self, query: SearchQuery, order_by: str) -> bytes:
        # Every request field but the token, and the model: a token only continues the same
        # search over the same model's book.
        parts = (
            self._model_version,
            query.client_id_prefix,
            "|".join(query.contract_types),
            "|".join(query.income_types),
            query.decision,
            repr(query.min_probability),
            repr(query.max_probability),
            order_by,
            str(query.page_size),
        )
        return hashlib.sha256("\x1f".join(parts).encode()).digest()[:8]


class _Categorical:
    """Codes of one categorical feature, and its vocabulary for filters and display."""

    def __init__(self, store: ClientStore, name: str) -> None:
        vocabulary = store.catalog[name].vocabulary if name in store.catalog.names else ()
        self._vocabulary = vocabulary
        self._codes = store.column(name) if vocabulary else np.full(len(store), -1, dtype=np.int16)
        self._lookup = {value: code for code, value in enumerate(vocabulary)}

    def isin(self, values: tuple[str, ...], take: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        codes = take(self._codes)
        wanted = [self._lookup[v] for v in values if v in self._lookup]
        if not wanted:
            return np.zeros(codes.size, dtype=bool)
        if len(wanted) == 1:
            return codes == wanted[0]
        return np.isin(codes, wanted)

    def label(self, position: int) -> str:
        code = int(self._codes[position])
        return self._vocabulary[code] if code >= 0 else ""


def _numeric(store: ClientStore, name: str) -> np.ndarray:
    if name in store.catalog.names:
        return store.column(name)
    return np.full(len(store), np.nan)


def _has_filters(query: SearchQuery) -> bool:
    return bool(
        query.contract_types
        or query.income_types
        or query.decision != "any"
        or query.min_probability is not None
        or query.max_probability is not None
    )


def _validate(query: SearchQuery) -> tuple[str, int]:
    """The normalised order and page size; every problem of the query at once."""
    problems: list[FieldViolation] = []
    prefix = query.client_id_prefix
    if prefix and not (prefix.isascii() and prefix.isdecimal()):
        problems.append(FieldViolation("client_id_prefix", "must hold decimal digits only"))
    if query.decision == "invalid":
        problems.append(FieldViolation("decision", "unknown Decision value"))
    for field, bound in (
        ("min_default_probability", query.min_probability),
        ("max_default_probability", query.max_probability),
    ):
        if bound is not None and not (math.isfinite(bound) and 0.0 <= bound <= 1.0):
            problems.append(FieldViolation(field, "must be a probability in [0, 1]"))
    low, high = query.min_probability, query.max_probability
    if low is not None and high is not None and not high > low:
        problems.append(
            FieldViolation("max_default_probability", "must be above min_default_probability")
        )
    order_by = " ".join(query.order_by.split()) or "client_id"
    if order_by not in ORDERS:
        accepted = ", ".join(f'"{o}"' for o in ORDERS)
        problems.append(FieldViolation("order_by", f"must be one of {accepted}"))
    if not 0 <= query.page_size <= MAX_PAGE_SIZE:
        problems.append(FieldViolation("page_size", f"must be from 0 to {MAX_PAGE_SIZE}"))
    if problems:
        raise InvalidArgument(problems)
    page_size = query.page_size or DEFAULT_PAGE_SIZE
    return order_by, page_size


def _write_token(fingerprint: bytes, offset: int) -> str:
    raw = _TOKEN.pack(_TOKEN_VERSION, fingerprint, offset)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_token(token: str, fingerprint: bytes) -> int:
    """The offset a page token points to; InvalidArgument unless it continues this query."""
    if not token:
        return 0
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        version, expected, offset = _TOKEN.unpack(raw)
    except (binascii.Error, ValueError, struct.error):
        raise InvalidArgument(
            [FieldViolation("page_token", "not a page token returned by SearchClients")]
        ) from None
    if version != _TOKEN_VERSION or expected != fingerprint:
        raise InvalidArgument(
            [
                FieldViolation(
                    "page_token",
                    "the token belongs to a search with other fields (or another model); "
                    "repeat the request's other fields, or start again without a token",
                )
            ]
        )
    return int(offset)
