"""`python -m server.compile_kernels`: compile the numba kernels into NUMBA_CACHE_DIR without
artifacts, so that an image carries them and its first start loads rather than compiles."""

from __future__ import annotations

import sys
import time

import numpy as np

from model_build.features import FeatureCatalog
from model_build.features.application import RAW_CATEGORICAL_COLUMNS, RAW_NUMERIC_COLUMNS
from model_build.features.rows import CategoryCodes, FeedBuilder
from model_build.model_inputs import FeatureSpec
from server.scorer import warm_up_kernels
from server.validation import ApplicationValidator, accepted_values

__all__ = ["compile_kernels"]


def compile_kernels() -> None:
    """Run every kernel once on a stand-in model: the kernels' argument types (and so their
    compiled versions) do not depend on the model's features, only on the request path."""
    spec = FeatureSpec(
        numeric=(RAW_NUMERIC_COLUMNS[0], "HISTORY"),
        categorical={RAW_CATEGORICAL_COLUMNS[0]: ("A",)},
    )
    codes = CategoryCodes(accepted_values(FeatureCatalog(())))
    builder = FeedBuilder(spec, ("HISTORY",), codes)
    warm_up_kernels(ApplicationValidator(codes), builder, np.full((1, 1), np.nan))


if __name__ == "__main__":
    started = time.perf_counter()
    compile_kernels()
    print(f"kernels compiled or loaded in {time.perf_counter() - started:.1f}s", file=sys.stderr)
