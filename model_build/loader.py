"""Read and validate a directory of Home Credit tables (Kaggle names, CSV or Parquet)."""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.dataset as pads

from model_build.anomalies import clean_table
from model_build.errors import DataError
from model_build.schema import TABLES, ColumnSpec, TableSpec

__all__ = [
    "Dataset",
    "OrphanPolicy",
    "arrow_schema",
    "assemble_dataset",
    "check_columns",
    "frame_from_arrow",
    "load_dataset",
    "parquet_name",
    "read_table",
    "table_path",
]

logger = logging.getLogger(__name__)

OrphanPolicy = Literal["error", "drop"]

_ARROW_TYPES: dict[str, pa.DataType] = {
    "int8": pa.int8(),
    "int16": pa.int16(),
    "int32": pa.int32(),
    "float64": pa.float64(),
    "category": pa.dictionary(pa.int32(), pa.string()),
}
_INT_RANGES = {name: np.iinfo(name) for name in ("int8", "int16", "int32")}
_BLOCK_SIZE_BYTES = 16 << 20


@dataclass(frozen=True, slots=True)
class Dataset:
    """The tables of one data directory, cleaned; a table absent from the directory is None."""

    directory: Path
    application_train: pd.DataFrame
    application_test: pd.DataFrame | None = None
    bureau: pd.DataFrame | None = None
    bureau_balance: pd.DataFrame | None = None
    previous_application: pd.DataFrame | None = None
    POS_CASH_balance: pd.DataFrame | None = None
    installments_payments: pd.DataFrame | None = None
    credit_card_balance: pd.DataFrame | None = None

    def table(self, name: str) -> pd.DataFrame | None:
        """The table called ``name`` (a ``TableSpec.name``), or None when absent."""
        value: pd.DataFrame | None = getattr(self, name)
        return value

    def present(self) -> list[str]:
        """Names of the tables that were found in the directory."""
        return [
            f.name for f in fields(self) if f.name != "directory" and self.table(f.name) is not None
        ]

    def has_history(self) -> bool:
        """True when at least one child table (bureau, previous applications, ...) is present."""
        return any(not name.startswith("application") for name in self.present())


def arrow_schema(spec: TableSpec) -> pa.Schema:
    """The pyarrow types a table is read as (and synthetic Parquet is written with)."""
    return pa.schema([(c.name, _ARROW_TYPES[c.dtype]) for c in spec.columns])


def parquet_name(spec: TableSpec) -> str:
    """The Parquet name of a table: its Kaggle name with ``.parquet`` (a file or a directory)."""
    return spec.filename.removesuffix(".csv") + ".parquet"


def table_path(directory: Path, spec: TableSpec) -> Path | None:
    """Where ``spec``'s table is in ``directory``: its Kaggle CSV, or Parquet named like it
    (one file, or a directory of parts such as ``bureau.parquet/client_part=000003/...``);
    None when neither exists."""
    found = [
        path
        for path in (directory / spec.filename, directory / parquet_name(spec))
        if path.exists()
    ]
    if len(found) > 1:
        raise DataError(
            spec.filename, f"both {found[0].name} and {found[1].name} in {directory}: keep one"
        )
    return found[0] if found else None


def check_columns(spec: TableSpec, path: Path) -> None:
    """Raise DataError when the table at ``path`` (CSV or Parquet) lacks a column of ``spec``;
    reads the header or the Parquet schema only."""
    if path.suffix == ".parquet":
        try:
            names = pads.dataset(path, format="parquet", partitioning="hive").schema.names
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(
                path.name, f"not a readable Parquet file or directory ({exc})"
            ) from None
    else:
        names = _read_header(path)
    missing = [c for c in spec.column_names if c not in names]
    if missing:
        raise DataError(
            path.name, f"missing required column(s): {', '.join(missing)}", column=missing[0]
        )


def read_table(spec: TableSpec, path: Path, *, clean: bool = True) -> pd.DataFrame:
    """Read one table (CSV, or Parquet file or directory) with the schema's dtypes; raise
    DataError naming file, column and, for CSV, line.

    ``clean`` applies the documented anomaly fixes (see ``model_build.anomalies``).
    """
    if path.suffix == ".parquet":
        table = _read_parquet(spec, path)
        first_line = None
        empty = "the table has no rows"
    else:
        table = _read_csv(spec, path)
        first_line = 2  # 1-based lines after the header line
        empty = "the file has a header but no data rows"
    if table.num_rows == 0:
        raise DataError(path.name, empty)
    return frame_from_arrow(spec, table, path.name, clean=clean, first_line=first_line)


def frame_from_arrow(
    spec: TableSpec,
    table: pa.Table,
    name: str,
    *,
    clean: bool = True,
    first_line: int | None = None,
) -> pd.DataFrame:
    """The schema's columns of a pyarrow table as a checked (and cleaned) pandas frame.

    Columns are cast to the schema's dtypes (Parquet written by other tools may use wider
    types); ``first_line`` is the file line of the first row, None when lines mean nothing
    (Parquet, one client partition of a table).
    """
    missing = [c for c in spec.column_names if c not in table.column_names]
    if missing:
        raise DataError(
            name, f"missing required column(s): {', '.join(missing)}", column=missing[0]
        )
    arrays = []
    for column in spec.columns:
        try:
            arrays.append(table.column(column.name).cast(_ARROW_TYPES[column.dtype]))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise DataError(
                name, f"cannot be read as {column.dtype} ({exc})", column=column.name
            ) from None
    typed = pa.Table.from_arrays(arrays, names=list(spec.column_names))
    frame = typed.to_pandas(split_blocks=True, self_destruct=True)
    _check_integer_columns_complete(spec, name, frame, first_line)
    if spec.unique_key is not None:
        _check_unique(name, frame, spec.unique_key, first_line)
    return clean_table(spec, frame) if clean else frame


def load_dataset(directory: Path, *, orphans: OrphanPolicy = "error") -> Dataset:
    """Read every Kaggle table present in ``directory``; only application_train is required.

    Each table is its Kaggle CSV or a Parquet file or directory named like it (see
    ``table_path``). Child rows whose parent key is unknown are an error
    (``orphans="error"``) or are dropped with a logged count (``orphans="drop"``; the real
    Kaggle bureau_balance has such rows).
    """
    if not directory.is_dir():
        raise DataError(str(directory), "not a directory")
    tables: dict[str, pd.DataFrame] = {}
    for spec in TABLES:
        path = table_path(directory, spec)
        if path is None:
            if spec.required:
                raise DataError(spec.filename, f"required file not found in {directory}")
            logger.info("%s absent: its features will be missing", spec.filename)
            continue
        tables[spec.name] = read_table(spec, path)
        logger.info("read %s: %d rows", path.name, len(tables[spec.name]))
    return assemble_dataset(directory, tables, orphans=orphans, first_line=2)


def assemble_dataset(
    directory: Path,
    tables: dict[str, pd.DataFrame],
    *,
    orphans: OrphanPolicy = "error",
    first_line: int | None = None,
) -> Dataset:
    """A Dataset of tables read with ``frame_from_arrow``, after the checks across tables:
    child rows of unknown parents (``orphans``) and clients in both train and test.

    ``tables`` may be one client partition of each table: the checks hold within it, since a
    partition holds whole clients with all their history.
    """
    checked: dict[str, pd.DataFrame] = {}
    for spec in TABLES:
        if spec.name in tables:
            checked[spec.name] = _check_parents(
                spec, tables[spec.name], checked, orphans, first_line
            )
    _check_train_test_disjoint(checked, first_line)
    return Dataset(directory=directory, **checked)


def _read_csv(spec: TableSpec, path: Path) -> pa.Table:
    header = _read_header(path)
    missing = [c for c in spec.column_names if c not in header]
    if missing:
        raise DataError(
            path.name, f"missing required column(s): {', '.join(missing)}", column=missing[0]
        )
    try:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=_BLOCK_SIZE_BYTES),
            convert_options=pacsv.ConvertOptions(
                column_types={c.name: _ARROW_TYPES[c.dtype] for c in spec.columns},
                include_columns=list(spec.column_names),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise _locate_read_error(spec, path, header, str(exc)) from None


def _read_parquet(spec: TableSpec, path: Path) -> pa.Table:
    """The schema's columns of a Parquet file or directory (hive partitions allowed)."""
    try:
        dataset = pads.dataset(path, format="parquet", partitioning="hive")
        present = set(dataset.schema.names)
        return dataset.to_table(columns=[c for c in spec.column_names if c in present])
    except (pa.ArrowInvalid, OSError) as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(
            path.name, f"not a readable Parquet file or directory ({problem})"
        ) from None


def _read_header(path: Path) -> list[str]:
    name = path.name
    if not path.is_file():
        raise DataError(name, "file not found")
    if path.stat().st_size == 0:
        raise DataError(name, "the file is empty")
    with path.open("rb") as handle:
        first = handle.readline(1 << 20)
    if b"\x00" in first:
        raise DataError(name, "not a CSV file (binary content)")
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(name, "not a CSV file (the header is not UTF-8 text)", line=1) from None
    header = next(csv.reader([text]), [])
    if len(header) < 2:
        raise DataError(name, "not a CSV file (no comma-separated header)", line=1)
    return [h.strip() for h in header]


def _locate_read_error(spec: TableSpec, path: Path, header: list[str], message: str) -> DataError:
    """Turn pyarrow's message into one naming the column and the first offending line."""
    name = path.name
    if "conversion error" in message:
        column = _column_from_arrow_message(message, spec, header)
        if column is not None:
            line, value = _first_bad_value(path, column)
            kind = "an integer" if column.is_integer else "a number"
            if column.is_integer and _looks_numeric(value):
                kind = f"an integer that fits {column.dtype}"
            return DataError(name, f"expected {kind}, got {value!r}", column=column.name, line=line)
    line = _first_ragged_line(path, len(header))
    return DataError(name, f"not a valid CSV file ({message.splitlines()[0]})", line=line)


def _column_from_arrow_message(
    message: str, spec: TableSpec, header: list[str]
) -> ColumnSpec | None:
    # pyarrow numbers the included columns in schema order: "In CSV column #4: ...".
    try:
        index = int(message.split("column #", 1)[1].split(":", 1)[0])
    except (IndexError, ValueError):
        return None
    included = [c for c in spec.columns if c.name in header]
    return included[index] if 0 <= index < len(included) else None


def _first_bad_value(path: Path, column: ColumnSpec) -> tuple[int | None, str]:
    raw = (
        pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={column.name: pa.string()}, include_columns=[column.name]
            ),
        )
        .column(0)
        .to_pandas()
    )
    present = raw.notna() & (raw.str.strip() != "")
    numbers = pd.to_numeric(raw.where(present), errors="coerce")
    bad = present & numbers.isna()
    if column.is_integer:
        limits = _INT_RANGES[column.dtype]
        bad |= present & ((numbers % 1 != 0) | (numbers < limits.min) | (numbers > limits.max))
    positions = np.flatnonzero(bad.to_numpy())
    if len(positions) == 0:
        return None, "?"
    first = int(positions[0])
    return first + 2, str(raw.iloc[first])  # +2: 1-based lines and the header line


def _looks_numeric(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _first_ragged_line(path: Path, width: int) -> int | None:
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if len(row) != width:
                return number
    return None


def _line(position: int, first_line: int | None) -> int | None:
    return None if first_line is None else position + first_line


def _check_integer_columns_complete(
    spec: TableSpec, name: str, frame: pd.DataFrame, first_line: int | None
) -> None:
    # Integer columns are complete in the Kaggle files; a blank one would silently become
    # float NaN, so it is reported instead.
    for column in spec.columns:
        if column.is_integer and frame[column.name].isna().any():
            position = int(np.flatnonzero(frame[column.name].isna().to_numpy())[0])
            raise DataError(
                name,
                "missing value in an integer column",
                column=column.name,
                line=_line(position, first_line),
            )


def _check_unique(name: str, frame: pd.DataFrame, key: str, first_line: int | None) -> None:
    duplicated = frame[key].duplicated()
    if duplicated.any():
        position = int(np.flatnonzero(duplicated.to_numpy())[0])
        value = frame[key].iloc[position]
        raise DataError(
            name, f"duplicated {key} {value}", column=key, line=_line(position, first_line)
        )


def _parent_keys(tables: dict[str, pd.DataFrame], parent: str, column: str) -> pd.Series | None:
    if parent == "application":
        parts = [
            tables[t][column] for t in ("application_train", "application_test") if t in tables
        ]
        return pd.concat(parts, ignore_index=True)
    return tables[parent][column] if parent in tables else None


def _check_parents(
    spec: TableSpec,
    frame: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    orphans: OrphanPolicy,
    first_line: int | None,
) -> pd.DataFrame:
    for fk in spec.foreign_keys:
        keys = _parent_keys(tables, fk.parent, fk.parent_column)
        if keys is None:
            continue
        known = frame[fk.column].isin(keys.to_numpy())
        if known.all():
            continue
        position = int(np.flatnonzero(~known.to_numpy())[0])
        count = int((~known).sum())
        if orphans == "error":
            raise DataError(
                spec.filename,
                f"{count} row(s) refer to a {fk.column} absent from {fk.parent} "
                f"(first: {frame[fk.column].iloc[position]}); fix the files or drop such rows "
                "with --orphans drop",
                column=fk.column,
                line=_line(position, first_line),
            )
        logger.warning("%s: dropped %d row(s) with unknown %s", spec.filename, count, fk.column)
        frame = frame.loc[known.to_numpy()].reset_index(drop=True)
    return frame


def _check_train_test_disjoint(tables: dict[str, pd.DataFrame], first_line: int | None) -> None:
    if "application_test" not in tables:
        return
    test_ids = tables["application_test"]["SK_ID_CURR"]
    shared = test_ids.isin(tables["application_train"]["SK_ID_CURR"].to_numpy())
    if shared.any():
        position = int(np.flatnonzero(shared.to_numpy())[0])
        raise DataError(
            "application_test.csv",
            f"duplicated SK_ID_CURR {test_ids.iloc[position]} (also in application_train.csv)",
            column="SK_ID_CURR",
            line=_line(position, first_line),
        )
