"""Who may call the server: callers, roles, credentials, TLS material and the call guard.

Only the dependency-free modules are re-exported here (logging reads the caller); import
``server.security.interceptor``, ``credentials``, ``tls`` or ``certificates`` directly.
"""

from __future__ import annotations

from server.security.caller import ANONYMOUS, Caller, caller_var, current_caller
from server.security.roles import METHOD_ROLES, Role

__all__ = ["ANONYMOUS", "METHOD_ROLES", "Caller", "Role", "caller_var", "current_caller"]
