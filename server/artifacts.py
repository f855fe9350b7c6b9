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
)
from model_build.onnx_sessions import EncodedModel, load_encoded_model, make_session
from server.client_tables import ServingTables, derive_tables, map_tables, prepare_command
from server.table_files import TablesError
from server.validation import accepted_values

__all__ = [
    "ArtifactsError",
    "ClientFeatures",
    "HistoryStore",
    "ServingArtifacts",
    "ServingTables",
    "load_artifacts",
]

logger = logging.getLogger(__name__)

KEY = "SK_ID_CURR"
# Columns of the client book before the features (see model_build.train_job._write_client_book).
BOOK_COLUMNS = ("split", "TARGET", "oof_probability", "probability", "decision")
# Stored clients re-scored at start-up to prove the book's probabilities come from this model:
# CHECKED_BLOCKS runs of consecutive clients spread over the book. Runs, not clients spread
# one by one: the feature table is stored by column, so 2,048 scattered rows would read every
# page of it (half a gigabyte at the Kaggle size) on a cold start, and runs read a few.
CHECKED_CLIENTS = 2048
CHECKED_BLOCKS = 16
CHECK_TOLERANCE = 1e-9


class ArtifactsError(RuntimeError):
    """The artifacts cannot be served; the message is one line for the operator."""


@dataclass(frozen=True, slots=True)
class ClientFeatures:
    """The stored clients' model inputs in ONNX feed layout, for lookups without pandas.

    Row ``row_of[client_id]`` of ``numeric`` / ``categorical_codes`` / ``probability`` belongs
    to that client; ``client_ids`` lists them in book order.
    """

    client_ids: np.ndarray  # int64 [clients]
    row_of: Mapping[int, int]
    numeric: np.ndarray  # float64 [clients, len(spec.numeric)], NaN = missing; column-major
    # int16 [clients, len(spec.categorical)]: column k's strings are spellings[k][codes[:, k]]
    # (strings cannot be memory-mapped; codes can).
    categorical_codes: np.ndarray
    spellings: tuple[np.ndarray, ...]  # object arrays of str, "" = missing
    # The book's calibrated probability of default, computed by this ONNX model.
    probability: np.ndarray  # float64 [clients]

    def feed(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """ONNX inputs of the stored clients at ``rows`` (positions, not ids)."""
        codes = self.categorical_codes[rows]
        strings = np.empty(codes.shape, dtype=object)
        for k, spelled in enumerate(self.spellings):
            strings[:, k] = spelled[codes[:, k]]
        # Row-major copies: the table is column-major, onnxruntime takes contiguous rows.
        return {NUMERIC_INPUT: np.ascontiguousarray(self.numeric[rows]), CATEGORICAL_INPUT: strings}


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
      tables          ServingTables: the book and history as (memory-mapped) arrays, which
                      ``features``, ``history`` and the insight service read
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
    tables: ServingTables
    features: ClientFeatures
    history: HistoryStore
    feed_builder: FeedBuilder
    threshold: float
    model_version: str

    @property
    def book(self) -> pd.DataFrame:
        """The client book as a DataFrame indexed by SK_ID_CURR (split, TARGET,
        oof_probability, probability, decision, then every catalog feature), read from its
        Parquet file on each access: the server serves from ``tables`` and never reads it."""
        return _book(self.paths, self.catalog)

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


def load_artifacts(root: Path, *, map_serving_tables: bool = True) -> ServingArtifacts:
    """Load and cross-check the artifacts; ArtifactsError with a one-line reason otherwise.

    The client book and history are memory-mapped from the serving tables when the folder has
    them (``map_serving_tables``), and derived from the Parquet files otherwise.
    """
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
    tables = _tables(paths, card, catalog, spec, map_serving_tables)
    features = _client_features(tables)
    history = _history_store(tables)
    codes = CategoryCodes(accepted_values(catalog))
    artifacts = ServingArtifacts(
        paths=paths,
        card=card,
        catalog=catalog,
        spec=spec,
        session=session,
        encoded_session=encoded.session,
        booster_path=paths.booster,
        tables=tables,
        features=features,
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
        len(features.client_ids),
        len(catalog),
        threshold,
        time.perf_counter() - started,
    )
    return artifacts


def _tables(
    paths: ArtifactPaths,
    card: Mapping[str, Any],
    catalog: FeatureCatalog,
    spec: FeatureSpec,
    map_serving_tables: bool,
) -> ServingTables:
    """The serving tables, mapped when written at export, else derived from the Parquet files."""
    if map_serving_tables:
        try:
            mapped = map_tables(paths, card, spec)
        except TablesError as error:
            raise ArtifactsError(str(error)) from None
        if mapped is not None:
            return mapped
    started = time.perf_counter()
    book = _book(paths, catalog)
    tables = derive_tables(book, _history_frame(paths), catalog, spec)
    if map_serving_tables:
        logger.warning(
            "%s has no serving tables: derived them from the client book in %.1fs (the "
            "reference population's follow); write them once with `%s` to start in seconds",
            paths.root,
            time.perf_counter() - started,
            prepare_command(paths),
        )
    return tables


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


def _history_frame(paths: ArtifactPaths) -> pd.DataFrame | None:
    if not paths.history.is_file():
        return None
    try:
        frame = pd.read_parquet(paths.history)
    except Exception as error:  # pyarrow raises several types for a damaged file
        raise ArtifactsError(f"{paths.history}: unreadable ({error})") from None
    if KEY not in frame.columns:
        raise ArtifactsError(f"{paths.history}: no {KEY} column")
    return frame


def _history_store(tables: ServingTables) -> HistoryStore:
    ids = tables["history_ids"]
    row_of = {int(c): k for k, c in enumerate(ids.tolist())}
    return HistoryStore(tuple(tables.meta["history_columns"]), row_of, tables["history"])


def _client_features(tables: ServingTables) -> ClientFeatures:
    ids = tables["client_ids"]
    return ClientFeatures(
        client_ids=ids,
        row_of={int(c): k for k, c in enumerate(ids.tolist())},
        numeric=tables["numeric"],
        categorical_codes=tables["categorical_codes"],
        spellings=tuple(np.array(s, dtype=object) for s in tables.meta["spellings"]),
        probability=tables["probability"],
    )


def _check_book_scores(artifacts: ServingArtifacts) -> None:
    """Re-score a sample of stored clients: their book probability must be this model's."""
    features = artifacts.features
    count = len(features.client_ids)
    rows = _checked_rows(count)
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


def _checked_rows(count: int) -> np.ndarray:
    """Book positions re-scored at start: CHECKED_BLOCKS runs of consecutive clients, evenly
    spread from the first client to the last (every client when the book is that small)."""
    if count <= CHECKED_CLIENTS:
        return np.arange(count, dtype=np.intp)
    run = CHECKED_CLIENTS // CHECKED_BLOCKS
    starts = np.linspace(0, count - run, num=CHECKED_BLOCKS).astype(np.intp)
    return np.unique((starts[:, None] + np.arange(run, dtype=np.intp)).reshape(-1))


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
