"""Open Inference Protocol (KServe V2 / Triton gRPC) over the engineered feature vector."""

from __future__ import annotations

import importlib.metadata
import logging
import struct
import threading
import time
from dataclasses import dataclass, field

import grpc
import numpy as np

from inference import grpc_service_pb2 as pb
from inference import model_config_pb2
from model_build.model_inputs import CATEGORICAL_INPUT, NUMERIC_INPUT, PROBABILITY_OUTPUT
from server.artifacts import ServingArtifacts
from server.contract import quote
from server.errors import FieldViolation, InvalidArgument, NotFound, grpc_errors, parse_request
from server.feature_rules import FeatureRules
from server.raw_requests import add_raw_service
from server.servicer import Readiness

__all__ = [
    "MODEL_NAME",
    "MODEL_VERSION",
    "InferenceStatistics",
    "InferenceV2Servicer",
    "add_to_server",
]

logger = logging.getLogger(__name__)

MODEL_NAME = "credit_default"
MODEL_VERSION = "1"
SERVER_NAME = "creditscore"
PLATFORM = "onnxruntime_onnx"
# Largest batch of one ModelInfer call (rows of the feature matrices).
MAX_BATCH_SIZE = 4096
_UINT32 = struct.Struct("<I")
_SERVICE = pb.DESCRIPTOR.services_by_name["GRPCInferenceService"]


@dataclass
class InferenceStatistics:
    """Counts and cumulated durations of ModelInfer calls, for ModelStatistics (thread-safe)."""

    success_count: int = 0
    success_ns: int = 0
    fail_count: int = 0
    fail_ns: int = 0
    inference_count: int = 0
    input_ns: int = 0
    infer_ns: int = 0
    output_ns: int = 0
    last_inference_ms: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record_success(self, rows: int, input_ns: int, infer_ns: int, output_ns: int) -> None:
        with self._lock:
            self.success_count += 1
            self.success_ns += input_ns + infer_ns + output_ns
            self.inference_count += rows
            self.input_ns += input_ns
            self.infer_ns += infer_ns
            self.output_ns += output_ns
            self.last_inference_ms = time.time_ns() // 1_000_000

    def record_failure(self, elapsed_ns: int) -> None:
        with self._lock:
            self.fail_count += 1
            self.fail_ns += elapsed_ns

    def message(self) -> pb.ModelStatistics:
        with self._lock:
            successes = self.success_count
            return pb.ModelStatistics(
                name=MODEL_NAME,
                version=MODEL_VERSION,
                last_inference=self.last_inference_ms,
                inference_count=self.inference_count,
                execution_count=successes,
                inference_stats=pb.InferStatistics(
                    success=pb.StatisticDuration(count=successes, ns=self.success_ns),
                    fail=pb.StatisticDuration(count=self.fail_count, ns=self.fail_ns),
                    queue=pb.StatisticDuration(count=successes, ns=0),
                    compute_input=pb.StatisticDuration(count=successes, ns=self.input_ns),
                    compute_infer=pb.StatisticDuration(count=successes, ns=self.infer_ns),
                    compute_output=pb.StatisticDuration(count=successes, ns=self.output_ns),
                ),
            )


class InferenceV2Servicer:
    """The scoring model as KServe V2 model ``credit_default`` version ``1``.

    Inputs are the ONNX model's: ``numeric`` FP64 [batch, n_numeric] (NaN = missing) and
    ``categorical`` BYTES [batch, n_categorical] (UTF-8, empty = missing); output
    ``probability`` FP64 [batch]. Tensors travel as raw_input_contents (what tritonclient and
    perf_analyzer send) or as typed contents; the output always as raw_output_contents.
    Each handler gets the request's bytes, as CreditScoreService's do (bad bytes are
    INVALID_ARGUMENT); register it with ``add_to_server``.
    """

    def __init__(
        self, artifacts: ServingArtifacts, readiness: Readiness, statistics: InferenceStatistics
    ) -> None:
        self._artifacts = artifacts
        self._readiness = readiness
        self._statistics = statistics
        self._widths = {
            NUMERIC_INPUT: len(artifacts.spec.numeric),
            CATEGORICAL_INPUT: len(artifacts.spec.categorical),
        }
        self._datatypes = {NUMERIC_INPUT: "FP64", CATEGORICAL_INPUT: "BYTES"}
        self._inputs = tuple(name for name, width in self._widths.items() if width)
        self._rules = FeatureRules(artifacts.spec.numeric, dict(artifacts.spec.categorical))

    @grpc_errors
    def ServerLive(self, data: bytes, context: grpc.ServicerContext) -> pb.ServerLiveResponse:
        parse_request(pb.ServerLiveRequest, data)
        return pb.ServerLiveResponse(live=True)

    @grpc_errors
    def ServerReady(self, data: bytes, context: grpc.ServicerContext) -> pb.ServerReadyResponse:
        parse_request(pb.ServerReadyRequest, data)
        return pb.ServerReadyResponse(ready=self._readiness.is_ready())

    @grpc_errors
    def ModelReady(self, data: bytes, context: grpc.ServicerContext) -> pb.ModelReadyResponse:
        request = parse_request(pb.ModelReadyRequest, data)
        self._check_model(request.name, request.version)
        return pb.ModelReadyResponse(ready=self._readiness.is_ready())

    @grpc_errors
    def ServerMetadata(
        self, data: bytes, context: grpc.ServicerContext
    ) -> pb.ServerMetadataResponse:
        parse_request(pb.ServerMetadataRequest, data)
        return pb.ServerMetadataResponse(name=SERVER_NAME, version=_server_version(), extensions=[])

    @grpc_errors
    def ModelMetadata(self, data: bytes, context: grpc.ServicerContext) -> pb.ModelMetadataResponse:
        request = parse_request(pb.ModelMetadataRequest, data)
        self._check_model(request.name, request.version)
        tensor = pb.ModelMetadataResponse.TensorMetadata
        return pb.ModelMetadataResponse(
            name=MODEL_NAME,
            versions=[MODEL_VERSION],
            platform=PLATFORM,
            inputs=[
                tensor(name=name, datatype=self._datatypes[name], shape=[-1, self._widths[name]])
                for name in self._inputs
            ],
            outputs=[tensor(name=PROBABILITY_OUTPUT, datatype="FP64", shape=[-1])],
        )

    @grpc_errors
    def ModelConfig(self, data: bytes, context: grpc.ServicerContext) -> pb.ModelConfigResponse:
        request = parse_request(pb.ModelConfigRequest, data)
        self._check_model(request.name, request.version)
        types = {"FP64": model_config_pb2.TYPE_FP64, "BYTES": model_config_pb2.TYPE_STRING}
        config = model_config_pb2.ModelConfig(
            name=MODEL_NAME,
            platform=PLATFORM,
            backend="onnxruntime",
            max_batch_size=MAX_BATCH_SIZE,
            input=[
                model_config_pb2.ModelInput(
                    name=name, data_type=types[self._datatypes[name]], dims=[self._widths[name]]
                )
                for name in self._inputs
            ],
            # Triton's convention for a batched output without other dimensions: dims [1],
            # reshaped to [] (the tensor is [batch]).
            output=[
                model_config_pb2.ModelOutput(
                    name=PROBABILITY_OUTPUT,
                    data_type=model_config_pb2.TYPE_FP64,
                    dims=[1],
                    reshape=model_config_pb2.ModelTensorReshape(shape=[]),
                )
            ],
        )
        return pb.ModelConfigResponse(config=config)

    @grpc_errors
    def ModelStatistics(
        self, data: bytes, context: grpc.ServicerContext
    ) -> pb.ModelStatisticsResponse:
        request = parse_request(pb.ModelStatisticsRequest, data)
        if request.name:
            self._check_model(request.name, request.version)
        return pb.ModelStatisticsResponse(model_stats=[self._statistics.message()])

    @grpc_errors
    def ModelInfer(self, data: bytes, context: grpc.ServicerContext) -> pb.ModelInferResponse:
        request = parse_request(pb.ModelInferRequest, data)
        started = time.perf_counter_ns()
        try:
            self._check_model(request.model_name, request.model_version)
            feed, rows = self._feed(request)
            decoded = time.perf_counter_ns()
            probability = self._artifacts.predict(feed)
            inferred = time.perf_counter_ns()
            response = self._response(request, probability)
        except Exception:
            self._statistics.record_failure(time.perf_counter_ns() - started)
            raise
        done = time.perf_counter_ns()
        self._statistics.record_success(
            rows, decoded - started, inferred - decoded, done - inferred
        )
        return response

    def _check_model(self, name: str, version: str) -> None:
        if name != MODEL_NAME:
            raise NotFound(f"unknown model {quote(name)}; this server serves {MODEL_NAME!r}")
        if version not in ("", MODEL_VERSION):
            raise NotFound(
                f"unknown version {quote(version)} of {MODEL_NAME!r}; served: {MODEL_VERSION}"
            )

    def _feed(self, request: pb.ModelInferRequest) -> tuple[dict[str, np.ndarray], int]:
        violations: list[FieldViolation] = []
        by_name = {tensor.name: k for k, tensor in enumerate(request.inputs)}
        for name in self._inputs:
            if name not in by_name:
                violations.append(FieldViolation("inputs", f"input {quote(name)} is missing"))
        for name, k in by_name.items():
            if name not in self._inputs:
                violations.append(
                    FieldViolation(f"inputs[{k}].name", f"unknown input; expected {self._inputs}")
                )
        raw = request.raw_input_contents
        if raw and len(raw) != len(request.inputs):
            violations.append(
                FieldViolation(
                    "raw_input_contents", "must hold one entry per input, in input order"
                )
            )
        if violations:
            raise InvalidArgument(violations)
        feed: dict[str, np.ndarray] = {}
        rows: set[int] = set()
        for name in self._inputs:
            k = by_name[name]
            tensor = request.inputs[k]
            array = self._tensor(tensor, k, raw[k] if raw else None, violations)
            if array is not None:
                feed[name] = array
                rows.add(array.shape[0])
        if len(rows) > 1:
            violations.append(FieldViolation("inputs", "inputs differ in batch size"))
        if violations:
            raise InvalidArgument(violations)
        self._check_values(feed, by_name)
        return feed, rows.pop()

    def _check_values(self, feed: dict[str, np.ndarray], by_name: dict[str, int]) -> None:
        """The contract's rules on the values (server.feature_rules)."""
        violations: list[FieldViolation] = []
        if NUMERIC_INPUT in feed:
            path = f"inputs[{by_name[NUMERIC_INPUT]}]"
            violations += self._rules.numeric_violations(feed[NUMERIC_INPUT], path)
        if CATEGORICAL_INPUT in feed:
            path = f"inputs[{by_name[CATEGORICAL_INPUT]}]"
            violations += self._rules.categorical_violations(feed[CATEGORICAL_INPUT], path)
        if violations:
            raise InvalidArgument(violations)

    def _tensor(
        self,
        tensor: pb.ModelInferRequest.InferInputTensor,
        k: int,
        raw: bytes | None,
        violations: list[FieldViolation],
    ) -> np.ndarray | None:
        name, width = tensor.name, self._widths[tensor.name]
        expected = self._datatypes[name]
        if tensor.datatype != expected:
            violations.append(
                FieldViolation(
                    f"inputs[{k}].datatype", f"must be {expected}, got {quote(tensor.datatype)}"
                )
            )
            return None
        shape = list(tensor.shape)
        if len(shape) != 2 or shape[1] != width or not 1 <= shape[0] <= MAX_BATCH_SIZE:
            violations.append(
                FieldViolation(
                    f"inputs[{k}].shape",
                    f"must be [batch, {width}] with batch from 1 to {MAX_BATCH_SIZE}, got {shape}",
                )
            )
            return None
        count = shape[0] * width
        try:
            values = _decode(expected, raw, tensor.contents, count)
        except ValueError as error:
            field_name = "raw_input_contents" if raw is not None else f"inputs[{k}].contents"
            violations.append(FieldViolation(field_name, str(error)))
            return None
        return values.reshape(shape[0], width)

    def _response(
        self, request: pb.ModelInferRequest, probability: np.ndarray
    ) -> pb.ModelInferResponse:
        for k, output in enumerate(request.outputs):
            if output.name != PROBABILITY_OUTPUT:
                raise InvalidArgument(
                    [
                        FieldViolation(
                            f"outputs[{k}].name", f"unknown output; expected {PROBABILITY_OUTPUT!r}"
                        )
                    ]
                )
        return pb.ModelInferResponse(
            model_name=MODEL_NAME,
            model_version=MODEL_VERSION,
            id=request.id,
            outputs=[
                pb.ModelInferResponse.InferOutputTensor(
                    name=PROBABILITY_OUTPUT, datatype="FP64", shape=[len(probability)]
                )
            ],
            raw_output_contents=[np.ascontiguousarray(probability, dtype="<f8").tobytes()],
        )


def add_to_server(servicer: InferenceV2Servicer, server: grpc.Server) -> None:
    """Register every GRPCInferenceService method; handlers get the request bytes."""
    add_raw_service(server, _SERVICE, servicer)


def _server_version() -> str:
    try:
        return importlib.metadata.version("creditscore")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _decode(
    datatype: str, raw: bytes | None, contents: pb.InferTensorContents, count: int
) -> np.ndarray:
    """The ``count`` elements of one input tensor, from raw bytes or typed contents."""
    if datatype == "FP64":
        if raw is not None:
            if len(raw) != 8 * count:
                raise ValueError(f"expected {8 * count} bytes of FP64, got {len(raw)}")
            return np.frombuffer(raw, dtype="<f8").astype(np.float64)
        if len(contents.fp64_contents) != count:
            raise ValueError(f"expected {count} fp64_contents, got {len(contents.fp64_contents)}")
        return np.asarray(contents.fp64_contents, dtype=np.float64)
    strings = _raw_strings(raw, count) if raw is not None else list(contents.bytes_contents)
    if len(strings) != count:
        raise ValueError(f"expected {count} bytes_contents, got {len(strings)}")
    try:
        decoded = [value.decode("utf-8") for value in strings]
    except UnicodeDecodeError:
        raise ValueError("BYTES elements must be UTF-8 text") from None
    return np.asarray(decoded, dtype=object)


def _raw_strings(raw: bytes, count: int) -> list[bytes]:
    """Triton's BYTES serialisation: each element as a little-endian uint32 length + bytes."""
    out: list[bytes] = []
    offset, size = 0, len(raw)
    view = memoryview(raw)
    while offset < size:
        if offset + 4 > size:
            raise ValueError("truncated BYTES element length")
        (length,) = _UINT32.unpack_from(view, offset)
        offset += 4
        if offset + length > size:
            raise ValueError("truncated BYTES element")
        out.append(bytes(view[offset : offset + length]))
        offset += length
    if len(out) != count:
        raise ValueError(f"expected {count} BYTES elements, got {len(out)}")
    return out
