"""Layout of the artifacts directory: the contract between the model build and its users."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model_build.errors import ModelBuildError

__all__ = ["ArtifactPaths", "read_model_card", "sha256_of"]

# A data directory written by `python -m model_build synth` carries this manifest, so the
# model card can say whether a model was trained on synthetic or real data.
SYNTHETIC_MANIFEST = "synthetic_manifest.json"


@dataclass(frozen=True)
class ArtifactPaths:
    """Where each artifact lives under one root directory."""

    root: Path

    @property
    def model_card(self) -> Path:
        return self.root / "model_card.json"

    @property
    def onnx(self) -> Path:
        """The whole scoring model: numeric and categorical string inputs -> probability."""
        return self.root / "model.onnx"

    @property
    def encoded_onnx(self) -> Path:
        """The same model from its encoded input on (categories as codes), with the category
        codes in its metadata: what the server scores with (see model_build.onnx_sessions)."""
        return self.root / "model_encoded.onnx"

    @property
    def booster(self) -> Path:
        """LightGBM's own model text: exact TreeSHAP explanations are computed on it."""
        return self.root / "model_lightgbm.txt"

    @property
    def feature_catalog(self) -> Path:
        return self.root / "feature_catalog.json"

    @property
    def feature_spec(self) -> Path:
        """Numeric / categorical inputs of the ONNX model, in order, with vocabularies."""
        return self.root / "feature_spec.json"

    @property
    def client_book(self) -> Path:
        """Per-client features, outcome and score of every known client (Parquet)."""
        return self.root / "client_book.parquet"

    @property
    def history(self) -> Path:
        """Per-client aggregates of the child tables, for scoring payloads of stored clients."""
        return self.root / "history_features.parquet"

    @property
    def serving_tables(self) -> Path:
        """Tables derived from the client book, history and reference population, in the
        layout the server memory-maps (written by the server's serving_tables module)."""
        return self.root / "serving_tables"

    @property
    def report_dir(self) -> Path:
        return self.root / "report"


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_model_card(paths: ArtifactPaths) -> dict[str, Any]:
    """The model card, checked against the ONNX file it describes."""
    if not paths.model_card.is_file():
        raise ModelBuildError(
            f"{paths.model_card}: not found; is {paths.root} an artifacts directory written by "
            "`python -m model_build train`?"
        )
    try:
        card: dict[str, Any] = json.loads(paths.model_card.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelBuildError(f"{paths.model_card}: not valid JSON ({exc})") from None
    for required in (paths.onnx, paths.feature_catalog, paths.feature_spec):
        if not required.is_file():
            raise ModelBuildError(f"{required}: missing from the artifacts directory")
    _check_sha256(paths.onnx, card, "onnx_sha256")
    # Older artifacts have no encoded model; the server requires it (server.artifacts).
    if "encoded_onnx_sha256" in card:
        if not paths.encoded_onnx.is_file():
            raise ModelBuildError(
                f"{paths.encoded_onnx}: missing from the artifacts directory; "
                "retrain or restore them"
            )
        _check_sha256(paths.encoded_onnx, card, "encoded_onnx_sha256")
    # The serving tables are optional (the server derives them when absent); their manifest
    # holds each table's SHA-256 and is itself covered by the card.
    manifest = paths.serving_tables / "manifest.json"
    if "serving_tables_sha256" in card and manifest.is_file():
        _check_sha256(manifest, card, "serving_tables_sha256")
    return card


def _check_sha256(path: Path, card: dict[str, Any], key: str) -> None:
    if sha256_of(path) != card.get(key):
        raise ModelBuildError(
            f"{path}: its SHA-256 differs from the model card's {key}; "
            "the artifacts are inconsistent, retrain or restore them"
        )
