"""Open Inference Protocol (KServe V2) requests: raw tensors as tritonclient sends them."""

from __future__ import annotations

import struct

import numpy as np

from inference import grpc_service_pb2 as pb

__all__ = ["OUR_MODEL", "bytes_tensor", "infer_request"]

# The V2 model name of our server (server.inference_v2.MODEL_NAME; part of its contract).
OUR_MODEL = "credit_default"
_DATATYPES = {np.dtype(np.float64): "FP64", np.dtype(np.float32): "FP32"}


def bytes_tensor(strings: np.ndarray) -> bytes:
    """Triton's BYTES wire format: each UTF-8 element behind its 4-byte little-endian length."""
    return b"".join(
        struct.pack("<I", len(b)) + b for b in (str(s).encode("utf-8") for s in strings.ravel())
    )


def _raw(array: np.ndarray) -> tuple[str, bytes]:
    if array.dtype == object:
        return "BYTES", bytes_tensor(array)
    datatype = _DATATYPES[array.dtype]
    return datatype, np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()


def infer_request(model: str, inputs: dict[str, np.ndarray]) -> pb.ModelInferRequest:
    """A ModelInfer request carrying ``inputs`` (name -> 2-D array) as raw_input_contents."""
    tensors = []
    raw = []
    for name, array in inputs.items():
        datatype, content = _raw(array)
        tensors.append(
            pb.ModelInferRequest.InferInputTensor(
                name=name, datatype=datatype, shape=list(array.shape)
            )
        )
        raw.append(content)
    return pb.ModelInferRequest(model_name=model, inputs=tensors, raw_input_contents=raw)
