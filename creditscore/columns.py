"""The columnar form of ScoreBatch on the client side: DataFrame → ApplicationColumns → scores.

Usage (``stub`` is a ``credit_score_pb2_grpc.CreditScoreServiceStub``)::

    frame = pd.read_csv("application_test.csv", nrows=5000)
    request = batch_request(frame.drop(columns="SK_ID_CURR"))  # new applicants
    # or batch_request(frame.drop(columns="SK_ID_CURR"), client_ids=frame["SK_ID_CURR"])
    scores = score_frame(stub.ScoreBatch(request))
    print(scores["decision"].value_counts(), scores[scores["error"] != ""])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from google.protobuf.descriptor import FieldDescriptor

from creditscore.v1 import application_pb2
from creditscore.v1 import credit_score_pb2 as cs

__all__ = ["application_columns", "batch_request", "score_frame"]

_FIELDS = application_pb2.Application.DESCRIPTOR.fields


def _kaggle_column(field: FieldDescriptor) -> str:
    return str(field.GetOptions().Extensions[application_pb2.Kaggle.column])


# A frame column may carry an Application field name or its Kaggle column name.
_FIELD_BY_COLUMN: dict[str, FieldDescriptor] = {
    **{_kaggle_column(f): f for f in _FIELDS},
    **{f.name: f for f in _FIELDS},
}

# Row decisions by Decision value: the name without its prefix, "" for an unscored row.
_DECISION_NAMES = {
    v.number: "" if v.number == cs.DECISION_UNSPECIFIED else v.name.removeprefix("DECISION_")
    for v in cs.Decision.DESCRIPTOR.values
}


def _fields_of(frame: pd.DataFrame) -> list[FieldDescriptor]:
    """The Application field of each frame column; ValueError naming every column that has none
    (or that repeats a field)."""
    unknown = [str(c) for c in frame.columns if c not in _FIELD_BY_COLUMN]
    if unknown:
        hint = (
            " (pass SK_ID_CURR as client_ids and drop the column: a stored client's history is "
            "used only when asked for)"
            if "SK_ID_CURR" in unknown
            else ""
        )
        raise ValueError(
            f"columns that are neither Application field names nor their Kaggle column names: "
            f"{', '.join(unknown)}{hint}"
        )
    fields = [_FIELD_BY_COLUMN[c] for c in frame.columns]
    names = pd.Series([f.name for f in fields])
    repeated = sorted(set(names[names.duplicated()]))
    if repeated:
        raise ValueError(f"fields given by more than one column: {', '.join(repeated)}")
    return fields


def _numeric(field: str, values: pd.Series) -> cs.NumericColumn:
    # to_numpy's na_value turns None, NaN and pd.NA alike into NaN, for object and nullable
    # dtypes (Int64, boolean) too; bools become 0.0 / 1.0.
    try:
        array = values.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as error:
        raise ValueError(f"column {values.name!r} ({field}) is not numeric: {error}") from error
    return cs.NumericColumn(field=field, values=np.ascontiguousarray(array, dtype="<f8").tobytes())


def _categorical(field: str, values: pd.Series) -> cs.CategoryColumn:
    categories = pd.Categorical(values).remove_unused_categories()
    if "" in categories.categories:
        # An empty string is a missing value, as in the Application message.
        categories = categories.remove_categories([""])
    return cs.CategoryColumn(
        field=field,
        dictionary=[str(c) for c in categories.categories],
        codes=np.ascontiguousarray(categories.codes, dtype="<i4").tobytes(),
    )


def _client_ids(client_ids: Sequence[int] | np.ndarray | None, row_count: int) -> bytes:
    if client_ids is None:
        return b""
    ids = np.ascontiguousarray(client_ids, dtype="<i8")
    if ids.shape != (row_count,):
        raise ValueError(f"client_ids has shape {ids.shape}, the frame has {row_count} rows")
    return ids.tobytes()


def application_columns(
    frame: pd.DataFrame, client_ids: Sequence[int] | np.ndarray | None = None
) -> cs.ApplicationColumns:
    """``frame``'s rows as ApplicationColumns, one column per frame column.

    Columns are named by Application field names or Kaggle column names; string fields become
    dictionary-coded categorical columns ("" and missing → code -1), the others float64
    columns (missing → NaN, bools → 0 / 1). ``client_ids`` (0 for a new applicant) makes the
    rows stored clients; an SK_ID_CURR column is refused rather than used implicitly.
    """
    fields = _fields_of(frame)
    columns = cs.ApplicationColumns(
        row_count=len(frame), client_ids=_client_ids(client_ids, len(frame))
    )
    for field, (_, values) in zip(fields, frame.items(), strict=True):
        if field.type == FieldDescriptor.TYPE_STRING:
            columns.categorical.append(_categorical(field.name, values))
        else:
            columns.numeric.append(_numeric(field.name, values))
    return columns


def batch_request(
    frame: pd.DataFrame, client_ids: Sequence[int] | np.ndarray | None = None
) -> cs.ScoreBatchRequest:
    """A columnar ScoreBatch request for ``frame`` (see ``application_columns``)."""
    return cs.ScoreBatchRequest(columns=application_columns(frame, client_ids))


def score_frame(response: cs.ScoreBatchResponse) -> pd.DataFrame:
    """A columnar ScoreBatch response as one row per application.

    Columns: ``default_probability`` (NaN for a failed row), ``decision`` ("APPROVE",
    "REFUSE", or "" for a failed row) and ``error`` (the row's status message, "" when scored).
    ``attrs`` holds the response's ``threshold`` and ``model_version``.
    """
    if not response.HasField("columns"):
        raise ValueError("not a columnar ScoreBatch response (it answers a list of requests)")
    scores = response.columns
    probabilities = np.frombuffer(scores.default_probabilities, dtype="<f8")
    decisions = np.frombuffer(scores.decisions, dtype=np.uint8)
    errors = np.full(len(probabilities), "", dtype=object)
    failed = [r for r in response.results if r.HasField("error")]
    errors[np.asarray([r.index for r in failed], dtype=np.intp)] = [r.error.message for r in failed]
    frame = pd.DataFrame(
        {
            "default_probability": probabilities.astype(np.float64),
            "decision": pd.Series(decisions).map(_DECISION_NAMES).to_numpy(dtype=object),
            "error": errors,
        }
    )
    frame.attrs.update(threshold=scores.threshold, model_version=scores.model_version)
    return frame
