"""Adds the server's memory-mapped serving tables to an artifacts folder and records them in the
model card, at export or later for a folder built without them (no retraining)."""

from __future__ import annotations

import json

from model_build.artifacts import ArtifactPaths
from model_build.errors import ModelBuildError
from server.artifacts import ArtifactsError
from server.serving_tables import write_serving_tables

__all__ = ["prepare_serving"]


def prepare_serving(paths: ArtifactPaths) -> None:
    """Write ``serving_tables/`` (the server owns its layout) and put its manifest's SHA-256 in
    the model card, beside the ONNX files' hashes; ModelBuildError when the folder cannot be
    served at all."""
    try:
        digest = write_serving_tables(paths.root)
    except ArtifactsError as error:
        raise ModelBuildError(str(error)) from None
    card = json.loads(paths.model_card.read_text(encoding="utf-8"))
    card["serving_tables_sha256"] = digest
    card.setdefault("files", {})["serving_tables"] = paths.serving_tables.name
    # The JSON only: model_card.md says nothing of the tables (and cards of older builds lack
    # fields its renderer needs).
    paths.model_card.write_text(json.dumps(card, indent=2), encoding="utf-8")
