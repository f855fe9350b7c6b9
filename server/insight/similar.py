"""Clients similar to one client, by a rule stated in words, widened when too few clients match."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from server.insight.cache import LruCache
from server.insight.language import Language
from server.insight.population import ReferencePopulation
from server.insight.store import ClientStore

__all__ = ["MIN_GROUP_SIZE", "SimilarGroup", "SimilarityIndex"]

# Below this size a group's statistics are noisy and could single out clients.
MIN_GROUP_SIZE = 50
# Groups kept for the clients compared last: a group is usually a few thousand positions, a
# widened one up to half the population (under 1 MB as int32).
GROUP_CACHE_ENTRIES = 64


@dataclass(frozen=True, slots=True)
class SimilarGroup:
    """The similar clients of one client: their book positions and the rule that chose them."""

    label: str
    rule: str
    positions: np.ndarray
    default_rate: float


@dataclass(frozen=True, slots=True)
class _Rule:
    same_contract: bool
    same_income_type: bool
    # Tolerances around the client's own value; None: not a criterion.
    age_years: float | None
    income_share: float | None
    en: str
    fr: str


# From the narrowest to the widest; the first with enough members is used.
RULES = (
    _Rule(
        True,
        True,
        5.0,
        0.25,
        "Same contract type and income type, age within 5 years and declared income within 25% "
        "of the client's",
        "Même type de contrat et même type de revenu, âge à 5 ans près et revenu déclaré à 25 % "
        "près de ceux du client",
    ),
    _Rule(
        False,
        True,
        10.0,
        0.5,
        "Same income type, age within 10 years and declared income within 50% of the client's",
        "Même type de revenu, âge à 10 ans près et revenu déclaré à 50 % près de ceux du client",
    ),
    _Rule(False, True, None, None, "Same income type", "Même type de revenu"),
)
_ALL = ("All clients whose repayment outcome is known", "Tous les clients dont l'issue est connue")
_LABEL = ("Similar clients", "Clients similaires")


class SimilarityIndex:
    """The reference population sorted once per rule, so that a group is a few binary searches.

    For each rule the reference clients are sorted by the rule's categories, then by age: the
    clients sharing the categories form one slice, and an age window a sub-slice of it.
    """

    def __init__(self, population: ReferencePopulation) -> None:
        self._population = population
        store = population.store
        rows = population.positions
        contract = _codes(store, "NAME_CONTRACT_TYPE", rows).astype(np.int64)
        income_type = _codes(store, "NAME_INCOME_TYPE", rows).astype(np.int64)
        age = _numbers(store, "AGE_YEARS", rows)
        income = _numbers(store, "AMT_INCOME_TOTAL", rows)
        self._client = (
            _codes(store, "NAME_CONTRACT_TYPE", None),
            _codes(store, "NAME_INCOME_TYPE", None),
            _numbers(store, "AGE_YEARS", None),
            _numbers(store, "AMT_INCOME_TOTAL", None),
        )
        self._cache: LruCache[tuple[int, str], SimilarGroup] = LruCache(GROUP_CACHE_ENTRIES)
        self._sorted = tuple(
            _SortedRule(rule, _key(rule, contract, income_type), age, income) for rule in RULES
        )

    def group(self, position: int, language: Language) -> SimilarGroup:
        """The narrowest rule's group with at least MIN_GROUP_SIZE clients (all clients if none).

        Cached: an advisor compares one client on several features in a row.
        """
        found = self._cache.get((position, language))
        if found is None:
            found = self._find(position, language)
            self._cache.put((position, language), found)
        return found

    def _find(self, position: int, language: Language) -> SimilarGroup:
        pick = 1 if language == "fr" else 0
        contract, income_type, age, income = (values[position] for values in self._client)
        for rank, sorted_rule in enumerate(self._sorted):
            rule = sorted_rule.rule
            key = int(_key(rule, np.array([contract]), np.array([income_type]))[0])
            members = sorted_rule.members(key, float(age), float(income))
            if members.size >= MIN_GROUP_SIZE:
                text = (rule.en, rule.fr)[pick]
                if rank > 0:
                    text += _widened(pick)
                return self._group(members, text, pick)
        members = np.arange(self._population.size)
        return self._group(members, _ALL[pick] + _widened(pick), pick)

    def _group(self, members: np.ndarray, rule: str, pick: int) -> SimilarGroup:
        defaulted = self._population.defaulted[members]
        rate = float(defaulted.mean()) if members.size else 0.0
        # Sorted book positions: the per-feature gathers then walk memory forwards.
        positions = np.sort(self._population.positions[members]).astype(np.int32)
        return SimilarGroup(_LABEL[pick], rule, positions, rate)


class _SortedRule:
    """Reference clients sorted by one rule's category key, then by age, with their ages and
    incomes in that order: a rule's candidates are one contiguous slice of each array."""

    def __init__(self, rule: _Rule, keys: np.ndarray, age: np.ndarray, income: np.ndarray) -> None:
        self.rule = rule
        self._order = np.lexsort((age, keys))
        self._keys = keys[self._order]
        self._ages = age[self._order]
        self._incomes = income[self._order]

    def members(self, key: int, age: float, income: float) -> np.ndarray:
        """Reference indices of the clients the rule keeps for a client with these values."""
        start = int(np.searchsorted(self._keys, key, side="left"))
        stop = int(np.searchsorted(self._keys, key, side="right"))
        rule = self.rule
        if rule.age_years is not None:
            # Searched slightly wider, then the exact criterion below. A missing age matches
            # nobody (NaN compares false), which widens the rule.
            window = rule.age_years + _AGE_SLACK
            ages = self._ages[start:stop]
            stop = start + int(np.searchsorted(ages, age + window, side="right"))
            start += int(np.searchsorted(ages, age - window, side="left"))
        keep = np.ones(stop - start, dtype=bool)
        if rule.age_years is not None:
            keep &= np.abs(self._ages[start:stop] - age) <= rule.age_years
        if rule.income_share is not None:
            keep &= np.abs(self._incomes[start:stop] - income) <= rule.income_share * income
        return self._order[start:stop][keep]


# Category codes combine into one sort key: contract * _KEY_BASE + income type (codes + 1, so
# that a missing code (-1) is a key of its own).
_KEY_BASE = 1 << 16
_AGE_SLACK = 1e-6


def _key(rule: _Rule, contract: np.ndarray, income_type: np.ndarray) -> np.ndarray:
    """The sort key of the categories a rule requires to be the same."""
    keys = np.zeros(contract.size, dtype=np.int64)
    if rule.same_contract:
        keys += (contract.astype(np.int64) + 1) * _KEY_BASE
    if rule.same_income_type:
        keys += income_type.astype(np.int64) + 1
    return keys


def _widened(pick: int) -> str:
    return (
        f" (wider rule: fewer than {MIN_GROUP_SIZE} clients match a narrower one)",
        f" (règle élargie : moins de {MIN_GROUP_SIZE} clients pour une règle plus stricte)",
    )[pick]


def _codes(store: ClientStore, name: str, rows: np.ndarray | None) -> np.ndarray:
    """A categorical feature's codes (-1 missing), for every client or the given positions."""
    size = len(store) if rows is None else rows.size
    if name not in store.catalog.names:
        return np.full(size, -1, dtype=np.int16)
    values = store.column(name)
    return values if rows is None else values[rows]


def _numbers(store: ClientStore, name: str, rows: np.ndarray | None) -> np.ndarray:
    """A numeric feature's values (NaN missing), for every client or the given positions."""
    size = len(store) if rows is None else rows.size
    if name not in store.catalog.names:
        return np.full(size, np.nan)
    values = store.column(name)
    return values if rows is None else values[rows]
