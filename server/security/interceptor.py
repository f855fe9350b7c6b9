"""The one server interceptor that guards every call: who calls (authentication), whether its
role may (the roles table), the advisor it names, and its limits."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import grpc

from server.errors import DomainError, PermissionDenied, ResourceExhausted, abort_with
from server.interception import Behavior, WrappedHandlers, rewrap
from server.security.authentication import Authenticator, advisor_name_of
from server.security.caller import Caller, caller_var
from server.security.credentials import load_credentials
from server.security.limits import CallerLimits, Limits
from server.security.roles import OPEN_SERVICES, may_call, service_of
from server.settings import Settings

__all__ = ["SecurityInterceptor"]

logger = logging.getLogger(__name__)


class SecurityInterceptor(grpc.ServerInterceptor):
    """Admits each call of a guarded service, or ends it with UNAUTHENTICATED,
    PERMISSION_DENIED, INVALID_ARGUMENT (``x-advisor-name``) or RESOURCE_EXHAUSTED (with
    RetryInfo), in that order, with one log line. The health service is open.

    The checks run in the call's handler rather than in ``intercept_service``: a client
    certificate is only visible there (``context.auth_context()``), and a call counted in
    before its handler runs could be dropped by gRPC (concurrency limit, cancellation) without
    ever being counted out. An admitted unary call sees its ``Caller`` through
    ``server.security.current_caller()``.
    """

    def __init__(self, authenticator: Authenticator, limits: CallerLimits) -> None:
        self._authenticator = authenticator
        self._limits = limits
        self._handlers = WrappedHandlers(self._guarded)

    @classmethod
    def from_settings(cls, settings: Settings) -> SecurityInterceptor:
        """The credentials file (or --no-auth), mTLS and limits of ``settings``."""
        credentials = None
        if settings.credentials_file is not None:
            credentials = load_credentials(settings.credentials_file)
            if settings.tls_client_ca is None and any(
                c.certificate_cn for c in credentials.callers
            ):
                logger.warning(
                    "callers with certificate_cn cannot authenticate without --tls-client-ca"
                )
        authenticator = Authenticator(
            credentials, verified_client_certificates=settings.tls_client_ca is not None
        )
        limits = Limits(settings.caller_max_in_flight, settings.caller_max_rate)
        return cls(authenticator, CallerLimits(limits))

    def intercept_service(
        self, continuation: Callable[[Any], Any], handler_call_details: Any
    ) -> Any:
        handler = continuation(handler_call_details)
        method: str = handler_call_details.method
        if handler is None or service_of(method) in OPEN_SERVICES:
            return handler
        return self._handlers.get(handler, method)

    def _admit(self, method: str, context: grpc.ServicerContext) -> Caller:
        """The caller, counted in; the refusal's status otherwise (the call ends here)."""
        try:
            name, role = self._authenticator.identify(context)
            if not may_call(role, method):
                raise PermissionDenied(f"caller {name!r} (role {role}) may not call {method}")
            caller = Caller(name, role, advisor_name_of(context))
            self._limits.acquire(name)
        except DomainError as error:
            level = logging.INFO if isinstance(error, ResourceExhausted) else logging.WARNING
            logger.log(level, "refused %s from %s: %s", method, context.peer(), error.message)
            abort_with(context, error)
        return caller

    def _guarded(self, handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
        return rewrap(
            handler,
            functools.partial(self._unary, method=method),
            functools.partial(self._streaming, method=method),
        )

    def _unary(self, behavior: Behavior, method: str) -> Behavior:
        @functools.wraps(behavior)
        def unary(request: Any, context: grpc.ServicerContext) -> Any:
            caller = self._admit(method, context)
            token = caller_var.set(caller)
            try:
                return behavior(request, context)
            finally:
                caller_var.reset(token)
                self._limits.release(caller.name)

        return unary

    def _streaming(self, behavior: Behavior, method: str) -> Behavior:
        # A stream outlives its handler's return: it is counted out when the call ends.
        # functools.wraps keeps gRPC's experimental_non_blocking marks of the behaviour.
        @functools.wraps(behavior)
        def streaming(request: Any, context: grpc.ServicerContext, *args: Any) -> Any:
            caller = self._admit(method, context)
            release = functools.partial(self._limits.release, caller.name)
            if not context.add_callback(release):  # the call has already ended
                release()
            return behavior(request, context, *args)

        return streaming
