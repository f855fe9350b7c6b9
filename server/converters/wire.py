"""Score, ScoreBatch and Explain requests read straight from their protobuf bytes, and
ScoreBatch responses written straight to bytes.

Why not the protobuf Python API: reading an Application field by field costs about 11 µs per
message (ListFields and a Python step per field), so 1,000 payloads cost more than onnxruntime
spends scoring them, and building 1,000 ScoreBatchResult messages costs another 1.5 ms. The
kernels here (compiled by numba) read and write the wire format (protobuf.dev/programming-
guides/encoding) directly into and out of arrays, for every message of a call at once.

Semantics are protobuf's: fields in any order, the last occurrence of a field wins, repeated
occurrences of a message field are merged, unknown fields are skipped. Inputs the kernels do
not handle (groups, a known field with an unexpected wire type) are normalised by the protobuf
library first: parsed, unknown fields dropped (as the library does for a wrong wire type) and
written again. Tests check both directions against the protobuf library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import DecodeError, Message

from creditscore.v1 import application_pb2, credit_score_pb2
from model_build.features.application import RAW_CATEGORICAL_COLUMNS, RAW_NUMERIC_COLUMNS
from model_build.features.rows import UNKNOWN_CODE, CategoryCodes

__all__ = ["DecodedRequests", "ResponseWriter", "WireDecoder"]

# Kernel status codes.
_OK, _MALFORMED, _UNSUPPORTED, _TOO_MANY = 0, 1, 2, 3
# Kinds of Application fields.
_NONE, _DOUBLE, _INT32, _BOOL, _STRING = 0, 1, 2, 3, 4
# Wire types.
_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5
# Kinds of flagged cells.
_NON_FINITE, _UNKNOWN = 0, 1

_kernel = numba.njit(cache=True)


@_kernel
def _varint(data: np.ndarray, pos: int, end: int) -> tuple[np.uint64, int]:
    """The varint at ``pos`` and the position after it (-1: truncated or over 10 bytes)."""
    result = np.uint64(0)
    shift = np.uint64(0)
    while pos < end and shift < 70:
        byte = data[pos]
        pos += 1
        result |= np.uint64(byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += np.uint64(7)
    return result, -1


@_kernel
def _tag(data: np.ndarray, pos: int, end: int) -> tuple[np.uint64, int]:
    """A field's tag and the position after it; -1 where the library would refuse it: over
    5 bytes, field number 0 or above 2**29 - 1."""
    start = pos
    key, pos = _varint(data, pos, end)
    if pos < 0 or pos - start > 5 or key >> np.uint64(32) != 0 or key >> np.uint64(3) == 0:
        return key, -1
    return key, pos


@_kernel
def _length(data: np.ndarray, pos: int, end: int) -> tuple[int, int]:
    """A length prefix and the position after it (-1 if it overruns ``end``)."""
    value, pos = _varint(data, pos, end)
    if pos < 0 or value > np.uint64(end - pos):
        return 0, -1
    return np.int64(value), pos  # type: ignore[return-value]


@_kernel
def _skip(data: np.ndarray, pos: int, end: int, wire_type: np.uint64) -> int:
    """Position after an unknown field's value; -1 malformed, -2 unsupported (groups)."""
    if wire_type == _VARINT:
        _, pos = _varint(data, pos, end)
        return pos
    if wire_type == _I64:
        return pos + 8 if pos + 8 <= end else -1
    if wire_type == _LEN:
        length, pos = _length(data, pos, end)
        return pos + length if pos >= 0 else -1
    if wire_type == _I32:
        return pos + 4 if pos + 4 <= end else -1
    return -2


@_kernel
def _count_items(data: np.ndarray) -> int:
    """Items of a ScoreBatchRequest (field 1); -1 malformed, -2 unsupported."""
    count, pos, end = 0, 0, len(data)
    while pos < end:
        key, pos = _tag(data, pos, end)
        if pos < 0:
            return -1
        if key >> np.uint64(3) == 1:
            if key & np.uint64(7) != _LEN:
                return -2
            count += 1
        pos = _skip(data, pos, end, key & np.uint64(7))
        if pos < 0:
            return pos
    return count


@_kernel
def _string_code(
    data: np.ndarray,
    pos: int,
    length: int,
    column: int,
    vocabulary: np.ndarray,
    value_starts: np.ndarray,
    column_starts: np.ndarray,
) -> int:
    """Code of the string data[pos:pos+length] among its column's accepted values."""
    if length == 0:
        return -1
    first = column_starts[column]
    for entry in range(first, column_starts[column + 1]):
        start = value_starts[entry]
        if value_starts[entry + 1] - start != length:
            continue
        same = True
        for k in range(length):
            if vocabulary[start + k] != data[pos + k]:
                same = False
                break
        if same:
            return entry - first
    return UNKNOWN_CODE


@_kernel
def _application(
    data: np.ndarray,
    pos: int,
    end: int,
    row: int,
    kinds: np.ndarray,
    slots: np.ndarray,
    vocabulary: np.ndarray,
    value_starts: np.ndarray,
    column_starts: np.ndarray,
    numeric: np.ndarray,
    codes: np.ndarray,
    flagged: np.ndarray,
    n_flagged: int,
) -> tuple[int, int]:
    """Fields of one Application message into ``row``; (status, flagged cells)."""
    while pos < end:
        key, pos = _tag(data, pos, end)
        field = key >> np.uint64(3)
        wire_type = key & np.uint64(7)
        if pos < 0:
            return _MALFORMED, n_flagged
        kind = kinds[field] if field < len(kinds) else _NONE
        if kind == _NONE:
            pos = _skip(data, pos, end, wire_type)
            if pos < 0:
                return (_MALFORMED if pos == -1 else _UNSUPPORTED), n_flagged
        elif kind == _DOUBLE:
            if wire_type != _I64:
                return _UNSUPPORTED, n_flagged
            if pos + 8 > end:
                return _MALFORMED, n_flagged
            # The wire format is little-endian, as every platform numpy wheels exist for.
            value = data[pos : pos + 8].view(np.float64)[0]
            pos += 8
            if np.isfinite(value):
                numeric[row, slots[field]] = value
            else:
                numeric[row, slots[field]] = np.nan
                flagged[n_flagged, 0] = row
                flagged[n_flagged, 1] = _NON_FINITE
                flagged[n_flagged, 2] = slots[field]
                flagged[n_flagged, 3] = 0
                flagged[n_flagged, 4] = 0
                n_flagged += 1
        elif kind == _STRING:
            if wire_type != _LEN:
                return _UNSUPPORTED, n_flagged
            length, pos = _length(data, pos, end)
            if pos < 0:
                return _MALFORMED, n_flagged
            code = _string_code(
                data, pos, length, slots[field], vocabulary, value_starts, column_starts
            )
            codes[row, slots[field]] = code
            if code == UNKNOWN_CODE:
                flagged[n_flagged, 0] = row
                flagged[n_flagged, 1] = _UNKNOWN
                flagged[n_flagged, 2] = slots[field]
                flagged[n_flagged, 3] = pos
                flagged[n_flagged, 4] = pos + length
                n_flagged += 1
            pos += length
        else:
            if wire_type != _VARINT:
                return _UNSUPPORTED, n_flagged
            raw, pos = _varint(data, pos, end)
            if pos < 0:
                return _MALFORMED, n_flagged
            if kind == _INT32:
                # int32 is the low 32 bits of the varint, two's complement.
                numeric[row, slots[field]] = np.float64(np.int32(raw & np.uint64(0xFFFFFFFF)))
            else:
                numeric[row, slots[field]] = 1.0 if raw != 0 else 0.0
    return _OK, n_flagged


@_kernel
def _decode(
    data: np.ndarray,
    batch: bool,
    count: int,
    kinds: np.ndarray,
    slots: np.ndarray,
    width: int,
    categories: int,
    vocabulary: np.ndarray,
    value_starts: np.ndarray,
    column_starts: np.ndarray,
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every item of a ScoreBatchRequest (or the one ScoreRequest / ExplainRequest)."""
    numeric = np.full((count, width), np.nan)
    codes = np.full((count, categories), -1, dtype=np.int16)
    client_ids = np.zeros(count, dtype=np.int64)
    has_client = np.zeros(count, dtype=np.bool_)
    has_application = np.zeros(count, dtype=np.bool_)
    # (row, kind, column, start, end) of non-finite numbers and unknown strings; each such
    # field takes at least 3 bytes (tag, then 8 bytes or a length and a character).
    flagged = np.empty((len(data) // 3 + 1, 5), dtype=np.int64)
    n_flagged, status, row = 0, _OK, 0
    pos, end = 0, len(data)
    while pos < end and status == _OK:
        item_end = end
        if batch:
            key, pos = _tag(data, pos, end)
            if key >> np.uint64(3) != 1:
                pos = _skip(data, pos, end, key & np.uint64(7))
                continue
            length, pos = _length(data, pos, end)
            item_end = pos + length
        while pos < item_end and status == _OK:
            key, pos = _tag(data, pos, item_end)
            field = key >> np.uint64(3)
            wire_type = key & np.uint64(7)
            if pos < 0:
                status = _MALFORMED
            elif field == 1:  # ScoreRequest.client_id
                if wire_type != _VARINT:
                    status = _UNSUPPORTED
                else:
                    raw, pos = _varint(data, pos, item_end)
                    client_ids[row] = np.int64(raw)
                    has_client[row] = True
                    status = _MALFORMED if pos < 0 else _OK
            elif field == 2:  # ScoreRequest.application
                if wire_type != _LEN:
                    status = _UNSUPPORTED
                else:
                    length, pos = _length(data, pos, item_end)
                    if pos < 0:
                        status = _MALFORMED
                    else:
                        has_application[row] = True
                        status, n_flagged = _application(
                            data, pos, pos + length, row, kinds, slots, vocabulary,
                            value_starts, column_starts, numeric, codes, flagged, n_flagged,
                        )  # fmt: skip
                        pos += length
            else:
                pos = _skip(data, pos, item_end, wire_type)
                if pos < 0:
                    status = _MALFORMED if pos == -1 else _UNSUPPORTED
        row += 1
    return status, client_ids, has_client, has_application, numeric, codes, flagged[:n_flagged]


@dataclass(frozen=True, slots=True)
class DecodedRequests:
    """The items of a request, as arrays (item i, row i of the matrices).

    ``numeric``: float64 [items, len(RAW_NUMERIC_COLUMNS)], NaN where unset (or sent
    non-finite); ``codes``: int16 [items, len(RAW_CATEGORICAL_COLUMNS)] in the decoder's
    CategoryCodes (UNSET_CODE where unset, UNKNOWN_CODE for a value outside them);
    ``non_finite``: (item, Kaggle column) of numbers sent as NaN or an infinity;
    ``unknown``: (item, Kaggle column) -> the text of each UNKNOWN_CODE cell.
    """

    client_ids: np.ndarray  # int64 [items]
    has_client: np.ndarray  # bool [items]
    has_application: np.ndarray  # bool [items]
    numeric: np.ndarray
    codes: np.ndarray
    non_finite: tuple[tuple[int, str], ...]
    unknown: dict[tuple[int, str], str]

    def __len__(self) -> int:
        return len(self.client_ids)


class WireDecoder:
    """Decodes ScoreRequest, ScoreBatchRequest and ExplainRequest bytes; immutable.

    Strings are matched against ``codes.values`` (the accepted values of each column).
    """

    def __init__(self, codes: CategoryCodes) -> None:
        self.codes = codes
        self._kinds, self._slots = _field_tables(application_pb2.Application.DESCRIPTOR)
        encoded = [value.encode("utf-8") for column in codes.values for value in column]
        self._vocabulary = np.frombuffer(b"".join(encoded) or b"\0", dtype=np.uint8)
        self._value_starts = np.cumsum([0, *map(len, encoded)], dtype=np.int64)
        self._column_starts = np.cumsum([0, *map(len, codes.values)], dtype=np.int64)
        # Compile (or load from numba's cache) now rather than in the first call.
        self.decode(credit_score_pb2.ScoreRequest().SerializeToString(), batch=False)
        self.decode(b"", batch=True)

    def decode(self, data: bytes, *, batch: bool, max_items: int = 1) -> DecodedRequests:
        """The items of ``data``: a ScoreBatchRequest when ``batch``, else a ScoreRequest or
        ExplainRequest. Raises ValueError if the bytes are not a valid message, and
        TooManyItems if a batch holds more than ``max_items``."""
        buffer = np.frombuffer(data, dtype=np.uint8)
        count = _count_items(buffer) if batch else 1
        if count == -2:
            return self.decode(_normalised(data, batch), batch=batch, max_items=max_items)
        if count < 0:
            raise ValueError("not a valid protobuf message")
        if count > max_items:
            raise TooManyItems(count)
        status, *arrays, flagged = _decode(
            buffer, batch, count, self._kinds, self._slots, len(RAW_NUMERIC_COLUMNS),
            len(RAW_CATEGORICAL_COLUMNS), self._vocabulary, self._value_starts,
            self._column_starts,
        )  # fmt: skip
        if status == _UNSUPPORTED:
            return self.decode(_normalised(data, batch), batch=batch, max_items=max_items)
        if status != _OK:
            raise ValueError("not a valid protobuf message")
        client_ids, has_client, has_application, numeric, codes = arrays
        non_finite, unknown = _flagged_cells(flagged, numeric, codes, data)
        return DecodedRequests(
            client_ids, has_client, has_application, numeric, codes, non_finite, unknown
        )


class TooManyItems(ValueError):
    """A batch with more items than allowed (the count is ``items``)."""

    def __init__(self, items: int) -> None:
        super().__init__(f"{items} items")
        self.items = items


def _field_tables(descriptor: Descriptor) -> tuple[np.ndarray, np.ndarray]:
    """Kind and matrix column of each Application field number."""
    numeric = {name: j for j, name in enumerate(RAW_NUMERIC_COLUMNS)}
    categorical = {name: j for j, name in enumerate(RAW_CATEGORICAL_COLUMNS)}
    size = max(field.number for field in descriptor.fields) + 1
    kinds = np.zeros(size, dtype=np.int8)
    slots = np.zeros(size, dtype=np.int64)
    by_type = {
        FieldDescriptor.TYPE_DOUBLE: _DOUBLE,
        FieldDescriptor.TYPE_INT32: _INT32,
        FieldDescriptor.TYPE_BOOL: _BOOL,
        FieldDescriptor.TYPE_STRING: _STRING,
    }
    for field in descriptor.fields:
        column = field.GetOptions().Extensions[application_pb2.Kaggle.column]
        kinds[field.number] = by_type[field.type]
        slots[field.number] = (
            categorical[column] if field.type == field.TYPE_STRING else (numeric[column])
        )
    return kinds, slots


def _flagged_cells(
    flagged: np.ndarray, numeric: np.ndarray, codes: np.ndarray, data: bytes
) -> tuple[tuple[tuple[int, str], ...], dict[tuple[int, str], str]]:
    """The flagged cells still holding what was flagged (a later occurrence of a field
    replaces an earlier one)."""
    non_finite: dict[tuple[int, str], None] = {}
    unknown: dict[tuple[int, str], str] = {}
    if not len(flagged):
        return (), unknown
    for row, kind, column, start, end in flagged.tolist():
        if kind == _NON_FINITE:
            if np.isnan(numeric[row, column]):
                non_finite[row, RAW_NUMERIC_COLUMNS[column]] = None
            continue
        # Accepted values are valid UTF-8; any other string must be too, as for the library,
        # even when a later occurrence of its field replaces it.
        try:
            text = data[start:end].decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("a string field is not valid UTF-8") from None
        if codes[row, column] == UNKNOWN_CODE:
            unknown[row, RAW_CATEGORICAL_COLUMNS[column]] = text
    return tuple(non_finite), unknown


def _normalised(data: bytes, batch: bool) -> bytes:
    """``data`` parsed by the protobuf library, unknown fields dropped, written again."""
    message: Message = (
        credit_score_pb2.ScoreBatchRequest() if batch else credit_score_pb2.ScoreRequest()
    )
    try:
        message.ParseFromString(data)
    except DecodeError as error:
        raise ValueError(f"not a valid protobuf message ({error})") from None
    message.DiscardUnknownFields()
    return message.SerializeToString()


@_kernel
def _put_varint(out: np.ndarray, pos: int, value: np.uint64) -> int:
    while value >= 0x80:
        out[pos] = np.uint8((value & np.uint64(0x7F)) | np.uint64(0x80))
        value >>= np.uint64(7)
        pos += 1
    out[pos] = np.uint8(value)
    return pos + 1


@_kernel
def _varint_size(value: np.uint64) -> int:
    size = 1
    while value >= 0x80:
        value >>= np.uint64(7)
        size += 1
    return size


@_kernel
def _put_double(out: np.ndarray, pos: int, tag: int, value: np.ndarray) -> int:
    """A proto3 double field given as its 8 bytes (absent when they are all zero, as the
    library writes it)."""
    if not value.any():
        return pos
    out[pos] = tag
    out[pos + 1 : pos + 9] = value
    return pos + 9


@_kernel
def _score_result_size(
    has_client: bool, client_id: int, probability: np.ndarray, threshold: np.ndarray,
    version_size: int,
) -> int:  # fmt: skip
    size = 2  # decision (never 0: DECISION_UNSPECIFIED is not sent)
    if has_client:
        size += 1 + _varint_size(np.uint64(client_id))
    if probability.any():
        size += 9
    if threshold.any():
        size += 9
    if version_size:
        size += 1 + _varint_size(np.uint64(version_size)) + version_size
    return size


@_kernel
def _write_results(
    indices: np.ndarray,
    has_client: np.ndarray,
    client_ids: np.ndarray,
    probabilities: np.ndarray,
    decisions: np.ndarray,
    threshold: np.ndarray,
    version: np.ndarray,
) -> np.ndarray:
    """ScoreBatchResponse.results entries (field 2), one per item, concatenated.

    ``probabilities`` is uint8 [items, 8] (the doubles' bytes), ``threshold`` uint8 [8].
    """
    sizes = np.empty(len(indices), dtype=np.int64)
    inner = np.empty(len(indices), dtype=np.int64)
    total = 0
    for i in range(len(indices)):
        inner[i] = _score_result_size(
            has_client[i], client_ids[i], probabilities[i], threshold, len(version)
        )
        entry = 1 + _varint_size(np.uint64(inner[i])) + inner[i]
        if indices[i] != 0:
            entry += 1 + _varint_size(np.uint64(indices[i]))
        sizes[i] = entry
        total += 1 + _varint_size(np.uint64(entry)) + entry
    out = np.empty(total, dtype=np.uint8)
    pos = 0
    for i in range(len(indices)):
        out[pos] = 0x12  # results: field 2, length-delimited
        pos = _put_varint(out, pos + 1, np.uint64(sizes[i]))
        if indices[i] != 0:
            out[pos] = 0x08  # index: field 1, varint
            pos = _put_varint(out, pos + 1, np.uint64(indices[i]))
        out[pos] = 0x12  # score: field 2, length-delimited
        pos = _put_varint(out, pos + 1, np.uint64(inner[i]))
        if has_client[i]:
            out[pos] = 0x08  # client_id: field 1, varint
            pos = _put_varint(out, pos + 1, np.uint64(client_ids[i]))
        pos = _put_double(out, pos, 0x11, probabilities[i])  # default_probability: field 2
        out[pos] = 0x18  # decision: field 3, varint
        out[pos + 1] = decisions[i]
        pos = _put_double(out, pos + 2, 0x21, threshold)  # threshold: field 4
        if len(version):
            out[pos] = 0x2A  # model_version: field 5, length-delimited
            pos = _put_varint(out, pos + 1, np.uint64(len(version)))
            out[pos : pos + len(version)] = version
            pos += len(version)
    return out


class ResponseWriter:
    """Writes ScoreBatchResponse bytes from arrays; immutable."""

    def __init__(self, model_version: str, threshold: float) -> None:
        self._version = np.frombuffer(model_version.encode("utf-8"), dtype=np.uint8).copy()
        self._threshold = threshold
        self._threshold_bytes = np.array([threshold], dtype="<f8").view(np.uint8)
        self.batch_response(np.zeros(1, np.bool_), np.zeros(1, np.int64), np.zeros(1), [], "")

    def batch_response(
        self,
        has_client: np.ndarray,
        client_ids: np.ndarray,
        probabilities: np.ndarray,
        errors: Sequence[tuple[int, credit_score_pb2.ScoreBatchResult]],
        request_id: str,
    ) -> bytes:
        """The response: item i's score from the arrays, except the ``errors`` items
        (index, ScoreBatchResult with its error), which keep their place."""
        head = credit_score_pb2.ScoreBatchResponse(request_id=request_id).SerializeToString()
        refuse = probabilities >= self._threshold
        decisions = np.where(
            refuse, credit_score_pb2.DECISION_REFUSE, credit_score_pb2.DECISION_APPROVE
        ).astype(np.uint8)
        if not errors:
            indices = np.arange(len(probabilities), dtype=np.int64)
            return head + self._results(indices, has_client, client_ids, probabilities, decisions)
        parts = [head]
        start = 0
        for index, result in sorted(errors, key=lambda item: item[0]):
            parts.append(
                self._slice(start, index, has_client, client_ids, probabilities, decisions)
            )
            parts.append(credit_score_pb2.ScoreBatchResponse(results=[result]).SerializeToString())
            start = index + 1
        parts.append(
            self._slice(start, len(probabilities), has_client, client_ids, probabilities, decisions)
        )
        return b"".join(parts)

    def _slice(self, start: int, stop: int, *arrays: np.ndarray) -> bytes:
        if stop <= start:
            return b""
        indices = np.arange(start, stop, dtype=np.int64)
        return self._results(indices, *(array[start:stop] for array in arrays))

    def _results(
        self,
        indices: np.ndarray,
        has_client: np.ndarray,
        client_ids: np.ndarray,
        probabilities: np.ndarray,
        decisions: np.ndarray,
    ) -> bytes:
        # The doubles as their little-endian bytes, as the wire format stores them.
        probability_bytes = np.ascontiguousarray(probabilities, dtype="<f8").view(np.uint8)
        return _write_results(
            indices, has_client, client_ids, probability_bytes.reshape(-1, 8), decisions,
            self._threshold_bytes, self._version,
        ).tobytes()  # fmt: skip
