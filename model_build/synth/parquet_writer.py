"""Streaming Parquet writer of one table, split into partitions of whole clients."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from model_build.client_partitions import partition_dir
from model_build.loader import arrow_schema
from model_build.schema import TableSpec
from model_build.synth.writer import arrow_table, category_dictionaries

logger = logging.getLogger(__name__)

__all__ = ["PartitionedParquetWriter"]

CLIENT = "SK_ID_CURR"


class PartitionedParquetWriter:
    """Appends chunks of one table to ``<table>.parquet/client_part=K/part-0.parquet``.

    Partition K holds the rows of clients ``first_client + K * partition_clients`` up to the
    next partition's first client (the layout of ``model_build.client_partitions``). Each
    chunk gives every row's client in ``SK_ID_CURR`` (bureau_balance too, beside its own
    columns). ``finish_before`` closes the partitions of earlier clients, so only the
    partitions of the current chunk of clients stay open.
    """

    def __init__(
        self,
        spec: TableSpec,
        table_dir: Path,
        vocab: Mapping[str, Sequence[str]],
        *,
        partition_clients: int,
        first_client: int,
    ) -> None:
        if partition_clients < 1:
            raise ValueError("partition_clients must be positive")
        self.spec = spec
        self.table_dir = table_dir
        self.rows = 0
        self._schema = arrow_schema(spec)
        self._dictionaries = category_dictionaries(spec, vocab)
        self._partition_clients = partition_clients
        self._first_client = first_client
        self._open: dict[int, pq.ParquetWriter] = {}
        self._finished = 0  # partitions below this one are closed for good
        table_dir.mkdir(parents=True, exist_ok=True)

    def write(self, columns: Mapping[str, np.ndarray]) -> int:
        """Append rows given as arrays per column (categoricals as int codes, -1 missing)."""
        clients = np.asarray(columns[CLIENT], dtype=np.int64)
        table = arrow_table(self.spec, columns, self._dictionaries).cast(self._schema)
        if table.num_rows == 0:
            return 0
        partition = (clients - self._first_client) // self._partition_clients
        # A stable sort keeps each client's rows in the order they came in.
        order = np.argsort(partition, kind="stable")
        table = table.take(pa.array(order))
        indices, starts = np.unique(partition[order], return_index=True)
        ends = [*starts[1:].tolist(), table.num_rows]
        for index, start, end in zip(indices.tolist(), starts.tolist(), ends, strict=True):
            self._writer(index).write_table(table.slice(start, end - start))
        self.rows += table.num_rows
        return table.num_rows

    def finish_before(self, client: int) -> None:
        """Close the partitions whose clients all come before ``client`` (no rows to come)."""
        self._finished = (client - self._first_client) // self._partition_clients
        self._close_before(self._finished)

    def close(self) -> None:
        self._close_before(None)

    def _writer(self, index: int) -> pq.ParquetWriter:
        if index < self._finished:
            raise ValueError(f"{self.spec.name}: rows for partition {index}, already finished")
        if index not in self._open:
            directory = partition_dir(self.table_dir, index)
            directory.mkdir(parents=True, exist_ok=True)
            self._open[index] = pq.ParquetWriter(directory / "part-0.parquet", self._schema)
        return self._open[index]

    def _close_before(self, index: int | None) -> None:
        for open_index in sorted(self._open):
            if index is None or open_index < index:
                self._open.pop(open_index).close()
