"""Services whose handlers get the request bytes and parse them themselves, so that bytes that
are not a valid message are INVALID_ARGUMENT like any bad input, with no traceback (gRPC's own
deserializer answers INTERNAL "Exception deserializing request!" and logs one). Deserializing
happens before any interceptor's handler runs, so it cannot be fixed there."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import ServiceDescriptor
from grpc_health.v1 import health, health_pb2
from grpc_reflection.v1alpha import reflection, reflection_pb2

from server.errors import InvalidArgument, Unimplemented, abort_with, grpc_errors, parse_request

__all__ = [
    "HEALTH_SERVICE",
    "REFLECTION_SERVICE",
    "RawHealthServicer",
    "RawReflectionServicer",
    "add_raw_service",
]

HEALTH_SERVICE = health_pb2.DESCRIPTOR.services_by_name["Health"]
REFLECTION_SERVICE = reflection_pb2.DESCRIPTOR.services_by_name["ServerReflection"]
# gRPC's handler factory for each (client streaming, server streaming).
_HANDLER_FACTORIES = {
    (False, False): grpc.unary_unary_rpc_method_handler,
    (False, True): grpc.unary_stream_rpc_method_handler,
    (True, False): grpc.stream_unary_rpc_method_handler,
    (True, True): grpc.stream_stream_rpc_method_handler,
}


def add_raw_service(server: grpc.Server, service: ServiceDescriptor, servicer: object) -> None:
    """Register every method of ``service`` as the generated ``add_*Servicer_to_server`` does,
    except that the servicer's methods (named as the RPCs) get the request bytes (no request
    deserializer; a client stream is an iterator of bytes)."""
    handlers = {}
    for method in service.methods:
        response = message_factory.GetMessageClass(method.output_type)
        factory = _HANDLER_FACTORIES[method.client_streaming, method.server_streaming]
        handlers[method.name] = factory(
            getattr(servicer, method.name), response_serializer=response.SerializeToString
        )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(service.full_name, handlers),)
    )
    server.add_registered_method_handlers(service.full_name, handlers)


class RawHealthServicer:
    """The standard health service (grpc.health.v1.Health) over request bytes: grpc_health's
    servicer keeps the statuses and answers; this parses. Register it with
    ``add_raw_service(server, HEALTH_SERVICE, RawHealthServicer(servicer))``."""

    def __init__(self, servicer: health.HealthServicer) -> None:
        self._servicer = servicer

    @grpc_errors
    def Check(self, request: bytes, context: grpc.ServicerContext) -> Any:
        parsed = parse_request(health_pb2.HealthCheckRequest, request)
        return self._servicer.Check(parsed, context)

    @grpc_errors
    def Watch(
        self, request: bytes, context: grpc.ServicerContext, send_response_callback: Any = None
    ) -> Any:
        parsed = parse_request(health_pb2.HealthCheckRequest, request)
        return self._servicer.Watch(parsed, context, send_response_callback)

    @grpc_errors
    def List(self, request: bytes, context: grpc.ServicerContext) -> Any:
        parse_request(health_pb2.HealthListRequest, request)
        # grpc_health's servicer does not implement List either (its base answers the same).
        raise Unimplemented("grpc.health.v1.Health/List is not served; use Check or Watch")

    # As grpc_health's own Watch: gRPC hands the handler a callback to send each status, so an
    # open watch does not hold a worker thread.
    Watch.experimental_non_blocking = True  # type: ignore[attr-defined]


class RawReflectionServicer:
    """grpc_reflection's servicer (grpc.reflection.v1alpha.ServerReflection) over a stream of
    request bytes: a message that does not parse ends the stream with INVALID_ARGUMENT."""

    def __init__(self, service_names: Iterable[str]) -> None:
        self._servicer = reflection.ReflectionServicer(tuple(service_names))

    def ServerReflectionInfo(
        self, requests: Iterator[bytes], context: grpc.ServicerContext
    ) -> Iterator[Any]:
        return self._servicer.ServerReflectionInfo(_parsed(requests, context), context)


def _parsed(requests: Iterator[bytes], context: grpc.ServicerContext) -> Iterator[Any]:
    for data in requests:
        try:
            yield parse_request(reflection_pb2.ServerReflectionRequest, data)
        except InvalidArgument as error:
            # Raised inside the servicer's response loop: gRPC ends the call with the aborted
            # status and logs nothing.
            abort_with(context, error)
