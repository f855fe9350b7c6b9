"""The training job (`model_build train`): data → features → CV LightGBM → threshold → artifacts."""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

from model_build.artifacts import SYNTHETIC_MANIFEST, ArtifactPaths
from model_build.benchmark_models import BenchmarkComparison, compare_models
from model_build.config import TrainConfig
from model_build.errors import ModelBuildError
from model_build.fairness import ATTRIBUTES, FairnessReport, fairness_table
from model_build.features import (
    FeatureCatalog,
    build_catalog,
    build_feature_frame,
    history_features,
)
from model_build.fitting import Fitter, LocalFitter
from model_build.lightgbm_training import Calibration, fit_platt
from model_build.loader import Dataset, OrphanPolicy, load_dataset
from model_build.metrics import Evaluation, evaluate
from model_build.model_card import (
    MARKDOWN_NAME,
    CardInputs,
    build_model_card,
    write_model_card,
)
from model_build.model_inputs import FeatureSpec, encode_for_lightgbm, feature_spec
from model_build.onnx_export import check_encoded_parity, check_parity, export_onnx
from model_build.onnx_sessions import make_session, predict_onnx
from model_build.progress import Stages
from model_build.report import Importance, ReportInputs, write_report
from model_build.serving_tables import prepare_serving
from model_build.threshold import cost_curve

__all__ = ["TrainResult", "train"]

logger = logging.getLogger(__name__)

MIN_ROWS = 1000
MIN_PER_CLASS = 20


@dataclass(frozen=True)
class TrainResult:
    """What the CLI prints after training."""

    paths: ArtifactPaths
    evaluation: Evaluation
    model_version: str
    parity_max_diff: float
    num_trees: int


def train(
    data_dir: Path,
    out_dir: Path,
    config: TrainConfig,
    *,
    orphans: OrphanPolicy = "error",
    progress: bool = True,
    mlflow_uri: str | None = None,
    fitter: Fitter | None = None,
) -> TrainResult:
    """Run the whole build and write the artifacts directory.

    ``fitter``: who fits LightGBM (cross-validation and final model), by default this
    process (``LocalFitter``); ``model_build.distributed.training.DaskFitter`` on a cluster.

    ``mlflow_uri``: log the build to MLflow and register it (model_build.tracking); "" for
    the default store (MLFLOW_TRACKING_URI, else mlruns/ beside ``out_dir``), None not to.
    """
    stages = Stages(enabled=progress)
    paths = ArtifactPaths(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    clear_artifacts(paths)
    with stages.stage("read and validate data"):
        dataset = load_dataset(data_dir, orphans=orphans)
        y = _target(dataset.application_train)
    with stages.stage("engineer features"):
        history = history_features(dataset) if dataset.has_history() else None
        train_frame = build_feature_frame(dataset.application_train, history)
        catalog = build_catalog(train_frame)
        spec = feature_spec(catalog)
        encoded = encode_for_lightgbm(train_frame, spec)
    fitter = LocalFitter() if fitter is None else fitter
    with stages.stage(f"cross-validate LightGBM ({config.n_folds} folds, {fitter.where})"):
        cv = fitter.cross_validate(
            encoded,
            y,
            config,
            list(spec.categorical_names),
            on_fold=lambda k, auc, rounds: stages.note(f"fold {k}: AUC {auc:.4f}, {rounds} trees"),
        )
        calibration = fit_platt(cv.oof_margin, y)
        oof_probability = calibration.apply(cv.oof_margin)
    with stages.stage("choose the business threshold"):
        curve = cost_curve(y, oof_probability, config.costs)
        evaluation = evaluate(y, oof_probability, curve.threshold, config.costs)
    with stages.stage("assess fairness by group"):
        fairness = _fairness(dataset, oof_probability, y, curve.threshold, catalog, config)
    with stages.stage(f"fit the final model ({cv.final_rounds} trees, {fitter.where})"):
        booster = fitter.fit_final(encoded, y, config, list(spec.categorical_names), cv)
        booster.save_model(str(paths.booster))
        training = fitter.training(config, cv)
    with stages.stage("export ONNX and check parity"):
        test_frame = _test_frame(dataset, history, catalog)
        parity = _export(booster, spec, calibration, paths, train_frame, test_frame, config)
    with stages.stage("explain globally"):
        importance = global_importance(booster, encoded, catalog, config.export.shap_rows, config)
        data_summary = _data_summary(dataset, y)
    benchmarks: BenchmarkComparison | None = None
    if config.report.benchmark_models:
        with stages.stage("benchmark models on the same folds"):
            ranked = [item.feature for item in importance]
            benchmarks = compare_models(train_frame, y, cv, oof_probability, ranked, config)
    with stages.stage("write the report"):
        write_report(
            ReportInputs(
                y,
                oof_probability,
                evaluation,
                curve,
                importance,
                data_summary,
                cv.fold_auc,
                cv.final_rounds,
                config.costs,
                fairness=fairness,
                benchmarks=benchmarks,
                training=training,
            ),
            paths.report_dir,
        )
    with stages.stage("write the client book and the model card"):
        _write_client_book(
            paths, dataset, train_frame, test_frame, spec, oof_probability, curve.threshold
        )
        if history is not None:
            history.reset_index().to_parquet(paths.history, index=False)
        paths.feature_catalog.write_text(catalog.to_json(), encoding="utf-8")
        paths.feature_spec.write_text(spec.to_json(), encoding="utf-8")
        card = build_model_card(
            CardInputs(
                paths=paths,
                config=config,
                evaluation=evaluation,
                calibration=calibration,
                catalog=catalog,
                importance=importance,
                data_summary=data_summary,
                booster=booster,
                parity=parity,
                fairness=fairness,
                benchmarks=benchmarks,
                y_true=y,
                oof_probability=oof_probability,
                fold_auc=cv.fold_auc,
            ),
            training=training,
        )
        write_model_card(paths, card)
    with stages.stage("write the serving tables"):
        # Derived once here, memory-mapped by every server process (no sorting at start).
        prepare_serving(paths)
        card = json.loads(paths.model_card.read_text(encoding="utf-8"))
    if mlflow_uri is not None:
        with stages.stage("log the run to MLflow and register the model"):
            # Imported only when asked for: MLflow takes seconds to import.
            from model_build.tracking import track_build

            card = track_build(mlflow_uri, paths, config, card)
    return TrainResult(paths, evaluation, card["model_version"], parity, booster.num_trees())


def global_importance(
    booster: lgb.Booster,
    encoded: pd.DataFrame,
    catalog: FeatureCatalog,
    rows: int,
    config: TrainConfig,
) -> list[Importance]:
    """Mean |SHAP| per feature (exact TreeSHAP by LightGBM) on a fixed random sample."""
    sample = encoded.sample(n=min(rows, len(encoded)), random_state=config.seed)
    contributions = np.asarray(booster.predict(sample, pred_contrib=True))[:, :-1]
    mean_abs = np.abs(contributions).mean(axis=0)
    info = {f.name: f for f in catalog.features}
    ranked = sorted(zip(encoded.columns, mean_abs, strict=True), key=lambda kv: -kv[1])
    return [
        Importance(name, float(value), info[name].group, info[name].description)
        for name, value in ranked
    ]


def _target(app: pd.DataFrame) -> np.ndarray:
    y = app["TARGET"].to_numpy()
    values = set(np.unique(y).tolist())
    if not values <= {0, 1}:
        raise ModelBuildError(
            f"application_train.csv, column TARGET: expected 0 or 1, found {sorted(values)}"
        )
    if len(y) < MIN_ROWS:
        raise ModelBuildError(
            f"application_train.csv: {len(y)} rows is too few to train and evaluate a model "
            f"(at least {MIN_ROWS} needed)"
        )
    counts = {label: int(np.sum(y == label)) for label in (0, 1)}
    if min(counts.values()) < MIN_PER_CLASS:
        raise ModelBuildError(
            "application_train.csv, column TARGET: needs both outcomes, at least "
            f"{MIN_PER_CLASS} of each (found {counts[0]} repaid, {counts[1]} defaulted)"
        )
    return y.astype(np.int64)


def _fairness(
    dataset: Dataset,
    probability: np.ndarray,
    y: np.ndarray,
    threshold: float,
    catalog: FeatureCatalog,
    config: TrainConfig,
) -> FairnessReport:
    """The fairness table of the out-of-fold decisions on the training clients."""
    app = dataset.application_train
    columns = [a.column for a in ATTRIBUTES if a.column in app.columns]
    frame = app[columns].assign(probability=probability, TARGET=y)
    return fairness_table(
        frame,
        threshold,
        bootstrap=config.report.fairness_bootstrap,
        seed=config.seed,
        min_rows=config.report.fairness_min_rows,
        min_defaulters=config.report.fairness_min_defaulters,
        model_features=catalog.names,
    )


def _test_frame(
    dataset: Dataset, history: pd.DataFrame | None, catalog: FeatureCatalog
) -> pd.DataFrame | None:
    if dataset.application_test is None:
        return None
    return build_feature_frame(dataset.application_test, history, catalog)


def _export(
    booster: lgb.Booster,
    spec: FeatureSpec,
    calibration: Calibration,
    paths: ArtifactPaths,
    train_frame: pd.DataFrame,
    test_frame: pd.DataFrame | None,
    config: TrainConfig,
) -> float:
    pair = (calibration.slope, calibration.intercept)
    export_onnx(booster, spec, pair, paths.onnx, paths.encoded_onnx)
    pool = train_frame if test_frame is None else pd.concat([train_frame, test_frame])
    rows = pool.sample(n=min(config.export.parity_rows, len(pool)), random_state=config.seed)
    check_encoded_parity(paths.onnx, paths.encoded_onnx, spec, rows)
    return check_parity(paths.onnx, booster, spec, pair, rows, config.export.parity_tolerance)


def _write_client_book(
    paths: ArtifactPaths,
    dataset: Dataset,
    train_frame: pd.DataFrame,
    test_frame: pd.DataFrame | None,
    spec: FeatureSpec,
    oof_probability: np.ndarray,
    threshold: float,
) -> None:
    """Every known client: features, outcome (train), ONNX score and decision; Parquet."""
    parts = []
    train = train_frame.copy()
    train.insert(0, "split", "train")
    train.insert(1, "TARGET", pd.array(dataset.application_train["TARGET"], dtype="Int8"))
    train.insert(2, "oof_probability", oof_probability)
    parts.append(train)
    if test_frame is not None:
        test = test_frame.copy()
        test.insert(0, "split", "test")
        test.insert(1, "TARGET", pd.array([pd.NA] * len(test), dtype="Int8"))
        test.insert(2, "oof_probability", np.nan)
        parts.append(test)
    book = pd.concat(parts)
    probability = predict_onnx(make_session(paths.onnx), spec, book)
    book.insert(3, "probability", probability)
    book.insert(4, "decision", np.where(probability >= threshold, "REFUSE", "APPROVE"))
    book.index.name = "SK_ID_CURR"
    book.reset_index().to_parquet(paths.client_book, index=False)


def _data_summary(dataset: Dataset, y: np.ndarray) -> dict[str, object]:
    manifest = dataset.directory / SYNTHETIC_MANIFEST
    synthetic = manifest.is_file()
    test_rows = 0 if dataset.application_test is None else len(dataset.application_test)
    return {
        "source": "synthetic" if synthetic else "real",
        "synthetic": synthetic,
        "directory": str(dataset.directory.resolve()),
        "tables": dataset.present(),
        "train_rows": len(y),
        "test_rows": test_rows,
        "default_rate": float(np.mean(y)),
        "synthetic_manifest": json.loads(manifest.read_text()) if synthetic else None,
    }


def clear_artifacts(paths: ArtifactPaths) -> None:
    """Remove a previous build's files so a failed build cannot leave a mixed directory."""
    for path in (
        paths.onnx,
        paths.encoded_onnx,
        paths.model_card,
        paths.model_card.with_name(MARKDOWN_NAME),
        paths.client_book,
        paths.history,
    ):
        path.unlink(missing_ok=True)
    shutil.rmtree(paths.report_dir, ignore_errors=True)
    shutil.rmtree(paths.serving_tables, ignore_errors=True)
