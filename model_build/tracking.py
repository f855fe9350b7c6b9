"""A build in MLflow: its run (figures, report, model card) and a registered model version."""

from __future__ import annotations

import logging
import os
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model_build.artifacts import ArtifactPaths
from model_build.config import TrainConfig
from model_build.errors import ModelBuildError
from model_build.mlflow_env import prepare_mlflow
from model_build.model_card import MARKDOWN_NAME, write_model_card

# MLflow is imported in the functions that use it, after prepare_mlflow: it reads some of
# its environment (telemetry) when first imported.
if TYPE_CHECKING:
    from mlflow import MlflowClient

__all__ = [
    "DEFAULT_STORE",
    "EXPERIMENT",
    "REGISTERED_MODEL",
    "TrackedRun",
    "run_figures",
    "track_build",
    "tracking_uri_for",
]

logger = logging.getLogger(__name__)

EXPERIMENT = "creditscore"
REGISTERED_MODEL = "creditscore"
# `train --mlflow` without a URI: a file store of this name beside the artifacts directory
# (unless MLFLOW_TRACKING_URI names one).
DEFAULT_STORE = "mlruns"
# Where the logged model keeps the artifacts directory, and the run its report.
MODEL_ARTIFACT_PATH = "artifacts"
REPORT_ARTIFACT_PATH = "report"
# MLflow accepts at most 100 parameters in one log_batch request.
_PARAMS_PER_BATCH = 100


@dataclass(frozen=True, kw_only=True)
class TrackedRun:
    """Where MLflow holds a build: what the model card names (its ``mlflow`` section)."""

    tracking_uri: str
    experiment_name: str
    experiment_id: str
    run_id: str
    registered_model: str
    version: str
    logged_model_id: str

    @property
    def model_uri(self) -> str:
        """The registered version as `python -m server --artifacts` accepts it."""
        return f"models:/{self.registered_model}/{self.version}"

    def to_dict(self) -> dict[str, str]:
        return {**asdict(self), "model_uri": self.model_uri}


@dataclass(frozen=True)
class RunFigures:
    """What a run logs besides files: parameters, metrics (per-fold ones by step), tags."""

    params: dict[str, str]
    metrics: dict[str, float]
    fold_metrics: dict[str, list[float]]
    tags: dict[str, str]


def tracking_uri_for(requested: str, out_dir: Path) -> str:
    """The tracking URI of ``train --mlflow [URI]``: ``requested`` when given (a directory is
    a file store), else MLFLOW_TRACKING_URI, else a file store mlruns/ beside ``out_dir``."""
    chosen = requested or os.environ.get("MLFLOW_TRACKING_URI", "")
    if not chosen:
        return (out_dir.resolve().parent / DEFAULT_STORE).as_uri()
    # A one-letter scheme is a Windows drive, not a URI.
    if len(urllib.parse.urlparse(chosen).scheme) > 1:
        return chosen
    return Path(chosen).resolve().as_uri()


def run_figures(config: TrainConfig, card: Mapping[str, Any]) -> RunFigures:
    """The run's parameters, metrics and tags, from the config and the model card."""
    params = {f"config.{key}": str(value) for key, value in _flat(asdict(config)).items()}
    params |= {f"training.{key}": str(value) for key, value in card["training"].items()}
    params |= {"data.source": str(card["data"]["source"]), "data.rows": str(card["data"]["rows"])}
    metrics = {
        key: float(value)
        for key, value in card["metrics"].items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }
    performance = card["performance"]
    for name in ("roc_auc", "ks", "business_cost"):
        for bound in ("low", "high"):
            if performance[name][bound] is not None:
                metrics[f"{name}_ci_{bound}"] = float(performance[name][bound])
    metrics |= {
        "threshold": float(card["threshold"]),
        "num_trees": float(card["model"]["num_trees"]),
        "onnx_parity_max_abs_diff": float(card["onnx_parity_max_abs_diff"]),
    }
    tags = {
        "model_version": str(card["model_version"]),
        "data.synthetic": str(card["data"]["synthetic"]).lower(),
    }
    return RunFigures(params, metrics, {"fold_roc_auc": performance["fold_roc_auc"]}, tags)


def track_build(
    requested_uri: str,
    paths: ArtifactPaths,
    config: TrainConfig,
    card: Mapping[str, Any],
) -> dict[str, Any]:
    """Log a finished build to MLflow and register it; returns the card naming the run.

    The run holds the parameters, metrics, report and model card; a logged model holds the
    whole artifacts directory (what the server loads), and a new version of the registered
    model points at it. The card (model_card.json and .md) is rewritten to name the run and
    the version, then logged with them. An MLflow failure is a ModelBuildError; the card on
    disk is then the one without the run, as the run did not complete.
    """
    uri = tracking_uri_for(requested_uri, paths.root)
    prepare_mlflow()
    from mlflow.exceptions import MlflowException

    try:
        with _tracked(uri, run_figures(config, card)) as (client, tracked):
            named = {**card, "mlflow": tracked.to_dict()}
            write_model_card(paths, named)
            client.log_model_artifacts(tracked.logged_model_id, str(paths.root))
            client.log_artifacts(tracked.run_id, str(paths.report_dir), REPORT_ARTIFACT_PATH)
            for card_file in (paths.model_card, paths.model_card.with_name(MARKDOWN_NAME)):
                client.log_artifact(tracked.run_id, str(card_file))
    except MlflowException as error:
        write_model_card(paths, card)
        raise ModelBuildError(f"MLflow ({uri}): {error.message}") from None
    except BaseException:
        write_model_card(paths, card)
        raise
    logger.info("MLflow run %s registered as %s", tracked.run_id, tracked.model_uri)
    return named


@contextmanager
def _tracked(uri: str, figures: RunFigures) -> Iterator[tuple[MlflowClient, TrackedRun]]:
    """A run with its figures and a registered version of its (still empty) logged model;
    the body uploads the files. On success the model is READY and the run FINISHED; on
    failure both are FAILED and the version is deleted, so the registry never serves a
    version whose files are incomplete."""
    from mlflow import MlflowClient
    from mlflow.entities import LoggedModelStatus, RunStatus

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    experiment_id = (
        experiment.experiment_id if experiment is not None else client.create_experiment(EXPERIMENT)
    )
    version = figures.tags["model_version"]
    run = client.create_run(experiment_id, run_name=f"train {version}", tags=figures.tags)
    run_id = run.info.run_id
    model_id: str | None = None
    registered: str | None = None
    try:
        _log_figures(client, run_id, figures)
        model = client.create_logged_model(
            experiment_id,
            name=REGISTERED_MODEL,
            source_run_id=run_id,
            tags={"model_version": version},
            model_type="onnx",
        )
        model_id = model.model_id
        _ensure_registered_model(client)
        # The logged model's own location as the source: a models:/<id> source makes the file
        # registry look the model up through MLflow's global tracking URI, not this client's.
        registered = client.create_model_version(
            REGISTERED_MODEL,
            source=model.artifact_location,
            run_id=run_id,
            model_id=model_id,
            tags={"model_version": version},
            description=f"creditscore model {version}",
        ).version
        yield (
            client,
            TrackedRun(
                tracking_uri=uri,
                experiment_name=EXPERIMENT,
                experiment_id=experiment_id,
                run_id=run_id,
                registered_model=REGISTERED_MODEL,
                version=str(registered),
                logged_model_id=model_id,
            ),
        )
        client.finalize_logged_model(model_id, LoggedModelStatus.READY)
    except BaseException:
        _abandon(client, run_id, model_id, registered)
        raise
    client.set_terminated(run_id, RunStatus.to_string(RunStatus.FINISHED))


def _log_figures(client: MlflowClient, run_id: str, figures: RunFigures) -> None:
    from mlflow.entities import Metric, Param

    now = int(time.time() * 1000)
    metrics = [Metric(key, value, now, 0) for key, value in figures.metrics.items()]
    metrics += [
        Metric(key, float(value), now, step)
        for key, values in figures.fold_metrics.items()
        for step, value in enumerate(values, start=1)
    ]
    client.log_batch(run_id, metrics=metrics)
    params = [Param(key, value) for key, value in figures.params.items()]
    for start in range(0, len(params), _PARAMS_PER_BATCH):
        client.log_batch(run_id, params=params[start : start + _PARAMS_PER_BATCH])


def _ensure_registered_model(client: MlflowClient) -> None:
    from mlflow.exceptions import MlflowException

    try:
        client.create_registered_model(
            REGISTERED_MODEL, description="Probability of default of a loan applicant (ONNX)"
        )
    except MlflowException as error:
        if error.error_code != "RESOURCE_ALREADY_EXISTS":
            raise


def _abandon(client: MlflowClient, run_id: str, model_id: str | None, version: str | None) -> None:
    """Mark what a failed build left FAILED and unregister its version; a failure here is
    logged, not raised, so that the original error is the one reported."""
    from mlflow.entities import LoggedModelStatus, RunStatus
    from mlflow.exceptions import MlflowException

    try:
        if version is not None:
            client.delete_model_version(REGISTERED_MODEL, version)
        if model_id is not None:
            client.finalize_logged_model(model_id, LoggedModelStatus.FAILED)
        client.set_terminated(run_id, RunStatus.to_string(RunStatus.FAILED))
    except MlflowException:
        logger.exception("could not mark MLflow run %s as failed", run_id)


def _flat(values: Mapping[str, Any], prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            flat |= _flat(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat
