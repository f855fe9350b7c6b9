"""Hash-partitioning of a data directory by client with dask.dataframe, into the client layout."""

from __future__ import annotations

import logging
import math
import shutil
from pathlib import Path

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pyarrow as pa
from distributed import Client

from model_build.client_partitions import (
    PARTITION_COLUMN,
    SOURCE_ORDER,
    ClientPartition,
    find_partitions,
)
from model_build.errors import DataError
from model_build.loader import check_columns, parquet_name, table_path
from model_build.schema import APPLICATION_TRAIN, BUREAU, BUREAU_BALANCE, TABLES, TableSpec

__all__ = ["BLOCK_BYTES", "PARTITION_BYTES", "hash_partition"]

logger = logging.getLogger(__name__)

# Input bytes per dask block read, and per client partition written: a partition's features
# and scores then take a few hundred MB on a worker, whatever the size of the data set.
BLOCK_BYTES = 64 << 20
PARTITION_BYTES = 64 << 20
CLIENT = "SK_ID_CURR"
# Client partition of child rows whose parent is unknown: scoring reports or drops them as
# the single-process loader does (--orphans).
ORPHANS = -1


def hash_partition(
    client: Client, data: Path, staging: Path, *, n_partitions: int | None = None
) -> list[ClientPartition]:
    """Write the tables of ``data`` (CSV or Parquet) to ``staging`` in client partitions.

    Every table is read block by block on the cluster of ``client`` and each row goes to
    partition ``SK_ID_CURR % n_partitions`` (bureau_balance reaches its client through a
    distributed join with bureau's keys); no process holds a whole table. The rows carry
    their place in the source (``SOURCE_ORDER``). ``n_partitions`` defaults to one per
    ``PARTITION_BYTES`` of input.
    """
    paths = {spec.name: table_path(data, spec) for spec in TABLES}
    if paths[APPLICATION_TRAIN.name] is None:
        raise DataError(APPLICATION_TRAIN.filename, f"required file not found in {data}")
    present = {spec: path for spec in TABLES if (path := paths[spec.name]) is not None}
    for spec, path in present.items():
        check_columns(spec, path)
    count = n_partitions or max(1, math.ceil(sum(map(_bytes, present.values())) / PARTITION_BYTES))
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    frames = {spec.name: _read(spec, path) for spec, path in present.items()}
    for spec, path in present.items():
        frame = frames[spec.name]
        if spec is BUREAU_BALANCE:
            if BUREAU.name not in frames:
                logger.warning("bureau_balance without bureau cannot be linked to clients: ignored")
                continue
            frame = _with_client(frame, frames[BUREAU.name])
        partition = (frame[CLIENT] % count).where(frame[CLIENT] >= 0, ORPHANS)
        try:
            frame.assign(**{PARTITION_COLUMN: partition}).to_parquet(
                staging / parquet_name(spec),
                partition_on=[PARTITION_COLUMN],
                write_index=False,
                compute_kwargs={"scheduler": client},
            )
        except (ValueError, TypeError, OSError, pa.ArrowException) as exc:
            problem = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            raise DataError(path.name, f"cannot be read ({problem})") from None
        logger.info("%s: partitioned by client into %d parts", path.name, count)
    partitions = find_partitions(staging)
    if partitions is None:  # only when the staging directory was changed behind our back
        raise DataError(str(staging), "the partitioned copy is incomplete")
    return partitions


def _read(spec: TableSpec, path: Path) -> dd.DataFrame:
    columns = list(spec.column_names)
    if path.suffix == ".parquet":
        frame = dd.read_parquet(path, columns=columns, blocksize=BLOCK_BYTES)
    else:
        frame = dd.read_csv(
            path,
            usecols=columns,
            blocksize=BLOCK_BYTES,
            dtype={c.name: "str" if c.is_categorical else c.dtype for c in spec.columns},
            # As the single-process loader: only an empty field is missing ("NA" is a value).
            keep_default_na=False,
            na_values=[""],
        )
    return frame.map_partitions(_with_source_order)


def _with_source_order(block: pd.DataFrame, partition_info: dict | None = None) -> pd.DataFrame:
    """The block with its rows' place in the source: dask blocks come in file order."""
    number = -1 if partition_info is None else int(partition_info["number"])
    first, second = SOURCE_ORDER
    order = pd.DataFrame(
        {
            first: np.full(len(block), number, np.int32),
            second: np.arange(len(block), dtype=np.int32),
        },
        index=block.index,
    )
    # One concat, not two inserts: application blocks have 122 columns already.
    return pd.concat([block, order], axis=1)


def _with_client(balance: dd.DataFrame, bureau: dd.DataFrame) -> dd.DataFrame:
    """bureau_balance with the SK_ID_CURR of each row's credit (ORPHANS when unknown)."""
    keys = bureau[["SK_ID_BUREAU", CLIENT]]
    joined = balance.merge(keys, on="SK_ID_BUREAU", how="left")
    return joined.assign(**{CLIENT: joined[CLIENT].fillna(ORPHANS).astype(np.int64)})


def _bytes(path: Path) -> int:
    if path.is_dir():
        return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())
    return path.stat().st_size
