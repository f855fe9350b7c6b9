"""Streaming CSV writer that prints each table exactly in its Kaggle layout (via pyarrow)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from model_build.schema import TableSpec

logger = logging.getLogger(__name__)

__all__ = ["CsvTableWriter", "arrow_table", "category_dictionaries"]

_STRUCTURAL = (",", '"', "\n", "\r")


class CsvTableWriter:
    """Appends chunks of one table to its CSV file.

    Integers print without a decimal point, missing values as empty fields, floats in
    pyarrow's shortest round-trip form (deterministic), categories from their vocabulary.
    Strings are quoted only in tables whose vocabulary has a value that needs quoting
    (pyarrow cannot quote selectively), as in "Spouse, partner".
    """

    def __init__(self, spec: TableSpec, path: Path, vocab: Mapping[str, Sequence[str]]) -> None:
        self.spec = spec
        self.path = path
        self.rows = 0
        self._dictionaries = category_dictionaries(spec, vocab)
        needs_quotes = any(
            ch in value
            for values in self._dictionaries.values()
            for value in values.to_pylist()
            for ch in _STRUCTURAL
        )
        self._options = pacsv.WriteOptions(
            include_header=False, quoting_style="needed" if needs_quotes else "none"
        )
        self._fh = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._fh.write((",".join(spec.column_names) + "\n").encode())

    def write(self, columns: Mapping[str, np.ndarray]) -> int:
        """Append rows given as arrays per column (categoricals as int codes, -1 missing)."""
        table = arrow_table(self.spec, columns, self._dictionaries)
        if table.num_rows:
            pacsv.write_csv(table, self._fh, self._options)
        self.rows += table.num_rows
        return table.num_rows

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> CsvTableWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def category_dictionaries(
    spec: TableSpec, vocab: Mapping[str, Sequence[str]]
) -> dict[str, pa.Array]:
    """The vocabulary of each categorical column of ``spec`` as a pyarrow dictionary."""
    return {
        c.name: pa.array(list(vocab[c.name]), type=pa.string())
        for c in spec.columns
        if c.is_categorical
    }


def arrow_table(
    spec: TableSpec, columns: Mapping[str, np.ndarray], dictionaries: Mapping[str, pa.Array]
) -> pa.Table:
    """The schema's columns of one chunk as a pyarrow table; keys beyond them are ignored.

    Categoricals come as int codes into ``dictionaries`` (-1 missing); integer columns must be
    complete.
    """
    arrays = [_arrow(spec, c.name, c.dtype, columns[c.name], dictionaries) for c in spec.columns]
    return pa.Table.from_arrays(arrays, names=list(spec.column_names))


def _arrow(
    spec: TableSpec,
    name: str,
    dtype: str,
    values: np.ndarray,
    dictionaries: Mapping[str, pa.Array],
) -> pa.Array:
    if dtype == "category":
        codes = np.asarray(values, dtype=np.int32)
        return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), dictionaries[name])
    if dtype.startswith("int"):
        arr = np.asarray(values)
        if arr.dtype.kind == "f":
            if np.isnan(arr).any():
                raise ValueError(f"{spec.name}.{name}: integer column has missing values")
            arr = np.rint(arr)
        return pa.array(arr.astype(np.int64))
    arr = np.asarray(values, dtype=np.float64)
    # -0.0 would print as "-0"; fold it into 0.
    return pa.array(arr + 0.0, mask=np.isnan(arr))
