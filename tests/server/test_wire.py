"""Score, ScoreBatch and Explain requests decoded from their bytes, ScoreBatch responses
written to bytes (server.converters.wire), with the protobuf library as the reference.

Requests: the expected arrays of every item are read from the message the library parses
from the same bytes (HasField / getattr), so any byte string the library accepts must
decode to what it means to the library, and any byte string it rejects must raise
ValueError. Responses: the bytes must be exactly the library's serialization of the
equivalent ScoreBatchResponse message.
"""

from __future__ import annotations

import math
import random
import struct
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError
from google.rpc import status_pb2

from creditscore.v1 import application_pb2, credit_score_pb2
from model_build.features.application import RAW_CATEGORICAL_COLUMNS, RAW_NUMERIC_COLUMNS
from model_build.features.rows import UNKNOWN_CODE, UNSET_CODE, CategoryCodes
from server.converters.scoring import APPLICATION_COLUMNS
from server.converters.wire import DecodedRequests, ResponseWriter, TooManyItems, WireDecoder
from server.validation import KAGGLE_VOCABULARIES
from tests.server.payloads import valid_application

Request = credit_score_pb2.ScoreRequest | credit_score_pb2.ExplainRequest

CODES = CategoryCodes([KAGGLE_VOCABULARIES.get(c, ()) for c in RAW_CATEGORICAL_COLUMNS])
FIELDS: tuple[FieldDescriptor, ...] = tuple(application_pb2.Application.DESCRIPTOR.fields)
FIELD_NUMBERS = {field.name: field.number for field in FIELDS}
AMT_CREDIT, DAYS_BIRTH, FLAG_MOBIL, CODE_GENDER = (
    FIELD_NUMBERS[name] for name in ("amt_credit", "days_birth", "flag_mobil", "code_gender")
)
NUMERIC_INDEX = {column: j for j, column in enumerate(RAW_NUMERIC_COLUMNS)}
CATEGORICAL_INDEX = {column: j for j, column in enumerate(RAW_CATEGORICAL_COLUMNS)}

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_FIELD_NUMBER = 2**29 - 1
# Wire types (protobuf.dev/programming-guides/encoding).
VARINT, I64, LEN, SGROUP, EGROUP, I32 = 0, 1, 2, 3, 4, 5

SPECIAL_DOUBLES = (
    0.0, -0.0, 1.0, -1.0, 0.5, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-300,
    1.7976931348623157e308, -1.7976931348623157e308, 1e300, 365243.0, -365243.0,
)  # fmt: skip
SPECIAL_INT32 = (0, 1, -1, 127, 128, -128, INT32_MIN, INT32_MIN + 1, INT32_MAX, 365243)
SPECIAL_INT64 = (0, 1, -1, 127, 128, INT64_MIN, INT64_MIN + 1, INT64_MAX, 100_002)
UNKNOWN_STRINGS = (
    "?", "unheard of", "Cash  loans", "cash loans", "é", "Ünïcödé", "日本語", "🙂 emoji",
    "tab\there", "nul\x00byte", "a" * 300,
)  # fmt: skip


@pytest.fixture(scope="module")
def decoder() -> WireDecoder:
    return WireDecoder(CODES)


# --- Wire-format helpers ------------------------------------------------------------------


def varint(value: int) -> bytes:
    """A varint; negative values as their 64-bit two's complement (10 bytes)."""
    value &= 2**64 - 1
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def key(number: int, wire_type: int) -> bytes:
    return varint(number << 3 | wire_type)


def delimited(number: int, payload: bytes) -> bytes:
    return key(number, LEN) + varint(len(payload)) + payload


def double_field(name: str, value: float) -> bytes:
    return key(FIELD_NUMBERS[name], I64) + struct.pack("<d", value)


def varint_field(name: str, value: int) -> bytes:
    """An int32 or bool Application field."""
    return key(FIELD_NUMBERS[name], VARINT) + varint(value)


def string_field(name: str, value: str | bytes) -> bytes:
    return delimited(FIELD_NUMBERS[name], value.encode() if isinstance(value, str) else value)


def client(client_id: int) -> bytes:
    """ScoreRequest.client_id (field 1)."""
    return key(1, VARINT) + varint(client_id)


def application(*fields: bytes) -> bytes:
    """ScoreRequest.application (field 2) holding ``fields``."""
    return delimited(2, b"".join(fields))


def item(*fields: bytes) -> bytes:
    """One ScoreBatchRequest.requests entry (field 1) holding ``fields``."""
    return delimited(1, b"".join(fields))


def group(number: int, *fields: bytes) -> bytes:
    return key(number, SGROUP) + b"".join(fields) + key(number, EGROUP)


def as_request(*fields: bytes) -> tuple[bool, bytes]:
    """A (batch, data) case: the ScoreRequest made of ``fields``."""
    return False, b"".join(fields)


def as_batch(*fields: bytes) -> tuple[bool, bytes]:
    """A (batch, data) case: the ScoreBatchRequest made of ``fields``."""
    return True, b"".join(fields)


def field_pieces(message: application_pb2.Application) -> list[bytes]:
    """The bytes of each set field of ``message``, one piece per field, in field order."""
    return [
        application_pb2.Application(**{field.name: value}).SerializeToString()
        for field, value in message.ListFields()
    ]


# --- The reference: the protobuf library ---------------------------------------------------


def parse(
    data: bytes, *, batch: bool, request_type: type[Request] = credit_score_pb2.ScoreRequest
) -> list[Request]:
    """The requests the library reads from ``data``."""
    if batch:
        return list(credit_score_pb2.ScoreBatchRequest.FromString(data).requests)
    return [request_type.FromString(data)]


def library_rejects(data: bytes, *, batch: bool) -> bool:
    try:
        parse(data, batch=batch)
    except DecodeError:
        return True
    return False


def expected_decoding(requests: Sequence[Request]) -> DecodedRequests:
    """What the decoder must produce for ``requests``, read with the protobuf API."""
    count = len(requests)
    numeric = np.full((count, len(RAW_NUMERIC_COLUMNS)), np.nan)
    codes = np.full((count, len(RAW_CATEGORICAL_COLUMNS)), UNSET_CODE, dtype=np.int16)
    non_finite: list[tuple[int, str]] = []
    unknown: dict[tuple[int, str], str] = {}
    for i, request in enumerate(requests):
        if not request.HasField("application"):
            continue
        for field in FIELDS:
            if not request.application.HasField(field.name):
                continue
            column = APPLICATION_COLUMNS[field.name]
            value = getattr(request.application, field.name)
            if field.type == FieldDescriptor.TYPE_STRING:
                accepted = CODES.values[CATEGORICAL_INDEX[column]]
                if value in accepted:
                    codes[i, CATEGORICAL_INDEX[column]] = accepted.index(value)
                elif value:
                    codes[i, CATEGORICAL_INDEX[column]] = UNKNOWN_CODE
                    unknown[i, column] = value
            elif math.isfinite(value):
                numeric[i, NUMERIC_INDEX[column]] = float(value)
            else:
                non_finite.append((i, column))
    return DecodedRequests(
        client_ids=np.array([r.client_id for r in requests], dtype=np.int64),
        has_client=np.array([r.HasField("client_id") for r in requests], dtype=np.bool_),
        has_application=np.array([r.HasField("application") for r in requests], dtype=np.bool_),
        numeric=numeric,
        codes=codes,
        non_finite=tuple(non_finite),
        unknown=unknown,
    )


def assert_same_decoding(actual: DecodedRequests, expected: DecodedRequests) -> None:
    assert len(actual) == len(expected)
    for name in ("client_ids", "has_client", "has_application", "codes", "numeric"):
        got, want = getattr(actual, name), getattr(expected, name)
        assert got.dtype == want.dtype, name
        np.testing.assert_array_equal(got, want, err_msg=name)
    # Equal as numbers is not enough for -0.0: the sign must survive too.
    finite = ~np.isnan(expected.numeric)
    np.testing.assert_array_equal(
        np.signbit(actual.numeric[finite]), np.signbit(expected.numeric[finite]), "signs"
    )
    assert len(set(actual.non_finite)) == len(actual.non_finite), "duplicate non-finite cells"
    assert set(actual.non_finite) == set(expected.non_finite)
    assert actual.unknown == expected.unknown


def assert_decodes_like_the_library(
    decoder: WireDecoder,
    data: bytes,
    *,
    batch: bool,
    request_type: type[Request] = credit_score_pb2.ScoreRequest,
) -> DecodedRequests:
    decoded = decoder.decode(data, batch=batch, max_items=10_000)
    assert_same_decoding(
        decoded, expected_decoding(parse(data, batch=batch, request_type=request_type))
    )
    return decoded


# --- Random requests -----------------------------------------------------------------------


def random_double(rng: random.Random) -> float:
    roll = rng.random()
    if roll < 0.03:
        return rng.choice((math.nan, math.inf, -math.inf))
    if roll < 0.3:
        return rng.choice(SPECIAL_DOUBLES)
    if roll < 0.6:
        return rng.choice((1.0, -1.0)) * math.ldexp(rng.random(), rng.randint(-1074, 1023))
    return rng.uniform(-1e6, 1e6)


def random_int32(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.3:
        return rng.choice(SPECIAL_INT32)
    if roll < 0.6:
        return rng.randint(INT32_MIN, INT32_MAX)
    return rng.randint(-30_000, 30_000)


def random_client_id(rng: random.Random) -> int:
    return rng.choice(SPECIAL_INT64) if rng.random() < 0.4 else rng.randint(INT64_MIN, INT64_MAX)


def random_string(rng: random.Random, column: str) -> str:
    accepted = CODES.values[CATEGORICAL_INDEX[column]]
    roll = rng.random()
    if roll < 0.5 and accepted:
        return rng.choice(accepted)
    if roll < 0.65:
        return ""
    if roll < 0.8 and accepted:  # Near misses: a prefix, or a value with one more character.
        value = rng.choice(accepted)
        return rng.choice((value[:-1], value + " ", value + "é"))
    return rng.choice(UNKNOWN_STRINGS)


def random_value(rng: random.Random, field: FieldDescriptor) -> object:
    if field.type == FieldDescriptor.TYPE_DOUBLE:
        return random_double(rng)
    if field.type == FieldDescriptor.TYPE_INT32:
        return random_int32(rng)
    if field.type == FieldDescriptor.TYPE_BOOL:
        return rng.random() < 0.5
    return random_string(rng, APPLICATION_COLUMNS[field.name])


def random_application(rng: random.Random) -> application_pb2.Application:
    size = rng.choice((0, 1, 2, 5, 20, 60, len(FIELDS)))
    return application_pb2.Application(
        **{field.name: random_value(rng, field) for field in rng.sample(FIELDS, size)}
    )


def random_request(
    rng: random.Random, request_type: type[Request] = credit_score_pb2.ScoreRequest
) -> Request:
    request = request_type()
    if rng.random() < 0.75:
        request.client_id = random_client_id(rng)
    if rng.random() < 0.85:
        request.application.SetInParent()
        request.application.MergeFrom(random_application(rng))
    return request


def random_batch(rng: random.Random, max_items: int = 50) -> credit_score_pb2.ScoreBatchRequest:
    return credit_score_pb2.ScoreBatchRequest(
        requests=[random_request(rng) for _ in range(rng.randint(1, max_items))]
    )


def unknown_field(rng: random.Random, lowest: int) -> bytes:
    """A field numbered from ``lowest`` up, of a random wire type, with a random value."""
    number = rng.choice((lowest, lowest + 1, MAX_FIELD_NUMBER, rng.randint(lowest, 5000)))
    wire_type = rng.choice((VARINT, I64, LEN, I32))
    if wire_type == VARINT:
        return key(number, VARINT) + varint(rng.choice((0, 1, -1, rng.getrandbits(64))))
    if wire_type == LEN:  # Any bytes: they are not parsed.
        return delimited(number, rng.randbytes(rng.choice((0, 1, 5, 200))))
    return key(number, wire_type) + rng.randbytes(8 if wire_type == I64 else 4)


def interleaved(rng: random.Random, pieces: Sequence[bytes], noise: Callable[[], bytes]) -> bytes:
    """``pieces`` in order, with ``noise()`` fields before, between and after them."""
    out: list[bytes] = []
    for piece in [*pieces, b""]:
        while rng.random() < 0.3:
            out.append(noise())
        out.append(piece)
    return b"".join(out)


def request_with_noise(
    rng: random.Random, request: Request, noise: Callable[[int], bytes]
) -> bytes:
    """``request``'s bytes, field by field (client_id and application in random order), with
    ``noise(lowest)`` fields mixed in: in the request from field 3 up, in its application
    from the number after the last Application field up."""
    pieces = []
    if request.HasField("client_id"):
        pieces.append(client(request.client_id))
    if request.HasField("application"):
        fields = field_pieces(request.application)
        pieces.append(application(interleaved(rng, fields, lambda: noise(len(FIELDS) + 1))))
    rng.shuffle(pieces)
    return interleaved(rng, pieces, lambda: noise(3))


# --- Requests: random messages ---------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_random_batches_decode_like_the_library(decoder: WireDecoder, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(50):
        batch = random_batch(rng)
        decoded = assert_decodes_like_the_library(decoder, batch.SerializeToString(), batch=True)
        assert len(decoded) == len(batch.requests)


@pytest.mark.parametrize("seed", range(2))
def test_random_score_requests_decode_like_the_library(decoder: WireDecoder, seed: int) -> None:
    rng = random.Random(100 + seed)
    for _ in range(150):
        data = random_request(rng).SerializeToString()
        assert len(assert_decodes_like_the_library(decoder, data, batch=False)) == 1


def test_every_field_lands_in_its_kaggle_column(decoder: WireDecoder) -> None:
    """Each field set alone: its own Kaggle column holds its value, every other is unset."""
    for field in FIELDS:
        column = APPLICATION_COLUMNS[field.name]
        want_numeric = np.full(len(RAW_NUMERIC_COLUMNS), np.nan)
        want_codes = np.full(len(RAW_CATEGORICAL_COLUMNS), UNSET_CODE, dtype=np.int16)
        if field.type == FieldDescriptor.TYPE_STRING:
            accepted = CODES.values[CATEGORICAL_INDEX[column]]
            value: object = accepted[-1]
            want_codes[CATEGORICAL_INDEX[column]] = len(accepted) - 1
        else:
            value = {
                FieldDescriptor.TYPE_BOOL: True,
                FieldDescriptor.TYPE_INT32: -field.number,
                FieldDescriptor.TYPE_DOUBLE: field.number + 0.25,
            }[field.type]
            want_numeric[NUMERIC_INDEX[column]] = float(value)  # type: ignore[arg-type]
        data = application(application_pb2.Application(**{field.name: value}).SerializeToString())
        decoded = decoder.decode(data, batch=False)
        np.testing.assert_array_equal(decoded.numeric[0], want_numeric, err_msg=field.name)
        np.testing.assert_array_equal(decoded.codes[0], want_codes, err_msg=field.name)


def test_numeric_columns_without_an_application_field_stay_nan(decoder: WireDecoder) -> None:
    every_field = application_pb2.Application(
        **{f.name: random_value(random.Random(f.number), f) for f in FIELDS}
    )
    decoded = decoder.decode(application(every_field.SerializeToString()), batch=False)
    fed = {APPLICATION_COLUMNS[f.name] for f in FIELDS}
    for column in sorted(set(RAW_NUMERIC_COLUMNS) - fed):  # e.g. DAYS_EMPLOYED_ANOM
        assert np.isnan(decoded.numeric[0, NUMERIC_INDEX[column]]), column


def test_a_valid_application_decodes_to_its_values(decoder: WireDecoder) -> None:
    message = valid_application(flag_mobil=True, days_birth=INT32_MIN)
    request = credit_score_pb2.ScoreRequest(client_id=-7, application=message)
    decoded = decoder.decode(request.SerializeToString(), batch=False)
    assert decoded.client_ids.tolist() == [-7]
    assert decoded.has_client.tolist() == decoded.has_application.tolist() == [True]
    row = dict(zip(RAW_NUMERIC_COLUMNS, decoded.numeric[0].tolist(), strict=True))
    assert row["AMT_CREDIT"] == 500_000.0
    assert row["DAYS_BIRTH"] == float(INT32_MIN)
    assert row["FLAG_MOBIL"] == 1.0
    assert row["CNT_CHILDREN"] == 0.0
    assert math.isnan(row["AMT_REQ_CREDIT_BUREAU_YEAR"])
    codes = dict(zip(RAW_CATEGORICAL_COLUMNS, decoded.codes[0].tolist(), strict=True))
    assert codes["NAME_CONTRACT_TYPE"] == CODES.values[0].index("Cash loans")
    assert codes["CODE_GENDER"] == UNSET_CODE
    assert decoded.non_finite == ()
    assert decoded.unknown == {}


def test_an_empty_score_request_is_one_item_without_client_or_application(
    decoder: WireDecoder,
) -> None:
    decoded = decoder.decode(b"", batch=False)
    assert len(decoded) == 1
    assert decoded.has_client.tolist() == decoded.has_application.tolist() == [False]
    assert np.isnan(decoded.numeric).all()
    assert (decoded.codes == UNSET_CODE).all()


def test_an_empty_application_is_present(decoder: WireDecoder) -> None:
    decoded = decoder.decode(item(application()) + item(client(0)), batch=True, max_items=2)
    assert decoded.has_application.tolist() == [True, False]
    assert decoded.has_client.tolist() == [False, True]
    assert np.isnan(decoded.numeric).all()


# --- Requests: protobuf semantics on hand-made bytes -------------------------------------------


@pytest.mark.parametrize(
    ("sent", "value"),
    [
        (2**32 - 1, -1),  # -1 as a 5-byte varint (zero-extended rather than sign-extended)
        (2**31, INT32_MIN),
        (2**32 + 5, 5),
        (2**64 - 2**31, INT32_MIN),
        (2**63 + 7, 7),
    ],
)
def test_an_int32_is_the_low_32_bits_of_its_varint(
    decoder: WireDecoder, sent: int, value: int
) -> None:
    """Varints wider than an int32 are valid on the wire; the library keeps their low 32
    bits as a two's complement int32."""
    data = application(varint_field("days_birth", sent))
    decoded = assert_decodes_like_the_library(decoder, data, batch=False)
    assert decoded.numeric[0, NUMERIC_INDEX["DAYS_BIRTH"]] == float(value)


def test_fields_in_reverse_order_decode_as_in_order(decoder: WireDecoder) -> None:
    rng = random.Random(7)
    for _ in range(150):
        request = random_request(rng)
        pieces = field_pieces(request.application)[::-1]
        fields = [application(*pieces)] if request.HasField("application") else []
        if request.HasField("client_id"):
            fields.append(client(request.client_id))  # client_id after the application
        data = b"".join(fields)
        decoded = assert_decodes_like_the_library(decoder, data, batch=False)
        assert_same_decoding(decoded, expected_decoding([request]))


@pytest.mark.parametrize(
    ("name", "occurrences"),
    [
        ("amt_credit", [double_field("amt_credit", 1.5), double_field("amt_credit", -2.5)]),
        ("amt_credit", [double_field("amt_credit", 1.5), double_field("amt_credit", 0.0)]),
        ("days_birth", [varint_field("days_birth", -100), varint_field("days_birth", 7)]),
        ("days_birth", [varint_field("days_birth", 7), varint_field("days_birth", INT32_MIN)]),
        ("flag_mobil", [varint_field("flag_mobil", 1), varint_field("flag_mobil", 0)]),
        ("flag_mobil", [varint_field("flag_mobil", 0), varint_field("flag_mobil", 5)]),
    ],
)
def test_a_repeated_number_field_takes_its_last_value(
    decoder: WireDecoder, name: str, occurrences: list[bytes]
) -> None:
    data = application(*occurrences)
    decoded = assert_decodes_like_the_library(decoder, data, batch=False)
    last = decoder.decode(application(occurrences[-1]), batch=False)
    assert_same_decoding(decoded, last)
    assert not np.isnan(decoded.numeric[0, NUMERIC_INDEX[APPLICATION_COLUMNS[name]]])


@pytest.mark.parametrize(
    "values",
    [
        ["Cash loans", "Revolving loans"],
        ["unheard of", "Cash loans"],
        ["Cash loans", "unheard of"],
        ["first unknown", "second unknown"],
        ["Cash loans", ""],
        ["unheard of", ""],
        ["", "Revolving loans"],
        ["日本語", "Cash loans", "é"],
        ["Cash loans", "Cash loan", "Cash loans"],
    ],
)
def test_a_repeated_string_field_takes_its_last_value(
    decoder: WireDecoder, values: list[str]
) -> None:
    data = application(*(string_field("name_contract_type", value) for value in values))
    decoded = assert_decodes_like_the_library(decoder, data, batch=False)
    accepted = CODES.values[CATEGORICAL_INDEX["NAME_CONTRACT_TYPE"]]
    last = values[-1]
    unknown: dict[tuple[int, str], str] = {}
    if last in accepted:
        want = accepted.index(last)
    elif last == "":
        want = UNSET_CODE
    else:
        want, unknown = UNKNOWN_CODE, {(0, "NAME_CONTRACT_TYPE"): last}
    assert decoded.codes[0, CATEGORICAL_INDEX["NAME_CONTRACT_TYPE"]] == want
    assert decoded.unknown == unknown


def test_an_application_sent_twice_in_one_item_is_merged(decoder: WireDecoder) -> None:
    data = item(
        client(1),
        application(double_field("amt_credit", 1.0), string_field("name_contract_type", "?")),
        client(2),
        application(
            double_field("amt_annuity", 2.0), string_field("name_contract_type", "Cash loans")
        ),
    )
    decoded = assert_decodes_like_the_library(decoder, data, batch=True)
    assert decoded.client_ids.tolist() == [2]
    assert decoded.numeric[0, NUMERIC_INDEX["AMT_CREDIT"]] == 1.0
    assert decoded.numeric[0, NUMERIC_INDEX["AMT_ANNUITY"]] == 2.0
    assert decoded.codes[0, CATEGORICAL_INDEX["NAME_CONTRACT_TYPE"]] == 0
    assert decoded.unknown == {}


def test_repeated_fields_and_applications_merge_like_the_library(decoder: WireDecoder) -> None:
    """Items made of several client_ids and applications (themselves concatenations of
    random applications), in random order."""
    rng = random.Random(11)
    for _ in range(100):
        items = []
        for _ in range(rng.randint(1, 8)):
            fields = [client(random_client_id(rng)) for _ in range(rng.randint(0, 2))]
            for _ in range(rng.randint(0, 3)):
                parts = [random_application(rng) for _ in range(rng.randint(1, 3))]
                fields.append(application(*(part.SerializeToString() for part in parts)))
            rng.shuffle(fields)
            items.append(item(*fields))
        assert_decodes_like_the_library(decoder, b"".join(items), batch=True)


def test_unknown_fields_of_every_wire_type_are_skipped(decoder: WireDecoder) -> None:
    """Unknown varint, 64-bit, length-delimited and 32-bit fields at the top level, in the
    items and in the applications change nothing."""
    rng = random.Random(13)
    for _ in range(100):
        batch = random_batch(rng, max_items=20)
        items = [
            item(request_with_noise(rng, r, lambda n: unknown_field(rng, n)))
            for r in batch.requests
        ]
        data = interleaved(rng, items, lambda: unknown_field(rng, 2))
        decoded = assert_decodes_like_the_library(decoder, data, batch=True)
        assert_same_decoding(decoded, expected_decoding(batch.requests))
    for _ in range(100):
        request = random_request(rng)
        data = request_with_noise(rng, request, lambda n: unknown_field(rng, n))
        assert_same_decoding(decoder.decode(data, batch=False), expected_decoding([request]))


def test_the_language_code_of_an_explain_request_is_ignored(decoder: WireDecoder) -> None:
    rng = random.Random(17)
    for _ in range(100):
        request = random_request(rng, credit_score_pb2.ExplainRequest)
        request.language_code = rng.choice(("", "en", "fr-FR", "日本語", "x" * 200))
        data = request.SerializeToString()
        decoded = assert_decodes_like_the_library(
            decoder, data, batch=False, request_type=credit_score_pb2.ExplainRequest
        )
        request.ClearField("language_code")
        assert_same_decoding(decoded, decoder.decode(request.SerializeToString(), batch=False))


# Inputs the kernels leave to the library: a known field with another wire type, and groups.
NORMALISED = {
    "double field as varint": as_request(
        application(double_field("amt_credit", 1.5), varint_field("amt_credit", 3))
    ),
    "double field as 32-bit": as_request(application(key(AMT_CREDIT, I32) + b"\0\0\x80\x3f")),
    "int32 field as 64-bit": as_request(application(key(DAYS_BIRTH, I64) + struct.pack("<q", -5))),
    "bool field as length-delimited": as_request(
        application(varint_field("flag_mobil", 1), delimited(FLAG_MOBIL, b"\1"))
    ),
    "string field as varint": as_request(
        application(string_field("code_gender", "F"), varint_field("code_gender", 1))
    ),
    "client_id as 64-bit": as_request(client(5), key(1, I64) + struct.pack("<q", 9)),
    "application as varint": as_request(key(2, VARINT) + varint(3)),
    "application as 32-bit": as_request(
        application(double_field("amt_credit", 1.0)), key(2, I32) + b"\0" * 4
    ),
    "group in the application": as_request(
        application(group(500, varint_field("flag_mobil", 1)), double_field("amt_credit", 2.0))
    ),
    "group numbered as a known field": as_request(
        application(double_field("amt_credit", 2.0), group(AMT_CREDIT, client(3)))
    ),
    "nested groups in the request": as_request(
        client(4), group(9, group(10, client(1)), client(2))
    ),
    "empty group": as_request(group(3), client(4)),
    "group at the top level of a batch": as_batch(item(client(1)), group(2, item(client(9)))),
    "group in a batch item": as_batch(item(client(1), group(7, key(1, VARINT) + varint(9)))),
    "batch item as varint": as_batch(item(client(1)), key(1, VARINT) + varint(2), item()),
    "wrong wire type in one item of many": as_batch(
        item(client(1)), item(client(2), application(varint_field("amt_credit", 1))), item()
    ),
}


@pytest.mark.parametrize(("batch", "data"), NORMALISED.values(), ids=NORMALISED.keys())
def test_wrong_wire_types_and_groups_decode_like_the_library(
    decoder: WireDecoder, batch: bool, data: bytes
) -> None:
    """As the library reads them: a known field of another wire type is an unknown field,
    groups are unknown fields, and unknown fields are discarded."""
    message = (credit_score_pb2.ScoreBatchRequest if batch else credit_score_pb2.ScoreRequest)()
    message.ParseFromString(data)
    message.DiscardUnknownFields()
    requests = list(message.requests) if batch else [message]
    assert_same_decoding(
        decoder.decode(data, batch=batch, max_items=10), expected_decoding(requests)
    )


def odd_field(rng: random.Random, lowest: int) -> bytes:
    """Often a field the kernels hand to the library: a group, or a known field number (below
    ``lowest``) with a random wire type, mostly not its own; else an unknown field."""
    roll = rng.random()
    if roll < 0.3:
        return group(
            rng.randint(lowest, 2000), *(unknown_field(rng, 1) for _ in range(rng.randint(0, 2)))
        )
    if roll < 0.6:
        number = rng.randint(1, lowest - 1)
        wire_type, value = rng.choice(((VARINT, varint(1)), (I64, b"\x01" * 8), (I32, b"\x01" * 4)))
        return key(number, wire_type) + value
    return unknown_field(rng, lowest)


def test_random_groups_and_wrong_wire_types_decode_like_the_library(decoder: WireDecoder) -> None:
    rng = random.Random(19)
    for _ in range(100):
        batch = random_batch(rng, max_items=10)
        items = [
            item(request_with_noise(rng, r, lambda n: odd_field(rng, n))) for r in batch.requests
        ]
        data = b"".join(items)
        assert_decodes_like_the_library(decoder, data, batch=True)


# --- Requests: non-finite numbers --------------------------------------------------------------

NON_FINITE_BYTES = {
    "nan": struct.pack("<d", math.nan),
    "-nan": struct.pack("<d", -math.nan),
    "signalling nan": struct.pack("<Q", 0x7FF0_0000_0000_0001),
    "nan with a payload": struct.pack("<Q", 0xFFF8_0000_DEAD_BEEF),
    "inf": struct.pack("<d", math.inf),
    "-inf": struct.pack("<d", -math.inf),
}


def raw_double(name: str, value: bytes) -> bytes:
    return key(FIELD_NUMBERS[name], I64) + value


@pytest.mark.parametrize("value", NON_FINITE_BYTES.values(), ids=NON_FINITE_BYTES.keys())
def test_non_finite_numbers_are_reported_and_left_nan(decoder: WireDecoder, value: bytes) -> None:
    data = (
        item(application(double_field("amt_credit", 1.0)))
        + item(
            client(2), application(raw_double("amt_credit", value), varint_field("days_birth", -9))
        )
        + item(application(double_field("amt_credit", 3.0), raw_double("ext_source_2", value)))
    )
    decoded = assert_decodes_like_the_library(decoder, data, batch=True)
    assert set(decoded.non_finite) == {(1, "AMT_CREDIT"), (2, "EXT_SOURCE_2")}
    assert decoded.numeric[:, NUMERIC_INDEX["AMT_CREDIT"]].tolist()[::2] == [1.0, 3.0]
    assert np.isnan(decoded.numeric[1, NUMERIC_INDEX["AMT_CREDIT"]])
    assert np.isnan(decoded.numeric[2, NUMERIC_INDEX["EXT_SOURCE_2"]])
    assert decoded.numeric[1, NUMERIC_INDEX["DAYS_BIRTH"]] == -9.0


@pytest.mark.parametrize(
    ("request_bytes", "reported"),
    [
        (application(double_field("amt_credit", math.nan), double_field("amt_credit", 1.5)), False),
        (application(double_field("amt_credit", 1.5), double_field("amt_credit", math.inf)), True),
        (
            application(
                double_field("amt_credit", math.inf), double_field("amt_credit", -math.inf)
            ),
            True,
        ),
        (
            application(double_field("amt_credit", math.nan))
            + application(double_field("amt_credit", 0.0)),
            False,
        ),
        (
            application(double_field("amt_credit", math.nan))
            + application(double_field("amt_annuity", 2.0)),
            True,
        ),
    ],
    ids=[
        "nan then finite",
        "finite then inf",
        "inf then -inf",
        "nan then finite in a second application",
        "nan, then a second application without it",
    ],
)
def test_a_later_finite_occurrence_clears_the_non_finite_report(
    decoder: WireDecoder, request_bytes: bytes, reported: bool
) -> None:
    decoded = assert_decodes_like_the_library(decoder, request_bytes, batch=False)
    assert decoded.non_finite == (((0, "AMT_CREDIT"),) if reported else ())
    assert np.isnan(decoded.numeric[0, NUMERIC_INDEX["AMT_CREDIT"]]) == reported


def test_unknown_strings_are_reported_with_their_text(decoder: WireDecoder) -> None:
    data = item(application(string_field("code_gender", "F"))) + item(
        application(
            string_field("code_gender", "Ünïcödé 🙂"),
            string_field("name_contract_type", "Cash loans "),
        )
    )
    decoded = assert_decodes_like_the_library(decoder, data, batch=True)
    assert decoded.unknown == {
        (1, "CODE_GENDER"): "Ünïcödé 🙂",
        (1, "NAME_CONTRACT_TYPE"): "Cash loans ",
    }
    assert decoded.codes[1, CATEGORICAL_INDEX["CODE_GENDER"]] == UNKNOWN_CODE


# --- Requests: invalid bytes and batch sizes ---------------------------------------------------

INVALID = {
    "truncated varint": as_request(b"\x08\x80"),
    "truncated varint in a batch item": as_batch(item(b"\x08\x80")),
    "truncated varint in the application": as_request(
        application(key(DAYS_BIRTH, VARINT) + b"\xff")
    ),
    "varint of 11 bytes": as_request(b"\x08" + b"\xff" * 10 + b"\x01"),
    "truncated key": as_request(b"\x80"),
    "length beyond the end": as_request(b"\x12\x05\x00"),
    "batch item beyond the end": as_batch(item(client(1)), b"\x0a\x05\x08"),
    # Lengths are bounded by the enclosing message, not by the end of the bytes.
    "string beyond its application": as_request(
        application(key(CODE_GENDER, LEN) + varint(3)), client(300)
    ),
    "double beyond its application": as_request(application(key(AMT_CREDIT, I64)), client(-1)),
    "varint beyond its application": as_request(
        application(key(DAYS_BIRTH, VARINT) + b"\x80"), client(1)
    ),
    "application beyond its batch item": as_batch(b"\x0a\x02\x12\x02", item()),
    "truncated double": as_request(application(key(AMT_CREDIT, I64) + b"\0\0\0\0")),
    "truncated unknown 64-bit field": as_request(key(9, I64) + b"\0" * 7),
    "truncated unknown 32-bit field": as_request(application(key(300, I32) + b"\0" * 3)),
    "field number 0": as_request(b"\x00\x00"),
    "field number 0 at the top level of a batch": as_batch(b"\x02\x00"),
    "field number 0 in a batch item": as_batch(item(b"\x00\x00")),
    "field number 0 in the application": as_request(application(b"\x05\x00\x00\x00\x00")),
    "wire type 6": as_request(b"\x0e\x00"),
    "wire type 7 in the application": as_request(application(b"\x0f\x00")),
    "end of a group never started": as_request(client(1), key(5, EGROUP)),
    "group never ended": as_batch(item(client(1)), key(5, SGROUP), client(1)),
    "group ended by another number": as_request(key(5, SGROUP), key(6, EGROUP)),
}


@pytest.mark.parametrize(("batch", "data"), INVALID.values(), ids=INVALID.keys())
def test_invalid_bytes_raise_value_error(decoder: WireDecoder, batch: bool, data: bytes) -> None:
    assert library_rejects(data, batch=batch)
    with pytest.raises(ValueError) as raised:
        decoder.decode(data, batch=batch, max_items=10)
    assert not isinstance(raised.value, TooManyItems)


# Bytes the library rejects for checks of its own (found by comparing the two on mutated
# requests): the decoder rejects them too.
LIBRARY_CHECKS = {
    "invalid UTF-8 in an application string": as_request(
        application(string_field("code_gender", b"\xff\xfe"))
    ),
    "field number above 2**29 - 1": as_request(key(2**29, VARINT) + varint(1)),
    "field number above 2**29 - 1 in a batch": as_batch(item(), key(2**29, VARINT) + varint(1)),
    "tag varint longer than 5 bytes": as_request(b"\x88\x80\x80\x80\x80\x00" + varint(1)),
}


@pytest.mark.parametrize(("batch", "data"), LIBRARY_CHECKS.values(), ids=LIBRARY_CHECKS.keys())
def test_bytes_the_library_rejects_for_its_own_checks_raise_value_error(
    decoder: WireDecoder, batch: bool, data: bytes
) -> None:
    assert library_rejects(data, batch=batch)
    with pytest.raises(ValueError):
        decoder.decode(data, batch=batch, max_items=10)


def test_truncated_messages_are_rejected_unless_the_library_accepts_them(
    decoder: WireDecoder,
) -> None:
    """Every prefix of a few batches and requests: the library's verdict, the same items."""
    rng = random.Random(23)
    for batch in (True, False):
        for _ in range(10):
            message = random_batch(rng, max_items=5) if batch else random_request(rng)
            data = message.SerializeToString()
            for end in range(len(data)):
                try:
                    requests = parse(data[:end], batch=batch)
                except DecodeError:
                    with pytest.raises(ValueError):
                        decoder.decode(data[:end], batch=batch, max_items=10)
                else:
                    decoded = decoder.decode(data[:end], batch=batch, max_items=10)
                    assert_same_decoding(decoded, expected_decoding(requests))


@pytest.mark.parametrize("max_items", [1, 2, 7, 1000])
def test_a_batch_over_max_items_raises_too_many_items(decoder: WireDecoder, max_items: int) -> None:
    items = [item(client(i), application(double_field("amt_credit", i))) for i in range(max_items)]
    assert len(decoder.decode(b"".join(items), batch=True, max_items=max_items)) == max_items
    over = b"".join(items) + item()  # An empty item counts too.
    with pytest.raises(TooManyItems) as raised:
        decoder.decode(over, batch=True, max_items=max_items)
    assert raised.value.items == max_items + 1
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    "data",
    [b"", key(2, VARINT) + varint(1), delimited(5, b"\x0a\x00")],
    ids=["no bytes", "unknown varint", "unknown length-delimited"],
)
def test_a_batch_without_items_decodes_to_none(decoder: WireDecoder, data: bytes) -> None:
    decoded = decoder.decode(data, batch=True)
    assert len(decoded) == 0
    assert decoded.numeric.shape == (0, len(RAW_NUMERIC_COLUMNS))
    assert decoded.codes.shape == (0, len(RAW_CATEGORICAL_COLUMNS))
    assert decoded.non_finite == ()
    assert decoded.unknown == {}


# --- Responses ---------------------------------------------------------------------------------


def library_response(
    model_version: str,
    threshold: float,
    has_client: np.ndarray,
    client_ids: np.ndarray,
    probabilities: np.ndarray,
    errors: Sequence[tuple[int, credit_score_pb2.ScoreBatchResult]],
    request_id: str,
) -> bytes:
    """The ScoreBatchResponse the writer must produce, built and serialized by the library."""
    response = credit_score_pb2.ScoreBatchResponse(request_id=request_id)
    error_results = dict(errors)
    for i, probability in enumerate(probabilities.tolist()):
        if i in error_results:
            response.results.append(error_results[i])
            continue
        score = credit_score_pb2.ScoreResult(
            default_probability=probability,
            decision=(
                credit_score_pb2.DECISION_REFUSE
                if probability >= threshold
                else credit_score_pb2.DECISION_APPROVE
            ),
            threshold=threshold,
            model_version=model_version,
        )
        if has_client[i]:
            score.client_id = int(client_ids[i])
        response.results.add(index=i, score=score)
    return response.SerializeToString()


def error_result(index: int) -> credit_score_pb2.ScoreBatchResult:
    return credit_score_pb2.ScoreBatchResult(
        index=index, error=status_pb2.Status(code=3, message="bad")
    )


MODEL_VERSIONS = ("", "v1", "2024-06-01+3f2a9c", "modèle-ß-日本", "v" * 200)
REQUEST_IDS = ("", "req-1", "é" * 100)


def random_probability(rng: random.Random, threshold: float) -> float:
    if rng.random() < 0.7:
        return rng.random()
    below, above = math.nextafter(threshold, -1.0), math.nextafter(threshold, 2.0)
    return rng.choice((0.0, -0.0, 1.0, 5e-324, threshold, below, above))


@pytest.mark.parametrize("seed", range(4))
def test_batch_responses_are_the_library_bytes(seed: int) -> None:
    rng = random.Random(1000 + seed)
    for case in range(50):
        threshold = rng.choice((0.5, 0.0, -0.0, 1.0, rng.random()))
        model_version = MODEL_VERSIONS[case % len(MODEL_VERSIONS)]
        request_id = rng.choice(REQUEST_IDS)
        count = rng.choice((1, 2, rng.randint(1, 300)))
        has_client = np.array([rng.random() < 0.7 for _ in range(count)], dtype=np.bool_)
        client_ids = np.array([random_client_id(rng) for _ in range(count)], dtype=np.int64)
        probabilities = np.array([random_probability(rng, threshold) for _ in range(count)])
        failed = rng.sample(range(count), rng.choice((0, 1, rng.randint(0, count))))
        errors = [(i, error_result(i)) for i in failed]  # In no particular order.
        args = (has_client, client_ids, probabilities, errors, request_id)
        written = ResponseWriter(model_version, threshold).batch_response(*args)
        assert written == library_response(model_version, threshold, *args), (seed, case)


def test_a_response_scores_at_the_threshold_as_refusals() -> None:
    threshold = 0.25
    probabilities = np.array([threshold, math.nextafter(threshold, 0.0), 0.0, -0.0, 1.0])
    has_client = np.array([True, False, True, True, False])
    client_ids = np.array([1, 99, -2, 0, 5], dtype=np.int64)
    data = ResponseWriter("v7", threshold).batch_response(
        has_client, client_ids, probabilities, [(4, error_result(4))], "rid"
    )
    response = credit_score_pb2.ScoreBatchResponse.FromString(data)
    assert response.request_id == "rid"
    assert [r.index for r in response.results] == [0, 1, 2, 3, 4]
    scores = [result.score for result in response.results[:4]]
    refuse, approve = credit_score_pb2.DECISION_REFUSE, credit_score_pb2.DECISION_APPROVE
    assert [score.decision for score in scores] == [refuse, approve, approve, approve]
    assert [score.HasField("client_id") for score in scores] == [True, False, True, True]
    assert [score.client_id for score in scores] == [1, 0, -2, 0]
    assert {score.threshold for score in scores} == {threshold}
    assert {score.model_version for score in scores} == {"v7"}
    assert response.results[4].WhichOneof("outcome") == "error"
    assert data == library_response(
        "v7", threshold, has_client, client_ids, probabilities, [(4, error_result(4))], "rid"
    )


def test_a_response_without_items_is_its_request_id_alone() -> None:
    writer = ResponseWriter("v1", 0.5)
    empty = (np.zeros(0, np.bool_), np.zeros(0, np.int64), np.zeros(0))
    assert writer.batch_response(*empty, [], "") == b""
    assert writer.batch_response(*empty, [], "abc") == (
        credit_score_pb2.ScoreBatchResponse(request_id="abc").SerializeToString()
    )


def test_a_response_where_every_item_failed_holds_only_the_errors() -> None:
    count = 4
    errors = [(i, error_result(i)) for i in (3, 0, 2, 1)]
    args = (
        np.ones(count, np.bool_),
        np.arange(count, dtype=np.int64),
        np.full(count, 0.9),
        errors,
        "r",
    )
    assert ResponseWriter("v", 0.5).batch_response(*args) == library_response("v", 0.5, *args)
