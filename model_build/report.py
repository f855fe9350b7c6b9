"""Evaluation report of a trained model: PNG plots, a Markdown page and a JSON twin."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers and CI

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import precision_recall_curve, roc_curve

from model_build.benchmark_models import BenchmarkComparison, benchmark_markdown
from model_build.config import Costs
from model_build.fairness import FairnessReport
from model_build.fairness_markdown import fairness_markdown
from model_build.metrics import Evaluation
from model_build.threshold import CostCurve

__all__ = ["Importance", "ReportInputs", "write_report"]

logger = logging.getLogger(__name__)

_TOP_FEATURES = 20
_DPI = 110


@dataclass(frozen=True)
class Importance:
    """Global importance of one feature: mean |SHAP| on the log-odds scale."""

    feature: str
    mean_abs_shap: float
    group: str
    description: str


@dataclass(frozen=True)
class ReportInputs:
    """What the report shows: out-of-fold predictions and the figures derived from them."""

    y_true: np.ndarray
    probability: np.ndarray
    evaluation: Evaluation
    curve: CostCurve
    importance: list[Importance]
    data_summary: dict[str, object]
    fold_auc: list[float]
    rounds: int
    costs: Costs
    fairness: FairnessReport | None = None
    benchmarks: BenchmarkComparison | None = None  # None when report.benchmark_models is off
    # How the model was fitted (the model card's ``training``): where and how many trees.
    training: Mapping[str, object] | None = None


def write_report(inputs: ReportInputs, directory: Path) -> dict[str, object]:
    """Write ``report.md``, ``report.json`` and the PNG plots into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    plots = {
        "roc": _plot_roc(inputs, directory / "roc.png"),
        "precision_recall": _plot_pr(inputs, directory / "precision_recall.png"),
        "calibration": _plot_calibration(inputs, directory / "calibration.png"),
        "cost_vs_threshold": _plot_cost(inputs, directory / "cost_vs_threshold.png"),
        "importance": _plot_importance(inputs, directory / "importance.png"),
        "score_distribution": _plot_scores(inputs, directory / "score_distribution.png"),
    }
    content = _report_json(inputs, plots)
    (directory / "report.json").write_text(json.dumps(content, indent=2), encoding="utf-8")
    (directory / "report.md").write_text(_markdown(inputs, plots), encoding="utf-8")
    return content


def _report_json(inputs: ReportInputs, plots: dict[str, str]) -> dict[str, object]:
    curve = inputs.curve
    step = max(1, len(curve.thresholds) // 400)  # a readable curve, not one point per client
    return {
        "data": inputs.data_summary,
        "metrics": asdict(inputs.evaluation),
        "cross_validation": {"fold_roc_auc": inputs.fold_auc, "final_rounds": inputs.rounds},
        "training": None if inputs.training is None else dict(inputs.training),
        "cost_curve": {
            "threshold": curve.thresholds[::step].tolist(),
            "cost": curve.costs[::step].tolist(),
        },
        "global_importance": [asdict(item) for item in inputs.importance],
        "plots": plots,
        "benchmark_models": None if inputs.benchmarks is None else inputs.benchmarks.to_dict(),
        "fairness": None if inputs.fairness is None else inputs.fairness.to_dict(),
    }


def _save(figure: plt.Figure, path: Path) -> str:
    figure.tight_layout()
    figure.savefig(path, dpi=_DPI)
    plt.close(figure)
    return path.name


def _plot_roc(inputs: ReportInputs, path: Path) -> str:
    fpr, tpr, _ = roc_curve(inputs.y_true, inputs.probability)
    figure, axis = plt.subplots(figsize=(5, 5))
    axis.plot(fpr, tpr, label=f"model (AUC {inputs.evaluation.roc_auc:.3f})")
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    axis.set(
        xlabel="good payers refused (false-positive rate)",
        ylabel="defaulters caught (true-positive rate)",
        title="ROC curve (out of fold)",
    )
    axis.legend(loc="lower right")
    return _save(figure, path)


def _plot_pr(inputs: ReportInputs, path: Path) -> str:
    precision, recall, _ = precision_recall_curve(inputs.y_true, inputs.probability)
    figure, axis = plt.subplots(figsize=(5, 5))
    axis.plot(recall, precision, label=f"model (PR AUC {inputs.evaluation.pr_auc:.3f})")
    axis.axhline(inputs.evaluation.default_rate, linestyle="--", color="grey", label="base rate")
    axis.set(
        xlabel="recall (defaulters caught)",
        ylabel="precision (refused who default)",
        title="Precision-recall (out of fold)",
    )
    axis.legend(loc="upper right")
    return _save(figure, path)


def _plot_calibration(inputs: ReportInputs, path: Path) -> str:
    ev = inputs.evaluation
    figure, axis = plt.subplots(figsize=(5, 5))
    axis.plot(ev.calibration_predicted, ev.calibration_observed, marker="o", label="model")
    top = max(max(ev.calibration_predicted, default=0.0), max(ev.calibration_observed, default=0))
    axis.plot([0, top], [0, top], linestyle="--", color="grey", label="perfect calibration")
    axis.set(
        xlabel="predicted probability of default (decile mean)",
        ylabel="observed default rate",
        title="Calibration (out of fold)",
    )
    axis.legend(loc="upper left")
    return _save(figure, path)


def _plot_cost(inputs: ReportInputs, path: Path) -> str:
    curve, ev = inputs.curve, inputs.evaluation
    figure, axis = plt.subplots(figsize=(7, 4.5))
    axis.plot(curve.thresholds, curve.costs, label="model: refuse if p ≥ threshold")
    axis.axhline(ev.cost_accept_all, color="tab:red", linestyle="--", label="accept everyone")
    axis.axhline(ev.cost_refuse_all, color="tab:purple", linestyle="--", label="refuse everyone")
    axis.axvline(
        ev.threshold, color="black", linestyle=":", label=f"chosen threshold {ev.threshold:.3f}"
    )
    axis.set(
        xlabel="threshold on the probability of default",
        ylabel="business cost",
        title="Business cost vs threshold (10 per missed defaulter, 1 per refused payer)",
    )
    axis.set_xlim(0, min(1.0, max(0.6, ev.threshold * 3)))
    axis.legend(loc="upper right", fontsize=8)
    return _save(figure, path)


def _plot_importance(inputs: ReportInputs, path: Path) -> str:
    top = inputs.importance[:_TOP_FEATURES][::-1]
    figure, axis = plt.subplots(figsize=(8, 0.32 * len(top) + 1.2))
    axis.barh([item.feature for item in top], [item.mean_abs_shap for item in top])
    axis.set(xlabel="mean |SHAP value| (log-odds)", title="What the model relies on most")
    axis.tick_params(axis="y", labelsize=8)
    return _save(figure, path)


def _plot_scores(inputs: ReportInputs, path: Path) -> str:
    figure, axis = plt.subplots(figsize=(7, 4))
    bins = np.linspace(0, min(1.0, float(np.quantile(inputs.probability, 0.995)) * 1.1), 50)
    for label, name in ((0, "repaid"), (1, "defaulted")):
        values = inputs.probability[inputs.y_true == label]
        axis.hist(values, bins=bins.tolist(), alpha=0.55, density=True, label=name)
    axis.axvline(inputs.evaluation.threshold, color="black", linestyle=":", label="threshold")
    axis.set(
        xlabel="probability of default (out of fold)",
        ylabel="density",
        title="Scores of repaid vs defaulted clients",
    )
    axis.legend()
    return _save(figure, path)


def _training_markdown(training: Mapping[str, object] | None) -> list[str]:
    if training is None:
        return []
    return ["## How it was trained", "", *(f"- {k}: {v}" for k, v in training.items()), ""]


def _markdown(inputs: ReportInputs, plots: dict[str, str]) -> str:
    ev = inputs.evaluation
    lines = [
        "# Model evaluation report",
        "",
        f"Data: {inputs.data_summary.get('source')} — {ev.rows:,} clients with a known outcome, "
        f"default rate {ev.default_rate:.2%}. All figures are out of fold "
        f"({len(inputs.fold_auc)}-fold stratified cross-validation).",
        "",
        "| metric | value |",
        "|---|---|",
        f"| ROC AUC | {ev.roc_auc:.4f} (folds: {', '.join(f'{a:.3f}' for a in inputs.fold_auc)}) |",
        f"| PR AUC | {ev.pr_auc:.4f} |",
        f"| KS | {ev.ks:.4f} |",
        f"| Brier score | {ev.brier:.4f} |",
        f"| business threshold | {ev.threshold:.4f} (refuse if p ≥ threshold) |",
        f"| refusal rate at threshold | {ev.refusal_rate:.2%} |",
        f"| business cost (model) | {ev.business_cost:,.0f} |",
        f"| business cost (accept all) | {ev.cost_accept_all:,.0f} |",
        f"| business cost (refuse all) | {ev.cost_refuse_all:,.0f} |",
        f"| saving vs best naive policy | {ev.saving_vs_best_naive:.1%} |",
        "",
        *_training_markdown(inputs.training),
        "## Confusion matrix at the threshold",
        "",
        "| | predicted repay (approve) | predicted default (refuse) |",
        "|---|---|---|",
        f"| repaid | {ev.true_negatives:,} | {ev.false_positives:,} |",
        f"| defaulted | {ev.false_negatives:,} | {ev.true_positives:,} |",
        "",
    ]
    if inputs.benchmarks is not None:
        lines += benchmark_markdown(inputs.benchmarks)
    titles = {
        "cost_vs_threshold": "Business cost vs threshold",
        "roc": "ROC curve",
        "precision_recall": "Precision-recall curve",
        "calibration": "Calibration",
        "score_distribution": "Score distribution",
        "importance": "Global importance (mean |SHAP|)",
    }
    for key, title in titles.items():
        lines += [f"## {title}", "", f"![{title}]({plots[key]})", ""]
    lines += [
        "## Top features",
        "",
        "| feature | group | mean abs SHAP | meaning |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {i.feature} | {i.group} | {i.mean_abs_shap:.4f} | {i.description} |"
        for i in inputs.importance[:_TOP_FEATURES]
    ]
    if inputs.fairness is not None:
        lines += ["", *fairness_markdown(inputs.fairness)]
    return "\n".join(lines) + "\n"
