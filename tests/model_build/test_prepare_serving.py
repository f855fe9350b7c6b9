"""`python -m model_build prepare-serving`: serving tables for a built folder, no retraining."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from model_build.artifacts import ArtifactPaths, sha256_of
from model_build.cli import main
from server.artifacts import load_artifacts
from tests.model_build.conftest import TrackedBuild


@pytest.fixture
def built_without_tables(tracked_build: TrackedBuild, tmp_path: Path) -> ArtifactPaths:
    """A copy of a build as it was before serving tables existed."""
    paths = ArtifactPaths(tmp_path / "artifacts")
    shutil.copytree(tracked_build.result.paths.root, paths.root)
    shutil.rmtree(paths.serving_tables)
    card = json.loads(paths.model_card.read_text(encoding="utf-8"))
    del card["serving_tables_sha256"]
    paths.model_card.write_text(json.dumps(card, indent=2), encoding="utf-8")
    return paths


def test_training_writes_the_serving_tables_and_their_hash_in_the_card(
    tracked_build: TrackedBuild,
) -> None:
    paths = tracked_build.result.paths
    manifest = paths.serving_tables / "manifest.json"
    assert tracked_build.card["serving_tables_sha256"] == sha256_of(manifest)
    files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    for name, entry in files.items():
        assert sha256_of(paths.serving_tables / name) == entry["sha256"]


def test_prepare_serving_adds_tables_the_server_maps(
    built_without_tables: ArtifactPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = built_without_tables
    before = load_artifacts(paths.root)
    assert not before.tables.mapped

    assert main(["prepare-serving", "--artifacts", str(paths.root)]) == 0

    assert str(paths.serving_tables.resolve()) in capsys.readouterr().out
    card = json.loads(paths.model_card.read_text(encoding="utf-8"))
    assert card["serving_tables_sha256"] == sha256_of(paths.serving_tables / "manifest.json")
    after = load_artifacts(paths.root)
    assert after.tables.mapped
    assert after.model_version == before.model_version


def test_prepare_serving_again_replaces_the_tables(
    built_without_tables: ArtifactPaths,
) -> None:
    paths = built_without_tables
    assert main(["prepare-serving", "--artifacts", str(paths.root)]) == 0
    (paths.serving_tables / "numeric.npy").write_bytes(b"damaged")
    assert main(["prepare-serving", "--artifacts", str(paths.root)]) == 0
    assert load_artifacts(paths.root).tables.mapped


def test_prepare_serving_on_a_folder_that_is_not_artifacts_fails_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["prepare-serving", "--artifacts", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "model_card.json" in err and "\n" not in err
