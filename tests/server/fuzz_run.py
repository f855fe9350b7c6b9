"""Fuzzing of every RPC the server serves: random and mutated request bytes sent with a generic
client, tallied by method and status code.

Script mode, for a bigger run than the test's (trains the tests' tiny model unless given one)::

    python -m tests.server.fuzz_run --requests 10000 [--seed 0] [--artifacts DIR]
"""

from __future__ import annotations

import argparse
import collections
import math
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import numpy as np
import pandas as pd
from google.protobuf.descriptor import Descriptor, FieldDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2

from creditscore.columns import batch_request
from creditscore.v1 import credit_score_pb2 as pb
from creditscore.v1 import decision_record_pb2
from inference import grpc_service_pb2 as v2
from server.app import create_server
from server.artifacts import ServingArtifacts, load_artifacts
from server.settings import Settings
from tests.server.payloads import valid_application

__all__ = [
    "CHANNEL_OPTIONS",
    "FORBIDDEN",
    "SERVICES",
    "FuzzMethod",
    "Tally",
    "fuzz",
    "fuzz_settings",
    "main",
    "served_methods",
    "summary_table",
]

# The codes that mean the server failed rather than refused the input.
FORBIDDEN = frozenset({grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN})
MODEL_NAME = "credit_default"
CALL_TIMEOUT_SECONDS = 30.0
# Above the server's 32 MB default limit: refused before any handler runs.
OVERSIZED_BYTES = 33 * 1024 * 1024
LONG_STRING_CHARS = 64 * 1024
SPECIAL_FLOATS = (math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, -0.0)
INT_BOUNDS = {
    FieldDescriptor.CPPTYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.CPPTYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.CPPTYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.CPPTYPE_UINT64: (0, 2**64 - 1),
}
_MAX_DEPTH = 3
# Responses to huge requests can be large too; the client must not be what refuses them.
CHANNEL_OPTIONS = [("grpc.max_receive_message_length", -1)]
# Everything the server serves (reflection only when enabled, as in fuzz_settings).
SERVICES: tuple[ServiceDescriptor, ...] = (
    pb.DESCRIPTOR.services_by_name["CreditScoreService"],
    decision_record_pb2.DESCRIPTOR.services_by_name["DecisionRecordService"],
    v2.DESCRIPTOR.services_by_name["GRPCInferenceService"],
    health_pb2.DESCRIPTOR.services_by_name["Health"],
    reflection_pb2.DESCRIPTOR.services_by_name["ServerReflection"],
)


def fuzz_settings(artifacts_dir: Path) -> Settings:
    """An open server (no credentials) with reflection on, and no per-caller rate limit: every
    fuzzed request must reach the handlers."""
    return Settings(
        artifacts_dir=artifacts_dir,
        host="127.0.0.1",
        port=0,
        no_auth=True,
        reflection=True,
        caller_max_rate=1e9,
    )


@dataclass(frozen=True)
class FuzzMethod:
    """One served RPC: its path, how it streams, and valid requests to mutate."""

    service: str
    name: str
    request_type: Descriptor
    client_streaming: bool
    server_streaming: bool
    samples: tuple[Message, ...]

    @property
    def path(self) -> str:
        return f"/{self.service}/{self.name}"


@dataclass
class Tally:
    """Status codes by method, and a replayable example of every forbidden one."""

    counts: collections.Counter[tuple[str, str]] = field(default_factory=collections.Counter)
    # (method path, mutation, request index) of each INTERNAL / UNKNOWN answer.
    forbidden: list[tuple[str, str, int]] = field(default_factory=list)

    def add(self, method: FuzzMethod, mutation: str, index: int, code: grpc.StatusCode) -> None:
        self.counts[(method.path, code.name)] += 1
        if code in FORBIDDEN:
            self.forbidden.append((method.path, mutation, index))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def methods(self) -> set[str]:
        return {path for path, _ in self.counts}


def _samples(artifacts: ServingArtifacts) -> dict[str, tuple[Message, ...]]:
    """Valid requests of every method, by request type's full name."""
    client_id = int(artifacts.features.client_ids[0])
    feed = artifacts.features.feed(np.arange(4))
    tensor = v2.ModelInferRequest.InferInputTensor
    infer = v2.ModelInferRequest(
        model_name=MODEL_NAME,
        inputs=[
            tensor(name="numeric", datatype="FP64", shape=list(feed["numeric"].shape)),
            tensor(name="categorical", datatype="BYTES", shape=list(feed["categorical"].shape)),
        ],
        raw_input_contents=[
            feed["numeric"].astype("<f8").tobytes(),
            b"".join(
                struct.pack("<I", len(s)) + s
                for s in (str(v).encode("utf-8") for v in feed["categorical"].ravel())
            ),
        ],
    )
    application = valid_application()
    frame = pd.DataFrame(
        {"amt_credit": [500_000.0, 250_000.0], "name_contract_type": ["Cash loans", None]}
    )
    return {
        "creditscore.v1.ScoreRequest": (
            pb.ScoreRequest(client_id=client_id),
            pb.ScoreRequest(application=application),
            pb.ScoreRequest(client_id=client_id, application=application),
        ),
        "creditscore.v1.ScoreBatchRequest": (
            pb.ScoreBatchRequest(
                requests=[
                    pb.ScoreRequest(client_id=client_id),
                    pb.ScoreRequest(application=application),
                ]
            ),
            batch_request(frame),
        ),
        "creditscore.v1.ExplainRequest": (
            pb.ExplainRequest(client_id=client_id),
            pb.ExplainRequest(application=application, language_code="fr"),
        ),
        "creditscore.v1.GetClientRequest": (pb.GetClientRequest(client_id=client_id),),
        "creditscore.v1.SearchClientsRequest": (
            pb.SearchClientsRequest(client_id_prefix="1", page_size=5),
            pb.SearchClientsRequest(
                contract_types=["Cash loans"],
                min_default_probability=0.1,
                max_default_probability=0.9,
                order_by="default_probability desc",
            ),
        ),
        "creditscore.v1.ComparePeersRequest": (
            pb.ComparePeersRequest(client_id=client_id, histogram_bin_count=10),
        ),
        "creditscore.v1.GetModelInfoRequest": (pb.GetModelInfoRequest(language_code="fr"),),
        "inference.ModelInferRequest": (infer,),
        "inference.ModelReadyRequest": (v2.ModelReadyRequest(name=MODEL_NAME),),
        "inference.ModelMetadataRequest": (v2.ModelMetadataRequest(name=MODEL_NAME),),
        "inference.ModelConfigRequest": (v2.ModelConfigRequest(name=MODEL_NAME),),
        "inference.ModelStatisticsRequest": (v2.ModelStatisticsRequest(name=MODEL_NAME),),
        "grpc.health.v1.HealthCheckRequest": (
            health_pb2.HealthCheckRequest(),
            health_pb2.HealthCheckRequest(service="creditscore.v1.CreditScoreService"),
        ),
        "grpc.reflection.v1alpha.ServerReflectionRequest": (
            reflection_pb2.ServerReflectionRequest(list_services=""),
            reflection_pb2.ServerReflectionRequest(
                file_containing_symbol="creditscore.v1.ScoreRequest"
            ),
        ),
    }


def served_methods(
    artifacts: ServingArtifacts, services: Sequence[ServiceDescriptor]
) -> list[FuzzMethod]:
    """Every method of ``services``, with valid requests (an empty one when none is known)."""
    samples = _samples(artifacts)
    methods = []
    for service in services:
        for method in service.methods:
            known = samples.get(method.input_type.full_name, ())
            empty = _message_class(method.input_type)()
            methods.append(
                FuzzMethod(
                    service=service.full_name,
                    name=method.name,
                    request_type=method.input_type,
                    client_streaming=method.client_streaming,
                    server_streaming=method.server_streaming,
                    samples=(*known, empty),
                )
            )
    return methods


def _message_class(descriptor: Descriptor) -> type[Message]:
    from google.protobuf import message_factory

    return message_factory.GetMessageClass(descriptor)


# --- wire format, for mutations the protobuf library refuses to build ---------------------


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _tag(number: int, wire_type: int) -> bytes:
    return _varint(number << 3 | wire_type)


def _wire_value(rng: np.random.Generator, wire_type: int) -> bytes:
    if wire_type == 0:
        return _varint(int(rng.integers(0, 2**63)) * int(rng.choice([1, 3])))
    if wire_type == 1:
        return rng.bytes(8)
    if wire_type == 5:
        return rng.bytes(4)
    length = int(rng.choice([0, 1, 7, 300, 70_000]))
    # A length that runs past the end, or bytes that are not UTF-8 / not a message.
    claimed = length + int(rng.choice([0, 0, 1, 1000]))
    return _varint(claimed) + rng.bytes(length)


# --- mutations ----------------------------------------------------------------------------


class Mutations:
    """Bad requests made from a valid one; every choice comes from the seeded generator."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.by_name: dict[str, Callable[[Message], bytes]] = {
            "random_bytes": self.random_bytes,
            "bit_flips": self.bit_flips,
            "truncation": self.truncation,
            "duplicated_fields": self.duplicated_fields,
            "huge_repeated": self.huge_repeated,
            "long_string": self.long_string,
            "special_float": self.special_float,
            "extreme_int": self.extreme_int,
            "bad_enum": self.bad_enum,
            "wrong_wire_type": self.wrong_wire_type,
            "unknown_field": self.unknown_field,
            "valid": lambda message: message.SerializeToString(),
        }

    def random_bytes(self, _message: Message) -> bytes:
        size = int(self.rng.choice([0, 1, 2, 5, 16, 100, 1000, 5000]))
        return self.rng.bytes(size)

    def bit_flips(self, message: Message) -> bytes:
        data = bytearray(message.SerializeToString() or b"\x08\x01")
        for _ in range(int(self.rng.integers(1, 9))):
            position = int(self.rng.integers(len(data) * 8))
            data[position // 8] ^= 1 << position % 8
        return bytes(data)

    def truncation(self, message: Message) -> bytes:
        data = message.SerializeToString()
        return data[: int(self.rng.integers(len(data) + 1))]

    def duplicated_fields(self, message: Message) -> bytes:
        # The protobuf rule: a repeated scalar keeps its last value, messages merge, lists grow.
        data = message.SerializeToString()
        copies = int(self.rng.choice([2, 3, 50]))
        return data * copies

    def huge_repeated(self, message: Message) -> bytes:
        mutated = self._copy(message)
        repeated = [p for p in self._paths(message.DESCRIPTOR) if p[-1].is_repeated]
        if not repeated:
            return self.unknown_field(message)
        container, target = self._container(mutated, self._pick(repeated))
        values = getattr(container, target.name)
        count = int(self.rng.choice([1001, 5000, 20_000]))
        if target.message_type is not None:
            element = values[0] if len(values) else None
            for _ in range(count):
                added = values.add()
                if element is not None:
                    added.CopyFrom(element)
        else:
            values.extend([self._scalar(target)] * count)
        return mutated.SerializeToString()

    def long_string(self, message: Message) -> bytes:
        strings = [p for p in self._paths(message.DESCRIPTOR) if _is_text(p[-1])]
        if not strings:
            return (
                message.SerializeToString()
                + _tag(1, 2)
                + _varint(LONG_STRING_CHARS)
                + (b"x" * LONG_STRING_CHARS)
            )
        mutated = self._copy(message)
        path = self._pick(strings)
        kind = int(self.rng.integers(3))
        if kind == 2:  # not UTF-8: only the wire format can carry it, at the top level
            number = path[0].number if len(path) == 1 else 1
            payload = bytes([0xFF, 0xFE]) * (LONG_STRING_CHARS // 2)
            return mutated.SerializeToString() + _tag(number, 2) + _varint(len(payload)) + payload
        text = "7" * LONG_STRING_CHARS if kind == 0 else "é\u202e\x00" * (LONG_STRING_CHARS // 3)
        container, target = self._container(mutated, path)
        value: str | bytes = text if target.type == FieldDescriptor.TYPE_STRING else text.encode()
        self._assign(container, target, value)
        return mutated.SerializeToString()

    def special_float(self, message: Message) -> bytes:
        floats = [
            p
            for p in self._paths(message.DESCRIPTOR)
            if p[-1].cpp_type in (FieldDescriptor.CPPTYPE_DOUBLE, FieldDescriptor.CPPTYPE_FLOAT)
        ]
        if not floats:
            return self.extreme_int(message)
        mutated = self._copy(message)
        container, target = self._container(mutated, self._pick(floats))
        self._assign(container, target, float(self.rng.choice(SPECIAL_FLOATS)))
        return mutated.SerializeToString()

    def extreme_int(self, message: Message) -> bytes:
        ints = [p for p in self._paths(message.DESCRIPTOR) if p[-1].cpp_type in INT_BOUNDS]
        if not ints:
            return self.unknown_field(message)
        mutated = self._copy(message)
        container, target = self._container(mutated, self._pick(ints))
        low, high = INT_BOUNDS[target.cpp_type]
        value = int(self.rng.choice([low, high, -1, 0, low + 1, high - 1, 10**9]))
        self._assign(container, target, min(max(value, low), high))
        return mutated.SerializeToString()

    def bad_enum(self, message: Message) -> bytes:
        enums = [p for p in self._paths(message.DESCRIPTOR) if p[-1].enum_type is not None]
        if not enums:
            return self.wrong_wire_type(message)
        mutated = self._copy(message)
        container, target = self._container(mutated, self._pick(enums))
        self._assign(container, target, int(self.rng.choice([-1, 99, 2**31 - 1])))
        return mutated.SerializeToString()

    def wrong_wire_type(self, message: Message) -> bytes:
        fields = list(message.DESCRIPTOR.fields) or None
        number = int(self.rng.choice([f.number for f in fields])) if fields else 1
        wire_type = int(self.rng.choice([0, 1, 2, 5, 3, 4, 6, 7]))
        data = message.SerializeToString() + _tag(number, wire_type)
        return data + (_wire_value(self.rng, wire_type) if wire_type in (0, 1, 2, 5) else b"")

    def unknown_field(self, message: Message) -> bytes:
        number = int(self.rng.choice([999, 2**29 - 1, 19_000]))
        wire_type = int(self.rng.choice([0, 1, 2, 5]))
        return (
            message.SerializeToString() + _tag(number, wire_type) + _wire_value(self.rng, wire_type)
        )

    # -- helpers --

    def _pick(self, paths: list[tuple[FieldDescriptor, ...]]) -> tuple[FieldDescriptor, ...]:
        return paths[int(self.rng.integers(len(paths)))]

    @staticmethod
    def _copy(message: Message) -> Message:
        copy = type(message)()
        copy.CopyFrom(message)
        return copy

    def _paths(self, descriptor: Descriptor, depth: int = 0) -> list[tuple[FieldDescriptor, ...]]:
        """Field paths down to scalars (and repeated messages), maps left out."""
        paths: list[tuple[FieldDescriptor, ...]] = []
        for fd in descriptor.fields:
            if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
                continue
            if fd.message_type is None or fd.is_repeated:
                paths.append((fd,))
            if fd.message_type is not None and depth < _MAX_DEPTH:
                paths += [(fd, *rest) for rest in self._paths(fd.message_type, depth + 1)]
        return paths

    def _container(
        self, message: Message, path: tuple[FieldDescriptor, ...]
    ) -> tuple[Message, FieldDescriptor]:
        for fd in path[:-1]:
            if fd.is_repeated:
                items = getattr(message, fd.name)
                message = items[int(self.rng.integers(len(items)))] if len(items) else items.add()
            else:
                message = getattr(message, fd.name)
        return message, path[-1]

    def _scalar(self, fd: FieldDescriptor) -> object:
        if fd.cpp_type in INT_BOUNDS:
            low, high = INT_BOUNDS[fd.cpp_type]
            # Indexed, not rng.choice: numpy would round 2**64 - 1 through a float.
            return (low, high, 0)[int(self.rng.integers(3))]
        if fd.cpp_type in (FieldDescriptor.CPPTYPE_DOUBLE, FieldDescriptor.CPPTYPE_FLOAT):
            return float(self.rng.choice(SPECIAL_FLOATS))
        if fd.cpp_type == FieldDescriptor.CPPTYPE_BOOL:
            return True
        if fd.cpp_type == FieldDescriptor.CPPTYPE_ENUM:
            return 7
        return "x" * 32 if fd.type == FieldDescriptor.TYPE_STRING else b"x" * 32

    @staticmethod
    def _assign(container: Message, fd: FieldDescriptor, value: object) -> None:
        if fd.is_repeated:
            getattr(container, fd.name).append(value)
        else:
            setattr(container, fd.name, value)


def _is_text(fd: FieldDescriptor) -> bool:
    return fd.type in (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_BYTES)


# --- sending ------------------------------------------------------------------------------


def send(channel: grpc.Channel, method: FuzzMethod, data: bytes) -> grpc.StatusCode:
    """The status of one call with these request bytes (OK for a stream that answered)."""
    try:
        if method.client_streaming:
            call = channel.stream_stream(method.path)
            for _ in call(iter([data]), timeout=CALL_TIMEOUT_SECONDS):
                pass
        elif method.server_streaming:
            stream = channel.unary_stream(method.path)(data, timeout=CALL_TIMEOUT_SECONDS)
            # A valid Watch stays open for good: its first answer is the result.
            next(stream, None)
            stream.cancel()
        else:
            channel.unary_unary(method.path)(data, timeout=CALL_TIMEOUT_SECONDS)
    except grpc.RpcError as error:
        code: grpc.StatusCode = error.code()
        return code
    return grpc.StatusCode.OK


def requests(
    methods: Sequence[FuzzMethod], total: int, seed: int
) -> Iterator[tuple[int, FuzzMethod, str, bytes]]:
    """``total`` (index, method, mutation, bytes), methods in turn, the same for the same seed.
    One request per service is above the message-size limit."""
    rng = np.random.default_rng(seed)
    mutations = Mutations(rng)
    names = sorted(mutations.by_name)
    oversized_done: set[str] = set()
    for index in range(total):
        method = methods[index % len(methods)]
        if method.service not in oversized_done:
            oversized_done.add(method.service)
            yield index, method, "oversized", rng.bytes(OVERSIZED_BYTES)
            continue
        sample = method.samples[int(rng.integers(len(method.samples)))]
        mutation = names[int(rng.integers(len(names)))]
        yield index, method, mutation, mutations.by_name[mutation](sample)


def fuzz(channel: grpc.Channel, methods: Sequence[FuzzMethod], total: int, seed: int) -> Tally:
    """Send ``total`` fuzzed requests one after the other; the tally of their status codes."""
    tally = Tally()
    for index, method, mutation, data in requests(methods, total, seed):
        tally.add(method, mutation, index, send(channel, method, data))
    return tally


def summary_table(tally: Tally) -> str:
    """A text table: one row per method, one column per status code seen."""
    codes = sorted({code for _, code in tally.counts})
    paths = sorted(tally.methods())
    width = max(len(p) for p in paths)
    lines = [f"{'method':<{width}}  " + "  ".join(f"{c:>17}" for c in codes)]
    for path in paths:
        cells = "  ".join(f"{tally.counts.get((path, c), 0):>17}" for c in codes)
        lines.append(f"{path:<{width}}  {cells}")
    totals = "  ".join(
        f"{sum(n for (_, c), n in tally.counts.items() if c == code):>17}" for code in codes
    )
    lines.append(f"{'total':<{width}}  {totals}")
    return "\n".join(lines)


# --- script -------------------------------------------------------------------------------


def _tiny_artifacts(scratch: Path) -> Path:
    """The tests' session model (tests/server/conftest.py), trained in ``scratch``."""
    from model_build.synth import generate
    from model_build.train_job import train
    from tests.server.conftest import CLIENTS, FAST, SEED

    generate(CLIENTS, SEED, scratch / "data", progress=False)
    train(scratch / "data", scratch / "artifacts", FAST, progress=False)
    return scratch / "artifacts"


def main(argv: Sequence[str] | None = None) -> int:
    """Fuzz an in-process server; 1 when any answer was INTERNAL or UNKNOWN."""
    parser = argparse.ArgumentParser(prog="python -m tests.server.fuzz_run", description=__doc__)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--artifacts", type=Path, default=None, help="default: train a tiny one")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="fuzz_") as scratch:
        artifacts_dir = args.artifacts or _tiny_artifacts(Path(scratch))
        artifacts = load_artifacts(artifacts_dir)
        server, port = create_server(fuzz_settings(artifacts_dir), artifacts=artifacts)
        server.start()
        try:
            with grpc.insecure_channel(f"127.0.0.1:{port}", options=CHANNEL_OPTIONS) as channel:
                started = time.perf_counter()
                tally = fuzz(channel, served_methods(artifacts, SERVICES), args.requests, args.seed)
                elapsed = time.perf_counter() - started
                health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        finally:
            server.shutdown(grace_seconds=1.0).wait(10)
    print(summary_table(tally))
    print(
        f"{tally.total} requests in {elapsed:.0f} s (seed {args.seed}); health afterwards: "
        f"{health_pb2.HealthCheckResponse.ServingStatus.Name(health.status)}"
    )
    for path, mutation, index in tally.forbidden:
        print(f"INTERNAL/UNKNOWN: {path} {mutation} (request {index})")
    return 1 if tally.forbidden else 0


if __name__ == "__main__":
    sys.exit(main())
