"""ONNX export of the calibrated LightGBM scoring model, with a parity check against LightGBM."""

from __future__ import annotations

import json
import logging
import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
from onnx import TensorProto, helper, numpy_helper
from scipy.special import expit

__all__ = [
    "CATEGORICAL_INPUT",
    "ENCODED_INPUT",
    "NUMERIC_INPUT",
    "PROBABILITY_OUTPUT",
    "EncodedModel",
    "FeatureSpec",
    "ParityError",
    "calibrated_probability",
    "check_parity",
    "encode_for_lightgbm",
    "encoded_model",
    "export_onnx",
    "load_calibration",
    "load_feature_spec",
    "make_session",
    "onnx_inputs",
    "onnx_inputs_from_records",
    "predict_native",
    "predict_onnx",
]

logger = logging.getLogger(__name__)

NUMERIC_INPUT = "numeric"
CATEGORICAL_INPUT = "categorical"
PROBABILITY_OUTPUT = "probability"
# The graph's intermediate: numeric inputs then category codes, as one double matrix.
ENCODED_INPUT = "features"

# Missing categorical values travel through ONNX as "" because ONNX string tensors have no null.
MISSING_STRING = ""
# Separates the column index from the value in the single LabelEncoder's keys; a control
# character so that it cannot be mistaken for part of an index.
_KEY_SEPARATOR = "\x1f"

_OPSET = 21  # StringConcat needs >= 20
_ML_OPSET = 5  # TreeEnsemble (double thresholds, leaf weights, output and set membership)
_IR_VERSION = 10  # the IR version of opset 21; newer ones are refused by older runtimes

# ai.onnx.ml TreeEnsemble enums.
_MODE_LEQ = 0
_MODE_MEMBER = 6
_AGGREGATE_SUM = 1
_POST_TRANSFORM_NONE = 0

# LightGBM's dump_model() writes thresholds at or beyond this as +-1e300.
_AVOID_INF = 1e300

_META_SPEC = "creditscore.feature_spec"
_META_CALIBRATION = "creditscore.calibration"


class ParityError(AssertionError):
    """The ONNX model's probabilities differ from LightGBM's by more than the tolerance."""


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """The model's inputs: numeric and categorical columns and the booster's feature order.

    ``categorical`` maps a column to its vocabulary in code order (code i = vocabulary[i]);
    a value outside the vocabulary is encoded like a missing one.
    """

    numeric: tuple[str, ...]
    categorical: dict[str, tuple[str, ...]]
    # Booster feature order; empty means numeric columns then categorical columns.
    feature_order: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "numeric", tuple(self.numeric))
        object.__setattr__(
            self, "categorical", {name: tuple(vocab) for name, vocab in self.categorical.items()}
        )
        if not self.feature_order:
            object.__setattr__(self, "feature_order", self.numeric + self.categorical_names)
        object.__setattr__(self, "feature_order", tuple(self.feature_order))
        self._validate()

    def _validate(self) -> None:
        names = self.numeric + self.categorical_names
        if len(set(names)) != len(names):
            raise ValueError("a column is listed twice in the feature spec")
        if sorted(self.feature_order) != sorted(names):
            raise ValueError("feature_order must be a permutation of the numeric and categorical")
        for name, vocab in self.categorical.items():
            if len(set(vocab)) != len(vocab):
                raise ValueError(f"vocabulary of {name!r} has duplicates")
            if any(not isinstance(value, str) or value == MISSING_STRING for value in vocab):
                raise ValueError(f"vocabulary of {name!r} must hold non-empty strings")

    @property
    def categorical_names(self) -> tuple[str, ...]:
        return tuple(self.categorical)

    def to_json(self) -> str:
        return json.dumps(
            {
                "numeric": list(self.numeric),
                "categorical": {name: list(vocab) for name, vocab in self.categorical.items()},
                "feature_order": list(self.feature_order),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> FeatureSpec:
        raw = json.loads(text)
        return cls(
            numeric=tuple(raw["numeric"]),
            categorical={name: tuple(vocab) for name, vocab in raw["categorical"].items()},
            feature_order=tuple(raw["feature_order"]),
        )


# ---------------------------------------------------------------------------------------------
# Encoding shared by training, native scoring and the ONNX feed
# ---------------------------------------------------------------------------------------------


def _missing_columns(frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise KeyError(f"feature frame lacks columns {missing}")


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def _category_string(value: object) -> str:
    """The one spelling of a categorical value that both paths match against the vocabulary."""
    return MISSING_STRING if _is_missing(value) else str(value)


def _numeric_value(value: object) -> float:
    return math.nan if _is_missing(value) else float(value)  # type: ignore[arg-type]


_category_strings = np.frompyfunc(_category_string, 1, 1)


def _categorical_strings(frame: pd.DataFrame, spec: FeatureSpec) -> np.ndarray:
    """Categorical columns as an object array of str, "" where missing."""
    names = spec.categorical_names
    _missing_columns(frame, names)
    out = np.empty((len(frame), len(names)), dtype=object)
    for k, name in enumerate(names):
        out[:, k] = _column_strings(frame[name])
    return out


def _column_strings(column: pd.Series) -> np.ndarray:
    if isinstance(column.dtype, pd.CategoricalDtype):
        # Spell each category once and gather by code (-1, missing, takes the appended "").
        categories = column.cat.categories.to_numpy(dtype=object)
        spelled = np.append(_category_strings(categories), MISSING_STRING).astype(object)
        return spelled[column.cat.codes.to_numpy()]
    return _category_strings(column.to_numpy(dtype=object))


def _numeric_matrix(frame: pd.DataFrame, spec: FeatureSpec) -> np.ndarray:
    _missing_columns(frame, spec.numeric)
    block = frame[list(spec.numeric)]
    return np.ascontiguousarray(block.to_numpy(dtype=np.float64, na_value=np.nan))


def _codes(strings: np.ndarray, vocab: tuple[str, ...]) -> np.ndarray:
    codes = pd.Index(vocab, dtype=object).get_indexer(strings).astype(np.float64)
    codes[codes < 0] = np.nan
    return codes


def encode_for_lightgbm(frame: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """The booster's input: float64 columns in model order, categoricals as codes.

    Training (``lgb.Dataset(encoded, label, categorical_feature=spec.categorical_names)``)
    and native scoring must both go through this function. Missing and unseen categories
    become NaN, which LightGBM's categorical splits always send right (not in the set).
    It starts from the same arrays as the ONNX feed, so both paths see the same values.
    """
    feed = onnx_inputs(frame, spec)
    columns: dict[str, np.ndarray] = {}
    for k, name in enumerate(spec.numeric):
        columns[name] = feed[NUMERIC_INPUT][:, k]
    for k, (name, vocab) in enumerate(spec.categorical.items()):
        columns[name] = _codes(feed[CATEGORICAL_INPUT][:, k], vocab)
    return pd.DataFrame({name: columns[name] for name in spec.feature_order}, index=frame.index)


def onnx_inputs(frame: pd.DataFrame, spec: FeatureSpec) -> dict[str, np.ndarray]:
    """The ONNX Runtime feed for a feature frame: float64 numerics and str categoricals."""
    feed: dict[str, np.ndarray] = {}
    if spec.numeric:
        feed[NUMERIC_INPUT] = _numeric_matrix(frame, spec)
    if spec.categorical:
        feed[CATEGORICAL_INPUT] = _categorical_strings(frame, spec)
    return feed


def onnx_inputs_from_records(
    records: Sequence[Mapping[str, Any]], spec: FeatureSpec
) -> dict[str, np.ndarray]:
    """The same feed as onnx_inputs, from dicts: no pandas overhead for one-row requests.

    Every feature must be present (None = missing), as with a frame's columns.
    """
    feed: dict[str, np.ndarray] = {}
    if spec.numeric:
        feed[NUMERIC_INPUT] = np.array(
            [[_numeric_value(record[name]) for name in spec.numeric] for record in records],
            dtype=np.float64,
        ).reshape(len(records), len(spec.numeric))
    if spec.categorical:
        strings = np.empty((len(records), len(spec.categorical)), dtype=object)
        for i, record in enumerate(records):
            strings[i, :] = [_category_string(record[name]) for name in spec.categorical]
        feed[CATEGORICAL_INPUT] = strings
    return feed


def _as_booster(model: lgb.Booster | lgb.LGBMClassifier) -> lgb.Booster:
    return model.booster_ if isinstance(model, lgb.LGBMClassifier) else model


def calibrated_probability(raw_margin: np.ndarray, calibration: tuple[float, float]) -> np.ndarray:
    """Platt calibration of LightGBM's raw margin: sigmoid(a * margin + b)."""
    a, b = calibration
    return expit(a * np.asarray(raw_margin, dtype=np.float64) + b)


def predict_native(
    booster: lgb.Booster | lgb.LGBMClassifier,
    spec: FeatureSpec,
    calibration: tuple[float, float],
    frame: pd.DataFrame,
) -> np.ndarray:
    """Calibrated probability computed by LightGBM itself (the reference for parity)."""
    margin = _as_booster(booster).predict(encode_for_lightgbm(frame, spec), raw_score=True)
    return calibrated_probability(np.asarray(margin), calibration)


# ---------------------------------------------------------------------------------------------
# LightGBM trees -> ai.onnx.ml TreeEnsemble (double precision)
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Node:
    feature: int
    mode: int
    split: float
    missing_true: int
    members: tuple[float, ...] = ()
    true_id: int = -1
    true_leaf: int = 0
    false_id: int = -1
    false_leaf: int = 0


@dataclass(slots=True)
class _Ensemble:
    """Flat TreeEnsemble attributes; interior nodes and leaves are numbered separately."""

    roots: list[int] = field(default_factory=list)
    nodes: list[_Node] = field(default_factory=list)
    leaf_weights: list[float] = field(default_factory=list)

    def add_leaf(self, value: float) -> int:
        self.leaf_weights.append(float(value))
        return len(self.leaf_weights) - 1

    def add_node(self, node: _Node) -> int:
        self.nodes.append(node)
        return len(self.nodes) - 1


def _is_leaf(structure: Mapping[str, Any]) -> bool:
    return "split_feature" not in structure


@dataclass(frozen=True, slots=True)
class _TreeContext:
    """What converting one tree needs besides its structure."""

    spec: FeatureSpec
    columns: list[int]  # ONNX input column of each booster feature
    thresholds: list[float]  # this tree's thresholds from the text model, by split_index


def _text_thresholds(model_text: str) -> dict[int, list[float]]:
    """Each tree's ``threshold=`` line of the text model, which keeps infinite thresholds."""
    thresholds: dict[int, list[float]] = {}
    tree = -1
    for line in model_text.splitlines():
        if line.startswith("Tree="):
            tree = int(line.removeprefix("Tree="))
        elif line.startswith("threshold=") and tree >= 0:
            thresholds[tree] = [float(token) for token in line.removeprefix("threshold=").split()]
    return thresholds


def _exact_threshold(structure: Mapping[str, Any], context: _TreeContext) -> float:
    """The split's threshold as LightGBM compares it.

    dump_model() clips infinite thresholds to +-1e300 (LightGBM's AvoidInf), which flips the
    branch of inputs above 1e300 or infinite (e.g. a ratio over a zero income); the text
    model keeps "inf". Elsewhere both hold the same double, which is checked.
    """
    dumped = float(structure["threshold"])
    exact = context.thresholds[int(structure["split_index"])]
    if exact != dumped and not (abs(dumped) >= _AVOID_INF and abs(exact) >= _AVOID_INF):
        raise ValueError(f"threshold mismatch between dump_model ({dumped!r}) and text ({exact!r})")
    return exact


def _decision_node(structure: Mapping[str, Any], context: _TreeContext) -> _Node:
    """One LightGBM split as a TreeEnsemble node, following LightGBM's tree.h decisions."""
    index = int(structure["split_feature"])
    name = context.spec.feature_order[index]
    column = context.columns[index]
    if structure["decision_type"] == "==":
        if name not in context.spec.categorical:
            raise ValueError(f"categorical split on {name!r}, which the spec lists as numeric")
        members = tuple(sorted(float(code) for code in str(structure["threshold"]).split("||")))
        # CategoricalDecision: NaN (missing or unseen) always goes right, whatever missing_type.
        return _Node(column, _MODE_MEMBER, 0.0, 0, members)
    if structure["decision_type"] != "<=":
        raise ValueError(f"unsupported LightGBM decision type {structure['decision_type']!r}")
    if name in context.spec.categorical:
        raise ValueError(
            f"numerical split on categorical {name!r}: train with categorical_feature set"
        )
    threshold = _exact_threshold(structure, context)
    missing_type = structure["missing_type"]
    if missing_type == "NaN":
        missing_true = int(bool(structure["default_left"]))
    elif missing_type == "None":
        # NumericalDecision replaces NaN by 0 (and goes left iff 0 <= threshold) when the
        # split has no missing direction.
        missing_true = int(threshold >= 0.0)
    else:
        raise ValueError("zero_as_missing splits are not supported (missing_type 'Zero')")
    return _Node(column, _MODE_LEQ, threshold, missing_true)


def _add_constant_tree(ensemble: _Ensemble, value: float) -> None:
    # TreeEnsemble has no leaf-only trees: split on anything into two leaves of equal value
    # (two distinct leaves, because ORT reads a root with true id == false id as a leaf).
    node = _Node(0, _MODE_LEQ, 0.0, 0)
    node.true_id, node.true_leaf = ensemble.add_leaf(value), 1
    node.false_id, node.false_leaf = ensemble.add_leaf(value), 1
    ensemble.roots.append(ensemble.add_node(node))


def _add_tree(ensemble: _Ensemble, root: Mapping[str, Any], context: _TreeContext) -> None:
    if _is_leaf(root):
        _add_constant_tree(ensemble, float(root["leaf_value"]))
        return
    root_id = ensemble.add_node(_decision_node(root, context))
    ensemble.roots.append(root_id)
    children = (root["left_child"], root["right_child"])
    if _is_leaf(children[0]) != _is_leaf(children[1]) and len(ensemble.leaf_weights) == root_id + 1:
        # Same reason: leaf and node ids live in different spaces, so the root's leaf child and
        # node child could get equal ids; an unused leaf shifts them apart.
        ensemble.add_leaf(0.0)
    queue: deque[tuple[int, Mapping[str, Any]]] = deque([(root_id, root)])
    while queue:
        node_id, structure = queue.popleft()
        node = ensemble.nodes[node_id]
        for side in ("left", "right"):
            child = structure[f"{side}_child"]
            if _is_leaf(child):
                if "leaf_coeff" in child:
                    raise ValueError("linear trees are not supported")
                child_id, is_leaf = ensemble.add_leaf(float(child["leaf_value"])), 1
            else:
                child_id, is_leaf = ensemble.add_node(_decision_node(child, context)), 0
                queue.append((child_id, child))
            # LightGBM goes left when the decision holds, i.e. left is ONNX's true branch.
            if side == "left":
                node.true_id, node.true_leaf = child_id, is_leaf
            else:
                node.false_id, node.false_leaf = child_id, is_leaf


def _check_booster(dump: Mapping[str, Any], booster: lgb.Booster, spec: FeatureSpec) -> None:
    if not str(dump.get("objective", "")).startswith("binary"):
        raise ValueError(f"expected a binary objective, got {dump.get('objective')!r}")
    if dump.get("num_tree_per_iteration", 1) != 1 or dump.get("average_output", False):
        raise ValueError("only single-output gbdt-style boosters are supported")
    if tuple(dump["feature_names"]) != spec.feature_order:
        raise ValueError(
            "booster feature names differ from spec.feature_order: "
            f"{dump['feature_names']} != {list(spec.feature_order)}"
        )
    if booster.pandas_categorical:
        raise ValueError(
            "booster was trained on pandas category columns; train on encode_for_lightgbm()"
        )


def _tree_ensemble(booster: lgb.Booster, spec: FeatureSpec) -> _Ensemble:
    # Both calls default to the booster's best iteration, like Booster.predict.
    dump = booster.dump_model()
    _check_booster(dump, booster, spec)
    thresholds = _text_thresholds(booster.model_to_string())
    columns = _column_layout(spec)
    ensemble = _Ensemble()
    for index, tree in enumerate(dump["tree_info"]):
        context = _TreeContext(spec, columns, thresholds.get(index, []))
        _add_tree(ensemble, tree["tree_structure"], context)
    return ensemble


def _tree_ensemble_node(ensemble: _Ensemble, inputs: str, output: str) -> onnx.NodeProto:
    nodes = ensemble.nodes
    membership: list[float] = []
    for node in nodes:
        if node.mode == _MODE_MEMBER:
            membership.extend(node.members)
            membership.append(math.nan)  # separator between nodes' sets

    def double_tensor(name: str, values: list[float]) -> TensorProto:
        return numpy_helper.from_array(np.asarray(values, dtype=np.float64), name)

    attributes: dict[str, Any] = {
        "aggregate_function": _AGGREGATE_SUM,
        "post_transform": _POST_TRANSFORM_NONE,
        "n_targets": 1,
        "tree_roots": ensemble.roots,
        "nodes_featureids": [node.feature for node in nodes],
        "nodes_modes": numpy_helper.from_array(
            np.asarray([node.mode for node in nodes], dtype=np.uint8), "nodes_modes"
        ),
        "nodes_splits": double_tensor("nodes_splits", [node.split for node in nodes]),
        "nodes_missing_value_tracks_true": [node.missing_true for node in nodes],
        "nodes_truenodeids": [node.true_id for node in nodes],
        "nodes_trueleafs": [node.true_leaf for node in nodes],
        "nodes_falsenodeids": [node.false_id for node in nodes],
        "nodes_falseleafs": [node.false_leaf for node in nodes],
        "leaf_targetids": [0] * len(ensemble.leaf_weights),
        "leaf_weights": double_tensor("leaf_weights", ensemble.leaf_weights),
    }
    if membership:
        attributes["membership_values"] = double_tensor("membership_values", membership)
    return helper.make_node(
        "TreeEnsemble", [inputs], [output], name="lightgbm_trees", domain="ai.onnx.ml", **attributes
    )


# ---------------------------------------------------------------------------------------------
# Graph
# ---------------------------------------------------------------------------------------------


def _column_layout(spec: FeatureSpec) -> list[int]:
    """Column of each booster feature in the ONNX matrix [numeric..., categorical...]."""
    position = {name: i for i, name in enumerate(spec.numeric + spec.categorical_names)}
    return [position[name] for name in spec.feature_order]


def _categorical_nodes(
    spec: FeatureSpec, output: str
) -> tuple[list[onnx.NodeProto], list[TensorProto]]:
    """String matrix -> double codes (NaN when missing or unseen) with one LabelEncoder.

    Each value is prefixed with its column index so that one hash map serves every column.
    """
    names = spec.categorical_names
    prefixes = np.asarray([[f"{k}{_KEY_SEPARATOR}" for k in range(len(names))]], dtype=object)
    keys: list[str] = []
    codes: list[float] = []
    for k, vocab in enumerate(spec.categorical.values()):
        keys.extend(f"{k}{_KEY_SEPARATOR}{value}" for value in vocab)
        codes.extend(float(code) for code in range(len(vocab)))
    initializers = [numpy_helper.from_array(prefixes, "categorical_prefixes")]
    nodes = [
        helper.make_node(
            "StringConcat", ["categorical_prefixes", CATEGORICAL_INPUT], ["categorical_keys"]
        ),
        helper.make_node(
            "LabelEncoder",
            ["categorical_keys"],
            [output],
            domain="ai.onnx.ml",
            keys_strings=keys,
            values_tensor=numpy_helper.from_array(np.asarray(codes, dtype=np.float64), "codes"),
            default_tensor=numpy_helper.from_array(np.asarray([np.nan]), "missing_code"),
        ),
    ]
    return nodes, initializers


def _build_model(
    spec: FeatureSpec, ensemble: _Ensemble, calibration: tuple[float, float]
) -> onnx.ModelProto:
    nodes: list[onnx.NodeProto] = []
    initializers: list[TensorProto] = []
    inputs: list[onnx.ValueInfoProto] = []
    blocks: list[str] = []
    if spec.numeric:
        inputs.append(
            helper.make_tensor_value_info(
                NUMERIC_INPUT, TensorProto.DOUBLE, ["N", len(spec.numeric)]
            )
        )
        blocks.append(NUMERIC_INPUT)
    if spec.categorical:
        inputs.append(
            helper.make_tensor_value_info(
                CATEGORICAL_INPUT, TensorProto.STRING, ["N", len(spec.categorical)]
            )
        )
        cat_nodes, cat_initializers = _categorical_nodes(spec, "categorical_codes")
        nodes += cat_nodes
        initializers += cat_initializers
        blocks.append("categorical_codes")
    if len(blocks) > 1:
        nodes.append(helper.make_node("Concat", blocks, [ENCODED_INPUT], axis=1))
        features = ENCODED_INPUT
    else:
        features = blocks[0]
    nodes.append(_tree_ensemble_node(ensemble, features, "raw_margin"))
    a, b = calibration
    initializers += [
        numpy_helper.from_array(np.asarray(a, dtype=np.float64), "platt_a"),
        numpy_helper.from_array(np.asarray(b, dtype=np.float64), "platt_b"),
        numpy_helper.from_array(np.asarray([-1], dtype=np.int64), "flat_shape"),
    ]
    nodes += [
        helper.make_node("Mul", ["raw_margin", "platt_a"], ["scaled_margin"]),
        helper.make_node("Add", ["scaled_margin", "platt_b"], ["calibrated_margin"]),
        helper.make_node("Sigmoid", ["calibrated_margin"], ["probability_column"]),
        helper.make_node("Reshape", ["probability_column", "flat_shape"], [PROBABILITY_OUTPUT]),
    ]
    output = helper.make_tensor_value_info(PROBABILITY_OUTPUT, TensorProto.DOUBLE, ["N"])
    graph = helper.make_graph(nodes, "credit_score", inputs, [output], initializers)
    model = helper.make_model(
        graph,
        opset_imports=[
            helper.make_opsetid("", _OPSET),
            helper.make_opsetid("ai.onnx.ml", _ML_OPSET),
        ],
        producer_name="creditscore.model_build.onnx_export",
    )
    model.ir_version = _IR_VERSION
    helper.set_model_props(
        model,
        {_META_SPEC: spec.to_json(), _META_CALIBRATION: json.dumps([float(a), float(b)])},
    )
    return model


def export_onnx(
    booster: lgb.Booster | lgb.LGBMClassifier,
    spec: FeatureSpec,
    calibration: tuple[float, float],
    path: str | Path,
) -> None:
    """Write the booster plus Platt calibration as one ONNX model computing in float64.

    Inputs ``numeric`` (double [N, len(spec.numeric)], NaN = missing) and ``categorical``
    (string [N, len(spec.categorical)], "" = missing); output ``probability`` (double [N]).
    The feature spec and calibration are stored in the model's metadata.
    """
    a, b = (float(value) for value in calibration)
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ValueError(f"calibration must be finite, got {calibration}")
    ensemble = _tree_ensemble(_as_booster(booster), spec)
    model = _build_model(spec, ensemble, (a, b))
    onnx.checker.check_model(model, full_check=True)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save_model(model, str(path))
    logger.info(
        "exported %d trees (%d split nodes, %d leaves) to %s (%.1f MB)",
        len(ensemble.roots),
        len(ensemble.nodes),
        len(ensemble.leaf_weights),
        path,
        path.stat().st_size / 1e6,
    )


def _metadata(path: str | Path) -> dict[str, str]:
    return _metadata_of(onnx.load_model(str(path), load_external_data=False))


def _metadata_of(model: onnx.ModelProto) -> dict[str, str]:
    return {prop.key: prop.value for prop in model.metadata_props}


def load_feature_spec(path: str | Path) -> FeatureSpec:
    """The feature spec stored in an exported model (what the server feeds it with)."""
    return FeatureSpec.from_json(_metadata(path)[_META_SPEC])


def load_calibration(path: str | Path) -> tuple[float, float]:
    a, b = json.loads(_metadata(path)[_META_CALIBRATION])
    return float(a), float(b)


# ---------------------------------------------------------------------------------------------
# Runtime and parity
# ---------------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class EncodedModel:
    """An exported model from its encoded input on: ``model`` takes ENCODED_INPUT (double
    [N, len(spec.numeric) + len(spec.categorical)]: the numeric inputs, then each categorical
    column's code, NaN when missing or unseen) and returns PROBABILITY_OUTPUT; ``codes``
    gives the code of each category value, per categorical column, as the graph's
    LabelEncoder has them. The same trees and calibration as the whole model: what is left
    out is the string handling, for callers that encode categories themselves.
    """

    model: onnx.ModelProto
    codes: dict[str, dict[str, float]]


def encoded_model(path: str | Path) -> EncodedModel:
    """The exported model at ``path`` cut at its encoded input (the whole model when it has
    no categorical input: its numeric input is the encoded input then)."""
    model = onnx.load_model(str(path))
    spec = FeatureSpec.from_json(_metadata_of(model)[_META_SPEC])
    if not spec.categorical:
        return EncodedModel(model, {})
    encoders = [node for node in model.graph.node if node.op_type == "LabelEncoder"]
    if len(encoders) != 1:
        raise ValueError(f"{path}: expected one LabelEncoder, found {len(encoders)}")
    attributes = {a.name: a for a in encoders[0].attribute}
    keys = [key.decode("utf-8") for key in attributes["keys_strings"].strings]
    values = numpy_helper.to_array(attributes["values_tensor"].t).tolist()
    names = spec.categorical_names
    codes: dict[str, dict[str, float]] = {name: {} for name in names}
    for key, code in zip(keys, values, strict=True):
        column, _, value = key.partition(_KEY_SEPARATOR)
        codes[names[int(column)]][value] = float(code)
    inferred = onnx.shape_inference.infer_shapes(model)
    cut = onnx.utils.Extractor(inferred).extract_model([ENCODED_INPUT], [PROBABILITY_OUTPUT])
    return EncodedModel(cut, codes)


def predict_onnx(
    session: ort.InferenceSession, spec: FeatureSpec, frame: pd.DataFrame
) -> np.ndarray:
    """Calibrated probability of each row of a feature frame, computed by the ONNX model."""
    (exported,) = session.run([PROBABILITY_OUTPUT], onnx_inputs(frame, spec))
    return np.asarray(exported, dtype=np.float64).reshape(-1)


def check_parity(
    onnx_path: str | Path,
    booster: lgb.Booster | lgb.LGBMClassifier,
    spec: FeatureSpec,
    calibration: tuple[float, float],
    frame: pd.DataFrame,
    tolerance: float = 1e-5,
    min_rows: int = 1000,
) -> float:
    """Max |p_onnx - p_lightgbm| over ``frame``; raises ParityError above ``tolerance``."""
    if len(frame) < min_rows:
        raise ValueError(f"parity needs at least {min_rows} rows, got {len(frame)}")
    native = predict_native(booster, spec, calibration, frame)
    exported = predict_onnx(make_session(onnx_path), spec, frame)
    diff = np.abs(np.asarray(exported, dtype=np.float64).reshape(-1) - native)
    # A NaN on either side is a failure, not a silently ignored row.
    diff = np.where(np.isnan(diff), np.inf, diff)
    worst = int(np.argmax(diff))
    max_diff = float(diff[worst])
    if max_diff > tolerance:
        raise ParityError(
            f"ONNX and LightGBM probabilities differ by {max_diff:.3g} > {tolerance:.3g} "
            f"(row {frame.index[worst]!r}: onnx {float(exported.reshape(-1)[worst])!r}, "
            f"lightgbm {float(native[worst])!r})"
        )
    logger.info("ONNX parity on %d rows: max |diff| = %.3g", len(frame), max_diff)
    return max_diff
