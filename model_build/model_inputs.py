"""The model's input contract: tensor names, FeatureSpec and the encodings that feed the model."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

# Only numpy and pandas at import time: the server builds its inputs from this module without
# loading the exporter (onnx) or the training code.
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from model_build.features import FeatureCatalog

__all__ = [
    "CATEGORICAL_INPUT",
    "ENCODED_INPUT",
    "MISSING_STRING",
    "NUMERIC_INPUT",
    "PROBABILITY_OUTPUT",
    "CategoryCodeMap",
    "FeatureSpec",
    "category_codes",
    "encode_for_lightgbm",
    "encoded_inputs",
    "feature_spec",
    "onnx_inputs",
    "onnx_inputs_from_records",
]

NUMERIC_INPUT = "numeric"
CATEGORICAL_INPUT = "categorical"
PROBABILITY_OUTPUT = "probability"
# The encoded model's input: numeric inputs then category codes, as one double matrix.
ENCODED_INPUT = "features"

# Missing categorical values travel through ONNX as "" because ONNX string tensors have no null.
MISSING_STRING = ""

# Per categorical column, the code of each category value (what the LabelEncoder maps to).
CategoryCodeMap = dict[str, dict[str, float]]


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

    @property
    def encoded_width(self) -> int:
        """Columns of ENCODED_INPUT: every numeric input, then one code per categorical."""
        return len(self.numeric) + len(self.categorical)

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


def feature_spec(catalog: FeatureCatalog) -> FeatureSpec:
    """The ONNX / LightGBM input layout implied by the feature catalog, in catalog order."""
    numeric = tuple(f.name for f in catalog.features if f.kind == "numeric")
    categorical = {f.name: tuple(f.vocabulary) for f in catalog.features if f.kind == "categorical"}
    return FeatureSpec(
        numeric=numeric,
        categorical=categorical,
        feature_order=tuple(f.name for f in catalog.features),
    )


def category_codes(spec: FeatureSpec) -> CategoryCodeMap:
    """The code of each category value: its position in the column's vocabulary, as LightGBM
    was trained on (``encode_for_lightgbm``) and as the exported models number them."""
    return {
        name: {value: float(code) for code, value in enumerate(vocab)}
        for name, vocab in spec.categorical.items()
    }


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


def encoded_inputs(frame: pd.DataFrame, spec: FeatureSpec) -> np.ndarray:
    """The encoded model's input (ENCODED_INPUT) of a feature frame: float64 numerics, then
    each categorical column's code (``category_codes``; NaN when missing or unseen)."""
    feed = onnx_inputs(frame, spec)
    blocks = [feed.get(NUMERIC_INPUT, np.empty((len(frame), 0)))]
    for k, vocab in enumerate(spec.categorical.values()):
        blocks.append(_codes(feed[CATEGORICAL_INPUT][:, k], vocab).reshape(-1, 1))
    return np.ascontiguousarray(np.hstack(blocks), dtype=np.float64)


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
