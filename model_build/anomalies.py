"""Known anomalies of the Home Credit tables, fixed the way FACTS.md documents (one code path)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model_build.schema import ANOMALY_DAYS, MISSING_CATEGORY_CODES, TableSpec

__all__ = ["anomaly_flag_name", "clean_table", "is_placeholder_day"]


def anomaly_flag_name(column: str) -> str:
    """Name of the 0/1 column that remembers where ``column`` held the 365243 placeholder."""
    return f"{column}_ANOM"


def is_placeholder_day(values: np.ndarray) -> np.ndarray:
    """True where a DAYS value is Kaggle's 365243 "no date" placeholder (float64 input)."""
    return values == ANOMALY_DAYS


def clean_table(spec: TableSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with placeholders turned into missing values.

    - ``365243`` in a DAYS column means "no date": it becomes NaN. For application rows a
      ``<column>_ANOM`` flag keeps the information (those clients are mostly pensioners, whose
      default rate differs), placed right after the column.
    - ``XNA`` / ``XAP`` ("not available" / "not applicable") become missing categories, so
      models and reports do not treat them as a real value.

    Used by the loader and by every other path that receives raw rows. The server's payloads
    go through the same rules in its compiled feature pass (``model_build.features.rows``:
    ANOMALY_DAYS and MISSING_CATEGORY_CODES), and a test holds the two to the same features.
    """
    out = frame.copy()
    for column in spec.anomaly_day_columns:
        if column not in out.columns:
            continue
        values = pd.to_numeric(out[column], errors="coerce").astype("float64")
        is_placeholder = pd.Series(is_placeholder_day(values.to_numpy()), index=values.index)
        out[column] = values.mask(is_placeholder)
        if spec.name.startswith("application"):
            flag = anomaly_flag_name(column)
            out.insert(out.columns.get_loc(column) + 1, flag, is_placeholder.astype(np.int8))
    for col in spec.columns:
        if col.is_categorical and col.name in out.columns:
            out[col.name] = _without_missing_codes(out[col.name])
    return out


def _without_missing_codes(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = [c for c in values.cat.categories if c in MISSING_CATEGORY_CODES]
        return values.cat.remove_categories(codes) if codes else values
    return values.mask(values.isin(MISSING_CATEGORY_CODES))
