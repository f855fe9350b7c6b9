"""Domain exceptions of the server and the one place that maps them to gRPC status codes."""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TypeVar

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.protobuf.message import DecodeError, Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from server.logging_setup import CALLS_LOGGER, request_id_of, request_id_var

__all__ = [
    "DeadlineExceeded",
    "DomainError",
    "FieldViolation",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "ResourceExhausted",
    "Unauthenticated",
    "Unavailable",
    "Unimplemented",
    "abort_with",
    "bad_request_status",
    "grpc_errors",
    "parse_request",
    "status_for",
]

logger = logging.getLogger(__name__)
_calls = logging.getLogger(CALLS_LOGGER)

_GENERIC_INTERNAL = "internal error; the server log has the details"


@dataclasses.dataclass(frozen=True, slots=True)
class FieldViolation:
    """One bad field of a request: its path (e.g. ``application.amt_credit``) and why."""

    field: str
    description: str


class DomainError(Exception):
    """Base of the errors the domain code raises for the transport to map to a status code."""

    code: grpc.StatusCode = grpc.StatusCode.INTERNAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgument(DomainError):
    """Bad input: every violation is reported (INVALID_ARGUMENT with google.rpc.BadRequest)."""

    code = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, violations: Sequence[FieldViolation], message: str | None = None) -> None:
        self.violations = list(violations)
        if message is None:
            fields = ", ".join(dict.fromkeys(v.field for v in self.violations)) or "request"
            message = f"invalid argument: {fields}"
        super().__init__(message)


class NotFound(DomainError):
    """A named resource (e.g. a stored client) does not exist (NOT_FOUND)."""

    code = grpc.StatusCode.NOT_FOUND


class Unavailable(DomainError):
    """The server cannot serve the call now, e.g. not ready or shutting down (UNAVAILABLE)."""

    code = grpc.StatusCode.UNAVAILABLE


class Unimplemented(DomainError):
    """The method is not served by this server (UNIMPLEMENTED)."""

    code = grpc.StatusCode.UNIMPLEMENTED


class DeadlineExceeded(DomainError):
    """The caller's deadline passed before the work was done (DEADLINE_EXCEEDED)."""

    code = grpc.StatusCode.DEADLINE_EXCEEDED


class Unauthenticated(DomainError):
    """No credentials, or credentials of no known caller (UNAUTHENTICATED). The message never
    quotes what the caller sent."""

    code = grpc.StatusCode.UNAUTHENTICATED


class PermissionDenied(DomainError):
    """A known caller whose role may not do this (PERMISSION_DENIED)."""

    code = grpc.StatusCode.PERMISSION_DENIED


class ResourceExhausted(DomainError):
    """A caller over its limits (RESOURCE_EXHAUSTED with google.rpc.RetryInfo)."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED

    def __init__(self, message: str, retry_after_seconds: float) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


def bad_request_status(violations: Sequence[FieldViolation], message: str) -> status_pb2.Status:
    """google.rpc.Status INVALID_ARGUMENT carrying a BadRequest with one entry per violation."""
    bad_request = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
            for v in violations
        ]
    )
    detail = any_pb2.Any()
    detail.Pack(bad_request)
    return status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=message, details=[detail])


def status_for(error: DomainError) -> status_pb2.Status:
    """google.rpc.Status of a domain error (with BadRequest details for InvalidArgument)."""
    if isinstance(error, InvalidArgument):
        return bad_request_status(error.violations, error.message)
    status = status_pb2.Status(code=error.code.value[0], message=error.message)
    if isinstance(error, ResourceExhausted):
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(max(1_000_000, round(error.retry_after_seconds * 1e9)))
        status.details.add().Pack(error_details_pb2.RetryInfo(retry_delay=delay))
    return status


def abort_with(context: grpc.ServicerContext, error: DomainError) -> NoReturn:
    """End the call with the status of ``error`` (its google.rpc.Status and details)."""
    context.abort_with_status(rpc_status.to_status(status_for(error)))
    raise AssertionError("unreachable: abort raises")


_Handler = TypeVar("_Handler", bound=Callable[..., Any])


_Message = TypeVar("_Message", bound=Message)


def parse_request(message_class: type[_Message], data: bytes) -> _Message:
    """The request message in ``data``; InvalidArgument when the bytes are not one."""
    try:
        return message_class.FromString(data)
    except DecodeError as error:
        name = message_class.DESCRIPTOR.full_name
        raise InvalidArgument([], f"the request is not a valid {name} message ({error})") from None


def grpc_errors(method: _Handler) -> _Handler:
    """Wrap a servicer method: the one place where exceptions become gRPC statuses.

    Domain errors get their status code (INVALID_ARGUMENT with google.rpc.BadRequest details,
    NOT_FOUND, UNAVAILABLE, ...); anything else is logged with its traceback and answered
    INTERNAL with a generic message, never the exception's text. The wrapper also sets the
    call's request id (``x-request-id`` or a UUID) for the handler and the logs, and writes
    one line per call to the ``server.calls`` logger when it is enabled.
    """
    name = method.__name__

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext, *args: Any) -> Any:
        token = request_id_var.set(request_id_of(context))
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            return method(self, request, context, *args)
        except DomainError as error:
            code = error.code
            abort_with(context, error)
        except Exception:
            code = grpc.StatusCode.INTERNAL
            logger.exception("unexpected error in %s", name)
            context.abort(code, f"{_GENERIC_INTERNAL} (request id {request_id_var.get()})")
        finally:
            if _calls.isEnabledFor(logging.INFO):
                elapsed_ms = (time.perf_counter() - started) * 1e3
                _calls.info("%s %s %.3f ms", name, code.name, elapsed_ms)
            request_id_var.reset(token)
        return None  # unreachable: abort raises

    return wrapper  # type: ignore[return-value]
