"""A gRPC server in front of the real test server that holds chosen answers back, so that
answers come back in another order than the requests (races the app must survive)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from contextlib import contextmanager
from typing import Any

import grpc

from creditscore.v1 import credit_score_pb2_grpc, decision_record_pb2_grpc

# (method name, request) -> seconds to wait before forwarding.
Delay = Callable[[str, Any], float]


class _Forwarder:
    """Every RPC of a service, forwarded to a stub after the delay the test chose."""

    def __init__(self, stub: Any, delay: Delay) -> None:
        self._stub = stub
        self._delay = delay

    def __getattr__(self, name: str) -> Callable[[Any, grpc.ServicerContext], Any]:
        method = getattr(self._stub, name)

        def forward(request: Any, context: grpc.ServicerContext) -> Any:
            time.sleep(self._delay(name, request))
            try:
                return method(request, metadata=context.invocation_metadata(), timeout=30)
            except grpc.RpcError as error:
                context.abort(error.code(), error.details() or "")

        return forward


class SlowDown:
    """The delays of the forwarded calls, changed by the test as it goes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client_delays: dict[int, float] = {}
        self._search_delay = 0.0

    def set_client_delays(self, delays: dict[int, float]) -> None:
        """GetClient of each client id waits this long (others: no wait)."""
        with self._lock:
            self._client_delays = dict(delays)

    def set_search_delay(self, seconds: float) -> None:
        """Every SearchClients waits this long."""
        with self._lock:
            self._search_delay = seconds

    def __call__(self, method: str, request: Any) -> float:
        if method == "SearchClients":
            with self._lock:
                return self._search_delay
        if method != "GetClient":
            return 0.0
        with self._lock:
            return self._client_delays.get(int(request.client_id), 0.0)


@contextmanager
def slow_server(target: str, slow_down: SlowDown) -> Iterator[str]:
    """A forwarding server to `target` on a loopback port; yields its address."""
    channel = grpc.insecure_channel(target)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    scores = _Forwarder(credit_score_pb2_grpc.CreditScoreServiceStub(channel), slow_down)
    records = _Forwarder(decision_record_pb2_grpc.DecisionRecordServiceStub(channel), slow_down)
    credit_score_pb2_grpc.add_CreditScoreServiceServicer_to_server(scores, server)
    decision_record_pb2_grpc.add_DecisionRecordServiceServicer_to_server(records, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(grace=None)
        channel.close()
