"""Feature engineering: application ratios, client-history aggregates and the feature catalog."""

from __future__ import annotations

from model_build.features.application import application_features
from model_build.features.catalog import (
    FEATURE_META,
    FeatureCatalog,
    FeatureInfo,
    build_catalog,
    read_column_dictionary,
)
from model_build.features.descriptions import DROPPED_COLUMNS
from model_build.features.frame import align_to_catalog, build_feature_frame
from model_build.features.history import history_features
from model_build.features.meta import FeatureMeta

__all__ = [
    "DROPPED_COLUMNS",
    "FEATURE_META",
    "FeatureCatalog",
    "FeatureInfo",
    "FeatureMeta",
    "align_to_catalog",
    "application_features",
    "build_catalog",
    "build_feature_frame",
    "history_features",
    "read_column_dictionary",
]
