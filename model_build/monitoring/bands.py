"""Score bands: deciles of the development sample's probabilities, fixed by the build."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model_build.artifacts import ArtifactPaths
from model_build.errors import ModelBuildError

__all__ = ["SCORE_BANDS", "ScoreBands", "development_rows", "read_client_book", "score_bands"]

SCORE_BANDS = 10


@dataclass(frozen=True)
class ScoreBands:
    """Probability bands, lowest risk first: band k holds (edges[k-1], edges[k]] with the
    outer edges open; ``source`` says where the edges come from."""

    edges: tuple[float, ...]
    development_rows: int
    source: str

    @property
    def count(self) -> int:
        return len(self.edges) + 1

    def band_of(self, probability: np.ndarray) -> np.ndarray:
        """0-based band of each probability."""
        return np.searchsorted(np.asarray(self.edges), probability, side="left").astype(np.intp)

    def ranges(self) -> list[tuple[float, float]]:
        """(lower, upper) probability of each band; 0 and 1 at the ends."""
        bounds = (0.0, *self.edges, 1.0)
        return list(itertools.pairwise(bounds))


def read_client_book(paths: ArtifactPaths, columns: list[str] | None = None) -> pd.DataFrame:
    """The client book (every known client: features, outcome, served probability)."""
    if not paths.client_book.is_file():
        raise ModelBuildError(
            f"{paths.client_book}: missing; the development sample of a monitor is the "
            "build's client book, retrain or restore the artifacts"
        )
    return pd.read_parquet(paths.client_book, columns=columns)


def development_rows(book: pd.DataFrame) -> pd.Series:
    """Which client-book rows are the development sample: training clients with an outcome."""
    return (book["split"] == "train") & book["TARGET"].notna()


def score_bands(artifacts: Path, bands: int = SCORE_BANDS) -> ScoreBands:
    """Deciles (for ``bands`` = 10) of the development sample's served probabilities.

    Derived only from the immutable artifacts, so every monitor of one build uses the same
    bands. The probabilities are those the exported model gives the training clients
    (client_book.parquet, ``probability``), i.e. what the server answers for them; the
    out-of-fold probabilities come from the cross-validation models, whose spread differs
    from the final model's, and would shift every band.
    """
    book = read_client_book(ArtifactPaths(artifacts), ["split", "TARGET", "probability"])
    probability = book.loc[development_rows(book), "probability"].to_numpy(dtype=np.float64)
    if len(probability) < bands:
        raise ModelBuildError(
            f"{artifacts}: the client book has {len(probability)} training clients with an "
            f"outcome, too few for {bands} score bands"
        )
    cuts = np.quantile(probability, np.linspace(0.0, 1.0, bands + 1)[1:-1])
    return ScoreBands(
        edges=tuple(float(edge) for edge in np.unique(cuts)),
        development_rows=len(probability),
        source=(
            f"deciles of the probabilities the exported model gives the build's "
            f"{len(probability):,} development clients (client_book.parquet, training "
            "clients with an outcome)"
        ),
    )
