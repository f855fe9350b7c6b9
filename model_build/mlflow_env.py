"""MLflow's environment for this project, set before MLflow is first imported."""

from __future__ import annotations

import os

__all__ = ["prepare_mlflow"]


def prepare_mlflow() -> None:
    """This project's MLflow defaults; an operator's own variables win.

    - No usage telemetry: MLflow starts sending it when imported, and neither a credit
      model's build nor its server sends anything out unasked.
    - The file store allowed: MLflow 3 keeps it, for compatibility, behind this opt-in; a
      local store needs no tracking server and no database, which suits a build on one
      machine (`train --mlflow` without a URI).
    """
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
