"""SuggestChanges over gRPC: sequential latency over a sample of refused stored clients."""

from __future__ import annotations

import logging
from typing import Any

import grpc
import numpy as np

from benchmarks.grpc_load import CHANNEL_OPTIONS, cycling, sequential
from benchmarks.stats import Budget
from creditscore.v1 import credit_score_pb2 as cs
from creditscore.v1 import credit_score_pb2_grpc

__all__ = ["SAMPLE_CLIENTS", "TARGET_P50_MS", "measure_suggestions", "suggestions_markdown"]

logger = logging.getLogger(__name__)

# Refused clients asked about, in id order: not picked for having options (most have none, and
# their calls skip the bisection), so the figure is that of an advisor's ordinary refusals.
SAMPLE_CLIENTS = 100
# The target for one call.
TARGET_P50_MS = 50.0


def measure_suggestions(
    address: str, budget: Budget, sample: int = SAMPLE_CLIENTS
) -> tuple[dict[str, Any], np.ndarray]:
    """SuggestChanges of refused stored clients, one call at a time, with the samples (ns)."""
    with grpc.insecure_channel(address, options=CHANNEL_OPTIONS) as channel:
        stub = credit_score_pb2_grpc.CreditScoreServiceStub(channel)
        page = stub.SearchClients(
            cs.SearchClientsRequest(decision=cs.DECISION_REFUSE, page_size=sample)
        )
        requests = [cs.SuggestChangesRequest(client_id=c.client_id) for c in page.clients]
        if not requests:
            return {"status": "skipped", "reason": "no refused stored client"}, np.empty(0)
        # One pass over the sample, untimed: how many get options (and a warm-up).
        with_options = sum(bool(stub.SuggestChanges(r).options) for r in requests)
        logger.info(
            "SuggestChanges: %d refused clients, %d with options", len(requests), with_options
        )
        result, series = sequential(cycling(stub.SuggestChanges, requests), budget)
    entry = {
        "status": "measured",
        "clients": len(requests),
        "clients_with_options": with_options,
        **result.to_dict(),
    }
    return entry, series


def suggestions_markdown(entry: dict[str, Any]) -> str:
    """The section alone as Markdown (``python -m benchmarks suggestions``)."""
    if entry.get("status") != "measured":
        return f"# SuggestChanges\n\nNot measured: {entry.get('reason', '')}\n"
    latency = entry["latency"]
    verdict = "met" if latency["p50_ms"] <= TARGET_P50_MS else "MISSED"
    return "\n".join(
        [
            "# SuggestChanges (sequential, refused stored clients)",
            "",
            f"{entry['clients']} refused clients in id order, {entry['clients_with_options']} "
            "with options.",
            "",
            "| calls | p50 ms | p90 ms | p99 ms | max ms | target p50 |",
            "| ---: | ---: | ---: | ---: | ---: | --- |",
            f"| {latency['count']} | {latency['p50_ms']:.2f} | {latency['p90_ms']:.2f} | "
            f"{latency['p99_ms']:.2f} | {latency['max_ms']:.2f} | ≤ {TARGET_P50_MS:g} ms: "
            f"{verdict} |",
            "",
        ]
    )
