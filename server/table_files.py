"""A folder of named numpy tables (.npy) and their manifest: written once, memory-mapped by every
server process, so the pages are the page cache's and shared, never copied per process."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model_build.artifacts import sha256_of

__all__ = [
    "MANIFEST",
    "MappedTables",
    "TablesError",
    "open_tables",
    "write_tables",
]

MANIFEST = "manifest.json"
# Bumped when the layout changes: a folder of another version is derived again, not misread.
LAYOUT_VERSION = 1


class TablesError(RuntimeError):
    """A table folder cannot be used; the message is one line and names the file."""


@dataclass(frozen=True, slots=True)
class MappedTables:
    """The tables of a folder, read-only, and the manifest's ``meta`` (what they were made from)."""

    directory: Path
    arrays: Mapping[str, np.ndarray]
    meta: Mapping[str, Any]


def write_tables(directory: Path, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> str:
    """Write ``arrays`` as ``<name>.npy`` with a manifest (each file's size and SHA-256, and
    ``meta``); replaces the folder whole. Returns the manifest's SHA-256."""
    # Written beside the folder, then renamed: a reader never sees half a set.
    staging = directory.with_name(directory.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    files: dict[str, dict[str, Any]] = {}
    for name, array in arrays.items():
        path = staging / f"{name}.npy"
        if array.dtype == object:
            raise TypeError(f"table {name}: object arrays cannot be memory-mapped")
        # Fortran order is kept: column tables stay column-contiguous once mapped.
        np.save(path, array, allow_pickle=False)
        files[path.name] = {"bytes": path.stat().st_size, "sha256": sha256_of(path)}
    manifest = {"layout_version": LAYOUT_VERSION, "files": files, "meta": dict(meta)}
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    shutil.rmtree(directory, ignore_errors=True)
    os.replace(staging, directory)
    return sha256_of(directory / MANIFEST)


def open_tables(directory: Path, repair: str) -> MappedTables:
    """Map every table of a folder written by ``write_tables``.

    Each file's size is checked against the manifest (a truncated or replaced file is caught
    without reading it: hashing a gigabyte of tables would cost a second of every start; the
    model card's hash of the manifest covers the manifest itself). ``repair``: what rewrites
    the folder, quoted in errors.
    """
    manifest_path = directory / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files: dict[str, dict[str, Any]] = manifest["files"]
        meta: dict[str, Any] = manifest["meta"]
        version = manifest["layout_version"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise TablesError(f"{manifest_path}: unreadable ({error}); {repair}") from None
    if version != LAYOUT_VERSION:
        raise TablesError(
            f"{manifest_path}: layout version {version}, this server reads {LAYOUT_VERSION}; "
            f"{repair}"
        )
    arrays: dict[str, np.ndarray] = {}
    for file_name, entry in files.items():
        path = directory / file_name
        try:
            size = path.stat().st_size
        except OSError:
            raise TablesError(f"{path}: missing; {repair}") from None
        if size != entry["bytes"]:
            raise TablesError(
                f"{path}: {size} bytes, its manifest says {entry['bytes']} (truncated or "
                f"replaced); {repair}"
            )
        try:
            arrays[path.stem] = np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as error:
            raise TablesError(f"{path}: not a readable table ({error}); {repair}") from None
    return MappedTables(directory, arrays, meta)
