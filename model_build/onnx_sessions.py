"""onnxruntime sessions of the exported models (public API only), and the encoded model's file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pandas as pd

from model_build.model_inputs import (
    ENCODED_INPUT,
    PROBABILITY_OUTPUT,
    CategoryCodeMap,
    FeatureSpec,
    onnx_inputs,
)

__all__ = [
    "META_CALIBRATION",
    "META_CATEGORY_CODES",
    "META_SPEC",
    "EncodedModel",
    "load_encoded_model",
    "make_session",
    "predict_onnx",
]

# Metadata keys (ModelProto.metadata_props) of both exported models.
META_SPEC = "creditscore.feature_spec"
META_CALIBRATION = "creditscore.calibration"
# The encoded model only: JSON {categorical column: {category value: code}}.
META_CATEGORY_CODES = "creditscore.category_codes"


def make_session(model: str | Path | bytes) -> ort.InferenceSession:
    """A single-threaded, fully optimised session (of a file, or of a serialised model):
    lowest latency for one request at a time, and each row's result independent of the
    others (a multi-threaded TreeEnsemble may sum trees in another order)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    source = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])


def predict_onnx(
    session: ort.InferenceSession, spec: FeatureSpec, frame: pd.DataFrame
) -> np.ndarray:
    """Calibrated probability of each row of a feature frame, computed by the ONNX model."""
    (exported,) = session.run([PROBABILITY_OUTPUT], onnx_inputs(frame, spec))
    return np.asarray(exported, dtype=np.float64).reshape(-1)


@dataclass(frozen=True)
class EncodedModel:
    """The exported model from its encoded input on, ready to run.

    ``session`` takes ENCODED_INPUT (double [N, spec.encoded_width]: the numeric inputs, then
    each categorical column's code, NaN when missing or unseen) and returns
    PROBABILITY_OUTPUT; ``codes`` gives the code of each category value, per categorical
    column. The same trees and calibration as the whole model, without its string handling,
    for callers that encode categories themselves.
    """

    session: ort.InferenceSession
    spec: FeatureSpec
    codes: CategoryCodeMap


def load_encoded_model(path: str | Path) -> EncodedModel:
    """The encoded model written by ``export_onnx`` at ``path``.

    Raises ValueError when the file is not such a model (missing metadata, wrong input);
    onnxruntime's own exceptions when it cannot load it at all.
    """
    session = make_session(path)
    metadata = session.get_modelmeta().custom_metadata_map
    missing = [key for key in (META_SPEC, META_CATEGORY_CODES) if key not in metadata]
    if missing:
        raise ValueError(f"no {', '.join(missing)} in its metadata; not an encoded model")
    spec = FeatureSpec.from_json(metadata[META_SPEC])
    raw = json.loads(metadata[META_CATEGORY_CODES])
    codes = {
        str(name): {str(value): float(code) for value, code in values.items()}
        for name, values in raw.items()
    }
    if list(codes) != list(spec.categorical):
        raise ValueError("its category codes do not cover the spec's categorical columns")
    inputs = [(i.name, i.shape[-1]) for i in session.get_inputs()]
    if inputs != [(ENCODED_INPUT, spec.encoded_width)]:
        raise ValueError(f"inputs {inputs}, expected [({ENCODED_INPUT!r}, {spec.encoded_width})]")
    return EncodedModel(session, spec, codes)
