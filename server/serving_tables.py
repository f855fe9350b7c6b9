"""Writes an artifacts folder's serving tables: the client book, history and reference
population in the layout every server process memory-maps instead of deriving it at start."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from model_build.artifacts import ArtifactPaths
from server.artifacts import load_artifacts
from server.client_tables import sources_of
from server.insight.population import ReferencePopulation, population_tables
from server.insight.store import ClientStore
from server.table_files import write_tables

__all__ = ["write_serving_tables"]

logger = logging.getLogger(__name__)


def write_serving_tables(root: Path) -> str:
    """Derive the tables from the artifacts' Parquet files (through the very code a server
    without them runs, so both serve the same values) and write them under
    ``serving_tables/``; returns the SHA-256 of their manifest, for the model card.

    Raises server.artifacts.ArtifactsError when the artifacts cannot be served.
    """
    started = time.perf_counter()
    paths = ArtifactPaths(root)
    # Tables of an earlier run are not read (nor trusted): they are being replaced.
    shutil.rmtree(paths.serving_tables, ignore_errors=True)
    artifacts = load_artifacts(root, map_serving_tables=False)
    population = ReferencePopulation(ClientStore(artifacts.tables, artifacts.catalog))
    arrays = {**artifacts.tables.arrays, **population_tables(population)}
    meta = {**artifacts.tables.meta, "sources": sources_of(paths, artifacts.card)}
    digest = write_tables(paths.serving_tables, arrays, meta)
    logger.info(
        "wrote %d serving tables (%.0f MB) to %s in %.1fs",
        len(arrays),
        sum(a.nbytes for a in arrays.values()) / 1e6,
        paths.serving_tables,
        time.perf_counter() - started,
    )
    return digest
