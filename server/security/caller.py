"""The authenticated caller of the call being handled (set by the security interceptor)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from server.security.roles import Role

__all__ = ["ANONYMOUS", "Caller", "caller_var", "current_caller"]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the credentials file's name and role, and the advisor on whose behalf
    the call is made (``x-advisor-name`` metadata sent by the web app; None when absent)."""

    name: str
    role: Role
    advisor_name: str | None = None


# With --no-auth every call comes from this caller: it may do everything an advisor may
# (which includes every scoring RPC), but not what only auditors may.
ANONYMOUS = Caller("anonymous", Role.ADVISOR)

# The caller of the call the current thread is handling (None outside calls and on the open
# health service). A context variable, as the request id is: each handler sees its own call's.
caller_var: ContextVar[Caller | None] = ContextVar("caller", default=None)


def current_caller() -> Caller | None:
    """The authenticated caller of the call being handled, None outside a guarded call."""
    return caller_var.get()
