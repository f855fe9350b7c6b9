"""The model card: the model's technical file, as model_card.json and its Markdown twin."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import lightgbm as lgb
import numpy as np

from creditscore.v1 import decision_record_pb2, rules_pb2
from model_build.artifacts import ArtifactPaths, sha256_of
from model_build.benchmark_models import BenchmarkComparison
from model_build.config import TrainConfig
from model_build.fairness import CONFIDENCE, FairnessReport
from model_build.features import FeatureCatalog
from model_build.lightgbm_training import Calibration
from model_build.metrics import Evaluation
from model_build.model_card_markdown import model_card_markdown
from model_build.monitoring.bands import SCORE_BANDS
from model_build.monitoring.stability import ACT_PSI, FEATURE_BINS, LIGHT_MEANING, WATCH_PSI
from model_build.performance_intervals import PERFORMANCE_RESAMPLES, performance_intervals
from model_build.report import Importance

__all__ = [
    "MARKDOWN_NAME",
    "CardInputs",
    "build_model_card",
    "data_section",
    "decision_records",
    "single_machine_training",
    "write_model_card",
]

logger = logging.getLogger(__name__)

MARKDOWN_NAME = "model_card.md"

INTENDED_USE: dict[str, object] = {
    "purpose": (
        "Estimate the probability that an applicant for a consumer loan defaults and turn it "
        "into a recommendation (REFUSE when the probability reaches the business threshold, "
        "else APPROVE), for clients with little or no credit history."
    ),
    "users": [
        "credit advisors, who review each recommendation with its reasons (Explain) in the "
        "advisors' web app and record the final decision",
        "the lender's internal services, which score applications through the gRPC API "
        "(Score, ScoreBatch)",
        "model-risk and audit teams, who monitor the model and read the decision record",
    ],
    "role_in_decisions": (
        "decision support. An advisor reviews the recommendation and records the final "
        "decision; a final decision against the model's needs an override reason "
        "(see decision_records)"
    ),
}

MUST_NOT_BE_USED_FOR = [
    "refusing a client with no human review: the client has a right to a human review and "
    "to the reasons of a decision (GDPR Art. 22)",
    "other products, markets, periods or populations than those of its development data "
    "without a new validation",
    "pricing, credit limits or collections: it was trained and thresholded for approve / "
    "refuse at one ratio of business costs",
]

KNOWN_WEAKNESSES = [
    "the development data hold outcomes of granted loans only: the model has not seen how "
    "clients like those refused in the past would have repaid (no reject inference)",
    "performance figures are out-of-fold estimates on the development sample; the final "
    "model is refitted on all of it, and its performance on later applications is known only "
    "once their outcomes are (see monitoring)",
    "the probabilities are calibrated by Platt scaling on the development sample: a change "
    "of population or of the default rate moves them before it moves the ranking "
    "(the monitor's calibration by score band shows it)",
]


@dataclass(frozen=True, kw_only=True)
class CardInputs:
    """What the build knows when it writes the card; ``y_true`` and ``oof_probability`` are
    the development sample's outcomes and out-of-fold probabilities."""

    paths: ArtifactPaths
    config: TrainConfig
    evaluation: Evaluation
    calibration: Calibration
    catalog: FeatureCatalog
    importance: list[Importance]
    data_summary: Mapping[str, object]
    booster: lgb.Booster
    parity: float
    fairness: FairnessReport
    benchmarks: BenchmarkComparison | None
    y_true: np.ndarray
    oof_probability: np.ndarray
    fold_auc: Sequence[float]


def single_machine_training(config: TrainConfig, final_rounds: int) -> dict[str, object]:
    """How ``model_build train`` fits on one machine: the card's ``training`` by default."""
    return {
        "method": "LightGBM on one machine (lightgbm.train)",
        "trees": (
            f"chosen by early stopping in {config.n_folds}-fold stratified cross-validation "
            f"(mean best iteration, scaled by k/(k-1) for the larger final sample): "
            f"{final_rounds}"
        ),
        "folds": config.n_folds,
        "final_fit": "refitted on every development client with the chosen number of trees",
        "seed": config.seed,
    }


def build_model_card(
    inputs: CardInputs,
    *,
    training: Mapping[str, object] | None = None,
) -> dict[str, Any]:
    """The card as JSON-ready data.

    ``training``: how the model was fitted (default: ``single_machine_training``). Its
    ``mlflow`` section is None: model_build.tracking names the run and the registered version
    there when the build is tracked. The server reads ``model_version``, ``threshold``,
    ``metrics``, ``calibration``, ``costs``, ``data``, ``features``, ``global_importance``
    and the SHA-256 of the ONNX files: those keys keep their shape.
    """
    paths, config, evaluation = inputs.paths, inputs.config, inputs.evaluation
    booster = inputs.booster
    if training is None:
        training = single_machine_training(config, booster.num_trees())
    onnx_sha = sha256_of(paths.onnx)
    encoded_sha = sha256_of(paths.encoded_onnx)
    return {
        "model_version": _model_version(paths, config, evaluation, onnx_sha, encoded_sha),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "intended_use": INTENDED_USE,
        "data": data_section(inputs.data_summary),
        "limits": _limits(inputs),
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
        "performance": _performance(inputs),
        "calibration": {
            "method": "platt",
            "slope": inputs.calibration.slope,
            "intercept": inputs.calibration.intercept,
            "formula": "probability = sigmoid(slope * raw_margin + intercept)",
        },
        "training": dict(training),
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
            for f in inputs.catalog.features
        ],
        "global_importance": [
            {"feature": i.feature, "mean_abs_shap": i.mean_abs_shap} for i in inputs.importance
        ],
        "onnx_sha256": onnx_sha,
        "encoded_onnx_sha256": encoded_sha,
        "onnx_parity_max_abs_diff": inputs.parity,
        "benchmark_models": None if inputs.benchmarks is None else inputs.benchmarks.to_dict(),
        "fairness": inputs.fairness.to_dict(),
        "monitoring": _monitoring(),
        "decision_records": decision_records(),
        "mlflow": None,
        "files": {
            "onnx": paths.onnx.name,
            "encoded_onnx": paths.encoded_onnx.name,
            "lightgbm_model": paths.booster.name,
            "feature_catalog": paths.feature_catalog.name,
            "feature_spec": paths.feature_spec.name,
            "client_book": paths.client_book.name,
            "history_features": paths.history.name if paths.history.exists() else None,
            "report": f"{paths.report_dir.name}/report.md",
            "model_card_markdown": MARKDOWN_NAME,
        },
    }


def write_model_card(paths: ArtifactPaths, card: Mapping[str, Any]) -> None:
    """model_card.json (read by the server) and model_card.md (for people) beside it."""
    paths.model_card.write_text(json.dumps(card, indent=2), encoding="utf-8")
    markdown = paths.model_card.with_name(MARKDOWN_NAME)
    markdown.write_text(model_card_markdown(card), encoding="utf-8")


def decision_records() -> dict[str, object]:
    """How decisions are recorded and overridden, read from the decision-record contract
    (protos/creditscore/v1/decision_record.proto) so that the lists are the API's own."""
    pb = decision_record_pb2
    service = pb.DESCRIPTOR.services_by_name["DecisionRecordService"]
    other = pb.OverrideReason.Name(pb.OVERRIDE_REASON_OTHER)
    refer = pb.FinalDecision.Name(pb.FINAL_DECISION_REFER)
    return {
        "recorded": (
            "every decision the server gives is recorded before its response is sent: each "
            "Score, each ScoreBatch item and each Explain (with the reasons given); when the "
            "record cannot be written the call fails and gives no decision"
        ),
        "record_kinds": _value_names(pb.RecordKind.DESCRIPTOR),
        "record_fields": [f.name for f in pb.DecisionRecord.DESCRIPTOR.fields],
        "service": service.full_name,
        "methods": [m.name for m in service.methods],
        "advisor_method": service.methods_by_name["RecordDecision"].full_name,
        "final_decisions": _labelled_values(pb.FinalDecision.DESCRIPTOR),
        "override_reasons": _labelled_values(pb.OverrideReason.DESCRIPTOR),
        "override_rule": (
            "an advisor's approve or refuse that differs from the model's decision needs an "
            f"override reason; {other} and {refer} need a note"
        ),
        "audit": (
            "python -m server.records export (one row per record) and replay (what another "
            "model would have decided, and how many overrides it would agree with)"
        ),
    }


def _model_version(
    paths: ArtifactPaths,
    config: TrainConfig,
    evaluation: Evaluation,
    onnx_sha: str,
    encoded_sha: str,
) -> str:
    """A content hash: the same files, config and threshold give the same version."""
    source = "|".join(
        [
            onnx_sha,
            encoded_sha,
            sha256_of(paths.booster),
            json.dumps(asdict(config), sort_keys=True),
            repr(evaluation.threshold),
        ]
    )
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def data_section(summary: Mapping[str, object]) -> dict[str, object]:
    """The card's ``data`` from train_job's data summary: what the model was built on, and
    whether it is synthetic (a directory written by `model_build synth`)."""
    synthetic = bool(summary["synthetic"])
    manifest = summary.get("synthetic_manifest")
    if synthetic:
        described = (
            "synthetic clients made by `python -m model_build synth` with the schema of Home "
            "Credit Default Risk (Kaggle): no real person; the figures of this card describe "
            "the generator's population, not a lender's"
        )
    else:
        described = "Home Credit Default Risk (Kaggle): real applications and their outcomes"
    return {
        "source": summary["source"],
        "synthetic": synthetic,
        "description": described,
        "synthetic_manifest": manifest if synthetic else None,
        "directory": summary["directory"],
        "tables": summary["tables"],
        "rows": summary["train_rows"],
        "test_rows": summary["test_rows"],
        "default_rate": summary["default_rate"],
    }


def _limits(inputs: CardInputs) -> dict[str, list[str]]:
    must_not = list(MUST_NOT_BE_USED_FOR)
    weaknesses = list(KNOWN_WEAKNESSES)
    if inputs.data_summary["synthetic"]:
        must_not.insert(0, "any decision on a real client: it was built on synthetic data")
    # Characteristics recorded to measure fairness and kept out of the model, in the fairness
    # table's own words (model_build.fairness).
    must_not += [
        f"deciding by {attribute.name}: {attribute.model_input_note}"
        for attribute in inputs.fairness.attributes
        if not attribute.model_input
    ]
    for attribute in inputs.fairness.attributes:
        if attribute.flagged:
            weaknesses.append(
                f"approval ratio below the four-fifths screening rule by {attribute.name}: "
                f"{', '.join(attribute.flagged)} (fairness section; to review, not a verdict)"
            )
    return {"must_not_be_used_for": must_not, "known_weaknesses": weaknesses}


def _performance(inputs: CardInputs) -> dict[str, object]:
    config = inputs.config
    intervals = performance_intervals(
        inputs.y_true, inputs.oof_probability, inputs.evaluation, config.costs, seed=config.seed
    )
    return {
        "evaluated_on": (
            f"out-of-fold predictions of {len(inputs.y_true):,} development clients "
            f"({config.n_folds}-fold stratified cross-validation)"
        ),
        "confidence_level": CONFIDENCE,
        "method": (
            f"percentile bootstrap over {PERFORMANCE_RESAMPLES} resamples of the clients, "
            f"seed {config.seed}, at the chosen threshold"
        ),
        "resamples": PERFORMANCE_RESAMPLES,
        **{name: asdict(estimate) for name, estimate in intervals.items()},
        "fold_roc_auc": [float(a) for a in inputs.fold_auc],
    }


def _monitoring() -> dict[str, object]:
    """The thresholds of `model_build monitor`, from its own constants."""
    return {
        "command": (
            "python -m model_build monitor --artifacts DIR (--data DIR | --records DB) "
            "[--since DATE] --out DIR"
        ),
        "score_bands": SCORE_BANDS,
        "score_band_edges": (
            "deciles of the probabilities the exported model gives the development clients "
            "(client_book.parquet), fixed by this build"
        ),
        "feature_bins": FEATURE_BINS,
        "psi_watch": WATCH_PSI,
        "psi_act": ACT_PSI,
        "lights": {
            "green": f"PSI < {WATCH_PSI}: {LIGHT_MEANING['green']}",
            "amber": f"{WATCH_PSI} <= PSI <= {ACT_PSI}: {LIGHT_MEANING['amber']}",
            "red": f"PSI > {ACT_PSI}: {LIGHT_MEANING['red']}",
        },
        "sample_size_note": (
            "the PSI thresholds suit large samples: each monitor report states the PSI that "
            "sampling noise alone reaches for its sample sizes"
        ),
        "with_outcomes": (
            "ROC AUC and KS against this card's metrics, default rate and calibration by "
            "score band (rank ordering)"
        ),
    }


def _value_names(enum: Any) -> list[str]:
    return [value.name for value in enum.values if value.number != 0]


def _labelled_values(enum: Any) -> list[dict[str, str]]:
    """Every value that carries a (ValueLabel.label): the choices the contract offers."""
    extension = rules_pb2.ValueLabel.label
    return [
        {"name": value.name, "label": value.GetOptions().Extensions[extension].en}
        for value in enum.values
        if value.GetOptions().HasExtension(extension)
    ]
