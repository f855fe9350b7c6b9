"""KServe V2 / Triton gRPC protocol: metadata, config, inference equal to Score, statistics."""

from __future__ import annotations

import importlib.util
import json
import struct
import subprocess
import sys

import grpc
import numpy as np
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from creditscore.v1 import credit_score_pb2 as pb
from inference import grpc_service_pb2 as v2
from inference import grpc_service_pb2_grpc, model_config_pb2
from server.artifacts import ServingArtifacts
from server.inference_v2 import MODEL_NAME, MODEL_VERSION
from tests.server.conftest import RunningServer

ROWS = 16


@pytest.fixture(scope="module")
def v2_stub(channel) -> grpc_service_pb2_grpc.GRPCInferenceServiceStub:
    return grpc_service_pb2_grpc.GRPCInferenceServiceStub(channel)


@pytest.fixture(scope="module")
def stored(serving_artifacts: ServingArtifacts) -> tuple[list[int], dict[str, np.ndarray]]:
    """Some stored clients and their feature matrices."""
    rows = np.arange(ROWS)
    ids = [int(i) for i in serving_artifacts.features.client_ids[rows]]
    return ids, serving_artifacts.features.feed(rows)


def _scores(stub, ids: list[int]) -> np.ndarray:
    return np.asarray(
        [stub.Score(pb.ScoreRequest(client_id=i)).score.default_probability for i in ids]
    )


def _raw_bytes(strings: np.ndarray) -> bytes:
    return b"".join(
        struct.pack("<I", len(b)) + b for b in (s.encode("utf-8") for s in strings.ravel())
    )


def _raw_request(feed: dict[str, np.ndarray], call_id: str = "") -> v2.ModelInferRequest:
    """A ModelInfer request with raw_input_contents, as tritonclient and perf_analyzer send."""
    tensor = v2.ModelInferRequest.InferInputTensor
    return v2.ModelInferRequest(
        model_name=MODEL_NAME,
        id=call_id,
        inputs=[
            tensor(name="numeric", datatype="FP64", shape=list(feed["numeric"].shape)),
            tensor(name="categorical", datatype="BYTES", shape=list(feed["categorical"].shape)),
        ],
        raw_input_contents=[
            feed["numeric"].astype("<f8").tobytes(),
            _raw_bytes(feed["categorical"]),
        ],
    )


def test_server_and_model_are_live_and_ready(v2_stub):
    assert v2_stub.ServerLive(v2.ServerLiveRequest()).live
    assert v2_stub.ServerReady(v2.ServerReadyRequest()).ready
    assert v2_stub.ModelReady(v2.ModelReadyRequest(name=MODEL_NAME, version="1")).ready


def test_server_metadata_names_the_server(v2_stub):
    metadata = v2_stub.ServerMetadata(v2.ServerMetadataRequest())
    assert metadata.name == "creditscore" and metadata.version


def test_model_metadata_describes_the_onnx_inputs(v2_stub, serving_artifacts: ServingArtifacts):
    meta = v2_stub.ModelMetadata(v2.ModelMetadataRequest(name=MODEL_NAME))
    assert meta.versions == [MODEL_VERSION] and meta.platform == "onnxruntime_onnx"
    inputs = {t.name: (t.datatype, list(t.shape)) for t in meta.inputs}
    assert inputs == {
        "numeric": ("FP64", [-1, len(serving_artifacts.spec.numeric)]),
        "categorical": ("BYTES", [-1, len(serving_artifacts.spec.categorical)]),
    }
    assert [(t.name, t.datatype, list(t.shape)) for t in meta.outputs] == [
        ("probability", "FP64", [-1])
    ]


def test_model_config_is_triton_shaped(v2_stub, serving_artifacts: ServingArtifacts):
    config = v2_stub.ModelConfig(v2.ModelConfigRequest(name=MODEL_NAME)).config
    assert (config.name, config.platform) == (MODEL_NAME, "onnxruntime_onnx")
    assert config.max_batch_size > 0
    assert [(i.name, i.data_type, list(i.dims)) for i in config.input] == [
        ("numeric", model_config_pb2.TYPE_FP64, [len(serving_artifacts.spec.numeric)]),
        ("categorical", model_config_pb2.TYPE_STRING, [len(serving_artifacts.spec.categorical)]),
    ]
    assert config.output[0].name == "probability"


def test_unknown_model_is_not_found(v2_stub):
    with pytest.raises(grpc.RpcError) as caught:
        v2_stub.ModelMetadata(v2.ModelMetadataRequest(name="other"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_infer_with_raw_contents_equals_score(v2_stub, stub, stored):
    ids, feed = stored
    response = v2_stub.ModelInfer(_raw_request(feed, "call-1"))
    assert response.id == "call-1" and response.model_name == MODEL_NAME
    assert list(response.outputs[0].shape) == [ROWS]
    probability = np.frombuffer(response.raw_output_contents[0], dtype="<f8")
    np.testing.assert_allclose(probability, _scores(stub, ids), rtol=0, atol=1e-12)


def test_infer_with_typed_contents_equals_score(v2_stub, stub, stored):
    ids, feed = stored
    contents = v2.InferTensorContents
    request = v2.ModelInferRequest(
        model_name=MODEL_NAME,
        inputs=[
            v2.ModelInferRequest.InferInputTensor(
                name="numeric",
                datatype="FP64",
                shape=list(feed["numeric"].shape),
                contents=contents(fp64_contents=feed["numeric"].ravel().tolist()),
            ),
            v2.ModelInferRequest.InferInputTensor(
                name="categorical",
                datatype="BYTES",
                shape=list(feed["categorical"].shape),
                contents=contents(bytes_contents=[s.encode() for s in feed["categorical"].ravel()]),
            ),
        ],
    )
    probability = np.frombuffer(v2_stub.ModelInfer(request).raw_output_contents[0], dtype="<f8")
    np.testing.assert_allclose(probability, _scores(stub, ids), rtol=0, atol=1e-12)


def test_infer_with_a_bad_tensor_names_it(v2_stub):
    request = v2.ModelInferRequest(
        model_name=MODEL_NAME,
        inputs=[
            v2.ModelInferRequest.InferInputTensor(name="numeric", datatype="FP32", shape=[1, 3]),
            v2.ModelInferRequest.InferInputTensor(
                name="categorical", datatype="BYTES", shape=[1, 2]
            ),
        ],
        raw_input_contents=[b"", b""],
    )
    with pytest.raises(grpc.RpcError) as caught:
        v2_stub.ModelInfer(request)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "inputs[0].datatype" in caught.value.details()
    assert "inputs[1].shape" in caught.value.details()


def test_statistics_count_inferences(v2_stub, stored):
    before = v2_stub.ModelStatistics(v2.ModelStatisticsRequest(name=MODEL_NAME)).model_stats[0]
    v2_stub.ModelInfer(_raw_request(stored[1]))
    after = v2_stub.ModelStatistics(v2.ModelStatisticsRequest(name=MODEL_NAME)).model_stats[0]
    assert after.inference_count == before.inference_count + ROWS
    assert after.execution_count == before.execution_count + 1
    assert after.inference_stats.success.count == before.inference_stats.success.count + 1
    assert after.inference_stats.compute_infer.ns > before.inference_stats.compute_infer.ns
    assert after.last_inference > 0


# tritonclient bundles its own copy of Triton's protos (package "inference"), which cannot be
# registered next to this project's copy in one process: the client runs in its own.
TRITON_CLIENT = """
import json, sys
import numpy as np
import tritonclient.grpc as triton

address, numeric, categorical = json.loads(sys.stdin.read())
client = triton.InferenceServerClient(url=address)
assert client.is_server_live() and client.is_model_ready("credit_default")
inputs = [
    triton.InferInput("numeric", [len(numeric), len(numeric[0])], "FP64"),
    triton.InferInput("categorical", [len(categorical), len(categorical[0])], "BYTES"),
]
inputs[0].set_data_from_numpy(np.asarray(numeric, dtype=np.float64))
inputs[1].set_data_from_numpy(np.asarray(categorical, dtype=np.object_))
outputs = [triton.InferRequestedOutput("probability")]
result = client.infer("credit_default", inputs, outputs=outputs)
print(json.dumps(result.as_numpy("probability").tolist()))
"""


def test_tritonclient_infer_equals_score(grpc_server: RunningServer, stub, stored):
    if importlib.util.find_spec("tritonclient") is None:
        pytest.skip("tritonclient is not installed (pip install tritonclient)")
    ids, feed = stored
    # NaN travels as null in JSON; the client script turns it back into NaN.
    numeric = [[None if np.isnan(v) else v for v in row] for row in feed["numeric"].tolist()]
    payload = json.dumps([grpc_server.address, numeric, feed["categorical"].tolist()])
    result = subprocess.run(
        [sys.executable, "-c", TRITON_CLIENT],
        input=payload,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    probability = np.asarray(json.loads(result.stdout))
    np.testing.assert_allclose(probability, _scores(stub, ids), rtol=0, atol=1e-12)


def _infer_error(v2_stub, feed: dict[str, np.ndarray]) -> str:
    """The field violations' descriptions of a ModelInfer that must fail, one per line."""
    with pytest.raises(grpc.RpcError) as caught:
        v2_stub.ModelInfer(_raw_request(feed))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(caught.value)
    assert status is not None
    bad = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad)
    return "\n".join(v.description for v in bad.field_violations)


@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_infinite_numbers_are_invalid_argument_naming_the_feature(
    v2_stub, stored, serving_artifacts: ServingArtifacts, value: float
):
    feed = {k: v.copy() for k, v in stored[1].items()}
    feed["numeric"][2, 5] = value
    error = _infer_error(v2_stub, feed)
    assert f"row 2, feature {serving_artifacts.spec.numeric[5]}" in error


def test_raw_columns_follow_their_application_rules(
    v2_stub, stored, serving_artifacts: ServingArtifacts
):
    feed = {k: v.copy() for k, v in stored[1].items()}
    column = serving_artifacts.spec.numeric.index("AMT_CREDIT")
    feed["numeric"][0, column] = 1e300
    assert "feature AMT_CREDIT" in _infer_error(v2_stub, feed)


def test_unknown_categories_are_invalid_argument(v2_stub, stored):
    feed = {k: v.copy() for k, v in stored[1].items()}
    feed["categorical"][:, 0] = "Astronaut" * 1000
    details = _infer_error(v2_stub, feed)
    assert "unknown value" in details and len(details) < 4_000


def test_missing_values_stay_allowed(v2_stub, stored):
    feed = {k: v.copy() for k, v in stored[1].items()}
    feed["numeric"][:, :] = np.nan
    feed["categorical"][:, :] = ""
    response = v2_stub.ModelInfer(_raw_request(feed))
    probability = np.frombuffer(response.raw_output_contents[0], dtype="<f8")
    assert np.isfinite(probability).all()
