"""Fairness of the credit decisions per group (gender, age band, family status), by MetricFrame."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from typing import cast

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, count, mean_prediction
from sklearn.metrics import roc_auc_score

from model_build.features import DROPPED_COLUMNS
from model_build.features.kernels import DAYS_PER_YEAR
from model_build.group_bootstrap import bootstrap_groups

__all__ = [
    "ATTRIBUTES",
    "DEFINITIONS",
    "AttributeFairness",
    "Estimate",
    "FairnessReport",
    "GroupFairness",
    "ProtectedAttribute",
    "age_band",
    "fairness_table",
]

logger = logging.getLogger(__name__)

PROBABILITY = "probability"
OUTCOME = "TARGET"
FOUR_FIFTHS = 0.8
CONFIDENCE = 0.95
MISSING = "missing"

DEFINITIONS = {
    "refused": "the model's decision: probability of default >= threshold",
    "defaulted": "the observed outcome: TARGET = 1",
    "approval_rate": "share of the group approved",
    "approval_ratio": "approval rate / that of the reference group (the most-approved group "
    "large enough to judge); below 0.8 fails the four-fifths screening rule",
    "mean_predicted": "mean predicted probability of default; compare with default_rate",
    "default_rate": "share of the group that defaulted (observed)",
    "true_positive_rate": "share of the group's defaulters that the model refuses",
    "false_positive_rate": "share of the group's repaid clients that the model refuses",
    "roc_auc": "ranking quality within the group",
    "too_small": "fewer clients (or defaulters) than the minimum: shown, not for conclusions",
}


@dataclass(frozen=True)
class ProtectedAttribute:
    """A characteristic the decisions are compared across, and how a row's group is named."""

    name: str
    column: str
    groups: Callable[[pd.Series], pd.Series]
    order: tuple[str, ...] = ()  # display order; groups not listed follow, sorted
    # Model features that are the same information as the column in another unit.
    carried_by: tuple[str, ...] = ()


_AGE_EDGES = (25.0, 40.0, 62.0)
_AGE_BANDS = ("< 25", "25–40", "40–62", "≥ 62")


def age_band(days_birth: pd.Series) -> pd.Series:
    """Age band at application from DAYS_BIRTH (days before the application, negative):
    "25–40" holds ages in [25, 40)."""
    days = pd.to_numeric(days_birth, errors="coerce").to_numpy(dtype=np.float64)
    years = -days / DAYS_PER_YEAR
    band = np.where(np.isnan(years), len(_AGE_BANDS), np.digitize(years, _AGE_EDGES))
    labels = np.array([*_AGE_BANDS, MISSING], dtype=object)
    return pd.Series(labels[band], index=days_birth.index)


def _category(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna(MISSING).astype(object)


ATTRIBUTES: tuple[ProtectedAttribute, ...] = (
    ProtectedAttribute("gender", "CODE_GENDER", _category),
    ProtectedAttribute(
        "age band", "DAYS_BIRTH", age_band, _AGE_BANDS, ("AGE_YEARS", "AGE_AT_LOAN_END_YEARS")
    ),
    ProtectedAttribute("family status", "NAME_FAMILY_STATUS", _category),
)


@dataclass(frozen=True)
class Estimate:
    """A figure and its percentile-bootstrap interval; NaN bounds where some resample left
    the figure undefined (e.g. a group without defaulters)."""

    value: float
    low: float
    high: float


@dataclass(frozen=True, kw_only=True)
class GroupFairness:
    """Decisions and outcomes of one group (see DEFINITIONS); the outcome figures are None
    when the frame has no outcomes."""

    group: str
    count: int
    too_small: bool
    approval_rate: Estimate
    approval_ratio: Estimate
    below_four_fifths: bool
    mean_predicted: Estimate
    defaulters: int | None = None
    default_rate: Estimate | None = None
    true_positive_rate: Estimate | None = None
    false_positive_rate: Estimate | None = None
    roc_auc: Estimate | None = None


@dataclass(frozen=True, kw_only=True)
class AttributeFairness:
    """One characteristic: whether the model sees it, and the figures of each of its groups."""

    name: str
    column: str
    model_input: bool
    model_input_note: str
    reference_group: str
    groups: tuple[GroupFairness, ...]

    @property
    def flagged(self) -> list[str]:
        """Groups large enough to judge whose approval ratio fails the four-fifths rule."""
        return [g.group for g in self.groups if g.below_four_fifths and not g.too_small]


@dataclass(frozen=True, kw_only=True)
class FairnessReport:
    """The fairness table of a set of decisions; ``table()`` is its flat form."""

    threshold: float
    rows: int
    with_outcomes: bool
    bootstrap: int
    seed: int
    min_rows: int
    min_defaulters: int
    overall: GroupFairness
    attributes: tuple[AttributeFairness, ...]

    def table(self) -> pd.DataFrame:
        """One row per (attribute, group): point values, indexed by both."""
        records = []
        for attribute in self.attributes:
            for group in attribute.groups:
                record: dict[str, object] = {"attribute": attribute.name}
                for key, value in asdict(group).items():
                    record[key] = value["value"] if isinstance(value, dict) else value
                records.append(record)
        return pd.DataFrame.from_records(records).set_index(["attribute", "group"])

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: intervals as {value, low, high}, NaN as null, with the definitions."""
        content = {
            **asdict(self),
            "attributes": [{**asdict(a), "flagged_groups": a.flagged} for a in self.attributes],
            "evaluated_on": "out-of-fold predictions" if self.with_outcomes else "scores",
            "four_fifths_ratio": FOUR_FIFTHS,
            "confidence_level": CONFIDENCE,
            "definitions": DEFINITIONS,
        }
        return cast(dict[str, object], _json_safe(content))


@dataclass(frozen=True)
class _Settings:
    threshold: float
    bootstrap: int
    seed: int
    min_rows: int
    min_defaulters: int


def fairness_table(
    frame: pd.DataFrame,
    threshold: float,
    *,
    bootstrap: int = 200,
    seed: int = 0,
    min_rows: int = 30,
    min_defaulters: int = 5,
    model_features: Collection[str] = (),
) -> FairnessReport:
    """Per-group figures of the clients of ``frame`` refused at ``probability >= threshold``.

    ``frame`` holds a ``probability`` column and the raw application columns named in
    ``ATTRIBUTES`` (an absent one is skipped). With a ``TARGET`` column (0/1) the outcome
    figures are computed too; without it (new applications) only approval rates and mean
    predictions. ``model_features``: the model's input names, to state whether each
    characteristic is one of them.
    """
    probability = frame[PROBABILITY].to_numpy(dtype=np.float64)
    y = frame[OUTCOME].to_numpy(dtype=np.int64) if OUTCOME in frame.columns else None
    settings = _Settings(threshold, bootstrap, seed, min_rows, min_defaulters)
    present = [a for a in ATTRIBUTES if a.column in frame.columns]
    for absent in (a for a in ATTRIBUTES if a not in present):
        logger.warning("no %s column: %s left out of fairness", absent.column, absent.name)
    everyone = pd.Series("all clients", index=frame.index, dtype=object)
    labels = {a.name: a.groups(frame[a.column]) for a in present} or {"": everyone}
    frames = {name: _metric_frame(g, probability, y, settings) for name, g in labels.items()}
    # Every MetricFrame also has the figures of all rows: the first one's serve as "overall".
    overall_points = next(iter(frames.values())).overall.to_frame("all clients").T
    overall, _ = _group_figures(overall_points, everyone, probability, y, settings)
    attributes = []
    for attribute in present:
        by_group = frames[attribute.name].by_group
        order = [g for g in attribute.order if g in by_group.index]
        names = [*order, *sorted(set(by_group.index) - set(order))]
        groups, reference = _group_figures(
            by_group.loc[names], labels[attribute.name], probability, y, settings
        )
        in_model, note = _model_input(attribute, model_features)
        attributes.append(
            AttributeFairness(
                name=attribute.name,
                column=attribute.column,
                model_input=in_model,
                model_input_note=note,
                reference_group=reference,
                groups=groups,
            )
        )
    return FairnessReport(
        threshold=float(threshold),
        rows=len(frame),
        with_outcomes=y is not None,
        bootstrap=bootstrap,
        seed=seed,
        min_rows=min_rows,
        min_defaulters=min_defaulters,
        overall=overall[0],
        attributes=tuple(attributes),
    )


def _model_input(attribute: ProtectedAttribute, features: Collection[str]) -> tuple[bool, str]:
    """Whether the model sees the characteristic, and a sentence saying how (or why not)."""
    column = attribute.column
    if column in features:
        return True, f"{column} is a model input"
    # The reason is the feature engineering's own (features.DROPPED_COLUMNS), not a copy.
    reason = DROPPED_COLUMNS.get(column, "not among the model's features")
    carriers = [name for name in attribute.carried_by if name in features]
    if carriers:
        return True, (
            f"{column} is not a model input as it is: {reason}; the model sees it through "
            + ", ".join(carriers)
        )
    return False, f"{column} is not a model input: {reason}"


def _metric_frame(
    labels: pd.Series, probability: np.ndarray, y: np.ndarray | None, settings: _Settings
) -> MetricFrame:
    return MetricFrame(
        metrics=_metrics(settings.threshold, with_outcomes=y is not None),
        y_true=np.zeros(len(probability), dtype=np.int64) if y is None else y,
        y_pred=probability,
        sensitive_features=labels.rename("group"),
    )


def _group_figures(
    points: pd.DataFrame,
    labels: pd.Series,
    probability: np.ndarray,
    y: np.ndarray | None,
    settings: _Settings,
) -> tuple[tuple[GroupFairness, ...], str]:
    """The groups of ``points`` (MetricFrame's figures, a row per group in display order)
    with bootstrap intervals and the small-group rule; and the reference group's name."""
    points = points.astype(np.float64)
    names = list(points.index)
    too_small = points["count"].to_numpy() < settings.min_rows
    if y is not None:
        too_small |= points["defaulters"].to_numpy() < settings.min_defaulters
    reference = _reference_index(points["approval_rate"].to_numpy(), too_small)
    points["approval_ratio"] = points["approval_rate"] / points["approval_rate"].iloc[reference]
    codes = pd.Categorical(labels, categories=names).codes
    replicates = bootstrap_groups(
        codes,
        len(names),
        probability,
        y,
        settings.threshold,
        resamples=settings.bootstrap,
        seed=settings.seed,
    )
    rates = replicates["approval_rate"]
    replicates["approval_ratio"] = rates / rates[:, [reference]]
    tails = ((1 - CONFIDENCE) / 2, (1 + CONFIDENCE) / 2)
    low, high = ({k: np.quantile(v, q, axis=0) for k, v in replicates.items()} for q in tails)

    def estimate(metric: str, k: int) -> Estimate:
        value = float(points[metric].iloc[k])
        return Estimate(value, float(low[metric][k]), float(high[metric][k]))

    def outcome_estimate(metric: str, k: int) -> Estimate | None:
        return None if y is None else estimate(metric, k)

    groups = tuple(
        GroupFairness(
            group=str(name),
            count=int(points["count"].iloc[k]),
            too_small=bool(too_small[k]),
            approval_rate=estimate("approval_rate", k),
            approval_ratio=estimate("approval_ratio", k),
            below_four_fifths=bool(points["approval_ratio"].iloc[k] < FOUR_FIFTHS),
            mean_predicted=estimate("mean_predicted", k),
            defaulters=None if y is None else int(points["defaulters"].iloc[k]),
            default_rate=outcome_estimate("default_rate", k),
            true_positive_rate=outcome_estimate("true_positive_rate", k),
            false_positive_rate=outcome_estimate("false_positive_rate", k),
            roc_auc=outcome_estimate("roc_auc", k),
        )
        for k, name in enumerate(names)
    )
    return groups, str(names[reference])


def _reference_index(approval: np.ndarray, too_small: np.ndarray) -> int:
    # A tiny group (a handful of "XNA" genders) approved at 100% by chance would make every
    # real group look disadvantaged: the reference is the most-approved group large enough.
    candidates = np.flatnonzero(~too_small) if (~too_small).any() else np.arange(len(approval))
    return int(candidates[np.argmax(approval[candidates])])


# --- metric functions given to MetricFrame: (y_true, y_pred = probability) -> figure -----


def _approval_rate(y_true: np.ndarray, y_pred: np.ndarray, *, threshold: float) -> float:
    return float(np.mean(y_pred < threshold))


def _defaulters(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.sum(y_true))


def _default_rate(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(y_true))


def _refused_share(
    y_true: np.ndarray, y_pred: np.ndarray, *, threshold: float, outcome: int
) -> float:
    # Not fairlearn's true/false_positive_rate: through sklearn's normalised confusion matrix
    # they give 0 to a group without defaulters, which would read "catches none of them".
    of_outcome = y_true == outcome
    return float(np.mean(y_pred[of_outcome] >= threshold)) if of_outcome.any() else np.nan


def _roc_auc(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(roc_auc_score(y_true, y_pred)) if 0 < np.sum(y_true) < len(y_true) else np.nan


def _metrics(threshold: float, *, with_outcomes: bool) -> dict[str, Callable[..., float]]:
    refused_share = functools.partial(_refused_share, threshold=threshold)
    metrics: dict[str, Callable[..., float]] = {
        "count": count,
        "approval_rate": functools.partial(_approval_rate, threshold=threshold),
        "mean_predicted": mean_prediction,
    }
    if with_outcomes:
        metrics |= {
            "defaulters": _defaulters,
            "default_rate": _default_rate,
            "true_positive_rate": functools.partial(refused_share, outcome=1),
            "false_positive_rate": functools.partial(refused_share, outcome=0),
            "roc_auc": _roc_auc,
        }
    return metrics


def _json_safe(value: object) -> object:
    """NaN as null (JSON has no NaN), tuples as lists."""
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, float) and np.isnan(value):
        return None
    return value
