"""The serving model's card for GetModelInfo: version, threshold, costs, metrics, catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from model_build.features import FeatureCatalog
from server.insight.labels import feature_label, group_label
from server.insight.language import Language

__all__ = ["CatalogEntry", "Metrics", "ModelInfo", "TrainingData", "model_info"]


@dataclass(frozen=True, slots=True)
class Metrics:
    """Quality of the model at its threshold (out-of-fold)."""

    roc_auc: float
    pr_auc: float
    ks: float
    brier: float
    business_cost: float
    business_cost_accept_all: float
    business_cost_refuse_all: float
    refusal_rate: float
    evaluated_on: str


@dataclass(frozen=True, slots=True)
class TrainingData:
    """What the model was trained on."""

    source: str
    synthetic: bool
    client_count: int
    default_rate: float


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One model feature, labelled in the requested language."""

    name: str
    label: str
    description: str
    group: str
    unit: str
    categorical: bool
    raw: bool
    vocabulary: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """GetModelInfo's answer."""

    model_version: str
    created_at: datetime | None
    threshold: float
    false_negative_cost: float
    false_positive_cost: float
    metrics: Metrics
    calibration_method: str
    calibration_slope: float
    calibration_intercept: float
    training: TrainingData
    importances: tuple[tuple[str, float], ...]
    features: tuple[CatalogEntry, ...]
    language: Language


def model_info(card: Mapping[str, Any], catalog: FeatureCatalog, language: Language) -> ModelInfo:
    """The model card and catalogue as GetModelInfo describes them."""
    metrics, calibration, data = card["metrics"], card["calibration"], card["data"]
    importances = sorted(
        ((str(i["feature"]), float(i["mean_abs_shap"])) for i in card["global_importance"]),
        key=lambda item: -item[1],
    )
    return ModelInfo(
        model_version=str(card["model_version"]),
        created_at=_timestamp(card.get("created_at")),
        threshold=float(card["threshold"]),
        false_negative_cost=float(card["costs"]["false_negative"]),
        false_positive_cost=float(card["costs"]["false_positive"]),
        metrics=Metrics(
            roc_auc=float(metrics["roc_auc"]),
            pr_auc=float(metrics["pr_auc"]),
            ks=float(metrics["ks"]),
            brier=float(metrics["brier"]),
            business_cost=float(metrics["business_cost"]),
            business_cost_accept_all=float(metrics["business_cost_accept_all"]),
            business_cost_refuse_all=float(metrics["business_cost_refuse_all"]),
            refusal_rate=float(metrics["refusal_rate"]),
            evaluated_on=str(metrics.get("evaluated_on", "")),
        ),
        calibration_method=str(calibration.get("method", "platt")),
        calibration_slope=float(calibration["slope"]),
        calibration_intercept=float(calibration["intercept"]),
        training=TrainingData(
            source=str(data.get("source", "")),
            synthetic=bool(data.get("synthetic", False)),
            client_count=int(data.get("rows", 0)),
            default_rate=float(data.get("default_rate", 0.0)),
        ),
        importances=tuple(importances),
        features=tuple(
            CatalogEntry(
                name=info.name,
                label=feature_label(info.name, language),
                # The catalogue is written in English; French readers get it as is.
                description=info.description,
                group=group_label(info.group, language),
                unit="" if info.kind == "categorical" else info.unit,
                categorical=info.kind == "categorical",
                raw=info.source == "raw",
                vocabulary=info.vocabulary,
            )
            for info in catalog.features
        ),
        language=language,
    )


def _timestamp(text: object) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
