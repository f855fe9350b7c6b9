"""The two samples a monitor compares: the build's development sample and applications."""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from model_build.errors import DataError, ModelBuildError
from model_build.features import align_to_catalog, build_feature_frame, history_features
from model_build.loader import OrphanPolicy, load_dataset, read_table
from model_build.monitoring.bands import development_rows, read_client_book
from model_build.onnx_sessions import predict_onnx
from model_build.schema import APPLICATION_TEST, APPLICATION_TRAIN
from model_build.scoring import ScoringModel

__all__ = ["Sample", "book_features", "data_sample", "development_sample"]

logger = logging.getLogger(__name__)

_BOOK_SCORES = ["SK_ID_CURR", "split", "TARGET", "probability", "decision"]


@dataclass(frozen=True)
class Sample:
    """Scored applications: model inputs, probability, decision and outcome where known."""

    source: str
    features: pd.DataFrame  # the catalog's columns, one row per application
    probability: np.ndarray
    refused: np.ndarray  # bool: the model's decision was REFUSE
    # 0 / 1 outcome per row, NaN where unknown; None when no row has one.
    target: np.ndarray | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def rows(self) -> int:
        return len(self.probability)


def development_sample(model: ScoringModel) -> Sample:
    """The build's training clients with an outcome, as the client book stores them."""
    book = read_client_book(model.paths, [*_BOOK_SCORES, *model.catalog.names])
    book = book[development_rows(book)].set_index("SK_ID_CURR")
    return Sample(
        source=f"development sample: {model.paths.client_book}",
        features=align_to_catalog(book, model.catalog),
        probability=book["probability"].to_numpy(dtype=np.float64),
        refused=(book["decision"] == "REFUSE").to_numpy(),
        target=book["TARGET"].to_numpy(dtype=np.float64, na_value=np.nan),
    )


def book_features(model: ScoringModel, client_ids: np.ndarray) -> pd.DataFrame:
    """The stored features of clients ``client_ids`` (repeats allowed), in that order;
    ModelBuildError naming the first unknown client."""
    book = read_client_book(model.paths, ["SK_ID_CURR", *model.catalog.names])
    book = book.set_index("SK_ID_CURR")
    unknown = ~np.isin(client_ids, book.index.to_numpy())
    if unknown.any():
        raise ModelBuildError(
            f"client {int(client_ids[unknown][0])} ({int(unknown.sum())} records): not in the "
            "artifacts' client book; were the records made with another build?"
        )
    return align_to_catalog(book.loc[client_ids], model.catalog)


def data_sample(model: ScoringModel, data: Path, orphans: OrphanPolicy) -> Sample:
    """Applications of a data directory (Kaggle file names, train and test files) or of one
    application CSV, scored as ``model_build score`` does; TARGET, when present, is the
    outcome."""
    applications, history = _applications(model, data, orphans)
    if applications.empty:
        raise DataError(str(data), "no applications to monitor")
    target = None
    if "TARGET" in applications.columns:
        target = pd.to_numeric(applications["TARGET"]).to_numpy(dtype=np.float64, na_value=np.nan)
        applications = applications.drop(columns=["TARGET"])
    features = build_feature_frame(applications, history, model.catalog)
    probability = predict_onnx(model.session, model.spec, features)
    return Sample(
        source=f"applications: {data}",
        features=features,
        probability=probability,
        refused=probability >= model.threshold,
        target=target if target is not None and np.isfinite(target).any() else None,
    )


def _applications(
    model: ScoringModel, data: Path, orphans: OrphanPolicy
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    # As scoring.score_path reads them, but keeping TARGET: the outcomes are the point here.
    if data.is_dir():
        dataset = load_dataset(data, orphans=orphans)
        parts = [dataset.application_train]
        if dataset.application_test is not None:
            parts.append(dataset.application_test)
        history = history_features(dataset) if dataset.has_history() else model.stored_history()
        return pd.concat(parts, ignore_index=True), history
    if not data.is_file():
        raise DataError(str(data), "no such file or directory")
    with data.open(encoding="utf-8", errors="replace") as handle:
        header = next(csv.reader(handle), [])
    spec = APPLICATION_TRAIN if "TARGET" in header else APPLICATION_TEST
    return read_table(spec, data), model.stored_history()
