"""Gaussian copula with empirical marginals: the stored model and its vectorised sampling."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

logger = logging.getLogger(__name__)

__all__ = [
    "MISSING",
    "SMALL_MISSING",
    "ByMarginal",
    "Marginal",
    "Segment",
    "Shifts",
    "choose_segments",
    "nearest_correlation",
]

# Suffix of copula dimensions that are missing-value indicators of a column group.
MISSING = "?missing"
# Columns missing in fewer rows than this are blanked independently instead of via the copula.
SMALL_MISSING = 0.005

Shifts = dict[str, tuple[float, np.ndarray]]


@dataclass(frozen=True)
class Marginal:
    """One column's distribution: discrete atoms, interpolated quantiles, or categories.

    Categories are kept in copula order (the order of the latent normal); None stands for a
    missing category, which is a level of its own for nominal columns.
    """

    kind: str  # "discrete" | "quantile" | "category"
    values: tuple[Any, ...]
    probs: tuple[float, ...] = ()
    decimals: int = 6

    def inverse(self, u: np.ndarray) -> np.ndarray:
        """Map uniforms to values (category kind: indices into `values`)."""
        if self.kind == "quantile":
            q = np.asarray(self.values, dtype=np.float64)
            pos = u * (len(q) - 1)
            return np.round(np.interp(pos, np.arange(len(q)), q), self.decimals)
        cum = np.cumsum(self.probs)
        idx = np.minimum(np.searchsorted(cum / cum[-1], u, side="right"), len(cum) - 1)
        if self.kind == "category":
            return idx.astype(np.int16)
        return np.asarray(self.values, dtype=np.float64)[idx]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "values": list(self.values)}
        if self.probs:
            out["probs"] = [round(p, 6) for p in self.probs]
        if self.kind == "quantile":
            out["decimals"] = self.decimals
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Marginal:
        return cls(d["kind"], tuple(d["values"]), tuple(d.get("probs", ())), d.get("decimals", 6))


@dataclass(frozen=True)
class ByMarginal:
    """A numeric marginal that depends on the level of an earlier categorical column."""

    by: str
    cases: dict[str, Marginal]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "by",
            "by": self.by,
            "cases": {k: m.to_json() for k, m in self.cases.items()},
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ByMarginal:
        return cls(d["by"], {k: Marginal.from_json(m) for k, m in d["cases"].items()})


def marginal_from_json(d: dict[str, Any]) -> Marginal | ByMarginal:
    return ByMarginal.from_json(d) if d["kind"] == "by" else Marginal.from_json(d)


@dataclass
class Segment:
    """A copula over one homogeneous group of rows (e.g. pensioners, closed bureau credits)."""

    name: str
    weight: float
    columns: list[str]
    marginals: dict[str, Marginal | ByMarginal]
    corr: np.ndarray
    # child column -> (parent column, latent correlation): near-copies such as *_MODE of *_AVG.
    links: dict[str, tuple[str, float]] = field(default_factory=dict)
    # indicator dimension -> columns it blanks when it samples 1.
    missing_groups: dict[str, list[str]] = field(default_factory=dict)
    # column -> rate of independent blanking (rare NaNs).
    small_missing: dict[str, float] = field(default_factory=dict)
    _chol: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        iu = np.triu_indices(len(self.columns), k=1)
        return {
            "name": self.name,
            "weight": round(self.weight, 6),
            "columns": self.columns,
            "marginals": {k: m.to_json() for k, m in self.marginals.items()},
            "corr_upper": [round(float(x), 3) for x in self.corr[iu]],
            "links": {k: [p, round(r, 4)] for k, (p, r) in self.links.items()},
            "missing_groups": self.missing_groups,
            "small_missing": {k: round(v, 6) for k, v in self.small_missing.items()},
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Segment:
        p = len(d["columns"])
        corr = np.eye(p)
        iu = np.triu_indices(p, k=1)
        corr[iu] = d["corr_upper"]
        corr.T[iu] = d["corr_upper"]
        return cls(
            name=d["name"],
            weight=d["weight"],
            columns=list(d["columns"]),
            marginals={k: marginal_from_json(m) for k, m in d["marginals"].items()},
            corr=nearest_correlation(corr),
            links={k: (v[0], float(v[1])) for k, v in d["links"].items()},
            missing_groups={k: list(v) for k, v in d["missing_groups"].items()},
            small_missing=dict(d["small_missing"]),
        )

    def categories(self, column: str) -> tuple[Any, ...]:
        m = self.marginals[column]
        assert isinstance(m, Marginal) and m.kind == "category"
        return m.values

    def latent(self, n: int, rng: np.random.Generator, shifts: Shifts | None = None) -> np.ndarray:
        """Correlated standard normals, one column per copula dimension.

        `shifts` maps a column to (beta, driver): the dimension becomes
        sqrt(1 - beta^2) z + beta driver, still standard normal when the driver is, so the
        marginals are kept while the column follows an outside risk factor.
        """
        if self._chol is None:
            self._chol = np.linalg.cholesky(self.corr)
        z = rng.standard_normal((n, len(self.columns))) @ self._chol.T
        for col, (beta, driver) in (shifts or {}).items():
            if col in self.columns:
                j = self.columns.index(col)
                z[:, j] = math.sqrt(1.0 - beta * beta) * z[:, j] + beta * driver
        return z

    def sample(
        self, n: int, rng: np.random.Generator, shifts: Shifts | None = None
    ) -> dict[str, np.ndarray]:
        """Sample n rows: numeric columns as float64 (NaN = missing), categories as int16
        indices into `categories(col)` (-1 = missing)."""
        z = self.latent(n, rng, shifts)
        u = special.ndtr(z)
        out: dict[str, np.ndarray] = {}
        for j, col in enumerate(self.columns):
            out[col] = _inverse(self.marginals[col], u[:, j], out, self)
        for child, (parent, r) in self.links.items():
            zc = r * z[:, self.columns.index(parent)] + math.sqrt(1 - r * r) * rng.standard_normal(
                n
            )
            out[child] = _inverse(self.marginals[child], special.ndtr(zc), out, self)
        for ind, cols in self.missing_groups.items():
            blank = out.pop(ind) > 0.5
            for col in cols:
                _blank(out, col, blank)
        for col, rate in self.small_missing.items():
            _blank(out, col, rng.random(n) < rate)
        return out


def _inverse(
    m: Marginal | ByMarginal, u: np.ndarray, done: dict[str, np.ndarray], seg: Segment
) -> np.ndarray:
    if isinstance(m, Marginal):
        return m.inverse(u)
    levels = seg.categories(m.by)
    codes = done[m.by]
    out = np.full(len(u), np.nan)
    for level, case in m.cases.items():
        mask = codes == levels.index(level)
        out[mask] = case.inverse(u[mask])
    # Levels without their own case (rare) borrow the first case.
    rest = np.isnan(out)
    first = next(iter(m.cases.values()))
    out[rest] = first.inverse(u[rest])
    return out


def _blank(out: dict[str, np.ndarray], col: str, mask: np.ndarray) -> None:
    if col not in out:
        return
    arr = out[col]
    if arr.dtype == np.int16:
        arr[mask] = -1
    else:
        arr[mask] = np.nan


def nearest_correlation(c: np.ndarray, floor: float = 1e-3) -> np.ndarray:
    """Symmetric positive-definite correlation matrix close to `c` (eigenvalue clipping)."""
    c = (c + c.T) / 2
    vals, vecs = np.linalg.eigh(c)
    c = (vecs * np.maximum(vals, floor)) @ vecs.T
    d = np.sqrt(np.diag(c))
    c = c / d[:, None] / d[None, :]
    np.fill_diagonal(c, 1.0)
    return c


def choose_segments(
    weights: np.ndarray,
    rng: np.random.Generator,
    n: int,
    tilt: np.ndarray | None = None,
    driver: np.ndarray | None = None,
) -> np.ndarray:
    """Segment index per row; `tilt[s] * driver` shifts a row's log-odds of segment s.

    The factor exp(tilt h - tilt^2 / 2) has mean one for standard normal h, so segment
    shares stay close to `weights` while risky rows lean towards the tilted segments.
    """
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    if tilt is None or driver is None:
        return rng.choice(len(w), size=n, p=w)
    t = np.asarray(tilt, dtype=np.float64)
    probs = w[None, :] * np.exp(driver[:, None] * t[None, :] - t[None, :] ** 2 / 2)
    cum = np.cumsum(probs, axis=1)
    u = rng.random(n) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), len(w) - 1)
