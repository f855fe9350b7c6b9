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
from typing import TypeVar

from google.protobuf import descriptor_pool
from google.protobuf.descriptor import (
    Descriptor,
    EnumDescriptor,
    EnumValueDescriptor,
    FieldDescriptor,
    ServiceDescriptor,
)
from google.protobuf.message import Message

from creditscore.v1 import application_pb2, credit_score_pb2, decision_record_pb2, rules_pb2
from server.errors import FieldViolation, InvalidArgument, parse_request

__all__ = [
    "APPLICATION_FIELDS",
    "MAX_QUOTED_CHARS",
    "AllowedValue",
    "ApplicationField",
    "FieldRule",
    "RequestParser",
    "RequestRules",
    "application_field",
    "category_labels",
    "quote",
    "request_rule",
    "rule_of",
    "value_label",
]

_PACKAGE = credit_score_pb2.DESCRIPTOR.package
# Loaded so that request_rule finds the decision record's messages in the default pool.
_CONTRACT_FILES = (credit_score_pb2.DESCRIPTOR, decision_record_pb2.DESCRIPTOR)

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
    descriptor = (
        descriptor_pool.Default()
        .FindMessageTypeByName(f"{_PACKAGE}.{message}")
        .fields_by_name[field]
    )
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
            if field.type != FieldDescriptor.TYPE_MESSAGE
            and ((rule := rule_of(field)) is not None or field.type == FieldDescriptor.TYPE_ENUM)
        )

    def violations(self, message: Message) -> list[FieldViolation]:
        """Every field of ``message`` that breaks its rule; an enum field must hold one of
        its declared values (proto3 keeps unknown numbers) and, when required, not 0."""
        found: list[FieldViolation] = []
        for field, declared in self._fields:
            rule = declared or FieldRule()
            value = getattr(message, field.name)
            if rule.required and not _is_set(message, field, value):
                found.append(FieldViolation(field.name, "required"))
            elif field.type == FieldDescriptor.TYPE_ENUM and not field.is_repeated:
                found += _enum_violations(field.name, value, field.enum_type)
            elif field.is_repeated:
                found += _repeated_violations(field.name, value, rule)
            elif field.type == FieldDescriptor.TYPE_STRING:
                found += _string_violations(field.name, value, rule)
            elif not field.has_presence or message.HasField(field.name):
                found += _number_violations(field.name, float(value), rule)
        return found


_Request = TypeVar("_Request", bound=Message)


class RequestParser:
    """Parses each method's request bytes of one service and checks its own fields' rules
    (nested Applications are checked by the Scorer): INVALID_ARGUMENT for bytes that are not
    a message, or for a field outside its rules."""

    def __init__(self, service: ServiceDescriptor) -> None:
        self._rules = {
            method.input_type.full_name: RequestRules(method.input_type)
            for method in service.methods
        }

    def parse(self, message_class: type[_Request], data: bytes) -> _Request:
        request = parse_request(message_class, data)
        found = self._rules[message_class.DESCRIPTOR.full_name].violations(request)
        if found:
            raise InvalidArgument(found)
        return request


def value_label(value: EnumValueDescriptor, language: str) -> str:
    """An enum value's (ValueLabel.label) in ``language`` ("fr" or English), else its name."""
    options = value.GetOptions()
    if not options.HasExtension(rules_pb2.ValueLabel.label):
        return value.name
    label = options.Extensions[rules_pb2.ValueLabel.label]
    return (label.fr if language == "fr" else label.en) or value.name


def _is_set(message: Message, field: FieldDescriptor, value: object) -> bool:
    if field.is_repeated:
        return bool(value)
    if field.has_presence:
        return message.HasField(field.name)
    return value != field.default_value


def _enum_violations(name: str, value: int, enum: EnumDescriptor) -> list[FieldViolation]:
    if value not in enum.values_by_number:
        known = ", ".join(v.name for v in enum.values if v.number)
        return [FieldViolation(name, f"unknown value {value}; one of {known}")]
    return []


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
