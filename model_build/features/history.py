"""Per-client aggregates of every child table present in a dataset (the client's history)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from model_build.features.bureau import BALANCE_META, BUREAU_META, bureau_features
from model_build.features.installments import INSTALMENT_META, instalment_features
from model_build.features.meta import FeatureMeta
from model_build.features.monthly import CARD_META, POS_META, card_features, pos_features
from model_build.features.previous import PREVIOUS_META, previous_features
from model_build.loader import Dataset

__all__ = ["HISTORY_META", "history_features"]

logger = logging.getLogger(__name__)

KEY = "SK_ID_CURR"

# Column order of the history block: bureau, previous applications, then monthly tables.
HISTORY_META: dict[str, FeatureMeta] = {
    **BUREAU_META,
    **BALANCE_META,
    **PREVIOUS_META,
    **POS_META,
    **INSTALMENT_META,
    **CARD_META,
}


def history_features(dataset: Dataset) -> pd.DataFrame:
    """Per-client history aggregates, indexed by SK_ID_CURR (sorted), float32.

    A table absent from ``dataset`` contributes no columns (bureau_balance needs bureau to
    reach the client). Clients appear when they have rows in at least one child table;
    clients of the child tables that are not in the application files are kept (harmless:
    the frame builder joins on the applications).
    """
    parts: list[pd.DataFrame] = []
    if dataset.bureau is not None:
        parts.append(_timed("bureau", bureau_features, dataset.bureau, dataset.bureau_balance))
    elif dataset.bureau_balance is not None:
        logger.warning("bureau_balance without bureau cannot be linked to clients: ignored")
    tables: list[tuple[str, pd.DataFrame | None, Callable[[pd.DataFrame], pd.DataFrame]]] = [
        ("previous_application", dataset.previous_application, previous_features),
        ("POS_CASH_balance", dataset.POS_CASH_balance, pos_features),
        ("installments_payments", dataset.installments_payments, instalment_features),
        ("credit_card_balance", dataset.credit_card_balance, card_features),
    ]
    for name, table, compute in tables:
        if table is not None:
            parts.append(_timed(name, compute, table))
    if not parts:
        return pd.DataFrame(index=pd.Index([], dtype=np.int64, name=KEY), dtype=np.float32)
    frame = pd.concat(parts, axis=1, join="outer", sort=True)
    frame = frame[[c for c in HISTORY_META if c in frame.columns]].astype(np.float32)
    frame.index = pd.Index(frame.index.to_numpy(dtype=np.int64), name=KEY)
    return frame


def _timed(name: str, compute: Callable[..., pd.DataFrame], *tables: object) -> pd.DataFrame:
    start = time.perf_counter()
    out = compute(*tables)
    logger.info(
        "%s: %d clients, %d features in %.1fs",
        name,
        len(out),
        out.shape[1],
        time.perf_counter() - start,
    )
    return out
