"""Tests of ``python -m server.records``, and their helpers: a store a real server filled."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import grpc

from creditscore.v1 import (
    application_pb2,
    credit_score_pb2,
    credit_score_pb2_grpc,
    decision_record_pb2,
    decision_record_pb2_grpc,
)
from server.artifacts import ServingArtifacts
from server.records.sql_store import open_store
from server.records.store import RecordFilter
from tests.server.conftest import start_server

REPO_ROOT = Path(__file__).resolve().parents[3]
# Stored clients scored alone in the batch, and clients sent as payloads (with and without
# their id): enough decisions for a challenger model to change some of them.
STORED_IN_BATCH = 150
PAYLOADS_IN_BATCH = 20
MODEL_KINDS = (decision_record_pb2.RECORD_KIND_SCORE, decision_record_pb2.RECORD_KIND_EXPLAIN)


@dataclass(frozen=True)
class Traffic:
    """What a real server recorded, and what it answered.

    ``answers``: (request id, batch index) -> the probability the caller received, for every
    Score, ScoreBatch item and Explain sent; ``boundary``: a time between the first calls
    (Score, ScoreBatch) and the last ones (Explain, RecordDecision).
    """

    store: Path
    records: list[decision_record_pb2.DecisionRecord]
    answers: dict[tuple[str, int | None], float]
    boundary: datetime

    def model_records(self) -> list[decision_record_pb2.DecisionRecord]:
        return [r for r in self.records if r.kind in MODEL_KINDS]

    def by_request(self, request_id: str) -> decision_record_pb2.DecisionRecord:
        (record,) = (r for r in self.records if r.request_id == request_id)
        return record


def record_traffic(artifacts: ServingArtifacts, store: Path) -> Traffic:
    """Send Score (stored client, payload, what-if), ScoreBatch, Explain and two advisors'
    decisions to a server recording to ``store``; return what it recorded."""
    running = start_server(artifacts, record_db=str(store))
    answers: dict[tuple[str, int | None], float] = {}
    try:
        with grpc.insecure_channel(running.address) as channel:
            scoring = credit_score_pb2_grpc.CreditScoreServiceStub(channel)
            decisions = decision_record_pb2_grpc.DecisionRecordServiceStub(channel)
            clients = [int(c) for c in artifacts.features.client_ids[: STORED_IN_BATCH + 40]]
            _score_calls(scoring, clients, answers)
            time.sleep(0.05)
            boundary = datetime.now(UTC)
            time.sleep(0.05)
            _explain_and_decide(scoring, decisions, clients, answers)
    finally:
        running.server.shutdown(grace_seconds=1.0).wait(5)
    return Traffic(store, stored_records(store), answers, boundary)


def stored_records(path: Path) -> list[decision_record_pb2.DecisionRecord]:
    """Every record of the store at ``path``, oldest first."""
    store = open_store(str(path))
    try:
        return list(store.scan(RecordFilter()))
    finally:
        store.close()


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -m server.records ARGS`` from the repository root, without the store named by
    the environment."""
    env = {k: v for k, v in os.environ.items() if k != "CREDITSCORE_RECORD_DB"}
    return subprocess.run(
        [sys.executable, "-m", "server.records", *map(str, args)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _score_calls(
    scoring: credit_score_pb2_grpc.CreditScoreServiceStub,
    clients: list[int],
    answers: dict[tuple[str, int | None], float],
) -> None:
    def stored_application(client: int) -> application_pb2.Application:
        return scoring.GetClient(credit_score_pb2.GetClientRequest(client_id=client)).application

    first = clients[0]
    single = {
        "score-stored": credit_score_pb2.ScoreRequest(client_id=first),
        "score-payload": credit_score_pb2.ScoreRequest(application=stored_application(first)),
        "score-what-if": credit_score_pb2.ScoreRequest(
            client_id=clients[1], application=_what_if(stored_application(clients[1]))
        ),
    }
    for request_id, request in single.items():
        response = scoring.Score(request, metadata=[("x-request-id", request_id)])
        answers[(request_id, None)] = response.score.default_probability
    items = [credit_score_pb2.ScoreRequest(client_id=c) for c in clients[:STORED_IN_BATCH]]
    for k, client in enumerate(clients[STORED_IN_BATCH : STORED_IN_BATCH + PAYLOADS_IN_BATCH]):
        payload = stored_application(client)
        items.append(
            credit_score_pb2.ScoreRequest(client_id=client, application=payload)
            if k % 2
            else credit_score_pb2.ScoreRequest(application=payload)
        )
    batch = scoring.ScoreBatch(
        credit_score_pb2.ScoreBatchRequest(requests=items), metadata=[("x-request-id", "batch")]
    )
    for result in batch.results:
        answers[("batch", result.index)] = result.score.default_probability


def _explain_and_decide(
    scoring: credit_score_pb2_grpc.CreditScoreServiceStub,
    decisions: decision_record_pb2_grpc.DecisionRecordServiceStub,
    clients: list[int],
    answers: dict[tuple[str, int | None], float],
) -> None:
    """An Explain, an advisor overriding it, and an advisor agreeing with a fresh score."""
    client = clients[-1]
    explained = scoring.Explain(
        credit_score_pb2.ExplainRequest(client_id=client, language_code="en"),
        metadata=[("x-request-id", "explain")],
    )
    answers[("explain", None)] = explained.score.default_probability
    approved = explained.score.decision == credit_score_pb2.DECISION_APPROVE
    record = decision_record_pb2
    decisions.RecordDecision(
        record.RecordDecisionRequest(
            request_id="advisor-override",
            client_id=client,
            decision=record.FINAL_DECISION_REFUSE if approved else record.FINAL_DECISION_APPROVE,
            model_request_id="explain",
            override_reason=(
                record.OVERRIDE_REASON_AFFORDABILITY
                if approved
                else record.OVERRIDE_REASON_INCOME_VERIFIED
            ),
            note="checked with the client",
        )
    )
    decisions.RecordDecision(
        record.RecordDecisionRequest(
            request_id="advisor-refers",
            client_id=clients[-2],
            decision=record.FINAL_DECISION_REFER,
            note="a second reader should look at the income",
        )
    )


def _what_if(application: application_pb2.Application) -> application_pb2.Application:
    """``application`` asking for half as much credit again."""
    changed = application_pb2.Application()
    changed.CopyFrom(application)
    changed.amt_credit = application.amt_credit * 1.5
    return changed
