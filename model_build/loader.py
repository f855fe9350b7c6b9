"""Read and validate a directory of Home Credit CSV files (Kaggle names), real or synthetic."""

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

from model_build.anomalies import clean_table
from model_build.errors import DataError
from model_build.schema import TABLES, ColumnSpec, TableSpec

__all__ = ["Dataset", "OrphanPolicy", "load_dataset", "read_table"]

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


def read_table(spec: TableSpec, path: Path, *, clean: bool = True) -> pd.DataFrame:
    """Read one CSV with the schema's dtypes; raise DataError naming file, column and line.

    ``clean`` applies the documented anomaly fixes (see ``model_build.anomalies``).
    """
    name = path.name
    header = _read_header(path)
    missing = [c for c in spec.column_names if c not in header]
    if missing:
        raise DataError(
            name, f"missing required column(s): {', '.join(missing)}", column=missing[0]
        )
    try:
        table = pacsv.read_csv(
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
    if table.num_rows == 0:
        raise DataError(name, "the file has a header but no data rows")
    frame = table.to_pandas(split_blocks=True, self_destruct=True)
    _check_integer_columns_complete(spec, name, frame)
    if spec.unique_key is not None:
        _check_unique(name, frame, spec.unique_key)
    return clean_table(spec, frame) if clean else frame


def load_dataset(directory: Path, *, orphans: OrphanPolicy = "error") -> Dataset:
    """Read every Kaggle file present in ``directory``; only application_train.csv is required.

    Child rows whose parent key is unknown are an error (``orphans="error"``) or are dropped
    with a logged count (``orphans="drop"``; the real Kaggle bureau_balance has such rows).
    """
    if not directory.is_dir():
        raise DataError(str(directory), "not a directory")
    tables: dict[str, pd.DataFrame] = {}
    for spec in TABLES:
        path = directory / spec.filename
        if not path.exists():
            if spec.required:
                raise DataError(spec.filename, f"required file not found in {directory}")
            logger.info("%s absent: its features will be missing", spec.filename)
            continue
        frame = read_table(spec, path)
        tables[spec.name] = _check_parents(spec, frame, tables, orphans)
        logger.info("read %s: %d rows", spec.filename, len(frame))
    _check_train_test_disjoint(tables)
    return Dataset(directory=directory, **tables)


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


def _check_integer_columns_complete(spec: TableSpec, name: str, frame: pd.DataFrame) -> None:
    # Integer columns are complete in the Kaggle files; a blank one would silently become
    # float NaN, so it is reported instead.
    for column in spec.columns:
        if column.is_integer and frame[column.name].isna().any():
            line = int(np.flatnonzero(frame[column.name].isna().to_numpy())[0]) + 2
            raise DataError(
                name, "missing value in an integer column", column=column.name, line=line
            )


def _check_unique(name: str, frame: pd.DataFrame, key: str) -> None:
    duplicated = frame[key].duplicated()
    if duplicated.any():
        position = int(np.flatnonzero(duplicated.to_numpy())[0])
        value = frame[key].iloc[position]
        raise DataError(name, f"duplicated {key} {value}", column=key, line=position + 2)


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
                line=position + 2,
            )
        logger.warning("%s: dropped %d row(s) with unknown %s", spec.filename, count, fk.column)
        frame = frame.loc[known.to_numpy()].reset_index(drop=True)
    return frame


def _check_train_test_disjoint(tables: dict[str, pd.DataFrame]) -> None:
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
            line=position + 2,
        )
