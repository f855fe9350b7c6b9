"""Column arrays of the client book: a stored client's features by position, without pandas."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from model_build.features import FeatureCatalog, FeatureInfo
from server.client_tables import ServingTables
from server.errors import NotFound

__all__ = ["ClientStore", "FeatureValue"]

logger = logging.getLogger(__name__)

# A feature's value as the model sees it: a number, a category or None (missing).
FeatureValue = float | str | None


@dataclass(frozen=True, slots=True)
class _Column:
    info: FeatureInfo
    # Numeric features: the float64 column of the serving tables (a view). Categorical
    # features: codes into info.vocabulary, -1 where missing.
    values: np.ndarray


class ClientStore:
    """The stored clients (train and test) as per-feature arrays, addressed by book position."""

    def __init__(self, tables: ServingTables, catalog: FeatureCatalog) -> None:
        """``tables``: the artifacts' serving tables (views of them, never copies: mapped
        tables stay shared between processes)."""
        self.catalog = catalog
        self.client_ids = tables["client_ids"]
        # Ids sorted once: a lookup is a binary search (no 300k-entry dict or hash index).
        self._by_id = tables["id_order"]
        self._sorted_ids = self.client_ids[self._by_id]
        if np.any(self._sorted_ids[1:] == self._sorted_ids[:-1]):
            raise ValueError("the client book lists a client twice")
        numeric = {info.name: k for k, info in enumerate(_of_kind(catalog, numeric=True))}
        categorical = {info.name: k for k, info in enumerate(_of_kind(catalog, numeric=False))}
        self._columns = tuple(
            _Column(info, tables["catalog_codes"][:, categorical[info.name]])
            if info.kind == "categorical"
            else _Column(info, tables["numeric"][:, numeric[info.name]])
            for info in catalog.features
        )
        self._index = {info.name: k for k, info in enumerate(catalog.features)}
        self.probability = tables["probability"]
        self.refused = tables["refused"]
        self.is_reference = tables["reference"]
        self.target = tables["target"]

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


def _of_kind(catalog: FeatureCatalog, *, numeric: bool) -> list[FeatureInfo]:
    """Catalogue features of one kind in catalogue order: the column order of the serving
    tables' ``numeric`` and ``catalog_codes`` (the feature spec's)."""
    return [info for info in catalog.features if (info.kind == "categorical") != numeric]
