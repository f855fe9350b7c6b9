"""An exact explanation of one score: contributions, business-concept totals and main reasons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model_build.features import FeatureCatalog
from server.insight.eligibility import excluded
from server.insight.explainer import Attribution
from server.insight.labels import feature_label, group_label
from server.insight.language import LANGUAGES, Language
from server.insight.population import ReferencePopulation
from server.insight.reasons import MIN_CONTRIBUTION, Fact, Reason, select_reasons
from server.insight.store import FeatureValue
from server.insight.units import display_unit, format_value

__all__ = [
    "Contribution",
    "Explanation",
    "ExplanationBuilder",
    "GroupContribution",
]


@dataclass(frozen=True, slots=True)
class Contribution:
    """SHAP value of one feature, with the value the model saw."""

    feature: str
    group: str
    # The model's value in the catalogue unit; None when missing or categorical.
    value: float | None
    display_value: str
    is_missing: bool
    contribution: float


@dataclass(frozen=True, slots=True)
class GroupContribution:
    """Contributions of one business concept, summed."""

    group: str
    contribution: float
    feature_count: int


@dataclass(frozen=True, slots=True)
class Explanation:
    """Everything Explain returns apart from the score (log-odds scale, uncalibrated margin)."""

    base_value: float
    model_output: float
    contributions: tuple[Contribution, ...]
    groups: tuple[GroupContribution, ...]
    refusal_reasons: tuple[Reason, ...]
    approval_reasons: tuple[Reason, ...]
    language: Language


class ExplanationBuilder:
    """Turns an attribution of a client's features into an Explanation, in one language.

    Everything that does not depend on the client (labels, units, groups, which features may be
    cited as reasons) is resolved once here: an explanation costs one pass over the features.
    """

    def __init__(self, catalog: FeatureCatalog, population: ReferencePopulation) -> None:
        self._features = catalog.features
        self._names = tuple(catalog.names)
        self._population = population
        self._units = tuple(display_unit(info) for info in catalog.features)
        self._labels = {
            language: tuple(feature_label(name, language) for name in self._names)
            for language in LANGUAGES
        }
        self._citable = np.array([not excluded(name) for name in self._names])
        groups = sorted({info.group for info in catalog.features})
        # Groups are shown by name, in the response's language (as GetModelInfo shows them).
        self._group_names = {
            language: tuple(group_label(group, language) for group in groups)
            for language in LANGUAGES
        }
        self._feature_groups = {
            language: tuple(group_label(info.group, language) for info in catalog.features)
            for language in LANGUAGES
        }
        self._group_index = np.array([groups.index(info.group) for info in catalog.features])
        self._group_sizes = np.bincount(self._group_index, minlength=len(groups))

    def build(
        self, values: Sequence[FeatureValue], attribution: Attribution, language: Language
    ) -> Explanation:
        """The explanation of one client's attribution (values in catalogue order)."""
        phi = attribution.contributions
        weights = phi.tolist()
        shown = [
            format_value(value, unit, language)
            for value, unit in zip(values, self._units, strict=True)
        ]
        contributions = tuple(
            Contribution(
                name,
                group,
                value if isinstance(value, float) else None,
                text,
                value is None,
                weight,
            )
            for name, group, value, text, weight in zip(
                self._names, self._feature_groups[language], values, shown, weights, strict=True
            )
        )
        by_name = dict(zip(self._names, values, strict=True))
        strongest = np.argsort(-np.abs(phi), kind="stable")

        def reasons(direction: int) -> tuple[Reason, ...]:
            eligible = self._citable & (phi * direction >= MIN_CONTRIBUTION)
            facts = (
                self._fact(int(k), values[k], shown[k], weights[k], language)
                for k in strongest[eligible[strongest]]
            )
            return tuple(select_reasons(facts, by_name, self._placement, language))

        return Explanation(
            base_value=attribution.base_value,
            model_output=attribution.model_output,
            contributions=contributions,
            groups=self._groups(phi, language),
            refusal_reasons=reasons(+1),
            approval_reasons=reasons(-1),
            language=language,
        )

    def _fact(
        self, k: int, value: FeatureValue, shown: str, weight: float, language: Language
    ) -> Fact:
        unit = self._units[k]
        return Fact(
            info=self._features[k],
            label=self._labels[language][k],
            value=value,
            display_value=shown,
            display_number=value * unit.scale if isinstance(value, float) else None,
            contribution=weight,
        )

    def _placement(
        self, feature: str, number: float
    ) -> tuple[tuple[float, float, float], float] | None:
        table = self._population.numeric.get(feature)
        if table is None:
            return None
        shares = table.all_clients.shares(number)
        percentile = table.all_clients.percentile(number)
        if shares is None or percentile is None:
            return None
        return shares, percentile

    def _groups(
        self, contributions: np.ndarray, language: Language
    ) -> tuple[GroupContribution, ...]:
        names = self._group_names[language]
        totals = np.bincount(self._group_index, weights=contributions, minlength=len(names))
        order = np.argsort(-np.abs(totals), kind="stable")
        return tuple(
            GroupContribution(names[k], float(totals[k]), int(self._group_sizes[k])) for k in order
        )
