"""A stored client's profile for display: labelled, converted, grouped into sections."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from model_build.features import FeatureInfo
from server.insight.labels import SECTION_FR, feature_label
from server.insight.language import Language
from server.insight.store import ClientStore, FeatureValue
from server.insight.units import DAYS_PER_YEAR, DisplayUnit, display_unit, format_value

__all__ = ["ClientProfile", "ProfileBuilder", "ProfileField"]

# Kaggle's placeholder for "no employment date" (pensioners, the unemployed).
EMPLOYED_PLACEHOLDER = 365243

SECTIONS = (
    "Identity",
    "Loan",
    "Income and family",
    "Employment",
    "Housing",
    "External scores",
    "Credit history",
    "Contact and documents",
    "Region",
    "Social circle",
    "Application",
    "Building",
)
_SECTION_OF_GROUP = {
    "personal profile": "Identity",
    "loan requested": "Loan",
    "loan burden": "Loan",
    "income and family": "Income and family",
    "age and employment": "Employment",
    "housing and assets": "Housing",
    "external scores": "External scores",
    "credit bureau": "Credit history",
    "previous applications": "Credit history",
    "repayment history": "Credit history",
    "credit cards": "Credit history",
    "contact and documents": "Contact and documents",
    "region": "Region",
    "social circle": "Social circle",
    "application process": "Application",
}
_BUILDING = ("_AVG", "FONDKAPREMONT_MODE", "HOUSETYPE_MODE", "TOTALAREA_MODE")
_BUILDING_NAMES = ("WALLSMATERIAL_MODE", "EMERGENCYSTATE_MODE")

# Derived facts worth a line of the profile, next to the application's own fields.
DERIVED_FACTS = ("CREDIT_TO_INCOME", "ANNUITY_TO_INCOME", "PAYMENT_RATE", "INCOME_PER_PERSON")
HISTORY_FACTS = (
    "BUREAU_CREDIT_COUNT",
    "BUREAU_ACTIVE_COUNT",
    "BUREAU_ACTIVE_DEBT_SUM",
    "BUREAU_OVERDUE_AMOUNT_SUM",
    "BUREAU_LATE_MONTHS",
    "PREV_COUNT",
    "PREV_APPROVED_COUNT",
    "PREV_REFUSED_COUNT",
    "PREV_RUNNING_COUNT",
    "INSTAL_COUNT",
    "INSTAL_LATE_SHARE",
    "INSTAL_DPD_MAX",
    "CC_CARDS_COUNT",
    "CC_UTILISATION_MEAN",
)
# Display order of the main facts; the others follow in catalogue order.
PRIORITY = (
    "DAYS_BIRTH",
    "NAME_EDUCATION_TYPE",
    "NAME_FAMILY_STATUS",
    "NAME_CONTRACT_TYPE",
    "AMT_CREDIT",
    "AMT_ANNUITY",
    "AMT_GOODS_PRICE",
    "CREDIT_TO_INCOME",
    "ANNUITY_TO_INCOME",
    "PAYMENT_RATE",
    "AMT_INCOME_TOTAL",
    "NAME_INCOME_TYPE",
    "INCOME_PER_PERSON",
    "DAYS_EMPLOYED",
    "OCCUPATION_TYPE",
    "ORGANIZATION_TYPE",
    "NAME_HOUSING_TYPE",
    "FLAG_OWN_REALTY",
    "FLAG_OWN_CAR",
    "OWN_CAR_AGE",
    *HISTORY_FACTS,
)
_SPECIAL_LABELS = {
    "DAYS_BIRTH": ("Age", "Âge"),
    "DAYS_EMPLOYED": ("Time in current job", "Ancienneté dans l'emploi"),
}
_NO_JOB = ("no job on file", "aucun emploi déclaré")


@dataclass(frozen=True, slots=True)
class ProfileField:
    """One fact of a profile, ready for display."""

    name: str
    label: str
    group: str
    display_value: str
    numeric_value: float | None
    unit: str
    is_missing: bool


@dataclass(frozen=True, slots=True)
class ClientProfile:
    """GetClient's answer apart from the score: the application and the display profile."""

    client_id: int
    # The stored application by Kaggle column (DAYS_BIRTH, DAYS_EMPLOYED rebuilt from years).
    application: dict[str, FeatureValue]
    fields: tuple[ProfileField, ...]
    language: Language


@dataclass(frozen=True, slots=True)
class _Entry:
    column: str  # Kaggle column or model feature
    name: str  # ProfileField.name
    section: str
    info: FeatureInfo | None  # None for DAYS_BIRTH / DAYS_EMPLOYED


class ProfileBuilder:
    """Builds profiles from the client store; the field list and order are fixed at start."""

    def __init__(self, store: ClientStore, field_names: Mapping[str, str]) -> None:
        self._store = store
        self._infos = {info.name: info for info in store.catalog.features}
        self._raw = tuple(info.name for info in store.catalog.features if info.source == "raw")
        self._entries = _entries(store, field_names)

    def profile(self, client_id: int, language: Language) -> ClientProfile:
        """The profile of a stored client (NotFound when unknown)."""
        position = self._store.position(client_id)
        values = {name: self._store.values_of(position, name) for name in self._infos}
        fields = tuple(self._field(entry, values, language) for entry in self._entries)
        return ClientProfile(client_id, _application(values, self._raw), fields, language)

    def _field(
        self, entry: _Entry, values: dict[str, FeatureValue], language: Language
    ) -> ProfileField:
        pick = 1 if language == "fr" else 0
        section = SECTION_FR.get(entry.section, entry.section) if pick else entry.section
        if entry.info is not None:
            info, value = entry.info, values[entry.column]
            label = feature_label(info.name, language)
            return _field(entry.name, label, section, value, display_unit(info), language)
        label = _SPECIAL_LABELS[entry.column][pick]
        years = _special_years(entry.column, values)
        unit = DisplayUnit("number", "years", 1.0, 1)
        if entry.column == "DAYS_EMPLOYED" and values.get("DAYS_EMPLOYED_ANOM") == 1.0:
            return ProfileField(entry.name, label, section, _NO_JOB[pick], None, "years", True)
        return _field(entry.name, label, section, years, unit, language)


def _field(
    name: str,
    label: str,
    section: str,
    value: FeatureValue,
    unit: DisplayUnit,
    language: Language,
) -> ProfileField:
    number = value * unit.scale if isinstance(value, float) else None
    return ProfileField(
        name=name,
        label=label,
        group=section,
        display_value=format_value(value, unit, language),
        numeric_value=number,
        unit=unit.unit if unit.kind == "number" else "",
        is_missing=value is None,
    )


def _special_years(column: str, values: dict[str, FeatureValue]) -> float | None:
    source = "AGE_YEARS" if column == "DAYS_BIRTH" else "EMPLOYMENT_YEARS"
    value = values.get(source)
    return value if isinstance(value, float) else None


def _application(values: dict[str, FeatureValue], raw: tuple[str, ...]) -> dict[str, FeatureValue]:
    """The stored application by Kaggle column, as far as the book keeps it."""
    out: dict[str, FeatureValue] = {name: values[name] for name in raw}
    age = values.get("AGE_YEARS")
    if isinstance(age, float):
        out["DAYS_BIRTH"] = float(-round(age * DAYS_PER_YEAR))
    if values.get("DAYS_EMPLOYED_ANOM") == 1.0:
        out["DAYS_EMPLOYED"] = float(EMPLOYED_PLACEHOLDER)
    else:
        employed = values.get("EMPLOYMENT_YEARS")
        if isinstance(employed, float) and math.isfinite(employed):
            out["DAYS_EMPLOYED"] = float(-round(employed * DAYS_PER_YEAR))
    return out


def _entries(store: ClientStore, field_names: Mapping[str, str]) -> tuple[_Entry, ...]:
    catalog = store.catalog
    names = set(catalog.names)
    entries: list[_Entry] = []
    if "AGE_YEARS" in names:
        entries.append(
            _Entry("DAYS_BIRTH", field_names.get("DAYS_BIRTH", "days_birth"), "Identity", None)
        )
    if "EMPLOYMENT_YEARS" in names:
        entries.append(
            _Entry(
                "DAYS_EMPLOYED",
                field_names.get("DAYS_EMPLOYED", "days_employed"),
                "Employment",
                None,
            )
        )
    for info in catalog.features:
        if info.source == "raw":
            name = field_names.get(info.name, info.name.lower())
        elif info.name in DERIVED_FACTS or info.name in HISTORY_FACTS:
            name = info.name
        else:
            continue
        entries.append(_Entry(info.name, name, _section(info), info))
    order = {name: k for k, name in enumerate(PRIORITY)}
    catalog_order = {name: k for k, name in enumerate(catalog.names)}
    return tuple(
        sorted(
            entries,
            key=lambda e: (
                SECTIONS.index(e.section),
                order.get(e.column, len(order)),
                catalog_order.get(e.column, -1),
            ),
        )
    )


def _section(info: FeatureInfo) -> str:
    if info.name.endswith(_BUILDING) or info.name in _BUILDING_NAMES:
        return "Building"
    if info.name in ("NAME_FAMILY_STATUS",):
        return "Identity"
    return _SECTION_OF_GROUP.get(info.group, "Application")
