"""The feature catalog: what each model input means, its unit and its training vocabulary."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from model_build.features.application import APPLICATION_META
from model_build.features.history import HISTORY_META
from model_build.features.meta import CATEGORY, LOAN_BURDEN, PREVIOUS, RATIO, FeatureMeta, Source

__all__ = [
    "COMBINED_META",
    "FEATURE_META",
    "FeatureCatalog",
    "FeatureInfo",
    "build_catalog",
    "read_column_dictionary",
]

Kind = Literal["numeric", "categorical"]
CATALOG_VERSION = 1

# Features that need both the application and the client's history (built with the frame).
COMBINED_META: dict[str, FeatureMeta] = {
    "BUREAU_DEBT_TO_INCOME": FeatureMeta(
        "Debt owed to other lenders divided by declared income", LOAN_BURDEN, RATIO
    ),
    "PREV_RUNNING_ANNUITY_TO_INCOME": FeatureMeta(
        "Repayments of earlier loans still running divided by declared income",
        LOAN_BURDEN,
        RATIO,
    ),
    "CREDIT_TO_PREV_APPROVED_MEAN": FeatureMeta(
        "Loan amount requested divided by the average earlier approved loan", PREVIOUS, RATIO
    ),
}

# Every feature the frame builder can produce, in the frame's column order.
FEATURE_META: dict[str, FeatureMeta] = {**APPLICATION_META, **HISTORY_META, **COMBINED_META}


@dataclass(frozen=True, slots=True)
class FeatureInfo:
    """One model input, described for a non-expert."""

    name: str
    description: str
    group: str
    unit: str
    source: Source
    kind: Kind
    # Categories seen in training, sorted; empty for numeric features.
    vocabulary: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["vocabulary"] = list(self.vocabulary)
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> FeatureInfo:
        return cls(
            name=str(raw["name"]),
            description=str(raw["description"]),
            group=str(raw["group"]),
            unit=str(raw["unit"]),
            source=raw["source"],
            kind=raw["kind"],
            vocabulary=tuple(str(v) for v in raw.get("vocabulary", ())),
        )


@dataclass(frozen=True, slots=True)
class FeatureCatalog:
    """The trained model's inputs in model order; ships with the artifacts as JSON."""

    features: tuple[FeatureInfo, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "features", tuple(self.features))
        names = self.names
        if len(set(names)) != len(names):
            raise ValueError("a feature is listed twice in the catalog")

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, name: str) -> FeatureInfo:
        for info in self.features:
            if info.name == name:
                return info
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {"version": CATALOG_VERSION, "features": [f.to_dict() for f in self.features]}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> FeatureCatalog:
        version = raw.get("version", CATALOG_VERSION)
        if version != CATALOG_VERSION:
            raise ValueError(f"feature catalog version {version}, expected {CATALOG_VERSION}")
        return cls(tuple(FeatureInfo.from_dict(f) for f in raw["features"]))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> FeatureCatalog:
        return cls.from_dict(json.loads(text))


def build_catalog(frame: pd.DataFrame) -> FeatureCatalog:
    """The catalog of a training feature frame (from ``build_feature_frame``), column order kept.

    Raises KeyError for a column without metadata, so nothing ships undescribed.
    """
    unknown = [c for c in frame.columns if c not in FEATURE_META]
    if unknown:
        raise KeyError(f"no description for feature(s) {unknown}")
    return FeatureCatalog(tuple(_info(name, frame[name]) for name in frame.columns))


def _info(name: str, values: pd.Series) -> FeatureInfo:
    meta = FEATURE_META[name]
    if isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object:
        observed = values.dropna().astype(str)
        vocabulary = tuple(sorted(set(observed[observed != ""].tolist())))
        return FeatureInfo(
            name, meta.description, meta.group, CATEGORY, meta.source, "categorical", vocabulary
        )
    return FeatureInfo(name, meta.description, meta.group, meta.unit, meta.source, "numeric")


def read_column_dictionary(path: Path) -> dict[str, dict[str, str]]:
    """Kaggle's HomeCredit_columns_description.csv as {table: {column: description}}.

    Handles its quirks (FACTS.md §4): cp1252 in the original (UTF-8 in re-saved copies),
    ``application_{train|test}.csv`` as the table name (here "application"), trailing spaces
    in ``SK_ID_PREV ``, and the misspelt ``SK_BUREAU_ID`` (here SK_ID_BUREAU). Tables are
    named without ``.csv``; descriptions are stripped.
    """
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    out: dict[str, dict[str, str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        table = row["Table"].strip().removesuffix(".csv")
        if table.startswith("application"):
            table = "application"
        column = row["Row"].strip()
        if column == "SK_BUREAU_ID":
            column = "SK_ID_BUREAU"
        out.setdefault(table, {})[column] = row["Description"].strip()
    return out
