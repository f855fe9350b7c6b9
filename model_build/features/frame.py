"""The one feature frame used by training, batch scoring and the server."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from model_build.features.application import application_features
from model_build.features.catalog import COMBINED_META, FeatureCatalog
from model_build.features.history import HISTORY_META
from model_build.features.meta import as_category, order_columns

__all__ = ["COMBINED_RATIOS", "align_to_catalog", "build_feature_frame", "combined_columns"]

logger = logging.getLogger(__name__)

KEY = "SK_ID_CURR"

# Features of the application and the history together: feature -> (numerator, denominator).
COMBINED_RATIOS: dict[str, tuple[str, str]] = {
    "BUREAU_DEBT_TO_INCOME": ("BUREAU_ACTIVE_DEBT_SUM", "AMT_INCOME_TOTAL"),
    "PREV_RUNNING_ANNUITY_TO_INCOME": ("PREV_RUNNING_ANNUITY_SUM", "AMT_INCOME_TOTAL"),
    "CREDIT_TO_PREV_APPROVED_MEAN": ("AMT_CREDIT", "PREV_APPROVED_CREDIT_MEAN"),
}
COMBINED_INPUTS: tuple[str, ...] = tuple(
    dict.fromkeys(column for pair in COMBINED_RATIOS.values() for column in pair)
)


def build_feature_frame(
    app: pd.DataFrame,
    history: pd.DataFrame | None,
    catalog: FeatureCatalog | None = None,
) -> pd.DataFrame:
    """Model inputs of each application row, indexed by SK_ID_CURR, in the input row order.

    Application features, then the client's history (``history_features`` output, or the
    stored copy; clients without history get NaN), then features combining both. Columns come
    in a fixed order; numeric ones are float64, categorical ones pandas categoricals of str.
    With ``catalog`` (from training) the output has exactly the catalog's columns in its
    order: missing ones are NaN, extra ones dropped, categories outside the training
    vocabulary missing. A row's features depend only on that row and its client's history.
    """
    features = application_features(app)
    features.index = pd.Index(features.index.to_numpy(dtype=np.int64), name=KEY)
    if history is not None:
        features = pd.concat([features, _history_rows(history, features.index)], axis=1)
        features = pd.concat([features, _combined(features)], axis=1)
    if catalog is not None:
        return align_to_catalog(features, catalog)
    return _standard_dtypes(features)


def align_to_catalog(frame: pd.DataFrame, catalog: FeatureCatalog) -> pd.DataFrame:
    """``frame`` with exactly the catalog's columns, order and categorical vocabularies."""
    absent = [name for name in catalog.names if name not in frame.columns]
    if absent:
        logger.debug("features absent from the input, set missing: %s", absent)
    columns: dict[str, object] = {}
    for info in catalog.features:
        if info.name in frame.columns:
            values = frame[info.name]
        else:
            values = pd.Series(np.nan, index=frame.index, dtype=np.float64)
        if info.kind == "categorical":
            columns[info.name] = as_category(values, info.vocabulary).array
        else:
            columns[info.name] = _float(values)
    return pd.DataFrame(columns, index=frame.index)


def _float(values: pd.Series) -> np.ndarray:
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _standard_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    columns = {
        name: frame[name].array
        if isinstance(frame[name].dtype, pd.CategoricalDtype)
        else _float(frame[name])
        for name in frame.columns
    }
    return pd.DataFrame(columns, index=frame.index)


def _history_rows(history: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """The known history columns of each client of ``index`` (NaN when it has none)."""
    if KEY in history.columns:
        history = history.set_index(KEY)
    # The server passes the same stored history on every request: keep its index object (and
    # so pandas' cached hash table) whenever no conversion is needed.
    if history.index.dtype != np.int64:
        history = history.set_axis(pd.Index(history.index.to_numpy(dtype=np.int64), name=KEY))
    if history.index.has_duplicates:
        raise ValueError("history has several rows for one SK_ID_CURR")
    known = [c for c in HISTORY_META if c in history.columns]
    if len(known) != history.shape[1]:
        unknown = [c for c in history.columns if c not in HISTORY_META]
        logger.warning("ignoring unknown history columns %s", unknown)
    if list(history.columns) != known:
        history = history[known]
    rows = history.reindex(index)
    rows.index = index
    return rows


def _combined(features: pd.DataFrame) -> pd.DataFrame:
    """Features needing both the application and the history (only those computable)."""
    columns = {
        name: features[name].to_numpy(dtype=np.float64)
        for name in COMBINED_INPUTS
        if name in features.columns
    }
    out = combined_columns(columns)
    meta = {name: COMBINED_META[name] for name in COMBINED_META if name in out}
    return order_columns(pd.DataFrame(out, index=features.index), meta)


def combined_columns(columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The COMBINED_META features whose inputs are in ``columns`` (float64 arrays): formulas."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = {
            name: columns[numerator] / columns[denominator]
            for name, (numerator, denominator) in COMBINED_RATIOS.items()
            if numerator in columns and denominator in columns
        }
    for values in out.values():
        # As safe_divide: NaN where the denominator is zero or missing, never inf.
        values[~np.isfinite(values)] = np.nan
    return out
