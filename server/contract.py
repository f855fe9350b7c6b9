"""The contract's field rules and labels, read once from the protobuf descriptors.

Every Application field carries its ``(FieldRules.rules)`` option (protos/creditscore/v1/
rules.proto): bounds, whole numbers, required, accepted values with their English and French
labels, maximum lengths. This module is the one reader of those options and of the
``(Kaggle.column)`` option; the validators, the payload readers and the labels the server
returns all take their rules from here, so a rule is written once, in the .proto.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from creditscore.v1 import application_pb2, credit_score_pb2, rules_pb2
from server.errors import FieldViolation

__all__ = [
    "APPLICATION_FIELDS",
    "MAX_QUOTED_CHARS",
    "AllowedValue",
    "ApplicationField",
    "FieldRule",
    "RequestRules",
    "application_field",
    "category_labels",
    "quote",
    "request_rule",
    "rule_of",
]

# Longest part of a bad value an error detail repeats: enough to recognise it, never enough to
# make a trailer that exceeds gRPC's metadata limit.
MAX_QUOTED_CHARS = 64
# A string without a declared maximum length is refused past this many characters.
DEFAULT_MAX_STRING = 64


@dataclass(frozen=True, slots=True)
class AllowedValue:
    """One accepted value of a categorical field and its labels."""

    value: str
    label_en: str
    label_fr: str

    def label(self, language: str) -> str:
        return self.label_fr if language == "fr" else self.label_en


@dataclass(frozen=True, slots=True)
class FieldRule:
    """A field's rules as the server applies them (bounds inclusive; ``low_exclusive`` makes
    the lower one strict). Numbers without a bound have an infinite one."""

    required: bool = False
    low: float = -math.inf
    high: float = math.inf
    low_exclusive: bool = False
    also_allowed: tuple[float, ...] = ()
    whole_number: bool = False
    values: tuple[AllowedValue, ...] = ()
    max_length: int = 0
    digits_only: bool = False
    description: str = ""

    def accepts_number(self, value: float) -> bool:
        """Whether a finite number is within the rule."""
        if value in self.also_allowed:
            return True
        low_ok = value > self.low if self.low_exclusive else value >= self.low
        whole_ok = not self.whole_number or value == math.floor(value)
        return low_ok and value <= self.high and whole_ok

    def domain(self) -> str:
        """How the numeric rule reads for a person, e.g. "> 0 and <= 1e+09"."""
        if self.description:
            return self.description
        parts = []
        if self.low > -math.inf:
            parts.append(f"{'>' if self.low_exclusive else '>='} {self.low:g}")
        if self.high < math.inf:
            parts.append(f"<= {self.high:g}")
        text = " and ".join(parts) or "a number"
        return f"a whole number {text}" if self.whole_number else text


@dataclass(frozen=True, slots=True)
class ApplicationField:
    """One Application field: its name, Kaggle column, kind and rule."""

    name: str
    column: str
    descriptor: FieldDescriptor
    rule: FieldRule

    @property
    def is_categorical(self) -> bool:
        return self.descriptor.type == FieldDescriptor.TYPE_STRING


def rule_of(field: FieldDescriptor) -> FieldRule | None:
    """The field's rule (None when it declares none); int32 and bool fields are whole numbers
    by their type, bools from 0 to 1."""
    options = field.GetOptions()
    if not options.HasExtension(rules_pb2.FieldRules.rules):
        return None
    rules = options.Extensions[rules_pb2.FieldRules.rules]
    low, exclusive = -math.inf, False
    if rules.HasField("min"):
        low = rules.min
    if rules.HasField("greater_than"):
        low, exclusive = rules.greater_than, True
    high = rules.max if rules.HasField("max") else math.inf
    is_bool = field.type == FieldDescriptor.TYPE_BOOL
    if is_bool:
        low, high = 0.0, 1.0
    return FieldRule(
        required=rules.required,
        low=low,
        high=high,
        low_exclusive=exclusive,
        also_allowed=tuple(rules.also_allowed),
        whole_number=rules.whole_number or is_bool or field.type == FieldDescriptor.TYPE_INT32,
        values=tuple(AllowedValue(v.value, v.label_en, v.label_fr) for v in rules.values),
        max_length=rules.max_length,
        digits_only=rules.digits_only,
        description=rules.description,
    )


def _application_fields() -> tuple[ApplicationField, ...]:
    fields = []
    for field in application_pb2.Application.DESCRIPTOR.fields:
        rule = rule_of(field)
        if rule is None:
            raise RuntimeError(f"Application.{field.name} declares no (FieldRules.rules)")
        column = field.GetOptions().Extensions[application_pb2.Kaggle.column]
        fields.append(ApplicationField(field.name, column, field, rule))
    return tuple(fields)


# Every Application field in contract order. Immutable: read once from the generated code.
APPLICATION_FIELDS: tuple[ApplicationField, ...] = _application_fields()
_BY_COLUMN = {f.column: f for f in APPLICATION_FIELDS}


def application_field(column: str) -> ApplicationField:
    """The Application field that carries a Kaggle column; KeyError for another name."""
    return _BY_COLUMN[column]


def request_rule(message: str, field: str) -> FieldRule:
    """The rule of a creditscore.v1 request field, e.g. ("SearchClientsRequest", "page_size"),
    for domain code that states the same bound."""
    descriptor = credit_score_pb2.DESCRIPTOR.message_types_by_name[message].fields_by_name[field]
    rule = rule_of(descriptor)
    if rule is None:
        raise KeyError(f"{message}.{field} declares no (FieldRules.rules)")
    return rule


def category_labels(
    language: str,
) -> tuple[tuple[ApplicationField, tuple[tuple[str, str], ...]], ...]:
    """Each categorical field with its (value, label) pairs in ``language``."""
    return tuple(
        (f, tuple((v.value, v.label(language)) for v in f.rule.values))
        for f in APPLICATION_FIELDS
        if f.is_categorical
    )


def quote(value: object) -> str:
    """A value for an error detail: its text, cut to MAX_QUOTED_CHARS characters."""
    text = str(value)
    if len(text) > MAX_QUOTED_CHARS:
        return f'"{text[:MAX_QUOTED_CHARS]}…" ({len(text)} characters)'
    return f'"{text}"'


class RequestRules:
    """The rules of a request message's own fields (not of nested messages, which have their
    own readers): string lengths and digits, repeated-field sizes, numeric bounds. Immutable;
    a message without ruled fields costs nothing to check."""

    def __init__(self, descriptor: Descriptor) -> None:
        self._fields = tuple(
            (field, rule)
            for field in descriptor.fields
            if field.type != FieldDescriptor.TYPE_MESSAGE and (rule := rule_of(field)) is not None
        )

    def violations(self, message: Message) -> list[FieldViolation]:
        """Every field of ``message`` that breaks its rule."""
        found: list[FieldViolation] = []
        for field, rule in self._fields:
            value = getattr(message, field.name)
            if field.is_repeated:
                found += _repeated_violations(field.name, value, rule)
            elif field.type == FieldDescriptor.TYPE_STRING:
                found += _string_violations(field.name, value, rule)
            elif not field.has_presence or message.HasField(field.name):
                found += _number_violations(field.name, float(value), rule)
        return found


def _repeated_violations(
    name: str, values: Sequence[object], rule: FieldRule
) -> list[FieldViolation]:
    if rule.max_length and len(values) > rule.max_length:
        return [FieldViolation(name, f"at most {rule.max_length} items, got {len(values)}")]
    found: list[FieldViolation] = []
    for k, value in enumerate(values):
        if isinstance(value, str):
            found += _string_violations(
                f"{name}[{k}]", value, FieldRule(max_length=DEFAULT_MAX_STRING)
            )
    return found


def _string_violations(name: str, value: str, rule: FieldRule) -> list[FieldViolation]:
    limit = rule.max_length or DEFAULT_MAX_STRING
    if len(value) > limit:
        return [FieldViolation(name, f"at most {limit} characters, got {len(value)}")]
    if rule.digits_only and value and not (value.isascii() and value.isdecimal()):
        return [FieldViolation(name, f"must hold decimal digits only, got {quote(value)}")]
    if rule.values and value and value not in {v.value for v in rule.values}:
        return [FieldViolation(name, f"unknown value {quote(value)}")]
    return []


def _number_violations(name: str, value: float, rule: FieldRule) -> list[FieldViolation]:
    if not math.isfinite(value):
        return [FieldViolation(name, "must be a finite number")]
    if not rule.accepts_number(value):
        return [FieldViolation(name, f"must be {rule.domain()}, got {value:.10g}")]
    return []
