"""Structured (JSON lines) logging with the request id and caller of the call being handled."""

from __future__ import annotations

import json
import logging
import random
import sys
from contextvars import ContextVar

import grpc

from server.security.caller import caller_var

__all__ = [
    "CALLS_LOGGER",
    "REQUEST_ID_HEADER",
    "JsonFormatter",
    "configure_logging",
    "current_request_id",
    "random_uuid",
    "request_id_of",
    "request_id_var",
]

REQUEST_ID_HEADER = "x-request-id"
# One INFO line per call goes to this logger; it is silent unless --log-calls.
CALLS_LOGGER = "server.calls"
# Longest caller-supplied request id kept; longer ones are cut (they are echoed and logged).
MAX_REQUEST_ID_CHARS = 128

# The request id of the call the current thread is handling ("-" outside calls). A context
# variable rather than a global: each handler thread sees its own call's id.
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


def current_request_id() -> str:
    """The request id of the call being handled."""
    return request_id_var.get()


def request_id_of(context: grpc.ServicerContext) -> str:
    """The caller's ``x-request-id`` metadata, or a fresh random (version 4) UUID."""
    for key, value in context.invocation_metadata():
        if key == REQUEST_ID_HEADER and value:
            return str(value)[:MAX_REQUEST_ID_CHARS]
    return random_uuid()


def random_uuid() -> str:
    """A random version-4 UUID string.

    Not uuid.uuid4(): its system call and UUID object cost several µs per call, a visible
    share of a Score call. Request ids need to be unique, not unpredictable.
    """
    h = f"{random.getrandbits(128):032x}"
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, caller (the
    authenticated caller's name; "-" outside guarded calls), advisor (when the call names
    one) and exception (when there is one)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        caller = caller_var.get()
        entry["caller"] = "-" if caller is None else caller.name
        if caller is not None and caller.advisor_name is not None:
            entry["advisor"] = caller.advisor_name
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: int, *, log_calls: bool = False) -> None:
    """JSON lines on stderr at ``level``; per-call lines only with ``log_calls``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger(CALLS_LOGGER).setLevel(logging.INFO if log_calls else logging.WARNING)
