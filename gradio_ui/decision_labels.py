"""The contract's labels of advisors' final decisions and override reasons, in English or French."""

from __future__ import annotations

from google.protobuf.descriptor import EnumDescriptor, EnumValueDescriptor

from creditscore.v1 import decision_record_pb2 as pb
from creditscore.v1 import rules_pb2
from gradio_ui.settings import Language

__all__ = [
    "final_decision_choices",
    "final_decision_label",
    "override_reason_choices",
    "override_reason_label",
]


def _label(value: EnumValueDescriptor, language: Language) -> str:
    label = value.GetOptions().Extensions[rules_pb2.ValueLabel.label]
    return label.fr if language == "fr" else label.en


def _labelled(enum: EnumDescriptor) -> list[EnumValueDescriptor]:
    # The _UNSPECIFIED value carries no label: it is never a choice.
    return [v for v in enum.values if v.GetOptions().HasExtension(rules_pb2.ValueLabel.label)]


def _choices(enum: EnumDescriptor, language: Language) -> list[tuple[str, str]]:
    return [(_label(v, language), v.name) for v in _labelled(enum)]


def _value_label(enum: EnumDescriptor, number: int, language: Language) -> str:
    value = enum.values_by_number.get(number)
    return _label(value, language) if value is not None else ""


def final_decision_choices(language: Language) -> list[tuple[str, str]]:
    """(label, FinalDecision value name) of every decision an advisor can record."""
    return _choices(pb.FinalDecision.DESCRIPTOR, language)


def override_reason_choices(language: Language) -> list[tuple[str, str]]:
    """(label, OverrideReason value name) of every reason an override can give."""
    return _choices(pb.OverrideReason.DESCRIPTOR, language)


def final_decision_label(decision: int, language: Language) -> str:
    """The contract's label of a FinalDecision value; "" for an unset or unknown value."""
    return _value_label(pb.FinalDecision.DESCRIPTOR, decision, language)


def override_reason_label(reason: int, language: Language) -> str:
    """The contract's label of an OverrideReason value; "" for an unset or unknown value."""
    return _value_label(pb.OverrideReason.DESCRIPTOR, reason, language)
