"""The served model's source: an artifacts directory, or a registered version in MLflow."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient

from model_build.artifacts import ArtifactPaths
from model_build.tracking import REGISTERED_MODEL, track_build
from server.artifacts import load_artifacts
from server.model_source import ModelSourceError, resolve_artifacts
from tests.server.conftest import FAST, REPO_ROOT


@pytest.fixture(scope="module")
def registry(artifacts_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A file store where a copy of the session's artifacts is registered as version 1; the
    card's ``mlflow`` section."""
    root = tmp_path_factory.mktemp("registry")
    copy = ArtifactPaths(root / "artifacts")
    shutil.copytree(artifacts_dir, copy.root)
    card = json.loads(copy.model_card.read_text(encoding="utf-8"))
    tracked: dict[str, str] = track_build(str(root / "store"), copy, FAST, card)["mlflow"]
    return tracked


def test_a_directory_is_served_as_it_is(artifacts_dir: Path) -> None:
    assert resolve_artifacts(artifacts_dir) == artifacts_dir
    assert resolve_artifacts(str(artifacts_dir)) == artifacts_dir


def test_a_registered_version_resolves_to_a_folder_the_server_loads(
    registry: dict[str, str], artifacts_dir: Path
) -> None:
    folder = resolve_artifacts(registry["model_uri"], tracking_uri=registry["tracking_uri"])
    loaded = load_artifacts(folder)
    assert loaded.model_version == load_artifacts(artifacts_dir).model_version
    assert loaded.card["mlflow"]["run_id"] == registry["run_id"]
    # A file store's files are used where they are, not copied.
    store = Path(registry["tracking_uri"].removeprefix("file://"))
    assert folder.is_relative_to(store)


def test_an_alias_resolves_to_the_version_it_names(
    registry: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = registry["tracking_uri"]
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    MlflowClient(tracking_uri=uri, registry_uri=uri).set_registered_model_alias(
        REGISTERED_MODEL, "champion", registry["version"]
    )
    by_alias = resolve_artifacts(f"models:/{REGISTERED_MODEL}@champion", tracking_uri=uri)
    assert by_alias == resolve_artifacts(registry["model_uri"], tracking_uri=uri)


def test_the_tracking_uri_can_come_from_mlflows_variable(
    registry: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", registry["tracking_uri"])
    assert (resolve_artifacts(registry["model_uri"]) / "model_card.json").is_file()


@pytest.mark.parametrize(
    "spec",
    ["models:/creditscore", "models:/creditscore/latest", "models:/creditscore/0", "models:/"],
)
def test_a_malformed_registry_spec_is_refused_naming_it_and_the_expected_forms(spec: str) -> None:
    with pytest.raises(ModelSourceError) as raised:
        resolve_artifacts(spec)
    message = str(raised.value)
    assert message.startswith(f"{spec}: ")
    assert "models:/NAME/VERSION or models:/NAME@ALIAS" in message


@pytest.mark.parametrize(
    ("spec", "missing"),
    [
        (f"models:/{REGISTERED_MODEL}/99", "not found"),
        ("models:/no-such-model/1", "not found"),
        (f"models:/{REGISTERED_MODEL}@no-such-alias", "no-such-alias"),
    ],
)
def test_a_version_the_registry_does_not_hold_is_refused_naming_it(
    registry: dict[str, str], spec: str, missing: str
) -> None:
    with pytest.raises(ModelSourceError) as raised:
        resolve_artifacts(spec, tracking_uri=registry["tracking_uri"])
    message = str(raised.value)
    assert message.startswith(f"{spec}: ")
    assert missing in message
    assert registry["tracking_uri"] in message
    assert "\n" not in message


def test_a_directory_source_imports_neither_mlflow_nor_the_model_loader() -> None:
    # Settings parsing resolves the source: it stays light for a plain directory.
    probe = (
        "import sys; from server.model_source import resolve_artifacts; "
        "resolve_artifacts('artifacts'); "
        "heavy = ('mlflow', 'server.artifacts', 'onnxruntime'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_the_server_serves_a_registered_version(
    registry: dict[str, str], artifacts_dir: Path, tmp_path: Path
) -> None:
    """``python -m server --artifacts models:/creditscore/1``: the registered model answers."""
    import grpc

    from creditscore.v1 import credit_score_pb2 as pb
    from creditscore.v1 import credit_score_pb2_grpc

    log = tmp_path / "server.log"
    command = [sys.executable, "-m", "server", "--artifacts", registry["model_uri"]]
    command += ["--mlflow-tracking-uri", registry["tracking_uri"], "--no-auth", "--port", "0"]
    command += ["--processes", "1", "--record-db", str(tmp_path / "records.sqlite")]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=sink)
    try:
        port = _serving_port(process, log)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = credit_score_pb2_grpc.CreditScoreServiceStub(channel)
            info = stub.GetModelInfo(pb.GetModelInfoRequest(), timeout=20)
        assert info.model_version == load_artifacts(artifacts_dir).model_version
    finally:
        process.terminate()
        process.wait(60)


def test_an_unknown_registered_version_stops_the_server_with_one_line(
    registry: dict[str, str],
) -> None:
    command = [sys.executable, "-m", "server", "--artifacts", "models:/creditscore/99"]
    command += ["--no-auth", "--mlflow-tracking-uri", registry["tracking_uri"]]
    done = subprocess.run(
        command,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "models:/creditscore/99" in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0


def _serving_port(process: subprocess.Popen[bytes], log: Path) -> int:
    import re
    import time

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = re.search(r"serving model \S+ on 127\.0\.0\.1:(\d+)", log.read_text())
        if found:
            return int(found.group(1))
        assert process.poll() is None, log.read_text()
        time.sleep(0.1)
    raise AssertionError(f"not serving: {log.read_text()}")
