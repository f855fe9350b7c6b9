"""``python -m server.records replay``: the recorded decisions re-scored with a challenger
model, checked against the challenger's own Scorer."""

from __future__ import annotations

import dataclasses
import json
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from creditscore.v1 import application_pb2, credit_score_pb2
from creditscore.v1 import decision_record_pb2 as pb
from model_build.train_job import train
from server.artifacts import ServingArtifacts, load_artifacts
from server.converters.application_rows import ApplicationReader
from server.records.sql_store import open_store
from server.scorer import Decision, ScoreQuery, Scorer
from tests.server.conftest import FAST
from tests.server.records_cli import Traffic, record_traffic, run_cli

# Another seed and a smaller forest: a plausible challenger that disagrees on some clients.
CHALLENGER = dataclasses.replace(
    FAST,
    seed=FAST.seed + 1,
    lightgbm=dataclasses.replace(FAST.lightgbm, max_rounds=30, num_leaves=7),
)
_DECISIONS = {Decision.APPROVE: "approve", Decision.REFUSE: "refuse"}


@dataclasses.dataclass(frozen=True)
class Replay:
    """A replay's outputs: replay_summary.json, changed_decisions.csv and what it printed."""

    summary: dict[str, Any]
    changed: pd.DataFrame
    stdout: str


@pytest.fixture(scope="module")
def traffic(
    serving_artifacts: ServingArtifacts, tmp_path_factory: pytest.TempPathFactory
) -> Traffic:
    return record_traffic(serving_artifacts, tmp_path_factory.mktemp("replay") / "records.sqlite")


@pytest.fixture(scope="module")
def challenger_dir(synthetic_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("challenger")
    train(synthetic_data_dir, out, CHALLENGER, progress=False)
    return out


@pytest.fixture(scope="module")
def challenger(challenger_dir: Path) -> Scorer:
    return Scorer(load_artifacts(challenger_dir))


def replay(store: Path, artifacts: Path, out: Path) -> Replay:
    done = run_cli("replay", "--record-db", store, "--artifacts", artifacts, "--out", out)
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "replay_summary.json").read_text())
    changed = pd.read_csv(out / "changed_decisions.csv", dtype={"record_id": str})
    return Replay(summary, changed, done.stdout)


@pytest.fixture(scope="module")
def same_model(
    traffic: Traffic, artifacts_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Replay:
    return replay(traffic.store, artifacts_dir, tmp_path_factory.mktemp("same"))


@pytest.fixture(scope="module")
def challenged(
    traffic: Traffic, challenger_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Replay:
    return replay(traffic.store, challenger_dir, tmp_path_factory.mktemp("challenged"))


def rescored(scorer: Scorer, record: pb.DecisionRecord) -> tuple[float, str]:
    """The probability and decision ``scorer`` gives the application ``record`` holds, one
    Score at a time."""
    client = record.client_id if record.HasField("client_id") else None
    if not record.application:
        result = scorer.score(ScoreQuery(client, None), None)
    else:
        application = application_pb2.Application.FromString(record.application)
        rows = ApplicationReader(scorer.codes).messages([application])
        result = scorer.score(ScoreQuery(client, 0), rows)
    return result.probability, _DECISIONS[result.decision]


def test_the_serving_model_replayed_changes_no_decision(
    traffic: Traffic, serving_artifacts: ServingArtifacts, same_model: Replay
) -> None:
    summary = same_model.summary
    model_records = len(traffic.model_records())
    assert model_records == len(traffic.answers) + 1  # and the score the referral recorded
    assert summary["challenger_model_version"] == serving_artifacts.model_version
    assert summary["recorded_model_versions"] == {serving_artifacts.model_version: model_records}
    assert summary["records_replayed"] == summary["decisions_unchanged"] == model_records
    assert summary["approve_to_refuse"] == summary["refuse_to_approve"] == 0
    assert summary["not_replayable"] == 0
    assert summary["mean_absolute_probability_change"] == pytest.approx(0.0, abs=1e-12)
    assert same_model.changed.empty
    assert list(same_model.changed.columns) == [
        "record_id",
        "client_id",
        "request_id",
        "model_version",
        "probability_before",
        "probability_after",
        "decision_before",
        "decision_after",
    ]


def test_the_serving_model_agrees_with_none_of_the_overrides_of_its_decisions(
    same_model: Replay,
) -> None:
    assert same_model.summary["advisor_overrides"] == 1
    assert same_model.summary["overrides_challenger_agrees"] == 0


def test_a_challenger_changes_exactly_the_decisions_its_scorer_changes(
    traffic: Traffic, challenger: Scorer, challenged: Replay
) -> None:
    rows = []
    absolute_change = 0.0
    for record in traffic.model_records():
        probability, decision = rescored(challenger, record)
        absolute_change += abs(probability - record.default_probability)
        before = (
            "approve" if record.model_decision == credit_score_pb2.DECISION_APPROVE else "refuse"
        )
        if decision != before:
            rows.append(
                {
                    "record_id": record.record_id,
                    "client_id": record.client_id if record.HasField("client_id") else None,
                    "request_id": record.request_id,
                    "model_version": record.model_version,
                    "probability_before": record.default_probability,
                    "probability_after": probability,
                    "decision_before": before,
                    "decision_after": decision,
                }
            )
    assert rows, "the challenger should change some decisions for this test to say much"
    expected, changed = pd.DataFrame(rows), challenged.changed
    assert list(changed.columns) == list(expected.columns)
    for column in ("record_id", "request_id", "model_version", "decision_before", "decision_after"):
        assert list(changed[column]) == list(expected[column]), column
    assert _ids(changed["client_id"]) == _ids(expected["client_id"])
    assert list(changed["probability_before"]) == list(expected["probability_before"])
    assert list(changed["probability_after"]) == pytest.approx(
        list(expected["probability_after"]), rel=1e-12
    )

    summary = challenged.summary
    flips = list(zip(expected["decision_before"], expected["decision_after"], strict=True))
    assert summary["approve_to_refuse"] == flips.count(("approve", "refuse"))
    assert summary["refuse_to_approve"] == flips.count(("refuse", "approve"))
    assert summary["decisions_changed"] == len(rows)
    assert summary["decisions_unchanged"] == len(traffic.model_records()) - len(rows)
    assert summary["mean_absolute_probability_change"] == pytest.approx(
        absolute_change / len(traffic.model_records()), rel=1e-9
    )
    assert summary["challenger_model_version"] == challenger.model_version


def _ids(column: pd.Series) -> list[int | None]:
    return [None if pd.isna(c) else int(c) for c in column]


def test_a_challenger_is_counted_as_agreeing_with_an_override_it_would_have_made(
    traffic: Traffic, challenger: Scorer, challenged: Replay
) -> None:
    override = traffic.by_request("advisor-override")
    _, decision = rescored(challenger, override)
    final = "approve" if override.final_decision == pb.FINAL_DECISION_APPROVE else "refuse"
    assert challenged.summary["advisor_overrides"] == 1
    assert challenged.summary["overrides_challenger_agrees"] == int(decision == final)


def test_the_replay_prints_its_counts_as_a_table(challenged: Replay) -> None:
    summary = challenged.summary
    lines = challenged.stdout.splitlines()
    assert f"Replay with model {summary['challenger_model_version']}" in lines[0]
    for label, key in [
        ("Replayed", "records_replayed"),
        ("Approve -> refuse", "approve_to_refuse"),
        ("Refuse -> approve", "refuse_to_approve"),
    ]:
        (line,) = (line for line in lines if f" {label} " in line)
        assert line.split()[-2] == f"{summary[key]:,}"


def test_records_that_cannot_be_rescored_are_counted_by_reason(
    traffic: Traffic, serving_artifacts: ServingArtifacts, artifacts_dir: Path, tmp_path: Path
) -> None:
    payload = traffic.by_request("score-what-if")
    unknown_client = int(serving_artifacts.features.client_ids.max()) + 1000

    def copy(**changes: Any) -> pb.DecisionRecord:
        record = pb.DecisionRecord()
        record.CopyFrom(payload)
        record.record_id = uuid.uuid4().hex
        for name, value in changes.items():
            setattr(record, name, value)
        return record

    invalid = application_pb2.Application.FromString(payload.application)
    invalid.amt_credit = -5.0
    records = [
        copy(),
        copy(client_id=unknown_client),
        copy(client_id=unknown_client, application=b""),
        copy(application=invalid.SerializeToString(deterministic=True)),
        copy(application=b"\xff\xff\xff"),
    ]
    store = open_store(str(tmp_path / "handmade.sqlite"))
    store.append(records)
    store.close()

    summary = replay(tmp_path / "handmade.sqlite", artifacts_dir, tmp_path / "out").summary
    assert summary["records_replayed"] == summary["decisions_unchanged"] == 1
    assert summary["not_replayable"] == 4
    assert summary["not_replayable_reasons"] == {
        "client not in the challenger's client book": 2,
        "application invalid for the challenger: application.amt_credit": 1,
        "application bytes cannot be parsed": 1,
    }


@pytest.mark.parametrize(
    ("artifacts", "code", "message"),
    [
        ("{tmp}/none", 2, "--artifacts {tmp}/none: no such directory"),
        ("{tmp}", 1, "cannot load the challenger model: "),
    ],
    ids=["missing-artifacts", "not-artifacts"],
)
def test_artifacts_that_cannot_be_loaded_are_one_line_and_no_output(
    traffic: Traffic, tmp_path: Path, artifacts: str, code: int, message: str
) -> None:
    out = tmp_path / "out"
    done = run_cli(
        "replay",
        "--record-db",
        traffic.store,
        "--artifacts",
        artifacts.format(tmp=tmp_path),
        "--out",
        out,
    )
    assert done.returncode == code, done.stderr
    assert done.stderr.startswith(f"error: {message.format(tmp=tmp_path)}")
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_a_missing_store_is_not_created_by_a_replay(artifacts_dir: Path, tmp_path: Path) -> None:
    missing = tmp_path / "records.sqlite"
    done = run_cli("replay", "--record-db", missing, "--artifacts", artifacts_dir)
    assert done.returncode == 2
    assert done.stderr == (
        f"error: --record-db {missing}: no such file (the SQLite file the server records to,"
        " or a postgresql:// URL)\n"
    )
    assert not missing.exists()
