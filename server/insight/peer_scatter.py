"""The client among a bounded, deterministic sample of similar clients on two numeric features."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from server.insight.labels import feature_label
from server.insight.language import Language
from server.insight.population import ReferencePopulation
from server.insight.units import format_value

__all__ = ["DEFAULT_SCATTER_POINTS", "PeerPoint", "PeerScatter", "ScatterAxis", "peer_scatter"]

# The scatter is a sample of the similar clients: a few hundred points stay readable on a phone
# and small on the wire, whatever the group's size.
DEFAULT_SCATTER_POINTS = 300


@dataclass(frozen=True, slots=True)
class PeerPoint:
    """One similar client on the scatter's two features, in display units."""

    x: float
    y: float
    defaulted: bool


@dataclass(frozen=True, slots=True)
class ScatterAxis:
    """One axis of a scatter: the feature, its label and unit, and the client's value."""

    feature: str
    label: str
    unit: str
    client_value: float | None
    client_display_value: str


@dataclass(frozen=True, slots=True)
class PeerScatter:
    """The client among a deterministic sample of similar clients on two numeric features."""

    x: ScatterAxis
    y: ScatterAxis
    points: tuple[PeerPoint, ...]
    eligible_client_count: int
    missing_client_count: int


def peer_scatter(
    population: ReferencePopulation,
    features: Sequence[str],
    position: int,
    similar_positions: np.ndarray,
    max_points: int,
    language: Language,
) -> PeerScatter:
    """The client at book ``position`` among at most ``max_points`` of the similar clients
    (book positions) with both values of the two numeric ``features``."""
    store = population.store
    x_axis, y_axis = (_axis(population, name, position, language) for name in features)
    x_values, y_values = (
        store.column(name)[similar_positions] * population.numeric[name].unit.scale
        for name in features
    )
    both = ~(np.isnan(x_values) | np.isnan(y_values))
    kept = np.flatnonzero(both)
    # Evenly spaced over the group (book order has no relation to the features): the same
    # request gives the same points, with no random state to keep.
    if kept.size > max_points:
        kept = kept[np.linspace(0, kept.size - 1, max_points).astype(np.int64)]
    defaulted = store.target[similar_positions[kept]] == 1.0
    points = tuple(
        PeerPoint(x, y, d)
        for x, y, d in zip(
            x_values[kept].tolist(), y_values[kept].tolist(), defaulted.tolist(), strict=True
        )
    )
    return PeerScatter(
        x=x_axis,
        y=y_axis,
        points=points,
        eligible_client_count=int(both.sum()),
        missing_client_count=int((~both).sum()),
    )


def _axis(
    population: ReferencePopulation, name: str, position: int, language: Language
) -> ScatterAxis:
    unit = population.numeric[name].unit
    value = population.store.values_of(position, name)
    return ScatterAxis(
        feature=name,
        label=feature_label(name, language),
        unit=unit.unit,
        client_value=None if value is None else float(value) * unit.scale,
        client_display_value=format_value(value, unit, language),
    )
