"""Entry point of the scoring server: ``python -m server --artifacts DIR``."""

from __future__ import annotations

import sys

# The gRPC server is specified in its own issue (contract in protos/, onnxruntime scoring);
# until it lands this entry point says so instead of failing obscurely inside a container.
MESSAGE = (
    "the gRPC scoring server is not implemented yet in this version; "
    "train a model with `python -m model_build train` meanwhile"
)

if __name__ == "__main__":
    print(f"error: {MESSAGE}", file=sys.stderr)
    sys.exit(2)
