"""The training job (`model_build train`): data → features → CV LightGBM → threshold → artifacts."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from model_build.artifacts import SYNTHETIC_MANIFEST, ArtifactPaths, sha256_of
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
from model_build.lightgbm_training import Calibration, cross_validate, fit_final, fit_platt
from model_build.loader import Dataset, OrphanPolicy, load_dataset
from model_build.metrics import Evaluation, evaluate
from model_build.model_inputs import FeatureSpec, encode_for_lightgbm, feature_spec
from model_build.onnx_export import check_encoded_parity, check_parity, export_onnx
from model_build.onnx_sessions import make_session, predict_onnx
from model_build.progress import Stages
from model_build.report import Importance, ReportInputs, write_report
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
) -> TrainResult:
    """Run the whole build and write the artifacts directory."""
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
    with stages.stage(f"cross-validate LightGBM ({config.n_folds} folds)"):
        cv = cross_validate(
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
    with stages.stage(f"fit the final model ({cv.final_rounds} trees)"):
        booster = fit_final(encoded, y, config, list(spec.categorical_names), cv)
        booster.save_model(str(paths.booster))
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
        card = _model_card(
            paths,
            config,
            evaluation,
            calibration,
            catalog,
            importance,
            data_summary,
            booster,
            parity,
            fairness,
            benchmarks,
        )
        paths.model_card.write_text(json.dumps(card, indent=2), encoding="utf-8")
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


def _model_card(
    paths: ArtifactPaths,
    config: TrainConfig,
    evaluation: Evaluation,
    calibration: Calibration,
    catalog: FeatureCatalog,
    importance: list[Importance],
    data_summary: dict[str, object],
    booster: lgb.Booster,
    parity: float,
    fairness: FairnessReport,
    benchmarks: BenchmarkComparison | None,
) -> dict[str, Any]:
    onnx_sha = sha256_of(paths.onnx)
    encoded_sha = sha256_of(paths.encoded_onnx)
    version_source = "|".join(
        [
            onnx_sha,
            encoded_sha,
            sha256_of(paths.booster),
            json.dumps(asdict(config), sort_keys=True),
            repr(evaluation.threshold),
        ]
    )
    version = hashlib.sha256(version_source.encode()).hexdigest()[:16]
    return {
        "model_version": version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": {
            "source": data_summary["source"],
            "synthetic": data_summary["synthetic"],
            "directory": data_summary["directory"],
            "tables": data_summary["tables"],
            "rows": data_summary["train_rows"],
            "test_rows": data_summary["test_rows"],
            "default_rate": data_summary["default_rate"],
        },
        "threshold": evaluation.threshold,
        "decision_rule": "REFUSE when probability >= threshold, else APPROVE",
        "costs": asdict(config.costs),
        "metrics": {
            "roc_auc": evaluation.roc_auc,
            "pr_auc": evaluation.pr_auc,
            "ks": evaluation.ks,
            "brier": evaluation.brier,
            "business_cost": evaluation.business_cost,
            "business_cost_accept_all": evaluation.cost_accept_all,
            "business_cost_refuse_all": evaluation.cost_refuse_all,
            "refusal_rate": evaluation.refusal_rate,
            "evaluated_on": "out-of-fold predictions",
        },
        "calibration": {
            "method": "platt",
            "slope": calibration.slope,
            "intercept": calibration.intercept,
            "formula": "probability = sigmoid(slope * raw_margin + intercept)",
        },
        "model": {
            "type": "lightgbm",
            "num_trees": booster.num_trees(),
            "num_features": booster.num_feature(),
            "config": asdict(config.lightgbm),
        },
        "features": [
            {
                "name": f.name,
                "description": f.description,
                "group": f.group,
                "unit": f.unit,
                "source": f.source,
                "kind": f.kind,
            }
            for f in catalog.features
        ],
        "global_importance": [
            {"feature": i.feature, "mean_abs_shap": i.mean_abs_shap} for i in importance
        ],
        "onnx_sha256": onnx_sha,
        "encoded_onnx_sha256": encoded_sha,
        "onnx_parity_max_abs_diff": parity,
        "benchmark_models": None if benchmarks is None else benchmarks.to_dict(),
        "fairness": fairness.to_dict(),
        "files": {
            "onnx": paths.onnx.name,
            "encoded_onnx": paths.encoded_onnx.name,
            "lightgbm_model": paths.booster.name,
            "feature_catalog": paths.feature_catalog.name,
            "feature_spec": paths.feature_spec.name,
            "client_book": paths.client_book.name,
            "history_features": paths.history.name if paths.history.exists() else None,
            "report": f"{paths.report_dir.name}/report.md",
        },
    }


def clear_artifacts(paths: ArtifactPaths) -> None:
    """Remove a previous build's files so a failed build cannot leave a mixed directory."""
    for path in (
        paths.onnx,
        paths.encoded_onnx,
        paths.model_card,
        paths.client_book,
        paths.history,
    ):
        path.unlink(missing_ok=True)
    shutil.rmtree(paths.report_dir, ignore_errors=True)
