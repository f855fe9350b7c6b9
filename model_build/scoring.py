"""Batch scoring through the exported ONNX model: data directory or one application CSV → CSV."""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model_build.artifacts import ArtifactPaths, read_model_card
from model_build.config import Costs
from model_build.errors import DataError
from model_build.features import FeatureCatalog, build_feature_frame, history_features
from model_build.loader import Dataset, OrphanPolicy, load_dataset, read_table
from model_build.metrics import Evaluation, evaluate
from model_build.model_inputs import FeatureSpec
from model_build.onnx_sessions import make_session, predict_onnx
from model_build.schema import APPLICATION_TEST, APPLICATION_TRAIN

__all__ = ["ScoreSummary", "ScoringModel", "evaluate_path", "score_path", "unlabelled_applications"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScoreSummary:
    """What a batch scoring run did."""

    rows: int
    refused: int
    threshold: float
    model_version: str
    out: Path


class ScoringModel:
    """The exported model with what it needs to turn application rows into decisions."""

    def __init__(self, artifacts: Path) -> None:
        self.paths = ArtifactPaths(artifacts)
        self.card = read_model_card(self.paths)
        self.catalog = FeatureCatalog.from_json(self.paths.feature_catalog.read_text("utf-8"))
        self.spec = FeatureSpec.from_json(self.paths.feature_spec.read_text("utf-8"))
        self.threshold = float(self.card["threshold"])
        self.session = make_session(self.paths.onnx)

    def stored_history(self, clients: np.ndarray | None = None) -> pd.DataFrame | None:
        """History aggregates of the clients known at training time, by SK_ID_CURR; only
        those of ``clients`` when given (read filtered: the store is never read whole)."""
        if not self.paths.history.is_file():
            return None
        filters = None if clients is None else [("SK_ID_CURR", "in", np.unique(clients))]
        return pd.read_parquet(self.paths.history, filters=filters).set_index("SK_ID_CURR")

    def history_of(
        self, dataset: Dataset, clients: np.ndarray | None = None
    ) -> pd.DataFrame | None:
        """History to score ``dataset`` with: from its child tables when it has any, else
        the stored history (of ``clients`` only, when given)."""
        if dataset.has_history():
            return history_features(dataset)
        return self.stored_history(clients)

    def decisions(self, probability: np.ndarray) -> np.ndarray:
        """REFUSE when the probability reaches the model's threshold, else APPROVE."""
        return np.where(probability >= self.threshold, "REFUSE", "APPROVE")

    def probability(self, applications: pd.DataFrame, history: pd.DataFrame | None) -> np.ndarray:
        """Probability of default of each cleaned application row, through ONNX."""
        frame = build_feature_frame(applications, history, self.catalog)
        return predict_onnx(self.session, self.spec, frame)


def score_path(
    artifacts: Path, data: Path, out: Path, *, orphans: OrphanPolicy = "error"
) -> ScoreSummary:
    """Score every application in ``data`` and write ``SK_ID_CURR,probability,decision``.

    ``data`` is a directory with Kaggle file names (history recomputed from its child tables,
    or taken from the artifacts' store when it has none) or a single application CSV, with or
    without TARGET (history from the store for clients known at training time).
    """
    model = ScoringModel(artifacts)
    applications, history = _applications(data, orphans, model)
    probability = model.probability(applications, history)
    decision = model.decisions(probability)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["SK_ID_CURR", "probability", "decision"])
        # repr keeps every digit, so the file can be compared with the server to 1e-6 or less.
        writer.writerows(
            zip(
                applications["SK_ID_CURR"].tolist(),
                map(repr, probability.tolist()),
                decision,
                strict=True,
            )
        )
    return ScoreSummary(
        len(probability),
        int((decision == "REFUSE").sum()),
        model.threshold,
        str(model.card["model_version"]),
        out,
    )


def _applications(
    data: Path, orphans: OrphanPolicy, model: ScoringModel
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    if data.is_dir():
        dataset = load_dataset(data, orphans=orphans)
        return unlabelled_applications(dataset), model.history_of(dataset)
    if not data.is_file():
        raise DataError(str(data), "no such file or directory")
    with data.open(encoding="utf-8", errors="replace") as handle:
        header = next(csv.reader(handle), [])
    spec = APPLICATION_TRAIN if "TARGET" in header else APPLICATION_TEST
    applications = read_table(spec, data)
    if "TARGET" in applications.columns:
        applications = applications.drop(columns=["TARGET"])
    return applications, model.stored_history()


def unlabelled_applications(dataset: Dataset) -> pd.DataFrame:
    """The train applications without TARGET, then the test applications."""
    parts = [dataset.application_train.drop(columns=["TARGET"])]
    if dataset.application_test is not None:
        parts.append(dataset.application_test)
    return pd.concat(parts, ignore_index=True)


def evaluate_path(
    artifacts: Path, data: Path, *, orphans: OrphanPolicy = "error"
) -> tuple[Evaluation, str]:
    """Quality of the exported model on labelled applications (a CSV or directory with TARGET).

    The same ONNX path as ``score_path``; figures at the model's own business threshold.
    Returns the evaluation and the model version.
    """
    model = ScoringModel(artifacts)
    if data.is_dir():
        labelled = load_dataset(data, orphans=orphans)
        applications = labelled.application_train
        history = history_features(labelled) if labelled.has_history() else None
    else:
        applications = read_table(APPLICATION_TRAIN, data)
        history = model.stored_history()
    y = applications["TARGET"].to_numpy()
    probability = model.probability(applications.drop(columns=["TARGET"]), history)
    costs = Costs(**model.card["costs"])
    return evaluate(y, probability, model.threshold, costs), str(model.card["model_version"])
