"""ONNX export of the calibrated LightGBM model (whole and encoded graphs), with parity checks."""

from __future__ import annotations

import json
import logging
import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import onnx
import pandas as pd
from onnx import TensorProto, helper, numpy_helper
from scipy.special import expit

from model_build.model_inputs import (
    CATEGORICAL_INPUT,
    ENCODED_INPUT,
    NUMERIC_INPUT,
    PROBABILITY_OUTPUT,
    FeatureSpec,
    category_codes,
    encode_for_lightgbm,
    encoded_inputs,
)
from model_build.onnx_sessions import (
    META_CALIBRATION,
    META_CATEGORY_CODES,
    META_SPEC,
    make_session,
    predict_onnx,
)

__all__ = [
    "ParityError",
    "calibrated_probability",
    "check_encoded_parity",
    "check_parity",
    "export_onnx",
    "load_calibration",
    "load_feature_spec",
    "predict_native",
]

logger = logging.getLogger(__name__)

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


class ParityError(AssertionError):
    """The ONNX model's probabilities differ from LightGBM's by more than the tolerance."""


# ---------------------------------------------------------------------------------------------
# Native reference
# ---------------------------------------------------------------------------------------------


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
    for k, column_codes in enumerate(category_codes(spec).values()):
        keys.extend(f"{k}{_KEY_SEPARATOR}{value}" for value in column_codes)
        codes.extend(column_codes.values())
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


def _scoring_nodes(
    ensemble: _Ensemble, features: str, calibration: tuple[float, float]
) -> tuple[list[onnx.NodeProto], list[TensorProto]]:
    """Encoded features -> calibrated probability: the part both exported models share."""
    a, b = calibration
    initializers = [
        numpy_helper.from_array(np.asarray(a, dtype=np.float64), "platt_a"),
        numpy_helper.from_array(np.asarray(b, dtype=np.float64), "platt_b"),
        numpy_helper.from_array(np.asarray([-1], dtype=np.int64), "flat_shape"),
    ]
    nodes = [
        _tree_ensemble_node(ensemble, features, "raw_margin"),
        helper.make_node("Mul", ["raw_margin", "platt_a"], ["scaled_margin"]),
        helper.make_node("Add", ["scaled_margin", "platt_b"], ["calibrated_margin"]),
        helper.make_node("Sigmoid", ["calibrated_margin"], ["probability_column"]),
        helper.make_node("Reshape", ["probability_column", "flat_shape"], [PROBABILITY_OUTPUT]),
    ]
    return nodes, initializers


def _model(
    name: str,
    inputs: list[onnx.ValueInfoProto],
    nodes: list[onnx.NodeProto],
    initializers: list[TensorProto],
    metadata: dict[str, str],
) -> onnx.ModelProto:
    output = helper.make_tensor_value_info(PROBABILITY_OUTPUT, TensorProto.DOUBLE, ["N"])
    graph = helper.make_graph(nodes, name, inputs, [output], initializers)
    model = helper.make_model(
        graph,
        opset_imports=[
            helper.make_opsetid("", _OPSET),
            helper.make_opsetid("ai.onnx.ml", _ML_OPSET),
        ],
        producer_name="creditscore.model_build.onnx_export",
    )
    model.ir_version = _IR_VERSION
    helper.set_model_props(model, metadata)
    return model


def _metadata_props(spec: FeatureSpec, calibration: tuple[float, float]) -> dict[str, str]:
    return {META_SPEC: spec.to_json(), META_CALIBRATION: json.dumps(list(calibration))}


def _build_model(
    spec: FeatureSpec, ensemble: _Ensemble, calibration: tuple[float, float]
) -> onnx.ModelProto:
    """The whole model: numeric and categorical string inputs -> probability."""
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
    score_nodes, score_initializers = _scoring_nodes(ensemble, features, calibration)
    return _model(
        "credit_score",
        inputs,
        nodes + score_nodes,
        initializers + score_initializers,
        _metadata_props(spec, calibration),
    )


def _build_encoded_model(
    spec: FeatureSpec, ensemble: _Ensemble, calibration: tuple[float, float]
) -> onnx.ModelProto:
    """The same trees and calibration from ENCODED_INPUT on, with the category codes that
    build that input in its metadata (META_CATEGORY_CODES)."""
    features = helper.make_tensor_value_info(
        ENCODED_INPUT, TensorProto.DOUBLE, ["N", spec.encoded_width]
    )
    nodes, initializers = _scoring_nodes(ensemble, ENCODED_INPUT, calibration)
    metadata = _metadata_props(spec, calibration)
    metadata[META_CATEGORY_CODES] = json.dumps(category_codes(spec))
    return _model("credit_score_encoded", [features], nodes, initializers, metadata)


def export_onnx(
    booster: lgb.Booster | lgb.LGBMClassifier,
    spec: FeatureSpec,
    calibration: tuple[float, float],
    path: str | Path,
    encoded_path: str | Path | None = None,
) -> None:
    """Write the booster plus Platt calibration as one ONNX model computing in float64.

    Inputs ``numeric`` (double [N, len(spec.numeric)], NaN = missing) and ``categorical``
    (string [N, len(spec.categorical)], "" = missing); output ``probability`` (double [N]).
    The feature spec and calibration are stored in the model's metadata.

    With ``encoded_path``, also write the encoded model there: input ``features`` (double
    [N, spec.encoded_width], ``model_inputs.encoded_inputs``), the same output, and the
    category codes in its metadata (read back by ``onnx_sessions.load_encoded_model``).
    """
    a, b = (float(value) for value in calibration)
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ValueError(f"calibration must be finite, got {calibration}")
    ensemble = _tree_ensemble(_as_booster(booster), spec)
    _save(_build_model(spec, ensemble, (a, b)), Path(path))
    if encoded_path is not None:
        _save(_build_encoded_model(spec, ensemble, (a, b)), Path(encoded_path))
    logger.info(
        "exported %d trees (%d split nodes, %d leaves) to %s (%.1f MB)",
        len(ensemble.roots),
        len(ensemble.nodes),
        len(ensemble.leaf_weights),
        path,
        Path(path).stat().st_size / 1e6,
    )


def _save(model: onnx.ModelProto, path: Path) -> None:
    onnx.checker.check_model(model, full_check=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save_model(model, str(path))


def _metadata(path: str | Path) -> dict[str, str]:
    model = onnx.load_model(str(path), load_external_data=False)
    return {prop.key: prop.value for prop in model.metadata_props}


def load_feature_spec(path: str | Path) -> FeatureSpec:
    """The feature spec stored in an exported model (what the server feeds it with)."""
    return FeatureSpec.from_json(_metadata(path)[META_SPEC])


def load_calibration(path: str | Path) -> tuple[float, float]:
    a, b = json.loads(_metadata(path)[META_CALIBRATION])
    return float(a), float(b)


# ---------------------------------------------------------------------------------------------
# Parity
# ---------------------------------------------------------------------------------------------


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


def check_encoded_parity(
    onnx_path: str | Path, encoded_path: str | Path, spec: FeatureSpec, frame: pd.DataFrame
) -> None:
    """The encoded model must give exactly the whole model's probabilities; ParityError if not."""
    whole = predict_onnx(make_session(onnx_path), spec, frame)
    (encoded,) = make_session(encoded_path).run(
        [PROBABILITY_OUTPUT], {ENCODED_INPUT: encoded_inputs(frame, spec)}
    )
    encoded = np.asarray(encoded, dtype=np.float64).reshape(-1)
    if not np.array_equal(whole, encoded, equal_nan=True):
        worst = int(np.argmax(np.abs(np.nan_to_num(whole - encoded, nan=np.inf))))
        raise ParityError(
            f"the encoded model differs from the whole model (row {frame.index[worst]!r}: "
            f"{float(encoded[worst])!r} vs {float(whole[worst])!r})"
        )
    logger.info("encoded model parity on %d rows: exact", len(frame))
