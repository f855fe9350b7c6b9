from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FieldRules(_message.Message):
    __slots__ = ("required", "min", "greater_than", "max", "also_allowed", "whole_number", "values", "max_length", "digits_only", "description")
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: _descriptor.FieldDescriptor
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    GREATER_THAN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    ALSO_ALLOWED_FIELD_NUMBER: _ClassVar[int]
    WHOLE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    MAX_LENGTH_FIELD_NUMBER: _ClassVar[int]
    DIGITS_ONLY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    required: bool
    min: float
    greater_than: float
    max: float
    also_allowed: _containers.RepeatedScalarFieldContainer[float]
    whole_number: bool
    values: _containers.RepeatedCompositeFieldContainer[AllowedValue]
    max_length: int
    digits_only: bool
    description: str
    def __init__(self, required: _Optional[bool] = ..., min: _Optional[float] = ..., greater_than: _Optional[float] = ..., max: _Optional[float] = ..., also_allowed: _Optional[_Iterable[float]] = ..., whole_number: _Optional[bool] = ..., values: _Optional[_Iterable[_Union[AllowedValue, _Mapping]]] = ..., max_length: _Optional[int] = ..., digits_only: _Optional[bool] = ..., description: _Optional[str] = ...) -> None: ...

class AllowedValue(_message.Message):
    __slots__ = ("value", "label_en", "label_fr")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    LABEL_EN_FIELD_NUMBER: _ClassVar[int]
    LABEL_FR_FIELD_NUMBER: _ClassVar[int]
    value: str
    label_en: str
    label_fr: str
    def __init__(self, value: _Optional[str] = ..., label_en: _Optional[str] = ..., label_fr: _Optional[str] = ...) -> None: ...

class ValueLabel(_message.Message):
    __slots__ = ("en", "fr")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    label: _descriptor.FieldDescriptor
    EN_FIELD_NUMBER: _ClassVar[int]
    FR_FIELD_NUMBER: _ClassVar[int]
    en: str
    fr: str
    def __init__(self, en: _Optional[str] = ..., fr: _Optional[str] = ...) -> None: ...
