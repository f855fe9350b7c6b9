"""Errors of the data layer that name the file, column and line a user has to fix."""

from __future__ import annotations

__all__ = ["DataError", "ModelBuildError"]


class ModelBuildError(Exception):
    """An error the user can fix; the CLI prints it on one line and exits non-zero."""


class DataError(ModelBuildError):
    """Bad input data, located as precisely as possible (file, column, line of the file)."""

    def __init__(
        self,
        file: str,
        problem: str,
        *,
        column: str | None = None,
        line: int | None = None,
    ) -> None:
        self.file = file
        self.problem = problem
        self.column = column
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.file]
        if self.column is not None:
            where.append(f"column {self.column}")
        if self.line is not None:
            where.append(f"line {self.line}")
        return f"{', '.join(where)}: {self.problem}"
