"""The load of the crash tests: CALLERS threads sending Score, ScoreBatch and Explain calls,
each with its own x-request-id and applications whose bytes no other call of the store sent,
until the server is killed under them. Each call remembers what the client was told: a
decision counts as acknowledged only when its response arrived with status OK."""

from __future__ import annotations

import collections
import itertools
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import grpc

from creditscore.v1 import application_pb2, credit_score_pb2_grpc
from creditscore.v1 import credit_score_pb2 as pb
from creditscore.v1 import decision_record_pb2 as records_pb

__all__ = [
    "CALLERS",
    "Acknowledged",
    "Applications",
    "CallOutcome",
    "LoadResult",
    "load_until_killed",
]

CALLERS = 32
BATCH_ITEMS = 4
# Mostly Score, the call a scoring client makes; each caller starts at its own place in the
# mix so that every kind of call is in flight at any moment.
MIX = ("Score", "Score", "ScoreBatch", "Score", "Score", "Explain", "Score", "Score")
# Only bounds a stuck call: a killed server fails its calls at once (connection reset).
CALL_TIMEOUT_SECONDS = 30.0
POLL_SECONDS = 0.02

_OK = grpc.StatusCode.OK


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """One decision the client received: what it sent, and what it was told."""

    request_id: str
    kind: int  # records_pb.RecordKind
    batch_index: int | None
    # The Application sent, in deterministic protobuf bytes: what the record must hold.
    application: bytes
    probability: float
    decision: int  # pb.Decision
    threshold: float
    model_version: str

    @property
    def key(self) -> tuple[str, int | None]:
        return self.request_id, self.batch_index


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """One call: when it ran (monotonic clock), its status, and the decisions it returned."""

    method: str
    request_id: str
    started: float
    ended: float
    code: grpc.StatusCode
    decisions: tuple[Acknowledged, ...]


@dataclass(frozen=True)
class LoadResult:
    """Every call of one load, and when the kill signal was sent."""

    calls: tuple[CallOutcome, ...]
    started_at: float
    # Taken just before the signal: a call that ended later was still open when it went.
    killed_at: float

    @property
    def acknowledged_calls(self) -> int:
        return sum(call.code == _OK for call in self.calls)

    @property
    def acknowledged(self) -> tuple[Acknowledged, ...]:
        return tuple(d for call in self.calls if call.code == _OK for d in call.decisions)

    @property
    def in_flight_at_kill(self) -> int:
        return sum(call.started < self.killed_at < call.ended for call in self.calls)

    @property
    def acknowledged_after_kill(self) -> int:
        """Calls answered OK whose answer reached the client after the signal: their record
        was written just before the process died."""
        return sum(call.code == _OK and call.ended > self.killed_at for call in self.calls)

    @property
    def failures_before_kill(self) -> list[str]:
        return [
            f"{call.method} {call.request_id}: {call.code.name}"
            for call in self.calls
            if call.code != _OK and call.ended < self.killed_at
        ]

    @property
    def failures_after_kill(self) -> dict[str, int]:
        codes = collections.Counter(
            call.code.name
            for call in self.calls
            if call.code != _OK and call.ended >= self.killed_at
        )
        return dict(sorted(codes.items()))

    @property
    def seconds_under_load(self) -> float:
        return self.killed_at - self.started_at


class Applications:
    """Distinct applications: real ones with amt_credit raised by a serial number of cents and
    amt_annuity by a few cents, so that no two applications of one store have the same bytes
    (the serial runs on across rounds) while each stays as valid as the one it came from."""

    def __init__(self, bases: Sequence[application_pb2.Application]) -> None:
        self._bases = tuple(bases)
        self._serials = itertools.count(1)  # next() on it is atomic under the GIL

    def next(self) -> application_pb2.Application:
        serial = next(self._serials)
        base = self._bases[serial % len(self._bases)]
        application = application_pb2.Application()
        application.CopyFrom(base)
        application.amt_credit = base.amt_credit + serial * 0.01
        application.amt_annuity = base.amt_annuity + (serial % 100) * 0.01
        return application


def load_until_killed(
    address: str,
    request_prefix: str,
    applications: Applications,
    kill: Callable[[], None],
    *,
    min_seconds: float,
    min_acknowledged: int,
    max_seconds: float,
) -> LoadResult:
    """Load the server at ``address`` with CALLERS callers; once it has run ``min_seconds``
    and ``min_acknowledged`` calls were answered (or ``max_seconds`` passed, or the server
    died), call ``kill`` with the calls in flight, and return every call's outcome."""
    stop = threading.Event()
    outcomes: list[CallOutcome] = []  # list.append is atomic: the callers share it
    with grpc.insecure_channel(address) as channel:
        stub = credit_score_pb2_grpc.CreditScoreServiceStub(channel)
        callers = [
            threading.Thread(
                target=_caller,
                args=(stub, f"{request_prefix}-c{index:02d}", index, applications, stop, outcomes),
                name=f"kill9-caller-{index}",
                daemon=True,
            )
            for index in range(CALLERS)
        ]
        started_at = time.monotonic()
        for caller in callers:
            caller.start()
        _wait_for_load(outcomes, started_at, min_seconds, min_acknowledged, max_seconds)
        killed_at = time.monotonic()
        kill()
        stop.set()
        for caller in callers:
            caller.join(CALL_TIMEOUT_SECONDS + 5.0)
        stuck = [caller.name for caller in callers if caller.is_alive()]
        assert not stuck, f"callers still in a call after the kill: {stuck}"
    return LoadResult(tuple(outcomes), started_at, killed_at)


def _wait_for_load(
    outcomes: list[CallOutcome],
    started_at: float,
    min_seconds: float,
    min_acknowledged: int,
    max_seconds: float,
) -> None:
    while True:
        elapsed = time.monotonic() - started_at
        acknowledged = sum(call.code == _OK for call in list(outcomes))
        if elapsed >= max_seconds or (elapsed >= min_seconds and acknowledged >= min_acknowledged):
            return
        time.sleep(POLL_SECONDS)


def _caller(
    stub: credit_score_pb2_grpc.CreditScoreServiceStub,
    prefix: str,
    index: int,
    applications: Applications,
    stop: threading.Event,
    outcomes: list[CallOutcome],
) -> None:
    for number in itertools.count():
        if stop.is_set():
            return
        method = MIX[(index + number) % len(MIX)]
        outcomes.append(_call(stub, method, f"{prefix}-{number:05d}", applications))


def _call(
    stub: credit_score_pb2_grpc.CreditScoreServiceStub,
    method: str,
    request_id: str,
    applications: Applications,
) -> CallOutcome:
    send = _SENDERS[method]
    started = time.monotonic()
    try:
        decisions = send(stub, request_id, applications)
        code = _OK
    except grpc.RpcError as error:
        decisions, code = (), error.code()
    return CallOutcome(method, request_id, started, time.monotonic(), code, decisions)


_Sender = Callable[
    [credit_score_pb2_grpc.CreditScoreServiceStub, str, Applications], tuple[Acknowledged, ...]
]


def _score(
    stub: credit_score_pb2_grpc.CreditScoreServiceStub, request_id: str, apps: Applications
) -> tuple[Acknowledged, ...]:
    application = apps.next()
    response = stub.Score(
        pb.ScoreRequest(application=application),
        metadata=_metadata(request_id),
        timeout=CALL_TIMEOUT_SECONDS,
    )
    kind = records_pb.RECORD_KIND_SCORE
    return (_acknowledged(request_id, kind, None, application, response.score),)


def _score_batch(
    stub: credit_score_pb2_grpc.CreditScoreServiceStub, request_id: str, apps: Applications
) -> tuple[Acknowledged, ...]:
    items = [apps.next() for _ in range(BATCH_ITEMS)]
    response = stub.ScoreBatch(
        pb.ScoreBatchRequest(requests=[pb.ScoreRequest(application=a) for a in items]),
        metadata=_metadata(request_id),
        timeout=CALL_TIMEOUT_SECONDS,
    )
    kind = records_pb.RECORD_KIND_SCORE
    # An item answered with an error gave no decision, so it is owed no record.
    return tuple(
        _acknowledged(request_id, kind, result.index, items[result.index], result.score)
        for result in response.results
        if result.HasField("score")
    )


def _explain(
    stub: credit_score_pb2_grpc.CreditScoreServiceStub, request_id: str, apps: Applications
) -> tuple[Acknowledged, ...]:
    application = apps.next()
    response = stub.Explain(
        pb.ExplainRequest(application=application, language_code="en"),
        metadata=_metadata(request_id),
        timeout=CALL_TIMEOUT_SECONDS,
    )
    kind = records_pb.RECORD_KIND_EXPLAIN
    return (_acknowledged(request_id, kind, None, application, response.score),)


_SENDERS: dict[str, _Sender] = {"Score": _score, "ScoreBatch": _score_batch, "Explain": _explain}


def _metadata(request_id: str) -> tuple[tuple[str, str], ...]:
    return (("x-request-id", request_id),)


def _acknowledged(
    request_id: str,
    kind: int,
    batch_index: int | None,
    application: application_pb2.Application,
    score: pb.ScoreResult,
) -> Acknowledged:
    return Acknowledged(
        request_id=request_id,
        kind=kind,
        batch_index=batch_index,
        application=application.SerializeToString(deterministic=True),
        probability=score.default_probability,
        decision=score.decision,
        threshold=score.threshold,
        model_version=score.model_version,
    )
