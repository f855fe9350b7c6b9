"""The one table of which role may call which method (and Explain's stored-client rule)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "HEALTH_SERVICE",
    "METHOD_ROLES",
    "OPEN_SERVICES",
    "STORED_CLIENT_EXPLAIN_ROLES",
    "STORED_CLIENT_SUGGEST_ROLES",
    "Role",
    "may_call",
    "may_explain_stored_client",
    "may_suggest_for_stored_client",
    "service_of",
]


class Role(enum.StrEnum):
    """What a caller is for; each caller has exactly one."""

    # A system that scores applications (loan origination, batch jobs, KServe tooling).
    SCORING = "scoring"
    # The advisors' web app: scoring plus reading the stored clients.
    ADVISOR = "advisor"
    # Audit: model information and every decision record (read only).
    AUDITOR = "auditor"


HEALTH_SERVICE = "grpc.health.v1.Health"
# Open to anyone without credentials: load balancers' and orchestrators' probes carry none.
OPEN_SERVICES = frozenset({HEALTH_SERVICE})

_CREDIT = "/creditscore.v1.CreditScoreService/"
_V2 = "/inference.GRPCInferenceService/"
_REFLECTION = "/grpc.reflection.v1alpha.ServerReflection/"
_RECORD = "/creditscore.v1.DecisionRecordService/"

_SCORING = frozenset({Role.SCORING, Role.ADVISOR})
_ADVISOR = frozenset({Role.ADVISOR})
_READERS = frozenset({Role.ADVISOR, Role.AUDITOR})
_ANY = frozenset(Role)

# Full method name -> the roles that may call it. A method missing here is refused
# (PERMISSION_DENIED); a test checks that every method of the served services has a rule.
METHOD_ROLES: Mapping[str, frozenset[Role]] = MappingProxyType(
    {
        f"{_CREDIT}Score": _SCORING,
        f"{_CREDIT}ScoreBatch": _SCORING,
        # Of a payload; of a stored client it takes STORED_CLIENT_EXPLAIN_ROLES as well.
        f"{_CREDIT}Explain": _SCORING,
        f"{_CREDIT}GetClient": _ADVISOR,
        f"{_CREDIT}SearchClients": _ADVISOR,
        f"{_CREDIT}ComparePeers": _ADVISOR,
        f"{_CREDIT}GetModelInfo": _ANY,
        # Of a payload; of a stored client it takes STORED_CLIENT_SUGGEST_ROLES as well.
        f"{_CREDIT}SuggestChanges": _SCORING,
        # Advisors record their decisions and read the record; auditors read all of it;
        # scoring callers neither.
        f"{_RECORD}RecordDecision": _ADVISOR,
        f"{_RECORD}ListDecisions": _READERS,
        f"{_RECORD}GetDecision": _READERS,
        f"{_V2}ServerLive": _SCORING,
        f"{_V2}ServerReady": _SCORING,
        f"{_V2}ModelReady": _SCORING,
        f"{_V2}ServerMetadata": _SCORING,
        f"{_V2}ModelMetadata": _SCORING,
        f"{_V2}ModelInfer": _SCORING,
        f"{_V2}ModelConfig": _SCORING,
        f"{_V2}ModelStatistics": _SCORING,
        # Served only with --reflection; then any known caller may list the services.
        f"{_REFLECTION}ServerReflectionInfo": _ANY,
    }
)

# Explain of a stored client (a request with client_id) reads the client book, as GetClient
# does. The interceptor sees only the method, so the Explain path checks this itself.
STORED_CLIENT_EXPLAIN_ROLES = _ADVISOR
# SuggestChanges of a stored client reads the client book too (its stored application).
STORED_CLIENT_SUGGEST_ROLES = _ADVISOR


def service_of(method: str) -> str:
    """``/package.Service/Method`` -> ``package.Service``."""
    return method.strip("/").partition("/")[0]


def may_call(role: Role, method: str) -> bool:
    """Whether ``role`` may call the full method name ``method`` (False for unknown methods)."""
    return role in METHOD_ROLES.get(method, frozenset())


def may_explain_stored_client(role: Role) -> bool:
    return role in STORED_CLIENT_EXPLAIN_ROLES


def may_suggest_for_stored_client(role: Role) -> bool:
    return role in STORED_CLIENT_SUGGEST_ROLES
