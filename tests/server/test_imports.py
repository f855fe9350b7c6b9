"""Starting the server loads serving code only: no training code, no plotting, no onnx package."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

# Modules that a server start-up must not import: the training job and what only it needs
# (report plots, the LightGBM fitting, the ONNX exporter and the onnx package it is built on),
# and scikit-learn, which LightGBM would import for its estimators (1.5 s of a start).
FORBIDDEN = (
    "matplotlib",
    "sklearn",
    "model_build.train_job",
    "model_build.lightgbm_training",
    "model_build.report",
    "model_build.onnx_export",
    "onnx",
    "onnx.utils",
)

# Loads the artifacts and creates the server as `python -m server` does, without serving, and
# prints which forbidden modules were imported.
_START_UP = """
import json, sys
from pathlib import Path

import server.__main__
from server.app import create_server
from server.artifacts import load_artifacts
from server.settings import Settings

artifacts = load_artifacts(Path(sys.argv[1]))
settings = Settings(artifacts_dir=artifacts.paths.root, host="127.0.0.1", port=0, no_auth=True)
server, _ = create_server(settings, artifacts=artifacts)
server.grpc_server.stop(None)
# A None entry is a module kept out on purpose (server.__main__ does so for scikit-learn).
imported = [n for n in json.loads(sys.argv[2]) if sys.modules.get(n) is not None]
print(json.dumps(sorted(imported)))
"""


def _imported_at_start_up(artifacts_dir: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _START_UP, str(artifacts_dir), json.dumps(FORBIDDEN)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return imported


def test_starting_the_server_imports_no_training_code_plotting_or_onnx(
    artifacts_dir: Path,
) -> None:
    assert _imported_at_start_up(artifacts_dir) == []


def test_the_forbidden_modules_are_importable_so_the_check_means_something() -> None:
    # A name that cannot be imported at all would pass the start-up check vacuously.
    probe = "import importlib, sys; [importlib.import_module(n) for n in sys.argv[1:]]"
    done = subprocess.run(
        [sys.executable, "-c", probe, *FORBIDDEN],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
