"""The client-partitioned Parquet layout: partition k of every table holds the same clients."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.dataset as pads

from model_build.errors import DataError
from model_build.loader import (
    Dataset,
    OrphanPolicy,
    arrow_schema,
    assemble_dataset,
    frame_from_arrow,
    parquet_name,
    table_path,
)
from model_build.schema import APPLICATION_TRAIN, TABLES, TableSpec

__all__ = [
    "PARTITION_COLUMN",
    "SOURCE_ORDER",
    "ClientPartition",
    "client_ids",
    "find_partitions",
    "partition_dir",
    "read_partition",
]

logger = logging.getLogger(__name__)

# Hive partition key of every table: ``bureau.parquet/client_part=000003/*.parquet`` holds the
# bureau rows of the clients of partition 3, whose applications are in
# ``application_train.parquet/client_part=000003`` (and application_test's).
PARTITION_COLUMN = "client_part"
# Optional columns giving each row's place in its source file: a partition made by a shuffle
# sorts on them, so each client's rows keep their source order and the features computed on
# a partition are those of the whole file, to the last bit.
SOURCE_ORDER = ("_source_part", "_source_row")


@dataclass(frozen=True)
class ClientPartition:
    """Where the rows of one partition are, per table of the data set.

    A table of the data set with no rows in this partition maps to None; a table absent from
    the data set is not a key.
    """

    index: int
    directory: Path
    tables: dict[str, Path | None]


def partition_dir(table_dir: Path, index: int) -> Path:
    """The directory of partition ``index`` of a table's Parquet directory."""
    return table_dir / f"{PARTITION_COLUMN}={index:06d}"


def find_partitions(directory: Path) -> list[ClientPartition] | None:
    """The partitions of a data directory in this layout, sorted; None when it is not in it.

    In the layout, application_train and every other table present are Parquet directories
    of ``client_part=K`` sub-directories only (a table without rows may have none).
    """
    tables = {spec.name: table_path(directory, spec) for spec in TABLES}
    present = {name: path for name, path in tables.items() if path is not None}
    if APPLICATION_TRAIN.name not in present:
        return None
    found: dict[str, dict[int, Path]] = {}
    for name, path in present.items():
        parts = _partition_dirs(path)
        if parts is None:
            return None
        found[name] = parts
    if not found[APPLICATION_TRAIN.name]:
        return None
    indices = sorted({index for parts in found.values() for index in parts})
    return [
        ClientPartition(index, directory, {name: parts.get(index) for name, parts in found.items()})
        for index in indices
    ]


def read_partition(partition: ClientPartition, *, orphans: OrphanPolicy = "error") -> Dataset:
    """The tables of one partition, read, checked and cleaned as ``load_dataset`` does."""
    frames = {}
    for spec in TABLES:
        if spec.name in partition.tables:
            name = f"{parquet_name(spec)} ({PARTITION_COLUMN} {partition.index})"
            table = _read_part(spec, partition.tables[spec.name], name)
            frames[spec.name] = frame_from_arrow(spec, table, name)
    return assemble_dataset(partition.directory, frames, orphans=orphans)


def client_ids(dataset: Dataset) -> np.ndarray:
    """The SK_ID_CURR of the applications of a (partition's) data set."""
    parts = [dataset.application_train["SK_ID_CURR"].to_numpy()]
    if dataset.application_test is not None:
        parts.append(dataset.application_test["SK_ID_CURR"].to_numpy())
    return np.concatenate(parts)


def _partition_dirs(path: Path) -> dict[int, Path] | None:
    """The partition sub-directories of a table's Parquet directory; None when it has
    anything else (then it is not in this layout)."""
    if not path.is_dir():
        return None
    parts: dict[int, Path] = {}
    prefix = f"{PARTITION_COLUMN}="
    for child in path.iterdir():
        if child.name.startswith((".", "_")):
            continue  # as pyarrow: hidden files and metadata (_common_metadata, _SUCCESS)
        if not (child.is_dir() and child.name.startswith(prefix)):
            return None
        try:
            parts[int(child.name.removeprefix(prefix))] = child
        except ValueError:
            return None
    return parts


def _read_part(spec: TableSpec, path: Path | None, name: str) -> pa.Table:
    if path is None:
        return arrow_schema(spec).empty_table()
    try:
        table = pads.dataset(path, format="parquet").to_table()
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(name, f"not a readable Parquet directory ({exc})") from None
    if all(column in table.column_names for column in SOURCE_ORDER):
        table = table.sort_by([(column, "ascending") for column in SOURCE_ORDER])
    return table
