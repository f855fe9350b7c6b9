"""`train --mlflow`: the run is logged to an MLflow store, read back, and its model registered."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from model_build.artifacts import ArtifactPaths, sha256_of
from model_build.errors import ModelBuildError
from model_build.tracking import EXPERIMENT, REGISTERED_MODEL, track_build, tracking_uri_for
from tests.model_build.conftest import TRACKED_CONFIG, TrackedBuild

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def client(tracked_build: TrackedBuild, monkeypatch: pytest.MonkeyPatch) -> MlflowClient:
    # MLflow 3 opens a file store only with this opt-in (model_build.tracking sets it too).
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    uri = tracked_build.tracking_uri
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


@pytest.fixture()
def untracked_copy(tracked_build: TrackedBuild, tmp_path: Path) -> tuple[ArtifactPaths, dict]:
    """A copy of the build's artifacts with the card it had before it was tracked."""
    root = tmp_path / "artifacts"
    shutil.copytree(tracked_build.result.paths.root, root)
    return ArtifactPaths(root), {**tracked_build.card, "mlflow": None}


def test_the_model_card_names_the_run_and_the_registered_version(
    tracked_build: TrackedBuild, client: MlflowClient
) -> None:
    named = tracked_build.card["mlflow"]
    run = client.get_run(named["run_id"])
    assert named["tracking_uri"] == tracked_build.tracking_uri
    assert named["experiment_name"] == EXPERIMENT
    assert client.get_experiment(named["experiment_id"]).name == EXPERIMENT
    assert run.info.experiment_id == named["experiment_id"]
    assert named["registered_model"] == REGISTERED_MODEL
    assert named["version"] == "1"
    assert named["model_uri"] == f"models:/{REGISTERED_MODEL}/1"
    assert run.info.status == "FINISHED"
    assert run.data.tags["model_version"] == tracked_build.card["model_version"]


def test_the_run_holds_the_training_parameters(
    tracked_build: TrackedBuild, client: MlflowClient
) -> None:
    params = client.get_run(tracked_build.card["mlflow"]["run_id"]).data.params
    assert params["config.seed"] == str(TRACKED_CONFIG.seed)
    assert params["config.n_folds"] == "2"
    assert params["config.lightgbm.learning_rate"] == "0.1"
    assert params["config.costs.false_negative"] == "10.0"
    assert params["training.folds"] == "2"
    assert params["data.source"] == "synthetic"


def test_the_run_holds_the_card_metrics_with_their_intervals_and_each_fold(
    tracked_build: TrackedBuild, client: MlflowClient
) -> None:
    card, run_id = tracked_build.card, tracked_build.card["mlflow"]["run_id"]
    metrics = client.get_run(run_id).data.metrics
    for name in ("roc_auc", "pr_auc", "ks", "brier", "business_cost", "refusal_rate"):
        assert metrics[name] == pytest.approx(card["metrics"][name]), name
    assert metrics["threshold"] == pytest.approx(card["threshold"])
    performance = card["performance"]
    assert metrics["roc_auc_ci_low"] == pytest.approx(performance["roc_auc"]["low"])
    assert metrics["business_cost_ci_high"] == pytest.approx(performance["business_cost"]["high"])
    folds = client.get_metric_history(run_id, "fold_roc_auc")
    assert [m.step for m in folds] == [1, 2]
    assert [m.value for m in folds] == pytest.approx(performance["fold_roc_auc"])


def test_the_run_holds_the_report_and_the_model_card(
    tracked_build: TrackedBuild, client: MlflowClient, tmp_path: Path
) -> None:
    run_id = tracked_build.card["mlflow"]["run_id"]
    top = {item.path for item in client.list_artifacts(run_id)}
    assert {"report", "model_card.json", "model_card.md"} <= top
    report = {Path(item.path).name for item in client.list_artifacts(run_id, "report")}
    assert {"report.md", "report.json", "roc.png"} <= report
    logged = client.download_artifacts(run_id, "model_card.json", str(tmp_path))
    assert json.loads(Path(logged).read_text()) == tracked_build.card


def test_the_registered_version_is_the_logged_model_holding_the_onnx_model(
    tracked_build: TrackedBuild, client: MlflowClient
) -> None:
    named = tracked_build.card["mlflow"]
    version = client.get_model_version(REGISTERED_MODEL, named["version"])
    model = client.get_logged_model(named["logged_model_id"])
    assert version.run_id == named["run_id"]
    assert version.model_id == model.model_id
    assert str(model.status) == "READY"
    assert model.source_run_id == named["run_id"]
    source = client.get_model_version_download_uri(REGISTERED_MODEL, named["version"])
    assert source == model.artifact_location
    files = Path(source.removeprefix("file://"))
    assert sha256_of(files / "model.onnx") == tracked_build.card["onnx_sha256"]
    assert sha256_of(files / "model_encoded.onnx") == tracked_build.card["encoded_onnx_sha256"]
    assert json.loads((files / "model_card.json").read_text()) == tracked_build.card
    assert (files / "report" / "report.md").is_file()


def test_tracking_the_same_store_again_registers_the_next_version(
    tracked_build: TrackedBuild, untracked_copy: tuple[ArtifactPaths, dict], client: MlflowClient
) -> None:
    paths, card = untracked_copy
    named = track_build(str(tracked_build.store), paths, TRACKED_CONFIG, card)
    assert named["mlflow"]["version"] == "2"
    assert named["mlflow"]["run_id"] != tracked_build.card["mlflow"]["run_id"]
    assert json.loads(paths.model_card.read_text())["mlflow"] == named["mlflow"]
    assert client.get_model_version(REGISTERED_MODEL, "2").run_id == named["mlflow"]["run_id"]


def test_a_failed_upload_leaves_a_failed_run_no_new_version_and_a_card_without_a_run(
    tracked_build: TrackedBuild,
    untracked_copy: tuple[ArtifactPaths, dict],
    client: MlflowClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    paths, card = untracked_copy
    before = client.search_model_versions(f"name='{REGISTERED_MODEL}'")

    def full_disk(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(MlflowClient, "log_model_artifacts", full_disk)
    with pytest.raises(OSError, match="No space left"):
        track_build(str(tracked_build.store), paths, TRACKED_CONFIG, card)
    after = client.search_model_versions(f"name='{REGISTERED_MODEL}'")
    assert {v.version for v in after} == {v.version for v in before}
    newest = client.search_runs(
        [tracked_build.card["mlflow"]["experiment_id"]], order_by=["attributes.start_time DESC"]
    )[0]
    assert newest.info.status == "FAILED"
    assert json.loads(paths.model_card.read_text())["mlflow"] is None


def test_a_store_mlflow_cannot_open_is_one_error_line_naming_it(
    untracked_copy: tuple[ArtifactPaths, dict],
) -> None:
    paths, card = untracked_copy
    with pytest.raises(ModelBuildError, match=r"^MLflow \(nosuchscheme://store\): "):
        track_build("nosuchscheme://store", paths, TRACKED_CONFIG, card)
    assert json.loads(paths.model_card.read_text())["mlflow"] is None


def test_without_a_uri_the_store_is_mlruns_beside_the_artifacts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    uri = tracking_uri_for("", tmp_path / "artifacts")
    assert uri == (tmp_path / "mlruns").resolve().as_uri()


def test_without_a_uri_mlflows_own_variable_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://tracking.internal:5000")
    assert tracking_uri_for("", Path("artifacts")) == "http://tracking.internal:5000"


def test_a_directory_is_a_file_store_and_a_uri_is_kept(tmp_path: Path) -> None:
    assert tracking_uri_for(str(tmp_path / "runs"), Path("a")) == (tmp_path / "runs").as_uri()
    assert tracking_uri_for("sqlite:///mlflow.db", Path("a")) == "sqlite:///mlflow.db"


def test_mlflow_refuses_the_file_store_without_the_opt_in_that_tracking_sets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Why model_build.tracking sets MLFLOW_ALLOW_FILE_STORE: without it MLflow 3 refuses.
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "false")
    with pytest.raises(MlflowException, match="MLFLOW_ALLOW_FILE_STORE"):
        MlflowClient(tracking_uri=(tmp_path / "store").as_uri()).search_experiments()


_TELEMETRY_PROBE = """
import sys
from model_build.mlflow_env import prepare_mlflow
if sys.argv[1] == "prepared":
    prepare_mlflow()
import mlflow.telemetry
print(mlflow.telemetry.get_telemetry_client() is None)
"""


def _telemetry_off(mode: str) -> bool:
    # MLflow also turns telemetry off under pytest and CI: the probe runs without their marks.
    marks = {"PYTEST_CURRENT_TEST", "CI", "MLFLOW_DISABLE_TELEMETRY", "DO_NOT_TRACK"}
    env = {key: value for key, value in os.environ.items() if key not in marks}
    done = subprocess.run(
        [sys.executable, "-c", _TELEMETRY_PROBE, mode],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1] == "True"


def test_mlflow_sends_no_usage_telemetry_once_prepared() -> None:
    assert _telemetry_off("prepared")


def test_mlflow_would_send_telemetry_unprepared_so_the_check_means_something() -> None:
    assert not _telemetry_off("bare")
