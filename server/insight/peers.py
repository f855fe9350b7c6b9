"""A client against all, similar, repaid and defaulted clients, feature by feature."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model_build.features import FeatureInfo
from server.contract import quote, request_rule
from server.errors import FieldViolation, InvalidArgument
from server.insight.labels import feature_label
from server.insight.language import Language
from server.insight.peer_scatter import DEFAULT_SCATTER_POINTS, PeerScatter, peer_scatter
from server.insight.population import Counts, FeatureTable, ReferencePopulation
from server.insight.similar import SimilarGroup, SimilarityIndex
from server.insight.store import FeatureValue
from server.insight.units import display_unit, format_value

__all__ = [
    "DEFAULT_FEATURE_COUNT",
    "MAX_FEATURES",
    "Distribution",
    "FeatureComparison",
    "PeerComparer",
    "PeerComparison",
    "PeerGroup",
]

logger = logging.getLogger(__name__)

MAX_FEATURES = request_rule("ComparePeersRequest", "features").max_length
DEFAULT_FEATURE_COUNT = 5
DEFAULT_BINS = 20
# 1 bin tells nothing: the contract's lower bound 0 means "the default".
MIN_BINS, MAX_BINS = 2, int(request_rule("ComparePeersRequest", "histogram_bin_count").high)
MAX_SCATTER_POINTS = int(request_rule("ComparePeersRequest", "scatter_max_points").high)
QUANTILE_LEVELS = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
# Histograms span every value of all clients and the client's own, unless the extremes lie far
# beyond the 1st-99th percentile range (a few huge incomes): then they span that range, so that
# the other clients are not squeezed into one bin.
RANGE_LEVELS = np.array([0.01, 0.99])
OUTLIER_SPREAD = 3.0

_GROUP_TEXT: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "all": (
        ("All clients", "Every client whose repayment outcome is known"),
        ("Tous les clients", "Tous les clients dont l'issue du prêt est connue"),
    ),
    "repaid": (
        ("Clients who repaid", "Clients of the reference population who repaid"),
        ("Clients ayant remboursé", "Clients de la population de référence ayant remboursé"),
    ),
    "defaulted": (
        (
            "Clients who defaulted",
            "Clients of the reference population who had payment difficulties",
        ),
        (
            "Clients en défaut",
            "Clients de la population de référence ayant eu des difficultés de paiement",
        ),
    ),
}


@dataclass(frozen=True, slots=True)
class PeerGroup:
    """A group of reference clients: its name, membership rule, size and default rate."""

    label: str
    rule: str
    client_count: int
    default_rate: float


@dataclass(frozen=True, slots=True)
class Distribution:
    """One feature within one group: counts, the client's percentile, quantiles, histogram."""

    value_count: int
    missing_count: int
    client_percentile: float | None
    quantiles: tuple[tuple[float, float], ...] = ()
    bin_edges: tuple[float, ...] = ()
    bin_counts: tuple[int, ...] = ()
    category_counts: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class FeatureComparison:
    """The client's value of one feature against the four groups, in display units."""

    feature: str
    label: str
    categorical: bool
    unit: str
    client_value: float | None
    client_display_value: str
    client_value_missing: bool
    all_clients: Distribution
    similar_clients: Distribution
    repaid_clients: Distribution
    defaulted_clients: Distribution


@dataclass(frozen=True, slots=True)
class PeerComparison:
    """ComparePeers' answer."""

    client_id: int
    all_clients: PeerGroup
    similar_clients: PeerGroup
    repaid_clients: PeerGroup
    defaulted_clients: PeerGroup
    comparisons: tuple[FeatureComparison, ...]
    language: Language
    scatter: PeerScatter | None = None


class PeerComparer:
    """Compares stored clients with the reference population's precomputed distributions."""

    def __init__(self, population: ReferencePopulation, top_features: Sequence[str]) -> None:
        self._population = population
        self._store = population.store
        self._infos = {info.name: info for info in self._store.catalog.features}
        self._similarity = SimilarityIndex(population)
        self._defaulted_count = int(population.defaulted.sum())
        self._repaid_count = population.size - self._defaulted_count
        self._default_features = tuple(name for name in top_features if name in self._infos)[
            :DEFAULT_FEATURE_COUNT
        ]

    def compare(
        self,
        client_id: int,
        features: Sequence[str],
        bin_count: int,
        language: Language,
        scatter_features: Sequence[str] = (),
        scatter_max_points: int = 0,
    ) -> PeerComparison:
        """The comparison ComparePeers returns; InvalidArgument names every bad field."""
        problems = self._scatter_problems(scatter_features, scatter_max_points)
        names, bins = self._validate(features, bin_count, problems)
        position = self._store.position(client_id)
        similar = self._similarity.group(position, language)
        population = self._population
        return PeerComparison(
            client_id=client_id,
            all_clients=_fixed_group("all", population.size, population.default_rate, language),
            similar_clients=PeerGroup(
                similar.label, similar.rule, int(similar.positions.size), similar.default_rate
            ),
            repaid_clients=_fixed_group("repaid", self._repaid_count, 0.0, language),
            defaulted_clients=_fixed_group("defaulted", self._defaulted_count, 1.0, language),
            comparisons=tuple(
                self._compare(self._infos[name], position, similar, bins, language)
                for name in names
            ),
            language=language,
            scatter=peer_scatter(
                self._population,
                scatter_features,
                position,
                similar.positions,
                scatter_max_points or DEFAULT_SCATTER_POINTS,
                language,
            )
            if scatter_features
            else None,
        )

    def _scatter_problems(self, features: Sequence[str], max_points: int) -> list[FieldViolation]:
        problems = [
            FieldViolation(
                f"scatter_features[{k}]",
                f"{quote(name)} is not a numeric model feature (see GetModelInfo)",
            )
            for k, name in enumerate(features)
            if name not in self._population.numeric
        ]
        if len(features) not in (0, 2):
            problems.append(FieldViolation("scatter_features", "two features, or none"))
        if not 0 <= max_points <= MAX_SCATTER_POINTS:
            problems.append(
                FieldViolation("scatter_max_points", f"must be 0 to {MAX_SCATTER_POINTS}")
            )
        return problems

    def _validate(
        self, features: Sequence[str], bin_count: int, scatter: list[FieldViolation]
    ) -> tuple[tuple[str, ...], int]:
        problems = [
            FieldViolation(
                f"features[{k}]", f"{quote(name)} is not a model feature (see GetModelInfo)"
            )
            for k, name in enumerate(features)
            if name not in self._infos
        ]
        if len(features) > MAX_FEATURES:
            problems.append(FieldViolation("features", f"at most {MAX_FEATURES} features"))
        if bin_count != 0 and not MIN_BINS <= bin_count <= MAX_BINS:
            problems.append(
                FieldViolation("histogram_bin_count", f"must be 0 or {MIN_BINS} to {MAX_BINS}")
            )
        problems += scatter
        if problems:
            raise InvalidArgument(problems)
        return tuple(features) or self._default_features, bin_count or DEFAULT_BINS

    def _compare(
        self,
        info: FeatureInfo,
        position: int,
        similar: SimilarGroup,
        bins: int,
        language: Language,
    ) -> FeatureComparison:
        value = self._store.values_of(position, info.name)
        label = feature_label(info.name, language)
        if info.kind == "categorical":
            return self._compare_categories(info, label, value, similar, language)
        table = self._population.numeric[info.name]
        number = None if value is None else float(value) * table.unit.scale
        similar_counts = Counts.of_sample(
            self._store.column(info.name)[similar.positions] * table.unit.scale
        )
        edges = _bin_edges(table, number, bins)
        groups = (table.all_clients, similar_counts, table.repaid, table.defaulted)
        all_d, similar_d, repaid_d, defaulted_d = (
            _numeric_distribution(counts, number, edges) for counts in groups
        )
        return FeatureComparison(
            feature=info.name,
            label=label,
            categorical=False,
            unit=table.unit.unit,
            client_value=number,
            client_display_value=format_value(value, table.unit, language),
            client_value_missing=value is None,
            all_clients=all_d,
            similar_clients=similar_d,
            repaid_clients=repaid_d,
            defaulted_clients=defaulted_d,
        )

    def _compare_categories(
        self,
        info: FeatureInfo,
        label: str,
        value: FeatureValue,
        similar: SimilarGroup,
        language: Language,
    ) -> FeatureComparison:
        counts = self._population.categorical[info.name]
        codes = self._store.column(info.name)[similar.positions]
        present = codes >= 0
        similar_counts = np.bincount(codes[present], minlength=len(info.vocabulary))
        similar_missing = int((~present).sum())
        vocabulary = info.vocabulary
        rows = (
            (counts.all_clients, counts.missing[0]),
            (similar_counts, similar_missing),
            (counts.repaid, counts.missing[1]),
            (counts.defaulted, counts.missing[2]),
        )
        all_d, similar_d, repaid_d, defaulted_d = (
            _category_distribution(per_category, missing, vocabulary)
            for per_category, missing in rows
        )
        unit = display_unit(info)
        return FeatureComparison(
            feature=info.name,
            label=label,
            categorical=True,
            unit="",
            client_value=None,
            client_display_value=format_value(value, unit, language),
            client_value_missing=value is None,
            all_clients=all_d,
            similar_clients=similar_d,
            repaid_clients=repaid_d,
            defaulted_clients=defaulted_d,
        )


def _fixed_group(key: str, size: int, default_rate: float, language: Language) -> PeerGroup:
    label, rule = _GROUP_TEXT[key][1 if language == "fr" else 0]
    return PeerGroup(label, rule, size, default_rate)


def _bin_edges(table: FeatureTable, client: float | None, bins: int) -> np.ndarray:
    """Bin edges shared by the four groups of one feature."""
    bounds = table.all_clients.bounds()
    if bounds is None:
        low = high = 0.0 if client is None else client
    elif table.integral and bounds[1] - bounds[0] + 1 <= bins:
        # Few whole values (counts, flags, ratings): one bin per value, centred on it.
        low, high = bounds
        if client is not None:
            low, high = min(low, client), max(high, client)
        return np.arange(np.floor(low) - 0.5, np.ceil(high) + 1.0, 1.0)
    else:
        low, high = bounds
        q_low, q_high = (float(q) for q in table.all_clients.quantiles(RANGE_LEVELS))
        if high - low > OUTLIER_SPREAD * (q_high - q_low):
            # A long tail: bins over the bulk of the clients (the tail is in no bin).
            low, high = q_low, q_high
    if client is not None:
        low, high = min(low, client), max(high, client)
    if not high > low:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, bins + 1)


def _numeric_distribution(counts: Counts, client: float | None, edges: np.ndarray) -> Distribution:
    quantiles = counts.quantiles(QUANTILE_LEVELS) if counts.count else None
    return Distribution(
        value_count=counts.count,
        missing_count=counts.missing,
        client_percentile=None if client is None else counts.percentile(client),
        quantiles=()
        if quantiles is None
        else tuple(zip(QUANTILE_LEVELS.tolist(), quantiles.tolist(), strict=True)),
        bin_edges=tuple(edges.tolist()),
        bin_counts=tuple(counts.histogram(edges).tolist()),
    )


def _category_distribution(
    per_category: np.ndarray, missing: int, vocabulary: tuple[str, ...]
) -> Distribution:
    order = np.argsort(-per_category, kind="stable")
    return Distribution(
        value_count=int(per_category.sum()),
        missing_count=missing,
        client_percentile=None,
        category_counts=tuple(
            (vocabulary[k], int(per_category[k])) for k in order if per_category[k] > 0
        ),
    )
