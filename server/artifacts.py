"""The model artifacts, loaded and checked once at start-up, in the form the server reads them."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pandas as pd

from model_build.artifacts import ArtifactPaths, read_model_card
from model_build.errors import ModelBuildError
from model_build.features import FeatureCatalog
from model_build.features.application import RAW_CATEGORICAL_COLUMNS
from model_build.features.rows import UNSET_CODE, CategoryCodes, FeedBuilder
from model_build.model_inputs import (
    CATEGORICAL_INPUT,
    ENCODED_INPUT,
    NUMERIC_INPUT,
    PROBABILITY_OUTPUT,
    FeatureSpec,
    feature_spec,
    onnx_inputs,
)
from model_build.onnx_sessions import EncodedModel, load_encoded_model, make_session
from server.validation import accepted_values

__all__ = [
    "ArtifactsError",
    "ClientFeatures",
    "HistoryStore",
    "ServingArtifacts",
    "load_artifacts",
]

logger = logging.getLogger(__name__)

KEY = "SK_ID_CURR"
# Columns of the client book before the features (see model_build.train_job._write_client_book).
BOOK_COLUMNS = ("split", "TARGET", "oof_probability", "probability", "decision")
# Stored clients re-scored at start-up to prove the book's probabilities come from this model.
CHECKED_CLIENTS = 2048
CHECK_TOLERANCE = 1e-9


class ArtifactsError(RuntimeError):
    """The artifacts cannot be served; the message is one line for the operator."""


@dataclass(frozen=True, slots=True)
class ClientFeatures:
    """The stored clients' model inputs in ONNX feed layout, for lookups without pandas.

    Row ``row_of[client_id]`` of ``numeric`` / ``categorical`` / ``probability`` belongs to
    that client; ``client_ids`` lists them in book order.
    """

    client_ids: np.ndarray  # int64 [clients]
    row_of: Mapping[int, int]
    numeric: np.ndarray  # float64 [clients, len(spec.numeric)], NaN = missing
    categorical: np.ndarray  # object [clients, len(spec.categorical)], "" = missing
    # The book's calibrated probability of default, computed by this ONNX model.
    probability: np.ndarray  # float64 [clients]

    def feed(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """ONNX inputs of the stored clients at ``rows`` (positions, not ids)."""
        return {NUMERIC_INPUT: self.numeric[rows], CATEGORICAL_INPUT: self.categorical[rows]}


@dataclass(frozen=True, slots=True)
class HistoryStore:
    """Stored credit-history aggregates: the history block of a payload for a stored client.

    ``matrix`` has one row per client with history plus a last row of NaN, which
    ``rows_of`` returns for clients without history.
    """

    columns: tuple[str, ...]
    row_of: Mapping[int, int]
    matrix: np.ndarray  # float64 [clients + 1, len(columns)]

    def rows_of(self, client_ids: list[int | None]) -> np.ndarray:
        """History rows of ``client_ids`` (None or unknown: the all-missing row)."""
        missing = len(self.matrix) - 1
        return self.matrix[
            [self.row_of.get(c, missing) if c is not None else missing for c in client_ids]
        ]


@dataclass(frozen=True, slots=True)
class ServingArtifacts:
    """Everything the server serves, loaded once; read-only, shared by every call.

    Fields (stable names; the insight service reads them):
      paths           where each artifact file lives (ArtifactPaths)
      card            model_card.json as a dict (threshold, calibration, metrics, costs, ...)
      catalog         FeatureCatalog: every model feature in model order, vocabularies
      spec            FeatureSpec: ONNX inputs (numeric / categorical names and order)
      session         onnxruntime session of model.onnx, tuned for single-row latency
      encoded_session onnxruntime session of model_encoded.onnx, the same model from its
                      encoded input on: Score's engine, fed by feed_builder.encoded (no
                      string handling in onnxruntime)
      booster_path    LightGBM text model, for exact TreeSHAP
      book            client book DataFrame indexed by SK_ID_CURR (split, TARGET,
                      oof_probability, probability, decision, then every catalog feature)
      features        ClientFeatures: the book's features in ONNX layout, by client
      history         HistoryStore: stored credit-history aggregates, by client
      feed_builder    FeedBuilder: raw application rows + history rows -> ONNX feed; its
                      ``codes`` number the accepted categorical values (validation.accepted_values)
      threshold       decision threshold: REFUSE when probability >= threshold
      model_version   the card's model_version
    """

    paths: ArtifactPaths
    card: dict[str, Any]
    catalog: FeatureCatalog
    spec: FeatureSpec
    session: ort.InferenceSession
    encoded_session: ort.InferenceSession
    booster_path: Path
    book: pd.DataFrame
    features: ClientFeatures
    history: HistoryStore
    feed_builder: FeedBuilder
    threshold: float
    model_version: str

    def predict(self, feed: Mapping[str, np.ndarray]) -> np.ndarray:
        """Calibrated probabilities of default of an ONNX feed, float64 [rows]."""
        (probability,) = self.session.run([PROBABILITY_OUTPUT], feed)
        return np.asarray(probability, dtype=np.float64).reshape(-1)

    def predict_encoded(self, encoded: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of default of encoded inputs (FeedBuilder.encoded)."""
        # The public run: for one row it measured as fast as the alternatives
        # (run_with_ort_values and IOBinding add their own per-call objects and cost more).
        (probability,) = self.encoded_session.run([PROBABILITY_OUTPUT], {ENCODED_INPUT: encoded})
        return np.asarray(probability, dtype=np.float64).reshape(-1)


def load_artifacts(root: Path) -> ServingArtifacts:
    """Load and cross-check the artifacts; ArtifactsError with a one-line reason otherwise."""
    started = time.perf_counter()
    paths = ArtifactPaths(root)
    if not root.is_dir():
        raise ArtifactsError(f"{root}: not a directory (expected the output of model_build train)")
    try:
        card = read_model_card(paths)
    except ModelBuildError as error:
        raise ArtifactsError(str(error)) from None
    for required in (paths.booster, paths.client_book):
        if not required.is_file():
            raise ArtifactsError(f"{required}: missing from the artifacts directory")
    catalog, spec = _catalog_and_spec(paths)
    threshold = _threshold(card, paths)
    session = _session(paths, spec)
    encoded = _encoded(paths, card, spec)
    book = _book(paths, catalog)
    history = _history(paths, set(book.index.tolist()))
    codes = CategoryCodes(accepted_values(catalog))
    artifacts = ServingArtifacts(
        paths=paths,
        card=card,
        catalog=catalog,
        spec=spec,
        session=session,
        encoded_session=encoded.session,
        booster_path=paths.booster,
        book=book,
        features=_client_features(book, spec),
        history=history,
        feed_builder=FeedBuilder(spec, history.columns, codes, encoded.codes),
        threshold=threshold,
        model_version=str(card.get("model_version", "")),
    )
    _check_book_scores(artifacts)
    logger.info(
        "loaded model %s from %s: %d stored clients, %d features, threshold %.4f (%.1fs)",
        artifacts.model_version,
        root,
        len(book),
        len(catalog),
        threshold,
        time.perf_counter() - started,
    )
    return artifacts


def _catalog_and_spec(paths: ArtifactPaths) -> tuple[FeatureCatalog, FeatureSpec]:
    try:
        catalog = FeatureCatalog.from_json(paths.feature_catalog.read_text("utf-8"))
        spec = FeatureSpec.from_json(paths.feature_spec.read_text("utf-8"))
    except (ValueError, KeyError, TypeError) as error:
        raise ArtifactsError(
            f"{paths.root}: unreadable feature catalog or spec ({error})"
        ) from None
    if feature_spec(catalog) != spec:
        raise ArtifactsError(
            f"{paths.feature_spec}: does not match {paths.feature_catalog.name}; "
            "the artifacts are inconsistent, retrain or restore them"
        )
    return catalog, spec


def _threshold(card: Mapping[str, Any], paths: ArtifactPaths) -> float:
    threshold = card.get("threshold")
    if not isinstance(threshold, int | float) or not 0.0 <= float(threshold) <= 1.0:
        raise ArtifactsError(f"{paths.model_card}: threshold must be a number in [0, 1]")
    if not card.get("model_version"):
        raise ArtifactsError(f"{paths.model_card}: model_version is missing")
    return float(threshold)


def _session(paths: ArtifactPaths, spec: FeatureSpec) -> ort.InferenceSession:
    try:
        session = make_session(paths.onnx)
    except Exception as error:  # onnxruntime raises its own exception types
        raise ArtifactsError(f"{paths.onnx}: onnxruntime cannot load it ({error})") from None
    widths = {i.name: i.shape[-1] for i in session.get_inputs()}
    expected = {NUMERIC_INPUT: len(spec.numeric), CATEGORICAL_INPUT: len(spec.categorical)}
    expected = {name: width for name, width in expected.items() if width}
    if widths != expected:
        raise ArtifactsError(
            f"{paths.onnx}: inputs {widths} do not match the feature spec {expected}"
        )
    return session


def _encoded(paths: ArtifactPaths, card: Mapping[str, Any], spec: FeatureSpec) -> EncodedModel:
    path = paths.encoded_onnx
    # Artifacts written before the encoded model existed have neither the file nor its hash;
    # read_model_card has checked the file against the card's SHA-256 when both exist.
    retrain = "artifacts of an older build; retrain with `python -m model_build train`"
    if not path.is_file():
        raise ArtifactsError(f"{path}: missing ({retrain})")
    if "encoded_onnx_sha256" not in card:
        raise ArtifactsError(f"{paths.model_card}: no encoded_onnx_sha256 ({retrain})")
    try:
        encoded = load_encoded_model(path)
    except Exception as error:  # onnxruntime raises its own exception types
        raise ArtifactsError(f"{path}: cannot serve it ({error}); retrain or restore it") from None
    if encoded.spec != spec:
        raise ArtifactsError(
            f"{path}: its feature spec differs from {paths.feature_spec.name}; "
            "the artifacts are inconsistent, retrain or restore them"
        )
    return encoded


def _book(paths: ArtifactPaths, catalog: FeatureCatalog) -> pd.DataFrame:
    try:
        book = pd.read_parquet(paths.client_book)
    except Exception as error:  # pyarrow raises several types for a damaged file
        raise ArtifactsError(f"{paths.client_book}: unreadable ({error})") from None
    missing = [c for c in (KEY, *BOOK_COLUMNS, *catalog.names) if c not in book.columns]
    if missing:
        raise ArtifactsError(f"{paths.client_book}: missing column(s) {', '.join(missing[:5])}")
    book = book.set_index(KEY)
    book.index = pd.Index(book.index.to_numpy(dtype=np.int64), name=KEY)
    if book.index.has_duplicates:
        raise ArtifactsError(f"{paths.client_book}: a client appears twice")
    if book.empty:
        raise ArtifactsError(f"{paths.client_book}: no clients")
    return book


def _history(paths: ArtifactPaths, known: set[int]) -> HistoryStore:
    if not paths.history.is_file():
        return HistoryStore((), {}, np.full((1, 0), np.nan))
    try:
        frame = pd.read_parquet(paths.history)
    except Exception as error:  # pyarrow raises several types for a damaged file
        raise ArtifactsError(f"{paths.history}: unreadable ({error})") from None
    if KEY not in frame.columns:
        raise ArtifactsError(f"{paths.history}: no {KEY} column")
    ids = frame.pop(KEY).to_numpy(dtype=np.int64)
    # Clients of the child tables that are not stored clients are never looked up.
    keep = np.fromiter((i in known for i in ids.tolist()), dtype=bool, count=len(ids))
    values = frame.to_numpy(dtype=np.float64)[keep]
    matrix = np.vstack([values, np.full((1, values.shape[1]), np.nan)])
    row_of = {int(c): k for k, c in enumerate(ids[keep].tolist())}
    return HistoryStore(tuple(frame.columns), row_of, matrix)


def _client_features(book: pd.DataFrame, spec: FeatureSpec) -> ClientFeatures:
    feed = onnx_inputs(book, spec)
    ids = book.index.to_numpy(dtype=np.int64)
    return ClientFeatures(
        client_ids=ids,
        row_of={int(c): k for k, c in enumerate(ids.tolist())},
        numeric=feed.get(NUMERIC_INPUT, np.empty((len(book), 0))),
        categorical=feed.get(CATEGORICAL_INPUT, np.empty((len(book), 0), dtype=object)),
        probability=book["probability"].to_numpy(dtype=np.float64),
    )


def _check_book_scores(artifacts: ServingArtifacts) -> None:
    """Re-score a sample of stored clients: their book probability must be this model's."""
    features = artifacts.features
    count = len(features.client_ids)
    rows = np.unique(np.linspace(0, count - 1, num=min(count, CHECKED_CLIENTS)).astype(np.intp))
    feed = features.feed(rows)
    rescored = artifacts.predict(feed)
    encoded = artifacts.predict_encoded(_encoded_input(artifacts, feed))
    if not np.array_equal(rescored, encoded):
        raise ArtifactsError(
            f"{artifacts.paths.encoded_onnx}: the encoded model disagrees with "
            f"{artifacts.paths.onnx.name}; the artifacts are inconsistent, retrain or restore them"
        )
    stored = features.probability[rows]
    gap = np.abs(rescored - stored)
    if not np.all(gap <= CHECK_TOLERANCE):
        worst = int(np.nanargmax(np.where(np.isnan(gap), np.inf, gap)))
        client = int(features.client_ids[rows[worst]])
        raise ArtifactsError(
            f"{artifacts.paths.client_book}: stored probabilities differ from "
            f"{artifacts.paths.onnx.name} (client {client}: {stored[worst]!r} vs "
            f"{rescored[worst]!r}); the artifacts are inconsistent, retrain or restore them"
        )


def _encoded_input(artifacts: ServingArtifacts, feed: Mapping[str, np.ndarray]) -> np.ndarray:
    """The encoded input of an ONNX feed, through the codes the feed builder uses."""
    blocks = [feed[NUMERIC_INPUT]]
    if artifacts.spec.categorical:
        strings = feed[CATEGORICAL_INPUT]
        raw = artifacts.feed_builder.codes
        columns = [RAW_CATEGORICAL_COLUMNS.index(name) for name in artifacts.spec.categorical]
        codes = np.full((len(strings), len(RAW_CATEGORICAL_COLUMNS)), UNSET_CODE, np.int16)
        for k, column in enumerate(columns):
            codes[:, column] = [raw.code_of(column, value) for value in strings[:, k].tolist()]
        blocks.append(artifacts.feed_builder.encoded_categories(codes))
    return np.hstack(blocks)
