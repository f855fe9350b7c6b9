"""How categories are shown: the server's labels of each categorical column's values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from creditscore.v1 import credit_score_pb2 as pb

__all__ = ["Categories"]


@dataclass(frozen=True, slots=True)
class Categories:
    """The accepted values of each categorical column (Kaggle name, e.g. "NAME_INCOME_TYPE",
    also the model feature's name) with their labels in one language, as GetModelInfo sends
    them. The app has no labels of its own: the contract declares them once and the server
    sends them, so that the app and the server never label a category differently."""

    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, model: pb.GetModelInfoResponse) -> Categories:
        """The categories of a model card, in the card's language."""
        return cls(
            {
                column.column: {v.value: v.label for v in column.values}
                for column in model.category_labels
            }
        )

    def label(self, column: str, value: str) -> str:
        """How to show `value` of `column`; the value itself when the server has no label."""
        return self.labels.get(column, {}).get(value) or value

    def values(self, column: str) -> tuple[str, ...]:
        """The accepted values of `column`, in the contract's order (empty when unknown)."""
        return tuple(self.labels.get(column, {}))

    def value_of(self, column: str, shown: str) -> str:
        """The value behind a text the server shows for `column`: the value labelled so, else
        the text itself (a value, or one the server has no label for)."""
        labels = self.labels.get(column, {}).items()
        return next((value for value, label in labels if label == shown), shown)
