"""Rebuilding a gRPC method handler around a wrapped behaviour: what every server interceptor
of this package needs (gRPC hands interceptors handlers, not behaviours)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

__all__ = ["Behavior", "WrappedHandlers", "rewrap"]

Behavior = Callable[..., Any]
Wrap = Callable[[Behavior], Behavior]


def rewrap(handler: grpc.RpcMethodHandler, unary: Wrap, streaming: Wrap) -> grpc.RpcMethodHandler:
    """``handler`` with its behaviour wrapped: by ``unary`` for unary-unary methods, by
    ``streaming`` for the three streaming kinds; (de)serialisers kept."""
    serializers = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(unary(handler.unary_unary), **serializers)
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(streaming(handler.unary_stream), **serializers)
    if handler.stream_unary is not None:
        return grpc.stream_unary_rpc_method_handler(streaming(handler.stream_unary), **serializers)
    return grpc.stream_stream_rpc_method_handler(streaming(handler.stream_stream), **serializers)


class WrappedHandlers:
    """Each method's wrapped handler, made once: gRPC asks interceptors for a handler on every
    call, and rebuilding it (functools.wraps, a new handler) cost tens of microseconds a call.
    The servers' handlers are fixed at registration; a different one is wrapped anew."""

    def __init__(self, wrap: Callable[[grpc.RpcMethodHandler, str], grpc.RpcMethodHandler]) -> None:
        self._wrap = wrap
        self._made: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}

    def get(self, handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
        made = self._made.get(method)
        if made is not None and made[0] is handler:
            return made[1]
        wrapped = self._wrap(handler, method)
        # A race makes two equivalent wrappings; either serves.
        self._made[method] = (handler, wrapped)
        return wrapped
