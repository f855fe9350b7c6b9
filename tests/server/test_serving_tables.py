"""Serving tables: written at export, memory-mapped at start, the same answers as deriving them."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from creditscore.v1 import credit_score_pb2 as pb
from server.artifacts import ArtifactsError, ServingArtifacts, load_artifacts
from server.client_tables import CLIENT_TABLES
from server.insight import InsightService
from server.insight.population import ReferencePopulation, population_tables
from server.insight.store import ClientStore
from server.scorer import ScoreQuery, Scorer
from tests.server.payloads import valid_application

REPO_ROOT = Path(__file__).resolve().parents[2]
CHECKED_CLIENTS = 40


@pytest.fixture(scope="module")
def derived(artifacts_dir: Path) -> ServingArtifacts:
    """The same artifacts with every table derived from the Parquet files, as without tables."""
    return load_artifacts(artifacts_dir, map_serving_tables=False)


@pytest.fixture
def folder_copy(artifacts_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "artifacts"
    shutil.copytree(artifacts_dir, copy)
    return copy


def _clients(artifacts: ServingArtifacts) -> list[int]:
    ids = artifacts.features.client_ids
    return [int(c) for c in ids[np.linspace(0, len(ids) - 1, CHECKED_CLIENTS).astype(int)]]


def test_tables_written_at_export_are_mapped_at_start_not_derived(
    serving_artifacts: ServingArtifacts, caplog: pytest.LogCaptureFixture
) -> None:
    assert serving_artifacts.paths.serving_tables.is_dir()
    assert serving_artifacts.tables.mapped
    assert all(isinstance(serving_artifacts.tables[n], np.memmap) for n in CLIENT_TABLES)
    with caplog.at_level(logging.INFO):
        load_artifacts(serving_artifacts.paths.root)
    assert "no serving tables" not in caplog.text
    store = ClientStore(serving_artifacts.tables, serving_artifacts.catalog)
    assert ReferencePopulation(store, serving_artifacts.tables.arrays).mapped


def test_mapped_tables_equal_the_tables_derived_from_the_client_book(
    serving_artifacts: ServingArtifacts, derived: ServingArtifacts
) -> None:
    assert not derived.tables.mapped
    for name in CLIENT_TABLES:
        np.testing.assert_array_equal(serving_artifacts.tables[name], derived.tables[name])
    for key in ("spellings", "history_columns"):
        assert serving_artifacts.tables.meta[key] == derived.tables.meta[key]
    sorted_here = population_tables(
        ReferencePopulation(ClientStore(derived.tables, derived.catalog))
    )
    for name, table in sorted_here.items():
        np.testing.assert_array_equal(serving_artifacts.tables[name], table)


def test_stored_clients_score_the_same_with_and_without_tables(
    serving_artifacts: ServingArtifacts, derived: ServingArtifacts
) -> None:
    mapped, rebuilt = Scorer(serving_artifacts), Scorer(derived)
    for client_id in _clients(serving_artifacts):
        query = ScoreQuery(client_id, None)
        assert mapped.score(query, None) == rebuilt.score(query, None)
        for key, value in mapped.model_inputs(query, None).items():
            np.testing.assert_array_equal(value, rebuilt.model_inputs(query, None)[key])


def test_explanations_and_peers_are_identical_with_and_without_tables(
    serving_artifacts: ServingArtifacts, derived: ServingArtifacts
) -> None:
    mapped, rebuilt = InsightService(serving_artifacts), InsightService(derived)
    for client_id in _clients(serving_artifacts):
        for language in ("en", "fr"):
            request = pb.ExplainRequest(client_id=client_id, language_code=language)
            assert mapped.explain(request) == rebuilt.explain(request)
        peers = pb.ComparePeersRequest(client_id=client_id)
        assert mapped.compare_peers(peers) == rebuilt.compare_peers(peers)
        client = pb.GetClientRequest(client_id=client_id)
        assert mapped.get_client(client) == rebuilt.get_client(client)
    payload = pb.ExplainRequest(application=valid_application())
    assert mapped.explain(payload) == rebuilt.explain(payload)


def test_an_artifacts_folder_without_tables_still_serves_and_says_how_to_add_them(
    folder_copy: Path, serving_artifacts: ServingArtifacts, caplog: pytest.LogCaptureFixture
) -> None:
    shutil.rmtree(folder_copy / "serving_tables")
    with caplog.at_level(logging.WARNING, logger="server.artifacts"):
        old = load_artifacts(folder_copy)
    assert not old.tables.mapped
    [line] = [r.getMessage() for r in caplog.records if "no serving tables" in r.getMessage()]
    assert f"python -m model_build prepare-serving --artifacts {folder_copy}" in line
    client_id = _clients(serving_artifacts)[1]
    request = pb.ExplainRequest(client_id=client_id)
    assert InsightService(old).explain(request) == InsightService(serving_artifacts).explain(
        request
    )


def test_a_truncated_table_is_refused_with_one_line_naming_the_file(folder_copy: Path) -> None:
    table = folder_copy / "serving_tables" / "numeric.npy"
    table.write_bytes(table.read_bytes()[:-64])
    with pytest.raises(ArtifactsError) as caught:
        load_artifacts(folder_copy)
    message = str(caught.value)
    assert str(table) in message and "truncated" in message and "prepare-serving" in message
    assert "\n" not in message


def test_a_missing_table_is_refused_naming_the_file(folder_copy: Path) -> None:
    (folder_copy / "serving_tables" / "history.npy").unlink()
    with pytest.raises(ArtifactsError, match=r"history\.npy: missing"):
        load_artifacts(folder_copy)


def test_an_edited_manifest_no_longer_matches_the_model_card(folder_copy: Path) -> None:
    manifest = folder_copy / "serving_tables" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"bytes"', '"bytes" '), encoding="utf-8")
    with pytest.raises(ArtifactsError, match=r"manifest\.json: its SHA-256 differs"):
        load_artifacts(folder_copy)


def test_a_damaged_table_stops_python_m_server_with_one_line_and_no_traceback(
    folder_copy: Path,
) -> None:
    table = folder_copy / "serving_tables" / "catalog_codes.npy"
    table.write_bytes(b"not a table")
    done = subprocess.run(
        [sys.executable, "-m", "server", "--artifacts", str(folder_copy), "--no-auth"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "catalog_codes.npy" in errors[0]
    assert "Traceback" not in done.stderr


def test_tables_of_another_client_book_are_refused_not_served_stale(folder_copy: Path) -> None:
    book = folder_copy / "client_book.parquet"
    book.write_bytes(book.read_bytes() + b"\0")
    with pytest.raises(ArtifactsError, match=r"made from other artifacts \(client_book_bytes"):
        load_artifacts(folder_copy)
