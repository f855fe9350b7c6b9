"""The client book and credit history as the server serves them: arrays derived from the Parquet
files, or memory-mapped from the artifacts' serving_tables folder written at export time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model_build.artifacts import ArtifactPaths, sha256_of
from model_build.features import FeatureCatalog
from model_build.model_inputs import CATEGORICAL_INPUT, NUMERIC_INPUT, FeatureSpec, onnx_inputs
from server.table_files import TablesError, open_tables

__all__ = [
    "CLIENT_TABLES",
    "ServingTables",
    "derive_tables",
    "map_tables",
    "prepare_command",
    "sources_of",
]

KEY = "SK_ID_CURR"
# Tables every folder holds; the reference population's ("population_*") are added by
# server.serving_tables, which derives them through the insight code.
CLIENT_TABLES = (
    "client_ids",  # int64 [clients], book order
    "id_order",  # int64 [clients]: argsort of client_ids (stable)
    "numeric",  # float64 [clients, spec.numeric], column-major: the ONNX numeric input
    "categorical_codes",  # int16 [clients, spec.categorical]: codes into meta spellings
    "catalog_codes",  # int16 [clients, spec.categorical]: codes into the vocabulary, -1 missing
    "probability",  # float64 [clients]: the book's probability, computed by this model
    "refused",  # bool [clients]: the book's decision is REFUSE
    "reference",  # bool [clients]: a train client with a known outcome
    "target",  # float64 [clients], NaN when unknown
    "history_ids",  # int64 [history clients]: stored clients with credit history
    "history",  # float64 [history clients + 1, history columns]; the last row is all NaN
)


@dataclass(frozen=True, slots=True)
class ServingTables:
    """Named read-only arrays (see CLIENT_TABLES) and what describes them (``meta``:
    ``spellings`` of each categorical input, ``history_columns``). ``mapped``: read from
    the serving_tables folder (True) or derived at start from the Parquet files (False)."""

    arrays: Mapping[str, np.ndarray]
    meta: Mapping[str, Any]
    mapped: bool

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]


def prepare_command(paths: ArtifactPaths) -> str:
    """The command that writes (or rewrites) an artifacts folder's serving tables."""
    return f"python -m model_build prepare-serving --artifacts {paths.root}"


def sources_of(paths: ArtifactPaths, card: Mapping[str, Any]) -> dict[str, Any]:
    """What tables are derived from, as recorded in their manifest: the model version, the
    sizes of the Parquet files and the hashes of the (small) catalogue and spec."""
    return {
        "model_version": str(card.get("model_version", "")),
        "client_book_bytes": paths.client_book.stat().st_size,
        "history_bytes": paths.history.stat().st_size if paths.history.is_file() else None,
        "feature_catalog_sha256": sha256_of(paths.feature_catalog),
        "feature_spec_sha256": sha256_of(paths.feature_spec),
    }


def derive_tables(
    book: pd.DataFrame, history: pd.DataFrame | None, catalog: FeatureCatalog, spec: FeatureSpec
) -> ServingTables:
    """The tables of a checked client book (indexed by SK_ID_CURR) and history frame."""
    ids = book.index.to_numpy(dtype=np.int64)
    # The ONNX feed's values (onnx_inputs), laid out by column: the insight code reads whole
    # features, the scorer a few rows.
    numeric = np.asfortranarray(
        onnx_inputs(book, FeatureSpec(numeric=spec.numeric, categorical={})).get(
            NUMERIC_INPUT, np.empty((len(book), 0))
        )
    )
    strings = onnx_inputs(book, FeatureSpec(numeric=(), categorical=spec.categorical)).get(
        CATEGORICAL_INPUT, np.empty((len(book), 0), dtype=object)
    )
    spellings, codes = _spell(strings)
    arrays = {
        "client_ids": ids,
        "id_order": np.argsort(ids, kind="stable"),
        "numeric": numeric,
        "categorical_codes": codes,
        "catalog_codes": _catalog_codes(book, catalog, spec),
        "probability": book["probability"].to_numpy(dtype=np.float64),
        "refused": (book["decision"].astype(str) == "REFUSE").to_numpy(),
        "reference": _reference_mask(book),
        "target": book["TARGET"].to_numpy(dtype=np.float64, na_value=np.nan),
    }
    history_columns, history_ids, history_matrix = _history(history, ids)
    arrays["history_ids"] = history_ids
    arrays["history"] = history_matrix
    meta = {"spellings": spellings, "history_columns": history_columns}
    return ServingTables(arrays, meta, mapped=False)


def map_tables(
    paths: ArtifactPaths, card: Mapping[str, Any], spec: FeatureSpec
) -> ServingTables | None:
    """The artifacts' serving tables, memory-mapped; None when the folder is absent.

    TablesError (one line naming the file) when a table is damaged or the tables were made
    from other artifacts.
    """
    directory = paths.serving_tables
    if not directory.is_dir():
        return None
    repair = f"rewrite them with `{prepare_command(paths)}`"
    found = open_tables(directory, repair)
    meta = found.meta
    missing = [name for name in CLIENT_TABLES if name not in found.arrays]
    if missing:
        raise TablesError(f"{directory}: no table {missing[0]}.npy; {repair}")
    expected = sources_of(paths, card)
    recorded = meta.get("sources", {})
    for key, value in expected.items():
        if recorded.get(key) != value:
            raise TablesError(
                f"{directory}: made from other artifacts ({key} {recorded.get(key)!r}, "
                f"now {value!r}); {repair}"
            )
    tables = ServingTables(found.arrays, meta, mapped=True)
    _check_shapes(tables, spec, directory, repair)
    return tables


def _check_shapes(tables: ServingTables, spec: FeatureSpec, directory: Path, repair: str) -> None:
    clients = len(tables["client_ids"])
    expected = {
        "id_order": (clients,),
        "numeric": (clients, len(spec.numeric)),
        "categorical_codes": (clients, len(spec.categorical)),
        "catalog_codes": (clients, len(spec.categorical)),
        "probability": (clients,),
        "refused": (clients,),
        "reference": (clients,),
        "target": (clients,),
        "history": (len(tables["history_ids"]) + 1, len(tables.meta["history_columns"])),
    }
    for name, shape in expected.items():
        if tables[name].shape != shape:
            raise TablesError(
                f"{directory}/{name}.npy: shape {tables[name].shape}, expected {shape}; {repair}"
            )
    if len(tables.meta["spellings"]) != len(spec.categorical):
        raise TablesError(f"{directory}: spellings of another feature spec; {repair}")


def _spell(strings: np.ndarray) -> tuple[list[list[str]], np.ndarray]:
    """Each column's distinct strings, and every cell's code into them (int16)."""
    spellings: list[list[str]] = []
    codes = np.empty(strings.shape, dtype=np.int16, order="F")
    for k in range(strings.shape[1]):
        spelled, inverse = np.unique(strings[:, k], return_inverse=True)
        spellings.append([str(s) for s in spelled.tolist()])
        codes[:, k] = inverse.reshape(-1)
    return spellings, codes


def _catalog_codes(book: pd.DataFrame, catalog: FeatureCatalog, spec: FeatureSpec) -> np.ndarray:
    """Each categorical feature's code in its catalogue vocabulary, -1 where missing or unseen."""
    codes = np.empty((len(book), len(spec.categorical)), dtype=np.int16, order="F")
    for k, name in enumerate(spec.categorical):
        series = book[name]
        strings = series.astype(object).where(series.notna(), None).to_numpy()
        vocabulary = catalog[name].vocabulary
        codes[:, k] = pd.Index(list(vocabulary), dtype=object).get_indexer(strings)
    return codes


def _reference_mask(book: pd.DataFrame) -> np.ndarray:
    """Clients with a known outcome: the reference population of percentiles and peer groups."""
    known = book["TARGET"].notna().to_numpy().copy()
    if "split" in book.columns:
        known &= (book["split"].astype(str) == "train").to_numpy()
    return known


def _history(
    frame: pd.DataFrame | None, known: np.ndarray
) -> tuple[list[str], np.ndarray, np.ndarray]:
    if frame is None:
        return [], np.empty(0, dtype=np.int64), np.full((1, 0), np.nan)
    ids = frame[KEY].to_numpy(dtype=np.int64)
    values = frame.drop(columns=KEY)
    # Clients of the child tables that are not stored clients are never looked up.
    keep = np.isin(ids, known)
    matrix = values.to_numpy(dtype=np.float64)[keep]
    matrix = np.vstack([matrix, np.full((1, matrix.shape[1]), np.nan)])
    return [str(c) for c in values.columns], ids[keep], matrix
