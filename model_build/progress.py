"""Per-stage progress display of long CLI jobs (rich, on stderr)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

__all__ = ["Stages"]


class Stages:
    """Shows a spinner while a stage runs and a check mark with its duration when it ends."""

    def __init__(self, *, enabled: bool = True) -> None:
        self._console = Console(stderr=True, quiet=not enabled)
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, title: str) -> Iterator[None]:
        start = time.perf_counter()
        with self._console.status(f"{title}…"):
            yield
        seconds = time.perf_counter() - start
        self.timings[title] = seconds
        self._console.print(f"[green]✓[/green] {title} [dim]({seconds:.1f} s)[/dim]")

    def note(self, text: str) -> None:
        """A line under the current stage (e.g. one cross-validation fold)."""
        self._console.print(f"    {text}")
