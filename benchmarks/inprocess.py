"""In-process engines on the same rows: onnxruntime, LightGBM predict, TreeSHAP engines."""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable
from typing import Any

import lightgbm as lgb
import numpy as np
import onnxruntime as ort

from benchmarks.grpc_load import cycling, sequential
from benchmarks.plan import Plan
from benchmarks.stats import Budget, LatencySummary, summarize
from benchmarks.workload import Workload
from model_build.model_inputs import CATEGORICAL_INPUT, ENCODED_INPUT, NUMERIC_INPUT
from model_build.onnx_sessions import load_encoded_model, make_session

__all__ = ["measure_inprocess"]

logger = logging.getLogger(__name__)

# Engine: (name, what it is, function of a row-index array).
Engine = tuple[str, str, Callable[[np.ndarray], object]]
# The engines Score runs one row at a time, also measured after the CPU idled: the state a
# sequential caller meets (the server waits for the network between calls).
IDLE_ENGINES = ("onnxruntime", "onnxruntime_encoded")
IDLE_SECONDS = 0.001
# Calls after idle: each costs IDLE_SECONDS more, so the single-row budget is capped.
MAX_IDLE_CALLS = 2_000


def _engines(workload: Workload, booster: lgb.Booster) -> list[Engine]:
    feed = workload.onnx_feed
    matrix = workload.booster_matrix
    serving = make_session(workload.paths.onnx)
    default_options = ort.SessionOptions()
    threaded = ort.InferenceSession(
        str(workload.paths.onnx), default_options, providers=["CPUExecutionProvider"]
    )

    def onnx(session: ort.InferenceSession) -> Callable[[np.ndarray], object]:
        return lambda rows: session.run(None, {k: v[rows] for k, v in feed.items()})

    encoded = load_encoded_model(workload.paths.encoded_onnx)
    encoded_session = encoded.session
    encoded_rows = _encoded_rows(workload, encoded.codes)

    engines: list[Engine] = [
        ("onnxruntime", "model.onnx, the server's session (1 thread)", onnx(serving)),
        (
            "onnxruntime_encoded",
            "model_encoded.onnx (categories as codes, no strings): the graph "
            "Score and ScoreBatch run (1 thread)",
            lambda rows: encoded_session.run(None, {ENCODED_INPUT: encoded_rows[rows]}),
        ),
        (
            "onnxruntime_default_threads",
            "model.onnx, onnxruntime's default threads",
            onnx(threaded),
        ),
        (
            "lightgbm_predict",
            "Booster.predict, 1 thread (numpy input, categoricals as codes)",
            lambda rows: booster.predict(matrix[rows], num_threads=1),
        ),
        (
            "lightgbm_predict_all_threads",
            "Booster.predict, OpenMP on every core",
            lambda rows: booster.predict(matrix[rows]),
        ),
        (
            "lightgbm_pred_contrib",
            "Booster.predict(pred_contrib=True), 1 thread: the server's Explain engine",
            lambda rows: booster.predict(matrix[rows], pred_contrib=True, num_threads=1),
        ),
        (
            "lightgbm_pred_contrib_all_threads",
            "Booster.predict(pred_contrib=True), OpenMP on every core",
            lambda rows: booster.predict(matrix[rows], pred_contrib=True),
        ),
    ]
    shap_engine = _shap_engine(booster, matrix)
    if shap_engine is not None:
        engines.append(shap_engine)
    return engines


def _encoded_rows(workload: Workload, codes: dict[str, dict[str, float]]) -> np.ndarray:
    """The workload's rows as the encoded model's input: numeric inputs, then category codes
    (NaN when missing or unseen), as the graph's own LabelEncoder maps them."""
    blocks = [workload.onnx_feed[NUMERIC_INPUT]]
    if workload.spec.categorical:
        strings = workload.onnx_feed[CATEGORICAL_INPUT]
        blocks.append(
            np.asarray(
                [
                    [codes[name].get(value, np.nan) for name, value in zip(codes, row, strict=True)]
                    for row in strings.tolist()
                ],
                dtype=np.float64,
            ).reshape(len(strings), len(codes))
        )
    return np.ascontiguousarray(np.hstack(blocks))


def _shap_engine(booster: lgb.Booster, matrix: np.ndarray) -> Engine | None:
    try:
        import shap

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            explainer = shap.TreeExplainer(booster)
            explainer.shap_values(matrix[:2])
    except Exception as error:  # shap raises many types for unsupported models
        logger.warning("shap TreeExplainer unavailable on this model: %s", error)
        return None

    def explain(rows: np.ndarray) -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return explainer.shap_values(matrix[rows], check_additivity=False)

    return ("shap_tree_explainer", f"shap {shap.__version__} TreeExplainer (C++)", explain)


def measure_inprocess(
    workload: Workload, plan: Plan, *, explainers_only: bool = False
) -> dict[str, Any]:
    """Each engine on single rows (cycling through the workload) and on batches."""
    booster = lgb.Booster(model_file=str(workload.paths.booster))
    rows = len(workload.client_ids)
    size = plan.inprocess_batch
    batches = [np.arange(b * size, (b + 1) * size) % rows for b in range(4)]
    singles = [np.array([i]) for i in range(rows)]
    out: dict[str, Any] = {"num_trees": workload.num_trees, "batch_size": size, "engines": {}}
    for name, description, run in _engines(workload, booster):
        if explainers_only and "contrib" not in name and "shap" not in name:
            continue
        logger.info("in process: %s", name)
        single, _ = sequential(cycling(run, singles), plan.inprocess_single)
        batch, _ = sequential(cycling(run, batches), plan.inprocess_batch_budget, size)
        out["engines"][name] = {
            "description": description,
            "single": single.to_dict(),
            "batch": batch.to_dict(),
        }
        if name in IDLE_ENGINES:
            idle = _after_idle(run, singles, plan.inprocess_single)
            out["engines"][name]["single_after_idle"] = {
                "idle_seconds": IDLE_SECONDS,
                "latency": idle.to_dict(),
            }
    return out


def _after_idle(
    run: Callable[[np.ndarray], object], singles: list[np.ndarray], budget: Budget
) -> LatencySummary:
    """Single rows, each after the thread slept IDLE_SECONDS (the sleep not timed)."""
    for i in range(budget.warmup):
        run(singles[i % len(singles)])
    samples = []
    for i in range(min(budget.count, MAX_IDLE_CALLS)):
        time.sleep(IDLE_SECONDS)
        begun = time.perf_counter_ns()
        run(singles[i % len(singles)])
        samples.append(time.perf_counter_ns() - begun)
    return summarize(samples)
