"""Fitting copula segments on real rows: empirical marginals and latent correlations."""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from model_build.synth.copula import (
    MISSING,
    SMALL_MISSING,
    ByMarginal,
    Marginal,
    Segment,
    nearest_correlation,
)

logger = logging.getLogger(__name__)

__all__ = ["fit_marginal", "fit_segment", "latent_correlation"]

QUANTILE_POINTS = 101
DISCRETE_MAX_UNIQUE = 100
HERMITE_TERMS = 24


def _decimals(x: np.ndarray) -> int:
    for d in range(7):
        if np.mean(np.abs(np.round(x, d) - x) < 1e-9) > 0.99:
            return d
    return 6


def fit_marginal(
    s: pd.Series, order: list[Any] | None = None, *, observed_only: bool = False
) -> Marginal:
    """Empirical marginal of a column. Missing values are ignored, except in categorical
    columns where they are a level of their own unless `observed_only`."""
    if not pd.api.types.is_numeric_dtype(s):
        counts: dict[Any, int] = {}
        for k, c in s.dropna().astype(str).value_counts().items():
            counts[k] = int(c)
        n_missing = int(s.isna().sum())
        if n_missing and not observed_only:
            counts[None] = n_missing
        levels = [k for k in (order or []) if k in counts]
        levels += sorted((k for k in counts if k not in levels), key=lambda k: -counts[k])
        total = sum(counts.values())
        return Marginal("category", tuple(levels), tuple(counts[k] / total for k in levels))
    x = s.dropna().to_numpy(dtype=np.float64)
    if len(x) == 0:
        # Never observed in this segment: a placeholder the segment always blanks.
        return Marginal("discrete", (0,), (1.0,))
    dec = _decimals(x)
    # Rounding to the column's precision also drops the CSV parser's last-digit noise.
    uniq, freq = np.unique(np.round(x, dec), return_counts=True)
    if len(uniq) <= DISCRETE_MAX_UNIQUE:
        vals = tuple(int(v) if float(v).is_integer() else float(v) for v in uniq)
        return Marginal("discrete", vals, tuple(float(c) / len(x) for c in freq))
    q = np.quantile(x, np.linspace(0, 1, QUANTILE_POINTS))
    qr = [int(v) if dec == 0 else float(v) for v in np.round(q, dec)]
    return Marginal("quantile", tuple(qr), (), dec)


def _ecdf_codes(s: pd.Series, m: Marginal | None) -> tuple[np.ndarray, np.ndarray]:
    """Per-row index into ordered levels (-1 where missing) and the level probabilities."""
    if m is not None and m.kind == "category":
        lut = {v: i for i, v in enumerate(m.values)}
        obj = s.astype(object).where(s.notna(), None)
        codes = np.array([lut.get(v, -1) for v in obj], dtype=np.int64)
        return codes, np.asarray(m.probs, dtype=np.float64)
    x = s.to_numpy(dtype=np.float64)
    ok = ~np.isnan(x)
    _, inv, counts = np.unique(x[ok], return_inverse=True, return_counts=True)
    codes = np.full(len(x), -1, dtype=np.int64)
    codes[ok] = inv
    return codes, counts / counts.sum()


def _scores_and_hermite(probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Conditional-mean normal scores of each level and the normalised Hermite coefficients
    of that step function (used to convert observed score correlations to latent ones)."""
    cum = np.clip(np.cumsum(probs), 0.0, 1.0)
    t = special.ndtri(np.concatenate([[0.0], cum[:-1], [1.0]]))
    tt = np.nan_to_num(t, posinf=40.0, neginf=-40.0)
    pdf = np.exp(-0.5 * tt**2) / math.sqrt(2 * math.pi)
    w = (pdf[:-1] - pdf[1:]) / np.maximum(probs, 1e-300)
    var = float(np.sum(probs * w * w))
    coefs = np.zeros(HERMITE_TERMS)
    if var < 1e-12 or len(probs) < 2:
        return w, coefs
    inner = tt[1:-1]
    dw = w[1:] - w[:-1]
    he_prev, he = np.zeros_like(inner), np.ones_like(inner)  # He_{-1}, He_0
    for j in range(1, HERMITE_TERMS + 1):
        # c_j = sum over interior boundaries of He_{j-1}(t) phi(t) (w_right - w_left)
        c = float(np.sum(he * pdf[1:-1] * dw))
        coefs[j - 1] = c / math.sqrt(var * math.factorial(j))
        he_prev, he = he, inner * he - (j - 1) * he_prev
    return w, coefs


def latent_correlation(
    df: pd.DataFrame, marginals: dict[str, Marginal | None]
) -> tuple[np.ndarray, np.ndarray]:
    """Latent Gaussian correlation of the columns of `df`, from pairwise-complete Pearson
    correlations of conditional-mean normal scores, inverted through their Hermite expansion
    (a vectorised polychoric/polyserial estimate). Also returns pairwise counts."""
    n, p = df.shape
    scores = np.zeros((n, p))
    mask = np.zeros((n, p))
    coefs = np.zeros((p, HERMITE_TERMS))
    for j, col in enumerate(df.columns):
        codes, probs = _ecdf_codes(df[col], marginals.get(col))
        w, coefs[j] = _scores_and_hermite(probs)
        ok = codes >= 0
        scores[ok, j] = w[codes[ok]]
        mask[ok, j] = 1.0
    cnt = mask.T @ mask
    with np.errstate(invalid="ignore", divide="ignore"):
        sxy = scores.T @ scores
        sx = scores.T @ mask
        sxx = (scores**2).T @ mask
        mx, my = sx / cnt, sx.T / cnt
        cov = sxy / cnt - mx * my
        vx, vy = sxx / cnt - mx**2, sxx.T / cnt - my**2
        ok = (vx > 1e-9) & (vy > 1e-9) & (cnt >= 30)
        r = np.where(ok, cov / np.sqrt(np.where(ok, vx * vy, 1.0)), 0.0)
    # Soft-threshold correlations that are within noise of zero: inverting them through the
    # Hermite expansion of a rare binary would otherwise blow them up.
    z2 = r * r * cnt
    r = r * z2 / (z2 + 4.0)
    grid = np.linspace(-0.995, 0.995, 399)
    powers = grid[:, None] ** np.arange(1, HERMITE_TERMS + 1)[None, :]
    # implied[g, i, j] = sum_k grid_g^k a_ik a_jk
    implied = np.einsum("gk,ik,jk->gij", powers, coefs, coefs, optimize=True)
    best = np.argmin(np.abs(implied - r[None]), axis=0)
    rho = grid[best]
    flat = np.sum(coefs**2, axis=1) < 1e-9
    rho[flat, :] = 0.0
    rho[:, flat] = 0.0
    np.fill_diagonal(rho, 1.0)
    return rho, cnt


def fit_segment(
    df: pd.DataFrame,
    name: str,
    weight: float,
    columns: list[str],
    *,
    orders: dict[str, list[Any]] | None = None,
    by: dict[str, str] | None = None,
    links: dict[str, str] | None = None,
    missing_groups: dict[str, list[str]] | None = None,
    observed_only: set[str] | None = None,
    shrink_rows: float = 30.0,
) -> Segment:
    """Fit marginals and latent correlations of one segment of real rows.

    `columns` are the copula dimensions; `by` gives numeric columns whose marginal depends on
    a categorical column; `links` are near-copies generated from a parent's latent;
    `missing_groups` maps a source column to the columns blanked together with it (its
    missingness becomes a 0/1 copula dimension when common enough); categorical columns in
    `observed_only` get marginals without a missing level (their blanking is done elsewhere).
    """
    orders, by, links = orders or {}, by or {}, links or {}
    data = df[columns].copy()
    marginals: dict[str, Marginal | ByMarginal] = {}
    groups: dict[str, list[str]] = {}
    small: dict[str, float] = {}
    for src, cols in (missing_groups or {}).items():
        rate = float(df[src].isna().mean())
        if rate >= SMALL_MISSING and rate <= 1 - SMALL_MISSING:
            ind = src + MISSING
            data[ind] = df[src].isna().astype(np.float64)
            groups[ind] = list(cols)
        elif rate > 0:
            small.update({c: rate for c in cols})
    for col in data.columns:
        if col in by:
            key = df[by[col]].astype(object)
            cases = {
                str(level): fit_marginal(data.loc[key == level, col])
                for level in key.dropna().unique()
                if data.loc[key == level, col].notna().sum() >= 5
            }
            marginals[col] = ByMarginal(by[col], cases)
            # Scores are ranks within each level, so the copula sees the conditional position.
            data[col] = data.groupby(key, dropna=False)[col].rank(pct=True)
        else:
            marginals[col] = fit_marginal(
                data[col], orders.get(col), observed_only=col in (observed_only or set())
            )
    cat_m = {c: m for c, m in marginals.items() if isinstance(m, Marginal) and m.kind == "category"}
    rho, _ = latent_correlation(data, dict(cat_m))
    n = len(df)
    lam = shrink_rows / (n + shrink_rows)
    rho = nearest_correlation((1 - lam) * rho + lam * np.eye(len(rho)))
    link_out: dict[str, tuple[str, float]] = {}
    for child, parent in links.items():
        marginals[child] = fit_marginal(df[child])
        pair, _ = latent_correlation(df[[parent, child]], {})
        link_out[child] = (parent, float(np.clip(pair[0, 1], 0.0, 0.999)))
    for col in columns:
        rate = float(df[col].isna().mean())
        m = marginals[col]
        is_cat = isinstance(m, Marginal) and m.kind == "category"
        if 0 < rate < SMALL_MISSING and not is_cat and not any(col in g for g in groups.values()):
            small[col] = rate
    return Segment(name, weight, list(data.columns), marginals, rho, link_out, groups, small)
