"""Training configuration: frozen dataclasses with defaults, read from an optional TOML file."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model_build.errors import ModelBuildError

__all__ = [
    "Costs",
    "DistributedConfig",
    "ExportConfig",
    "LightGBMConfig",
    "ReportConfig",
    "TrainConfig",
    "load_config",
]


@dataclass(frozen=True, kw_only=True)
class Costs:
    """Business cost of each wrong decision."""

    false_negative: float = 10.0
    false_positive: float = 1.0


@dataclass(frozen=True, kw_only=True)
class LightGBMConfig:
    """LightGBM hyper-parameters (native names) and the boosting schedule."""

    learning_rate: float = 0.03
    num_leaves: int = 15
    min_child_samples: int = 100
    feature_fraction: float = 0.3
    bagging_fraction: float = 0.8
    bagging_freq: int = 1
    lambda_l2: float = 5.0
    max_bin: int = 255
    scale_pos_weight: float | str = "auto"
    max_rounds: int = 2000
    early_stopping_rounds: int = 200
    num_threads: int = 0


@dataclass(frozen=True, kw_only=True)
class ExportConfig:
    """How the exported ONNX model is checked and how the report's importance is sampled."""

    parity_rows: int = 2000
    parity_tolerance: float = 1e-5
    shap_rows: int = 5000


@dataclass(frozen=True, kw_only=True)
class ReportConfig:
    """What the training report shows beside LightGBM's own figures: benchmark models on the
    same folds and the fairness of the decisions per group."""

    benchmark_models: bool = True
    scorecard_features: int = 20
    fairness_bootstrap: int = 200
    fairness_min_rows: int = 30
    fairness_min_defaulters: int = 5


@dataclass(frozen=True, kw_only=True)
class DistributedConfig:
    """Training on a Dask cluster (``train --dask``), where lightgbm.dask has no early stopping:
    every fit grows ``num_trees`` trees, or, with "cv", the number that early stopping chose
    in a single-machine cross-validation of ``cv_sample_rows`` rows drawn from the data."""

    num_trees: int | str = "cv"
    cv_sample_rows: int = 50_000


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """Everything ``python -m model_build train`` can be told besides its paths."""

    seed: int = 42
    n_folds: int = 5
    costs: Costs = field(default_factory=Costs)
    lightgbm: LightGBMConfig = field(default_factory=LightGBMConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    distributed: DistributedConfig = field(default_factory=DistributedConfig)

    def __post_init__(self) -> None:
        _check(self.n_folds >= 2, "n_folds must be at least 2")
        _check(self.costs.false_negative > 0, "costs.false_negative must be positive")
        _check(self.costs.false_positive > 0, "costs.false_positive must be positive")
        _check(0 < self.lightgbm.learning_rate <= 1, "lightgbm.learning_rate must be in (0, 1]")
        _check(self.lightgbm.num_leaves >= 2, "lightgbm.num_leaves must be at least 2")
        _check(self.lightgbm.max_rounds >= 1, "lightgbm.max_rounds must be at least 1")
        weight = self.lightgbm.scale_pos_weight
        _check(
            weight == "auto" or (isinstance(weight, int | float) and weight > 0),
            'lightgbm.scale_pos_weight must be "auto" or a positive number',
        )
        _check(self.export.parity_rows >= 1000, "export.parity_rows must be at least 1000")
        _check(self.export.parity_tolerance > 0, "export.parity_tolerance must be positive")
        _check(self.report.scorecard_features >= 1, "report.scorecard_features must be at least 1")
        _check(self.report.fairness_bootstrap >= 1, "report.fairness_bootstrap must be at least 1")
        _check(self.report.fairness_min_rows >= 1, "report.fairness_min_rows must be at least 1")
        _check(
            self.report.fairness_min_defaulters >= 1,
            "report.fairness_min_defaulters must be at least 1",
        )
        trees = self.distributed.num_trees
        _check(
            trees == "cv"
            or (isinstance(trees, int) and not isinstance(trees, bool) and trees >= 1),
            'distributed.num_trees must be "cv" or a whole number of at least 1',
        )
        _check(
            self.distributed.cv_sample_rows >= 1000,
            "distributed.cv_sample_rows must be at least 1000",
        )


def load_config(path: Path | None) -> TrainConfig:
    """Read a TOML config; missing keys take defaults, unknown keys or bad values are errors."""
    if path is None:
        return TrainConfig()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelBuildError(f"{path}: config file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ModelBuildError(f"{path}: not a valid TOML file ({exc})") from None
    try:
        return _build(TrainConfig, raw, prefix="")
    except ModelBuildError as exc:
        raise ModelBuildError(f"{path}: {exc}") from None


def _build(cls: type, raw: dict[str, Any], prefix: str) -> Any:
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        names = ", ".join(prefix + name for name in unknown)
        raise ModelBuildError(f"unknown config key(s): {names} (known: {', '.join(known)})")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        default = known[name].default_factory
        if dataclasses.is_dataclass(default):
            if not isinstance(value, dict):
                raise ModelBuildError(f"{prefix}{name} must be a table")
            values[name] = _build(default, value, prefix=f"{prefix}{name}.")
        else:
            values[name] = _typed(prefix + name, known[name], value)
    return cls(**values)


def _typed(name: str, spec: dataclasses.Field[Any], value: Any) -> Any:
    expected = spec.type if isinstance(spec.type, str) else getattr(spec.type, "__name__", "")
    if expected == "bool" and not isinstance(value, bool):
        raise ModelBuildError(f"{name} must be true or false, got {value!r}")
    if expected == "int" and not (isinstance(value, int) and not isinstance(value, bool)):
        raise ModelBuildError(f"{name} must be a whole number, got {value!r}")
    if expected == "float" and not (isinstance(value, int | float) and not isinstance(value, bool)):
        raise ModelBuildError(f"{name} must be a number, got {value!r}")
    return float(value) if expected == "float" else value


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ModelBuildError(f"invalid config: {message}")
