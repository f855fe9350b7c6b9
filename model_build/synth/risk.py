"""Default risk from application features: a compact boosted-tree model evaluated in numpy."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from model_build.schema import ANOMALY_DAYS

logger = logging.getLogger(__name__)

__all__ = ["ENGINEERED", "TreeEnsemble", "engineered_features", "feature_matrix", "fit_tree_model"]

# Ratios that credit-scoring kernels add to the raw application columns (FACTS.md §5.4).
ENGINEERED = (
    "X_PAYMENT_RATE",
    "X_CREDIT_GOODS",
    "X_ANNUITY_INCOME",
    "X_CREDIT_INCOME",
    "X_EMPLOYED_BIRTH",
    "X_EXT_MEAN",
)

_MISSING_NONE, _MISSING_ZERO, _MISSING_NAN = 0, 1, 2
_MISSING_TYPES = {"None": _MISSING_NONE, "Zero": _MISSING_ZERO, "NaN": _MISSING_NAN}
_BLOCK_ROWS = 8192


def engineered_features(cols: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The ENGINEERED ratios from raw application columns (numeric float arrays)."""
    emp = np.asarray(cols["DAYS_EMPLOYED"], dtype=np.float64)
    emp = np.where(emp == ANOMALY_DAYS, np.nan, emp)
    credit = np.asarray(cols["AMT_CREDIT"], dtype=np.float64)
    annuity = np.asarray(cols["AMT_ANNUITY"], dtype=np.float64)
    income = np.asarray(cols["AMT_INCOME_TOTAL"], dtype=np.float64)
    ext = np.stack([np.asarray(cols[f"EXT_SOURCE_{i}"], dtype=np.float64) for i in (1, 2, 3)])
    n_ext = np.sum(~np.isnan(ext), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ext_mean = np.where(n_ext > 0, np.nansum(ext, axis=0) / np.maximum(n_ext, 1), np.nan)
        return {
            "X_PAYMENT_RATE": annuity / credit,
            "X_CREDIT_GOODS": credit / np.asarray(cols["AMT_GOODS_PRICE"], dtype=np.float64),
            "X_ANNUITY_INCOME": annuity / income,
            "X_CREDIT_INCOME": credit / income,
            "X_EMPLOYED_BIRTH": emp / np.asarray(cols["DAYS_BIRTH"], dtype=np.float64),
            "X_EXT_MEAN": ext_mean,
        }


def feature_matrix(cols: Mapping[str, np.ndarray], features: Sequence[str]) -> np.ndarray:
    """Float matrix of the named features; categorical codes (-1 = missing) become NaN."""
    extra = engineered_features(cols) if any(f in ENGINEERED for f in features) else {}
    out = np.empty((len(next(iter(cols.values()))), len(features)), dtype=np.float64)
    for j, name in enumerate(features):
        arr = extra[name] if name in extra else cols[name]
        if arr.dtype.kind in "iu" and arr.dtype.itemsize <= 2 and name not in extra:
            out[:, j] = np.where(arr < 0, np.nan, arr)
        else:
            out[:, j] = arr
    return out


@dataclass
class TreeEnsemble:
    """Boosted trees flattened into node arrays; leaves are nodes with feature -1."""

    features: list[str]
    categorical: list[str]
    feature: np.ndarray  # int32, -1 for leaves
    threshold: np.ndarray  # float64 (numeric splits)
    cat_mask: np.ndarray  # uint64 bit set of categories going left (categorical splits)
    is_cat: np.ndarray  # bool
    default_left: np.ndarray  # bool
    missing_type: np.ndarray  # int8
    left: np.ndarray  # int32 global node index
    right: np.ndarray  # int32
    value: np.ndarray  # float64 leaf values (0 for internal nodes)
    roots: np.ndarray  # int32 root node of each tree
    depth: int

    def raw_score(self, x: np.ndarray) -> np.ndarray:
        """Sum of leaf values (log-odds) for each row of the feature matrix `x`."""
        out = np.empty(len(x))
        for start in range(0, len(x), _BLOCK_ROWS):
            out[start : start + _BLOCK_ROWS] = self._score_block(x[start : start + _BLOCK_ROWS])
        return out

    def _score_block(self, x: np.ndarray) -> np.ndarray:
        n = len(x)
        node = np.broadcast_to(self.roots, (n, len(self.roots))).copy()
        rows = np.arange(n)[:, None]
        for _ in range(self.depth):
            feat = self.feature[node]
            internal = feat >= 0
            if not internal.any():
                break
            val = x[rows, np.maximum(feat, 0)]
            nan = np.isnan(val)
            mtype = self.missing_type[node]
            num_val = np.where(nan & (mtype != _MISSING_NAN), 0.0, val)
            use_default = ((mtype == _MISSING_ZERO) & ((num_val == 0.0) | nan)) | (
                (mtype == _MISSING_NAN) & nan
            )
            go_left = np.where(
                use_default, self.default_left[node], num_val <= self.threshold[node]
            )
            code = np.where(nan | (val < 0) | (val > 63), 64, val).astype(np.int64)
            in_set = (self.cat_mask[node] >> np.minimum(code, 63).astype(np.uint64)) & np.uint64(1)
            cat_left = (in_set == 1) & (code < 64)
            go_left = np.where(self.is_cat[node], cat_left, go_left)
            nxt = np.where(go_left, self.left[node], self.right[node])
            node = np.where(internal, nxt, node)
        return self.value[node].sum(axis=1)

    def to_json(self) -> dict[str, Any]:
        thr = [
            str(int(m)) if c else repr(float(t))
            for t, m, c in zip(self.threshold, self.cat_mask, self.is_cat, strict=True)
        ]
        return {
            "features": self.features,
            "categorical": self.categorical,
            "feature": self.feature.tolist(),
            "threshold": thr,
            "flags": (
                self.is_cat.astype(int) + 2 * self.default_left + 4 * self.missing_type
            ).tolist(),
            "left": self.left.tolist(),
            "right": self.right.tolist(),
            "value": [round(float(v), 7) for v in self.value],
            "roots": self.roots.tolist(),
            "depth": self.depth,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> TreeEnsemble:
        flags = np.asarray(d["flags"], dtype=np.int64)
        is_cat = (flags & 1).astype(bool)
        thr = d["threshold"]
        return cls(
            features=list(d["features"]),
            categorical=list(d["categorical"]),
            feature=np.asarray(d["feature"], dtype=np.int32),
            threshold=np.array([0.0 if c else float(t) for t, c in zip(thr, is_cat, strict=True)]),
            cat_mask=np.array(
                [int(t) if c else 0 for t, c in zip(thr, is_cat, strict=True)], dtype=np.uint64
            ),
            is_cat=is_cat,
            default_left=((flags >> 1) & 1).astype(bool),
            missing_type=(flags >> 2).astype(np.int8),
            left=np.asarray(d["left"], dtype=np.int32),
            right=np.asarray(d["right"], dtype=np.int32),
            value=np.asarray(d["value"], dtype=np.float64),
            roots=np.asarray(d["roots"], dtype=np.int32),
            depth=int(d["depth"]),
        )


def _flatten(dump: dict[str, Any], features: list[str], categorical: list[str]) -> TreeEnsemble:
    cols: dict[str, list[Any]] = {k: [] for k in ("f", "t", "m", "c", "d", "mt", "l", "r", "v")}
    roots: list[int] = []
    depth = 0

    def add(node: dict[str, Any], level: int) -> int:
        nonlocal depth
        idx = len(cols["f"])
        for k in cols:
            cols[k].append(0)
        if "leaf_value" in node:
            depth = max(depth, level)
            cols["f"][idx], cols["l"][idx], cols["r"][idx] = -1, idx, idx
            cols["v"][idx] = float(node["leaf_value"])
            return idx
        is_cat = node["decision_type"] == "=="
        cols["f"][idx] = int(node["split_feature"])
        cols["c"][idx] = is_cat
        if is_cat:
            mask = 0
            for code in str(node["threshold"]).split("||"):
                mask |= 1 << int(code)
            cols["m"][idx] = mask
        else:
            cols["t"][idx] = float(node["threshold"])
        cols["d"][idx] = bool(node["default_left"])
        cols["mt"][idx] = _MISSING_TYPES[node["missing_type"]]
        cols["l"][idx] = add(node["left_child"], level + 1)
        cols["r"][idx] = add(node["right_child"], level + 1)
        return idx

    for tree in dump["tree_info"]:
        roots.append(add(tree["tree_structure"], 0))
    return TreeEnsemble(
        features=features,
        categorical=categorical,
        feature=np.asarray(cols["f"], dtype=np.int32),
        threshold=np.asarray(cols["t"], dtype=np.float64),
        cat_mask=np.asarray(cols["m"], dtype=np.uint64),
        is_cat=np.asarray(cols["c"], dtype=bool),
        default_left=np.asarray(cols["d"], dtype=bool),
        missing_type=np.asarray(cols["mt"], dtype=np.int8),
        left=np.asarray(cols["l"], dtype=np.int32),
        right=np.asarray(cols["r"], dtype=np.int32),
        value=np.asarray(cols["v"], dtype=np.float64),
        roots=np.asarray(roots, dtype=np.int32),
        depth=depth,
    )


def fit_tree_model(
    x: np.ndarray,
    y: np.ndarray,
    features: list[str],
    categorical: list[str],
    params: Mapping[str, Any],
) -> TreeEnsemble:
    """Fit a LightGBM binary model (calibration time only) and flatten its trees."""
    import lightgbm as lgb  # only the calibration script needs LightGBM

    cat_idx = [features.index(c) for c in categorical]
    data = lgb.Dataset(
        x, y, feature_name=features, categorical_feature=cat_idx, free_raw_data=False
    )
    full = {"objective": "binary", "verbose": -1, "seed": 0, "deterministic": True, **params}
    rounds = int(full.pop("n_estimators", 300))
    booster = lgb.train(full, data, num_boost_round=rounds)
    model = _flatten(booster.dump_model(), features, categorical)
    check = booster.predict(x, raw_score=True)
    gap = float(np.max(np.abs(check - model.raw_score(x))))
    if gap > 1e-6:
        raise RuntimeError(f"numpy tree evaluation differs from LightGBM by {gap}")
    return model


def intercept_for_rate(target: float, scale: float) -> float:
    """Intercept a with E[sigmoid(a + scale Z)] = target for standard normal Z."""
    from scipy import special

    nodes, weights = np.polynomial.hermite_e.hermegauss(41)
    weights = weights / weights.sum()
    lo, hi = -20.0, 20.0
    for _ in range(80):
        mid = (lo + hi) / 2
        rate = float(special.expit(mid + scale * nodes) @ weights)
        lo, hi = (mid, hi) if rate < target else (lo, mid)
    return (lo + hi) / 2
