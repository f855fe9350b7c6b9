"""The decision record as one flat table for auditors: Parquet or CSV, written as it is read."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal, Protocol

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from google.protobuf import json_format
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from creditscore.v1 import application_pb2, credit_score_pb2
from creditscore.v1 import decision_record_pb2 as pb
from server.records.store import DecisionStore, RecordFilter

__all__ = [
    "EXPORT_SCHEMA",
    "FORMATS",
    "ExportFormat",
    "chunks",
    "enum_text",
    "export_records",
    "format_of",
    "written_atomically",
]

ExportFormat = Literal["parquet", "csv"]
FORMATS: tuple[ExportFormat, ...] = ("parquet", "csv")
_SUFFIXES: dict[str, ExportFormat] = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}
# Records read from the store and written per table chunk: bounds memory whatever the store.
CHUNK_RECORDS = 1000
REASON_SEPARATOR = " | "

EXPORT_SCHEMA = pa.schema(
    [
        ("record_id", pa.string()),
        ("record_time", pa.timestamp("us", tz="UTC")),
        ("kind", pa.string()),
        ("request_id", pa.string()),
        ("batch_index", pa.int32()),
        ("caller", pa.string()),
        ("caller_role", pa.string()),
        ("advisor_name", pa.string()),
        ("model_version", pa.string()),
        ("client_id", pa.int64()),
        ("application_sha256", pa.string()),
        ("application_json", pa.string()),
        ("default_probability", pa.float64()),
        ("model_decision", pa.string()),
        ("threshold", pa.float64()),
        ("refusal_reasons", pa.string()),
        ("approval_reasons", pa.string()),
        ("language_code", pa.string()),
        ("final_decision", pa.string()),
        ("override_reason", pa.string()),
        ("note", pa.string()),
        ("is_override", pa.bool_()),
        ("model_record_id", pa.string()),
    ]
)


class _TableWriter(Protocol):
    def write_table(self, table: pa.Table) -> None: ...

    def close(self) -> None: ...


def format_of(out: Path, given: ExportFormat | None) -> ExportFormat:
    """The format asked for, else the one ``out``'s extension names; ValueError when neither."""
    if given is not None:
        return given
    found = _SUFFIXES.get(out.suffix.lower())
    if found is None:
        raise ValueError(
            f"cannot tell the format of {out} from its extension:"
            " name it .parquet or .csv, or pass --format parquet|csv"
        )
    return found


def export_records(
    store: DecisionStore, where: RecordFilter, out: Path, file_format: ExportFormat
) -> int:
    """Write every record matching ``where``, oldest first, to ``out``; the count written.

    ``out`` appears only once complete: an export cut short by a store failure leaves no file
    an auditor could take for the whole record.
    """
    written = 0
    with written_atomically(out) as partial:
        writer = _writer(partial, file_format)
        try:
            # Both writers put the columns in the file at once: an empty range still has them.
            for chunk in chunks(store.scan(where, CHUNK_RECORDS), CHUNK_RECORDS):
                writer.write_table(records_table(chunk))
                written += len(chunk)
        finally:
            writer.close()
    return written


def records_table(records: list[pb.DecisionRecord]) -> pa.Table:
    """The flat rows of ``records``, in EXPORT_SCHEMA."""
    columns: dict[str, list[object]] = {name: [] for name in EXPORT_SCHEMA.names}
    for record in records:
        for name, value in _row(record):
            columns[name].append(value)
    return pa.Table.from_pydict(columns, schema=EXPORT_SCHEMA)


def enum_text(enum: EnumTypeWrapper, value: int) -> str:
    """An enum value's name without the enum's prefix, in lower case ("" when unspecified):
    RECORD_KIND_SCORE -> "score". A value newer than this code reads as its number."""
    if value == 0:
        return ""
    prefix = enum.Name(0).removesuffix("UNSPECIFIED")
    try:
        return enum.Name(value).removeprefix(prefix).lower()
    except ValueError:
        return str(value)


def application_json(data: bytes) -> str:
    """The recorded Application as JSON with the contract's field names ("" when none)."""
    if not data:
        return ""
    application = application_pb2.Application.FromString(data)
    return json_format.MessageToJson(application, preserving_proto_field_name=True, indent=None)


@contextlib.contextmanager
def written_atomically(out: Path) -> Iterator[Path]:
    """A path to write ``out``'s content to, moved onto ``out`` when the block succeeds and
    removed when it fails."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    try:
        yield partial
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)


def _row(record: pb.DecisionRecord) -> Iterable[tuple[str, object]]:
    yield "record_id", record.record_id
    yield "record_time", record.record_time.ToMicroseconds()
    yield "kind", enum_text(pb.RecordKind, record.kind)
    yield "request_id", record.request_id
    yield "batch_index", record.batch_index if record.HasField("batch_index") else None
    yield "caller", record.caller
    yield "caller_role", record.caller_role
    yield "advisor_name", record.advisor_name
    yield "model_version", record.model_version
    yield "client_id", record.client_id if record.HasField("client_id") else None
    yield "application_sha256", record.application_sha256
    yield "application_json", application_json(record.application)
    yield "default_probability", record.default_probability
    yield "model_decision", enum_text(credit_score_pb2.Decision, record.model_decision)
    yield "threshold", record.threshold
    yield "refusal_reasons", REASON_SEPARATOR.join(r.text for r in record.refusal_reasons)
    yield "approval_reasons", REASON_SEPARATOR.join(r.text for r in record.approval_reasons)
    yield "language_code", record.language_code
    yield "final_decision", enum_text(pb.FinalDecision, record.final_decision)
    yield "override_reason", enum_text(pb.OverrideReason, record.override_reason)
    yield "note", record.note
    yield "is_override", record.is_override
    yield "model_record_id", record.model_record_id


def _writer(path: Path, file_format: ExportFormat) -> _TableWriter:
    if file_format == "parquet":
        return pq.ParquetWriter(path, EXPORT_SCHEMA)
    return pa_csv.CSVWriter(path, EXPORT_SCHEMA)


def chunks(records: Iterable[pb.DecisionRecord], size: int) -> Iterator[list[pb.DecisionRecord]]:
    """``records`` in lists of ``size`` (the last one shorter)."""
    chunk: list[pb.DecisionRecord] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
