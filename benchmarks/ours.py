"""Our server over gRPC: Score, ScoreBatch, Explain, GetClient, ComparePeers, SearchClients,
SuggestChanges, V2."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
import numpy as np
import pandas as pd
from google.protobuf import json_format
from grpc_health.v1 import health_pb2, health_pb2_grpc

from benchmarks.floor import empty_call
from benchmarks.grpc_load import (
    CHANNEL_OPTIONS,
    AsyncCall,
    concurrent_load,
    cycling,
    interleaved,
    sequential,
)
from benchmarks.plan import Plan
from benchmarks.stats import Budget
from benchmarks.suggestions import measure_suggestions
from benchmarks.v2 import OUR_MODEL, infer_request
from benchmarks.workload import Workload
from creditscore.columns import batch_request, score_frame
from creditscore.v1 import application_pb2, credit_score_pb2_grpc
from creditscore.v1 import credit_score_pb2 as cs
from inference import grpc_service_pb2_grpc

__all__ = [
    "Samples",
    "applications_frame",
    "async_score",
    "fetch_applications",
    "measure_explain",
    "measure_ours",
]

logger = logging.getLogger(__name__)

# Latency samples (ns) by series name, for the CDF plot.
Samples = dict[str, np.ndarray]


@dataclass(frozen=True)
class _Stubs:
    channel: grpc.Channel
    score: credit_score_pb2_grpc.CreditScoreServiceStub
    v2: grpc_service_pb2_grpc.GRPCInferenceServiceStub
    health: health_pb2_grpc.HealthStub


def _stubs(address: str) -> _Stubs:
    channel = grpc.insecure_channel(address, options=CHANNEL_OPTIONS)
    return _Stubs(
        channel,
        credit_score_pb2_grpc.CreditScoreServiceStub(channel),
        grpc_service_pb2_grpc.GRPCInferenceServiceStub(channel),
        health_pb2_grpc.HealthStub(channel),
    )


def fetch_applications(address: str, client_ids: np.ndarray) -> list[application_pb2.Application]:
    """The stored applications of ``client_ids`` (GetClient), to send as Score payloads."""
    stubs = _stubs(address)
    try:
        return [
            stubs.score.GetClient(cs.GetClientRequest(client_id=int(c))).application
            for c in client_ids
        ]
    finally:
        stubs.channel.close()


def _cycle(items: list[Any]) -> Callable[[int], Any]:
    return lambda i: items[i % len(items)]


def measure_ours(
    address: str,
    floor_address: str,
    workload: Workload,
    applications: list[application_pb2.Application],
    plan: Plan,
) -> tuple[dict[str, Any], Samples]:
    """Every RPC of our server, sequentially; Score under load; ScoreBatch (stored ids, list and
    columnar payloads) and V2 by size.

    The empty call to the floor server (``empty_call``), the health check and Score are
    measured in turns (``interleaved``), so that their ratios come from the same moments.
    """
    stubs = _stubs(address)
    ids = [int(c) for c in workload.client_ids]
    stored = _cycle([cs.ScoreRequest(client_id=c) for c in ids])
    payload = _cycle([cs.ScoreRequest(application=a) for a in applications])
    results: dict[str, Any] = {}
    samples: Samples = {}

    def run(name: str, call: Callable[[int], object], budget: Budget, rows: int = 1) -> None:
        logger.info("ours: %s", name)
        result, series = sequential(call, budget, rows)
        results[name] = result.to_dict()
        samples[name] = series

    try:
        check = health_pb2.HealthCheckRequest(service="")
        with grpc.insecure_channel(floor_address, options=CHANNEL_OPTIONS) as floor:
            logger.info("ours: floor, health check and Score, in turns")
            fast = interleaved(
                {
                    "empty_call": empty_call(floor),
                    "health_check": lambda i: stubs.health.Check(check),
                    "score_stored": lambda i: stubs.score.Score(stored(i)),
                    "score_payload": lambda i: stubs.score.Score(payload(i)),
                },
                plan.fast,
                plan.interleave_rounds,
            )
        for name, (result, series) in fast.items():
            results[name] = result.to_dict()
            samples[name] = series
        run(
            "explain",
            lambda i: stubs.score.Explain(cs.ExplainRequest(client_id=ids[i % len(ids)])),
            plan.slow,
        )
        run(
            "get_client",
            lambda i: stubs.score.GetClient(cs.GetClientRequest(client_id=ids[i % len(ids)])),
            plan.slow,
        )
        run(
            "compare_peers",
            lambda i: stubs.score.ComparePeers(cs.ComparePeersRequest(client_id=ids[i % len(ids)])),
            plan.slow,
        )
        search = _cycle(
            [
                cs.SearchClientsRequest(page_size=50),
                cs.SearchClientsRequest(
                    client_id_prefix="10", order_by="default_probability desc", page_size=50
                ),
                cs.SearchClientsRequest(
                    decision=cs.DECISION_REFUSE, min_default_probability=0.2, page_size=50
                ),
            ]
        )
        run("search_clients", lambda i: stubs.score.SearchClients(search(i)), plan.slow)
        logger.info("ours: suggest_changes")
        results["suggest_changes"], samples["suggest_changes"] = measure_suggestions(
            address, plan.slow
        )
        results["score_batch"] = _score_batches(stubs, ids, applications, plan, samples)
        results["model_infer"] = _model_infer(stubs, workload, plan, samples)
    finally:
        stubs.channel.close()
    results["score_concurrency"] = {
        kind: [
            concurrent_load(address, async_score(requests), level, plan.load).to_dict()
            for level in plan.concurrency_levels
        ]
        for kind, requests in (
            ("stored", [cs.ScoreRequest(client_id=c) for c in ids]),
            ("payload", [cs.ScoreRequest(application=a) for a in applications]),
        )
    }
    return results, samples


def async_score(requests: list[cs.ScoreRequest]) -> Callable[[grpc.aio.Channel], AsyncCall]:
    def make(channel: grpc.aio.Channel) -> AsyncCall:
        stub = credit_score_pb2_grpc.CreditScoreServiceStub(channel)

        async def call(i: int) -> Any:
            return await stub.Score(requests[i % len(requests)])

        return call

    return make


def _batches(count_items: int, size: int, count: int = 4) -> list[np.ndarray]:
    """Positions of ``count`` different batches of ``size`` items, cycling through the items."""
    return [np.arange(b * size, (b + 1) * size) % count_items for b in range(count)]


def applications_frame(applications: list[application_pb2.Application]) -> pd.DataFrame:
    """The applications as a DataFrame named by Application field names, NaN where unset:
    the same rows as the list-form payloads, ready for ``application_columns``."""
    return pd.DataFrame.from_records(
        [json_format.MessageToDict(a, preserving_proto_field_name=True) for a in applications]
    )


def _check_columnar(response: cs.ScoreBatchResponse, rows: int) -> None:
    """Fail the run rather than time a columnar batch whose rows are not all scored."""
    scores = score_frame(response)
    errors = scores["error"][scores["error"] != ""]
    if len(scores) != rows or len(errors):
        first = errors.iloc[0] if len(errors) else "no row"
        raise RuntimeError(
            f"columnar ScoreBatch of {rows} rows: {len(scores)} scores, {len(errors)} failed "
            f"rows ({first})"
        )


def _score_batches(
    stubs: _Stubs,
    ids: list[int],
    applications: list[application_pb2.Application],
    plan: Plan,
    samples: Samples,
) -> dict[str, dict[str, Any]]:
    """ScoreBatch by size on the same rows: stored ids, payloads as a list and as columns."""
    frame = applications_frame(applications)
    out: dict[str, dict[str, Any]] = {"stored": {}, "payload": {}, "columnar": {}}
    for size in plan.batch_sizes:
        batches = _batches(len(ids), size)
        requests = {
            "stored": [
                cs.ScoreBatchRequest(requests=[cs.ScoreRequest(client_id=ids[p]) for p in b])
                for b in batches
            ],
            "payload": [
                cs.ScoreBatchRequest(
                    requests=[cs.ScoreRequest(application=applications[p]) for p in b]
                )
                for b in batches
            ],
            "columnar": [batch_request(frame.iloc[b]) for b in batches],
        }
        _check_columnar(stubs.score.ScoreBatch(requests["columnar"][0]), size)
        for kind, kind_requests in requests.items():
            logger.info("ours: ScoreBatch %s x%d", kind, size)
            call = cycling(stubs.score.ScoreBatch, kind_requests)
            result, series = sequential(call, plan.batch, size)
            out[kind][str(size)] = result.to_dict()
            samples[f"score_batch_{kind}_{size}"] = series
    return out


def _model_infer(
    stubs: _Stubs, workload: Workload, plan: Plan, samples: Samples
) -> dict[str, dict[str, Any]]:
    feed = workload.onnx_feed
    rows = len(workload.client_ids)
    out: dict[str, dict[str, Any]] = {}
    for size in plan.batch_sizes:
        logger.info("ours: ModelInfer x%d", size)
        picks = [np.arange(b * size, (b + 1) * size) % rows for b in range(4)]
        requests = [infer_request(OUR_MODEL, {k: v[p] for k, v in feed.items()}) for p in picks]
        budget = plan.fast if size == 1 else plan.batch
        result, series = sequential(cycling(stubs.v2.ModelInfer, requests), budget, size)
        out[str(size)] = result.to_dict()
        samples[f"model_infer_{size}"] = series
    return out


def measure_explain(address: str, workload: Workload, budget: Budget) -> dict[str, Any]:
    """Explain latency alone (the many-trees model), with its tree count."""
    stubs = _stubs(address)
    ids = [int(c) for c in workload.client_ids]
    try:
        result, _ = sequential(
            lambda i: stubs.score.Explain(cs.ExplainRequest(client_id=ids[i % len(ids)])),
            budget,
        )
    finally:
        stubs.channel.close()
    return {"num_trees": workload.num_trees, **result.to_dict()}
