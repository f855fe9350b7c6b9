"""The contract's category labels, read straight from the Application descriptors, and a model
card carrying them as the server sends them (GetModelInfoResponse.category_labels)."""

from __future__ import annotations

from creditscore.v1 import application_pb2, rules_pb2
from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui.settings import Language

LANGUAGES: tuple[Language, ...] = ("en", "fr")


def _categorical_fields() -> list[tuple[str, str, list[rules_pb2.AllowedValue]]]:
    """(field name, Kaggle column, accepted values) of every categorical Application field."""
    found = []
    for field in application_pb2.Application.DESCRIPTOR.fields:
        options = field.GetOptions()
        values = list(options.Extensions[rules_pb2.FieldRules.rules].values)
        if values:
            found.append((field.name, options.Extensions[application_pb2.Kaggle.column], values))
    return found


def _label(value: rules_pb2.AllowedValue, language: Language) -> str:
    return value.label_fr if language == "fr" else value.label_en


def contract_labels(language: Language) -> dict[tuple[str, str], str]:
    """(Kaggle column, value) -> the contract's label of the value in `language`."""
    return {
        (column, v.value): _label(v, language)
        for _name, column, values in _categorical_fields()
        for v in values
    }


def model_card(language: Language, **fields: object) -> pb.GetModelInfoResponse:
    """A model card whose category labels are the contract's, in `language`, laid out as the
    server lays them out (one CategoryLabels per categorical field, values in contract order)."""
    card = pb.GetModelInfoResponse(language_code=language, **fields)  # type: ignore[arg-type]
    for name, column, values in _categorical_fields():
        card.category_labels.add(
            field=name,
            column=column,
            values=[pb.CategoryLabel(value=v.value, label=_label(v, language)) for v in values],
        )
    return card
