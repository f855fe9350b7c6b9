"""Baseline: a REST API (FastAPI + uvicorn) calling a pickled scikit-learn pipeline."""

from __future__ import annotations

import logging
import math
import pickle
import sys
from pathlib import Path
from typing import Any

import httpx
import lightgbm as lgb
import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

from benchmarks.grpc_load import sequential
from benchmarks.plan import Plan
from benchmarks.processes import HOST, free_port, http_ready, start_service
from benchmarks.stats import Budget
from benchmarks.workload import Workload

__all__ = ["build_pipeline", "measure_rest_pickle"]

logger = logging.getLogger(__name__)


def build_pipeline(workload: Workload, path: Path) -> dict[str, Any]:
    """Train OrdinalEncoder + LGBMClassifier on the model's features and training rows, with
    the shipped model's tree count and shape, and pickle it with the column dtypes."""
    spec = workload.spec
    categorical = list(spec.categorical_names)
    numeric = list(spec.numeric)
    dtypes = {name: "float64" for name in numeric} | {name: "object" for name in categorical}
    frame = workload.train_frame[numeric + categorical].astype(dtypes)
    encoder = ColumnTransformer(
        [
            (
                "categorical",
                OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan),
                categorical,
            ),
            ("numeric", "passthrough", numeric),
        ]
    )
    classifier = lgb.LGBMClassifier(
        n_estimators=workload.num_trees,
        learning_rate=0.03,
        num_leaves=15,
        min_child_samples=100,
        colsample_bytree=0.3,
        subsample=0.8,
        subsample_freq=1,
        reg_lambda=5.0,
        verbose=-1,
    )
    pipeline = Pipeline([("encode", encoder), ("model", classifier)])
    pipeline.fit(
        frame,
        workload.train_target,
        model__categorical_feature=list(range(len(categorical))),
    )
    with path.open("wb") as handle:
        pickle.dump({"pipeline": pipeline, "dtypes": dtypes}, handle)
    return {"num_trees": workload.num_trees, "training_rows": len(frame)}


def _json_rows(workload: Workload) -> list[dict[str, Any]]:
    records = workload.frame.astype(object).to_dict(orient="records")
    return [
        {
            k: None if v is None or (isinstance(v, float) and math.isnan(v)) else v
            for k, v in record.items()
        }
        for record in records
    ]


def measure_rest_pickle(
    workload: Workload, plan: Plan, work_dir: Path
) -> tuple[dict[str, Any], np.ndarray]:
    """p50 etc. of POST /predict with a keep-alive httpx client, one row per request."""
    work_dir.mkdir(parents=True, exist_ok=True)
    model_path = work_dir / "pipeline.pkl"
    info = build_pipeline(workload, model_path)
    port = free_port()
    service = start_service(
        "rest_pickle",
        [
            sys.executable,
            "-m",
            "benchmarks.baselines.rest_server",
            "--model",
            str(model_path),
            "--port",
            str(port),
        ],
        work_dir,
        http_ready(port, "/health"),
    )
    rows = _json_rows(workload)
    try:
        with httpx.Client(base_url=f"http://{HOST}:{port}", timeout=10.0) as client:

            def call(i: int) -> None:
                client.post("/predict", json=rows[i % len(rows)]).raise_for_status()

            # The baseline is slower: fewer calls give as many seconds of measurement.
            budget = Budget(
                count=max(plan.fast.count // 4, 100), seconds=plan.fast.seconds, warmup=20
            )
            result, samples = sequential(call, budget)
    finally:
        service.stop()
    return {
        "status": "measured",
        "description": "FastAPI + uvicorn, pickled sklearn Pipeline(OrdinalEncoder, "
        "LGBMClassifier) per request, JSON row, httpx keep-alive client",
        **info,
        **result.to_dict(),
    }, samples
