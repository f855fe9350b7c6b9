"""Champion/challenger on real traffic: recorded model decisions re-scored by another model."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
from google.protobuf.message import DecodeError

from creditscore.v1 import application_pb2, credit_score_pb2
from creditscore.v1 import decision_record_pb2 as pb
from server.converters.application_rows import ApplicationReader
from server.errors import DomainError, InvalidArgument, NotFound
from server.records.export import chunks, enum_text, written_atomically
from server.records.store import DecisionStore, RecordFilter
from server.scorer import ApplicationRows, BatchScores, ScoreQueries, Scorer

__all__ = [
    "CHANGED_COLUMNS",
    "CHANGED_FILE",
    "SUMMARY_FILE",
    "ReplaySummary",
    "replay_records",
]

SUMMARY_FILE = "replay_summary.json"
CHANGED_FILE = "changed_decisions.csv"
# Records re-scored together: the server's largest list-form batch.
CHUNK_RECORDS = 1000

CHANGED_COLUMNS = pa.schema(
    [
        ("record_id", pa.string()),
        ("client_id", pa.int64()),
        ("request_id", pa.string()),
        ("model_version", pa.string()),
        ("probability_before", pa.float64()),
        ("probability_after", pa.float64()),
        ("decision_before", pa.string()),
        ("decision_after", pa.string()),
    ]
)

_MODEL_KINDS = frozenset({pb.RECORD_KIND_SCORE, pb.RECORD_KIND_EXPLAIN})
_APPROVE, _REFUSE = credit_score_pb2.DECISION_APPROVE, credit_score_pb2.DECISION_REFUSE
# The model decision an advisor's final decision amounts to (a referral amounts to none).
_FINAL_AS_MODEL = {pb.FINAL_DECISION_APPROVE: _APPROVE, pb.FINAL_DECISION_REFUSE: _REFUSE}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NOT_IN_BOOK = "client not in the challenger's client book"
_UNPARSABLE = "application bytes cannot be parsed"


@dataclass(frozen=True, slots=True)
class ReplaySummary:
    """What the challenger would have decided on the recorded traffic."""

    record_db: str
    # The time range replayed (ISO 8601, UTC; since inclusive, until exclusive), None if open.
    since: str | None
    until: str | None
    challenger_artifacts: str
    challenger_model_version: str
    challenger_threshold: float
    # Score and Explain records read, by the model version that decided them.
    recorded_model_versions: dict[str, int]
    records_replayed: int
    decisions_unchanged: int
    approve_to_refuse: int
    refuse_to_approve: int
    not_replayable: int
    not_replayable_reasons: dict[str, int]
    # Over the records replayed; None when there were none.
    mean_absolute_probability_change: float | None
    # Advisors' final decisions against the model's (approve or refuse, not referrals).
    advisor_overrides: int
    overrides_challenger_agrees: int
    overrides_not_replayable: int

    @property
    def decisions_changed(self) -> int:
        return self.approve_to_refuse + self.refuse_to_approve

    def to_json(self) -> str:
        figures = dataclasses.asdict(self)
        figures["decisions_changed"] = self.decisions_changed
        return json.dumps(figures, indent=2)


@dataclass(slots=True)
class _Tally:
    """Running counts over the chunks of a replay."""

    versions: Counter[str] = field(default_factory=Counter)
    replayed: int = 0
    unchanged: int = 0
    approve_to_refuse: int = 0
    refuse_to_approve: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    absolute_change: float = 0.0
    overrides: int = 0
    overrides_agreed: int = 0
    overrides_lost: int = 0

    def summary(self, store: DecisionStore, where: RecordFilter, scorer: Scorer) -> ReplaySummary:
        return ReplaySummary(
            record_db=store.description,
            since=_iso(where.start_us),
            until=_iso(where.end_us),
            challenger_artifacts=str(scorer.artifacts.paths.root.resolve()),
            challenger_model_version=scorer.model_version,
            challenger_threshold=scorer.threshold,
            recorded_model_versions=dict(sorted(self.versions.items())),
            records_replayed=self.replayed,
            decisions_unchanged=self.unchanged,
            approve_to_refuse=self.approve_to_refuse,
            refuse_to_approve=self.refuse_to_approve,
            not_replayable=sum(self.reasons.values()),
            not_replayable_reasons=dict(self.reasons.most_common()),
            mean_absolute_probability_change=(
                self.absolute_change / self.replayed if self.replayed else None
            ),
            advisor_overrides=self.overrides,
            overrides_challenger_agrees=self.overrides_agreed,
            overrides_not_replayable=self.overrides_lost,
        )


def replay_records(
    store: DecisionStore, where: RecordFilter, scorer: Scorer, out_dir: Path
) -> ReplaySummary:
    """Re-score every Score and Explain record matching ``where`` with ``scorer``'s model, and
    every advisor's override against it; write out_dir/changed_decisions.csv (one row per
    decision that would change) and out_dir/replay_summary.json."""
    reader = ApplicationReader(scorer.codes)
    tally = _Tally()
    out_dir.mkdir(parents=True, exist_ok=True)
    with written_atomically(out_dir / CHANGED_FILE) as partial:
        writer = pa_csv.CSVWriter(partial, CHANGED_COLUMNS)
        try:
            for chunk in chunks(store.scan(where, CHUNK_RECORDS), CHUNK_RECORDS):
                wanted = [r for r in chunk if r.kind in _MODEL_KINDS or r.is_override]
                if wanted:
                    changed = _replay_chunk(wanted, scorer, reader, tally)
                    writer.write_table(changed)
        finally:
            writer.close()
    summary = tally.summary(store, where, scorer)
    (out_dir / SUMMARY_FILE).write_text(summary.to_json() + "\n", encoding="utf-8")
    return summary


def _replay_chunk(
    records: list[pb.DecisionRecord], scorer: Scorer, reader: ApplicationReader, tally: _Tally
) -> pa.Table:
    """Counts of one chunk added to ``tally``; the rows of its changed model decisions."""
    queries, rows, unparsable = _queries(records, reader)
    scores = scorer.score_items(queries, rows)
    after = np.where(scores.probabilities >= scorer.threshold, _REFUSE, _APPROVE)
    changed: list[int] = []
    for i, record in enumerate(records):
        reason = _UNPARSABLE if i in unparsable else _failure(scores, i)
        if record.kind == pb.RECORD_KIND_ADVISOR_DECISION:
            tally.overrides += 1
            if reason is not None:
                tally.overrides_lost += 1
            elif _FINAL_AS_MODEL.get(record.final_decision) == after[i]:
                tally.overrides_agreed += 1
            continue
        tally.versions[record.model_version] += 1
        if reason is not None:
            tally.reasons[reason] += 1
            continue
        tally.replayed += 1
        tally.absolute_change += abs(float(scores.probabilities[i]) - record.default_probability)
        if after[i] == record.model_decision:
            tally.unchanged += 1
            continue
        changed.append(i)
        if after[i] == _REFUSE:
            tally.approve_to_refuse += 1
        else:
            tally.refuse_to_approve += 1
    return _changed_table(
        [records[i] for i in changed], scores.probabilities[changed], after[changed]
    )


def _queries(
    records: list[pb.DecisionRecord], reader: ApplicationReader
) -> tuple[ScoreQueries, ApplicationRows, set[int]]:
    """The ScoreQueries and ApplicationRows of ``records`` as ScoreBatch builds them from a
    list, and the records whose application bytes do not parse (left with nothing to score)."""
    count = len(records)
    has_client = np.fromiter((r.HasField("client_id") for r in records), bool, count)
    client_ids = np.fromiter((r.client_id for r in records), np.int64, count)
    applications: list[application_pb2.Application] = []
    positions: list[int] = []
    unparsable: set[int] = set()
    for i, record in enumerate(records):
        if not record.application:
            continue
        try:
            applications.append(application_pb2.Application.FromString(record.application))
        except DecodeError:
            unparsable.add(i)
            # Scored as a stored client alone it would be another application's decision.
            has_client[i] = False
            continue
        positions.append(i)
    has_application = np.zeros(count, dtype=bool)
    has_application[positions] = True
    rows = reader.messages(applications, positions, count)
    return ScoreQueries(client_ids, has_client, has_application), rows, unparsable


def _failure(scores: BatchScores, i: int) -> str | None:
    """Why item ``i`` could not be re-scored, in words that group alike failures."""
    error: DomainError | None = scores.errors.get(i)
    if error is None:
        return None
    if isinstance(error, NotFound):
        return _NOT_IN_BOOK
    if isinstance(error, InvalidArgument) and error.violations:
        fields = ", ".join(dict.fromkeys(v.field for v in error.violations))
        return f"application invalid for the challenger: {fields}"
    return error.message


def _changed_table(
    records: list[pb.DecisionRecord], probabilities: np.ndarray, decisions: np.ndarray
) -> pa.Table:
    return pa.Table.from_pydict(
        {
            "record_id": [r.record_id for r in records],
            "client_id": [r.client_id if r.HasField("client_id") else None for r in records],
            "request_id": [r.request_id for r in records],
            "model_version": [r.model_version for r in records],
            "probability_before": [r.default_probability for r in records],
            "probability_after": probabilities.tolist(),
            "decision_before": [_decision(r.model_decision) for r in records],
            "decision_after": [_decision(d) for d in decisions.tolist()],
        },
        schema=CHANGED_COLUMNS,
    )


def _decision(value: int) -> str:
    return enum_text(credit_score_pb2.Decision, value)


def _iso(microseconds: int | None) -> str | None:
    if microseconds is None:
        return None
    return (_EPOCH + timedelta(microseconds=microseconds)).isoformat()
