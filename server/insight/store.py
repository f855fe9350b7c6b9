"""Column arrays of the client book: a stored client's features by position, without pandas."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model_build.features import FeatureCatalog, FeatureInfo
from server.errors import NotFound

__all__ = ["ClientStore", "FeatureValue"]

logger = logging.getLogger(__name__)

# A feature's value as the model sees it: a number, a category or None (missing).
FeatureValue = float | str | None


@dataclass(frozen=True, slots=True)
class _Column:
    info: FeatureInfo
    # Numeric features: the book's float64 column (a view). Categorical features: codes into
    # info.vocabulary, -1 where missing.
    values: np.ndarray


class ClientStore:
    """The stored clients (train and test) as per-feature arrays, addressed by book position."""

    def __init__(self, book: pd.DataFrame, catalog: FeatureCatalog) -> None:
        self.catalog = catalog
        self.client_ids = book.index.to_numpy(dtype=np.int64)
        # Ids sorted once: a lookup is a binary search (no 300k-entry dict or hash index).
        self._by_id = np.argsort(self.client_ids, kind="stable")
        self._sorted_ids = self.client_ids[self._by_id]
        if np.any(self._sorted_ids[1:] == self._sorted_ids[:-1]):
            raise ValueError("the client book lists a client twice")
        self._columns = tuple(_column(book, info) for info in catalog.features)
        self._index = {info.name: k for k, info in enumerate(catalog.features)}
        self.probability = book["probability"].to_numpy(dtype=np.float64)
        self.refused = (book["decision"].astype(str) == "REFUSE").to_numpy()
        self.is_reference = _reference_mask(book)
        self.target = book["TARGET"].to_numpy(dtype=np.float64, na_value=np.nan)

    def __len__(self) -> int:
        return len(self.client_ids)

    def position(self, client_id: int) -> int:
        """Book position of a stored client; NotFound when the id is unknown."""
        k = int(np.searchsorted(self._sorted_ids, client_id))
        if k == self._sorted_ids.size or self._sorted_ids[k] != client_id:
            raise NotFound(f"client {client_id} is not a stored client")
        return int(self._by_id[k])

    def column(self, name: str) -> np.ndarray:
        """Per-client values of a numeric feature (float64), or codes of a categorical one."""
        return self._columns[self._index[name]].values

    def values_of(self, position: int, name: str) -> FeatureValue:
        """One feature's value for one client: a float, a category string or None."""
        column = self._columns[self._index[name]]
        raw = column.values[position]
        if column.info.kind == "categorical":
            return column.info.vocabulary[raw] if raw >= 0 else None
        return None if np.isnan(raw) else float(raw)


def _column(book: pd.DataFrame, info: FeatureInfo) -> _Column:
    series = book[info.name]
    if info.kind != "categorical":
        if series.dtype == np.float64:
            return _Column(info, series.to_numpy())  # a view: the book is not copied
        return _Column(info, series.to_numpy(dtype=np.float64, na_value=np.nan))
    strings = series.astype(object).where(series.notna(), None).to_numpy()
    codes = pd.Index(list(info.vocabulary), dtype=object).get_indexer(strings)
    return _Column(info, codes.astype(np.int16))


def _reference_mask(book: pd.DataFrame) -> np.ndarray:
    """Clients with a known outcome: the reference population of percentiles and peer groups."""
    known = book["TARGET"].notna().to_numpy().copy()
    if "split" in book.columns:
        known &= (book["split"].astype(str) == "train").to_numpy()
    return known
