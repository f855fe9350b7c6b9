"""One application's ONNX feed as the booster's input row and as display values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from model_build.model_inputs import CATEGORICAL_INPUT, MISSING_STRING, NUMERIC_INPUT, FeatureSpec
from server.insight.store import FeatureValue

__all__ = ["FeatureRow", "FeedEncoder"]


@dataclass(frozen=True, slots=True)
class FeatureRow:
    """A client's features: values in catalogue order, and the booster's encoded input."""

    values: tuple[FeatureValue, ...]
    encoded: np.ndarray


class FeedEncoder:
    """Turns a one-row ONNX feed into a FeatureRow, with the encoding the booster was trained on.

    Same codes as ``encode_for_lightgbm``: a categorical value is its position in the training
    vocabulary, NaN when missing or unknown; numbers are passed as they are.
    """

    def __init__(self, spec: FeatureSpec) -> None:
        numeric = {name: k for k, name in enumerate(spec.numeric)}
        categorical = {name: k for k, name in enumerate(spec.categorical)}
        # For each booster column: (is categorical, column of its feed block).
        self._layout = tuple(
            (name in categorical, categorical[name] if name in categorical else numeric[name])
            for name in spec.feature_order
        )
        self._codes = tuple(
            {value: float(code) for code, value in enumerate(vocabulary)}
            for vocabulary in spec.categorical.values()
        )

    def row(self, feed: Mapping[str, np.ndarray], index: int = 0) -> FeatureRow:
        """The FeatureRow of row ``index`` of an ONNX feed."""
        numbers = feed[NUMERIC_INPUT][index].tolist() if NUMERIC_INPUT in feed else []
        strings = feed[CATEGORICAL_INPUT][index].tolist() if CATEGORICAL_INPUT in feed else []
        values: list[FeatureValue] = []
        encoded = np.empty(len(self._layout), dtype=np.float64)
        for k, (is_categorical, column) in enumerate(self._layout):
            if is_categorical:
                text = strings[column]
                code = self._codes[column].get(text)
                encoded[k] = np.nan if code is None else code
                values.append(None if code is None or text == MISSING_STRING else text)
            else:
                number = float(numbers[column])
                encoded[k] = number
                values.append(None if number != number else number)
        return FeatureRow(tuple(values), encoded)
