"""The stored calibration (calibration.json): its sections as typed records and their loading."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from model_build.synth.copula import Marginal, Segment, Shifts, choose_segments
from model_build.synth.risk import TreeEnsemble

logger = logging.getLogger(__name__)

__all__ = [
    "CALIBRATION_PATH",
    "ApplicationModel",
    "Calibration",
    "RareCategory",
    "RiskModel",
    "SegmentedTable",
    "load_calibration",
    "save_calibration",
]

CALIBRATION_PATH = Path(__file__).with_name("calibration.json")


@dataclass(frozen=True)
class RareCategory:
    """A category too rare to appear in the real sample, injected at its full-data rate."""

    column: str
    value: str
    rate: float
    replaces: str  # only rows holding this value are converted
    train_only: bool


@dataclass
class SegmentedTable:
    """A table's rows as a mixture of copula segments, plus its category vocabularies."""

    vocab: dict[str, list[str]]
    segments: list[Segment]
    _luts: list[dict[str, np.ndarray]] | None = field(default=None, repr=False, compare=False)

    @property
    def weights(self) -> np.ndarray:
        return np.array([s.weight for s in self.segments])

    def luts(self) -> list[dict[str, np.ndarray]]:
        """Per segment, per categorical column: segment level index -> vocabulary code
        (with a trailing -1 so that a missing level index of -1 maps to missing)."""
        if self._luts is None:
            self._luts = []
            for seg in self.segments:
                lut: dict[str, np.ndarray] = {}
                for col in self.vocab:
                    m = seg.marginals.get(col)
                    if isinstance(m, Marginal) and m.kind == "category":
                        codes = [-1 if v is None else self.vocab[col].index(v) for v in m.values]
                        lut[col] = np.array([*codes, -1], dtype=np.int16)
                self._luts.append(lut)
        return self._luts

    def sample(
        self,
        n: int,
        rng: np.random.Generator,
        *,
        segment: np.ndarray | None = None,
        shifts: Shifts | None = None,
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Rows from the segment mixture: numeric columns float64 (NaN = missing), categorical
        columns int16 vocabulary codes (-1 = missing). Returns the columns and segment index.
        `shifts` drivers are per row of the whole sample."""
        if segment is None:
            segment = choose_segments(self.weights, rng, n)
        luts = self.luts()
        names = {c for s in self.segments for c in s.marginals}
        names |= {c for s in self.segments for g in s.missing_groups.values() for c in g}
        names -= {c for s in self.segments for c in s.missing_groups}
        out: dict[str, np.ndarray] = {
            c: np.full(n, -1, np.int16) if c in self.vocab else np.full(n, np.nan) for c in names
        }
        for k, seg in enumerate(self.segments):
            rows = np.flatnonzero(segment == k)
            if len(rows) == 0:
                continue
            seg_shifts = {c: (b, d[rows]) for c, (b, d) in (shifts or {}).items()}
            for col, values in seg.sample(len(rows), rng, seg_shifts).items():
                out[col][rows] = luts[k][col][values] if col in luts[k] else values
        return out, segment

    def to_json(self) -> dict[str, Any]:
        return {"vocab": self.vocab, "segments": [s.to_json() for s in self.segments]}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SegmentedTable:
        return cls(d["vocab"], [Segment.from_json(s) for s in d["segments"]])


@dataclass
class ApplicationModel:
    """Application rows: segments (employed / not employed), building block and rare values."""

    table: SegmentedTable
    # Building-information groups (columns missing together), least often missing first.
    building_groups: list[list[str]]
    # presence[k][j]: share of real rows with k groups present that have group j.
    building_presence: list[list[float]]
    rare: list[RareCategory]
    test_share: float

    def to_json(self) -> dict[str, Any]:
        return {
            "table": self.table.to_json(),
            "building_groups": self.building_groups,
            "building_presence": self.building_presence,
            "rare": [r.__dict__ for r in self.rare],
            "test_share": self.test_share,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ApplicationModel:
        return cls(
            SegmentedTable.from_json(d["table"]),
            [list(g) for g in d["building_groups"]],
            [list(r) for r in d["building_presence"]],
            [RareCategory(**r) for r in d["rare"]],
            float(d["test_share"]),
        )


@dataclass
class RiskModel:
    """TARGET log-odds = scale * (trees(x) + intercept) + history_weight * history latent.

    `scale` undoes the attenuation that averaging over the history latent causes, so the
    application-only relationship P(TARGET | x) keeps the strength fitted on real rows.
    """

    trees: TreeEnsemble
    intercept: float
    scale: float
    history_weight: float
    target_rate: float
    # Mean and sd of trees(x) on synthetic rows, to standardise the application risk.
    score_mean: float = 0.0
    score_sd: float = 1.0

    def to_json(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "trees"}
        return {"trees": self.trees.to_json(), **d}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> RiskModel:
        rest = {k: float(v) for k, v in d.items() if k != "trees"}
        return cls(trees=TreeEnsemble.from_json(d["trees"]), **rest)


@dataclass
class Calibration:
    """Everything the generator needs; read from calibration.json at run time."""

    application: ApplicationModel
    risk: RiskModel
    bureau: dict[str, Any] = field(default_factory=dict)
    previous: dict[str, Any] = field(default_factory=dict)
    monthly: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "meta": self.meta,
            "application": self.application.to_json(),
            "risk": self.risk.to_json(),
            "bureau": self.bureau,
            "previous": self.previous,
            "monthly": self.monthly,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Calibration:
        return cls(
            application=ApplicationModel.from_json(d["application"]),
            risk=RiskModel.from_json(d["risk"]),
            bureau=d.get("bureau", {}),
            previous=d.get("previous", {}),
            monthly=d.get("monthly", {}),
            meta=d.get("meta", {}),
        )


def load_calibration(path: Path | None = None) -> Calibration:
    """Read the calibration shipped with the package (or the file at `path`)."""
    with open(path or CALIBRATION_PATH, encoding="utf-8") as fh:
        return Calibration.from_json(json.load(fh))


def save_calibration(cal: Calibration, path: Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(cal.to_json(), fh, separators=(",", ":"))
        fh.write("\n")
