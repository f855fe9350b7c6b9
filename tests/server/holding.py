"""A server interceptor for tests that need a call surely in flight: it holds Score calls until
released."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import grpc

__all__ = ["HoldScore"]


class HoldScore(grpc.ServerInterceptor):
    """Holds Score calls until ``release`` is set (10 s at most); ``entered`` is set when one
    is held."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        handler = continuation(details)
        if handler is None or not details.method.endswith("/Score"):
            return handler

        def held(request: Any, context: Any) -> Any:
            self.entered.set()
            self.release.wait(10)
            return handler.unary_unary(request, context)

        return grpc.unary_unary_rpc_method_handler(
            held,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
