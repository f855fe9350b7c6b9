"""What the server scored, read back from its decision store: the ``--records`` sample."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from google.protobuf.message import DecodeError

from creditscore.v1 import application_pb2, credit_score_pb2
from creditscore.v1 import decision_record_pb2 as pb
from model_build.errors import ModelBuildError
from model_build.features import build_feature_frame
from model_build.monitoring.samples import Sample, book_features
from model_build.schema import APPLICATION_TEST
from model_build.scoring import ScoringModel
from server.contract import APPLICATION_FIELDS
from server.records.sql_store import open_store
from server.records.store import RecordFilter, StoreError

__all__ = ["decode_applications", "records_sample"]

logger = logging.getLogger(__name__)

# The model decisions; an advisor's decision copies the model decision it reviewed, so
# counting it too would count that application twice.
_MODEL_KINDS = frozenset({pb.RECORD_KIND_SCORE, pb.RECORD_KIND_EXPLAIN})
# Each Application field's Kaggle column, by field name (the contract's (Kaggle.column)).
_COLUMN_OF = {f.name: f.column for f in APPLICATION_FIELDS}
_APPLICATION_COLUMNS = [c.name for c in APPLICATION_TEST.columns]
# SK_ID_CURR of an application without a stored client: no history is found for it.
_NEW_APPLICANT = 0


@dataclass
class _Scored:
    """The model decisions kept, column by column, in record order."""

    applications: list[bytes] = field(default_factory=list)
    client_ids: list[int] = field(default_factory=list)
    probability: list[float] = field(default_factory=list)
    refused: list[bool] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


def records_sample(model: ScoringModel, target: str, since: datetime | None) -> Sample:
    """The model decisions of this build in the store at ``target`` (made at or after
    ``since``): each application as the server received it (canonical Application bytes,
    decoded to Kaggle columns) or, for a stored client scored by id, the client book's row;
    probabilities and decisions as recorded. No outcomes: the store has none."""
    version = str(model.card["model_version"])
    scored = _Scored()
    for record in _scan(target, since):
        if record.kind not in _MODEL_KINDS:
            scored.skipped["advisor decisions (copies of a model decision)"] += 1
        elif record.model_version != version:
            scored.skipped[f"decisions of model {record.model_version or '(none)'}"] += 1
        else:
            scored.applications.append(record.application)
            scored.client_ids.append(record.client_id if record.HasField("client_id") else -1)
            scored.probability.append(record.default_probability)
            scored.refused.append(record.model_decision == credit_score_pb2.DECISION_REFUSE)
    when = f" since {since.isoformat()}" if since is not None else ""
    if not scored.probability:
        raise ModelBuildError(
            f"{target}: no decision of model {version} on record{when}; "
            "check --records, --since and --artifacts"
        )
    notes = tuple(f"skipped {count:,} {what}" for what, count in sorted(scored.skipped.items()))
    return Sample(
        source=f"decision records: {target}{when}",
        features=_features(model, scored),
        probability=np.asarray(scored.probability, dtype=np.float64),
        refused=np.asarray(scored.refused, dtype=bool),
        notes=notes,
    )


def _scan(target: str, since: datetime | None) -> Iterator[pb.DecisionRecord]:
    start_us = None if since is None else int(since.timestamp() * 1_000_000)
    try:
        store = open_store(target, read_only=True)
    except StoreError as error:
        raise ModelBuildError(str(error)) from None
    try:
        yield from store.scan(RecordFilter(start_us=start_us))
    except StoreError as error:
        raise ModelBuildError(str(error)) from None
    finally:
        store.close()


def _features(model: ScoringModel, scored: _Scored) -> pd.DataFrame:
    """Model inputs of each kept decision, in record order."""
    ids = np.asarray(scored.client_ids, dtype=np.int64)
    sent = np.asarray([len(blob) > 0 for blob in scored.applications], dtype=bool)
    parts: list[pd.DataFrame] = []
    if sent.any():
        blobs = [blob for blob, has in zip(scored.applications, sent, strict=True) if has]
        applications = decode_applications(blobs)
        # A stored client's new application is scored with the client's stored history.
        applications.insert(0, "SK_ID_CURR", np.where(ids[sent] > 0, ids[sent], _NEW_APPLICANT))
        parts.append(build_feature_frame(applications, model.stored_history(), model.catalog))
    stored = ~sent
    if stored.any():
        if (ids[stored] < 0).any():
            raise ModelBuildError(
                "a model decision on record has neither an application nor a client"
            )
        parts.append(book_features(model, ids[stored]))
    # Back to record order: the sent applications first in `parts`, then the stored clients.
    order = np.argsort(
        np.concatenate([np.flatnonzero(sent), np.flatnonzero(stored)]), kind="stable"
    )
    return pd.concat(parts).iloc[order]


def decode_applications(blobs: list[bytes]) -> pd.DataFrame:
    """Application messages (serialized) as rows of Kaggle columns, unset fields missing."""
    rows = []
    for k, blob in enumerate(blobs):
        try:
            message = application_pb2.Application.FromString(blob)
        except DecodeError:
            raise ModelBuildError(
                f"application {k + 1} on record is not a valid Application"
            ) from None
        # bool fields become 0 / 1, as the 0/1 flag columns of the Kaggle files.
        rows.append(
            {
                _COLUMN_OF[descriptor.name]: float(value) if isinstance(value, bool) else value
                for descriptor, value in message.ListFields()
            }
        )
    columns = [c for c in _APPLICATION_COLUMNS if c != "SK_ID_CURR"]
    return pd.DataFrame.from_records(rows, columns=columns)
