"""Session-wide fixtures: where the shared real Home Credit samples live."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data" / "home_credit"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The directory of real Kaggle sample rows (never copied into the repository)."""
    if not (SHARED_DATA / "application_train_sample.csv").is_file():
        pytest.skip(f"real Home Credit samples not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def real_kaggle_dir(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real samples under their Kaggle file names, as symbolic links (no copy)."""
    directory = tmp_path_factory.mktemp("real_kaggle")
    for sample in shared_data.glob("*_sample.csv"):
        (directory / sample.name.replace("_sample", "")).symlink_to(sample)
    return directory
