"""The one mapping of exceptions to gRPC statuses (server.errors.grpc_errors)."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.rpc import code_pb2, error_details_pb2, status_pb2

from server.errors import (
    DeadlineExceeded,
    FieldViolation,
    InvalidArgument,
    NotFound,
    Unavailable,
    grpc_errors,
)
from server.logging_setup import current_request_id


class _Aborted(Exception):
    """What a real context's abort raises: the call ends there."""


class _Context:
    """The part of grpc.ServicerContext the decorator uses, recording the abort."""

    def __init__(self, metadata: tuple[tuple[str, str], ...] = ()) -> None:
        self.metadata = metadata
        self.code: grpc.StatusCode | None = None
        self.details = ""
        self.status: Any = None

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return self.metadata

    def abort(self, code: grpc.StatusCode, details: str) -> None:
        self.code, self.details = code, details
        raise _Aborted

    def abort_with_status(self, status: Any) -> None:
        self.code, self.details, self.status = status.code, status.details, status
        raise _Aborted


class _Servicer:
    def __init__(self, error: Exception | None) -> None:
        self.error = error
        self.request_id = ""

    @grpc_errors
    def Call(self, request: object, context: object) -> str:
        self.request_id = current_request_id()
        if self.error is not None:
            raise self.error
        return "ok"


def _call(error: Exception | None, context: _Context | None = None) -> _Context:
    context = context or _Context()
    with pytest.raises(_Aborted):
        _Servicer(error).Call(None, context)
    return context


def test_invalid_argument_carries_every_field_violation():
    error = InvalidArgument([FieldViolation("a.b", "bad"), FieldViolation("c", "worse")])
    context = _call(error)
    assert context.code == grpc.StatusCode.INVALID_ARGUMENT
    # The google.rpc.Status travels in the grpc-status-details-bin trailer.
    ((key, detail),) = context.status.trailing_metadata
    assert key == "grpc-status-details-bin"
    decoded = status_pb2.Status.FromString(detail)
    assert decoded.code == code_pb2.INVALID_ARGUMENT
    bad_request = error_details_pb2.BadRequest()
    assert decoded.details[0].Unpack(bad_request)
    assert [(v.field, v.description) for v in bad_request.field_violations] == [
        ("a.b", "bad"),
        ("c", "worse"),
    ]


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (NotFound("client 1 is not a stored client"), grpc.StatusCode.NOT_FOUND),
        (Unavailable("not ready"), grpc.StatusCode.UNAVAILABLE),
        (DeadlineExceeded("too late"), grpc.StatusCode.DEADLINE_EXCEEDED),
    ],
)
def test_domain_errors_get_their_status_code_and_message(error: Exception, code):
    context = _call(error)
    assert context.code == code
    assert context.details == str(error)


def test_unexpected_errors_are_internal_with_a_generic_message(caplog):
    context = _call(RuntimeError("secret database password"), _Context((("x-request-id", "r1"),)))
    assert context.code == grpc.StatusCode.INTERNAL
    assert "secret" not in context.details and "r1" in context.details
    assert any(record.exc_info for record in caplog.records)


def test_request_id_comes_from_metadata_or_is_drawn():
    servicer = _Servicer(None)
    assert servicer.Call(None, _Context((("x-request-id", "abc"),))) == "ok"
    assert servicer.request_id == "abc"
    servicer.Call(None, _Context())
    assert len(servicer.request_id) == 36
    assert current_request_id() == "-"  # reset after the call
