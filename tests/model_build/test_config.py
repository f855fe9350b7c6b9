"""Training config: defaults, the shipped TOML file, and clear errors for bad keys or values."""

from __future__ import annotations

from pathlib import Path

import pytest

from model_build.config import TrainConfig, load_config
from model_build.errors import ModelBuildError

SHIPPED = Path(__file__).resolve().parents[2] / "configs" / "train.toml"


def test_the_shipped_config_file_states_the_defaults():
    assert load_config(SHIPPED) == TrainConfig()


def test_no_file_means_defaults():
    config = load_config(None)
    assert config.costs.false_negative == 10.0
    assert config.costs.false_positive == 1.0


def test_partial_file_overrides_only_what_it_names(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text("n_folds = 3\n[costs]\nfalse_negative = 5\n[lightgbm]\nnum_leaves = 63\n")
    config = load_config(path)
    assert (config.n_folds, config.costs.false_negative, config.lightgbm.num_leaves) == (3, 5.0, 63)
    assert config.lightgbm.learning_rate == TrainConfig().lightgbm.learning_rate


def test_unknown_key_is_named(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text("[lightgbm]\nnum_leafs = 63\n")
    with pytest.raises(ModelBuildError, match=r"unknown config key\(s\): lightgbm.num_leafs"):
        load_config(path)


def test_wrong_type_is_named(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text('n_folds = "five"\n')
    with pytest.raises(ModelBuildError, match=r"n_folds must be a whole number"):
        load_config(path)


def test_invalid_value_is_explained(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text("[costs]\nfalse_negative = -1\n")
    with pytest.raises(ModelBuildError, match=r"costs.false_negative must be positive"):
        load_config(path)


def test_not_toml_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text("this is { not toml")
    with pytest.raises(ModelBuildError, match=r"not a valid TOML file"):
        load_config(path)
