"""Building blocks of a client's screens: decision text, explanation figures, profile, peers."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui import charts, external_scores
from gradio_ui.categories import Categories
from gradio_ui.formatting import (
    format_number,
    format_percent,
    format_points,
    sigmoid,
    threshold_decimals,
)
from gradio_ui.periods import with_period
from gradio_ui.settings import Language, UiSettings
from gradio_ui.texts import t
from gradio_ui.views import in_grey_zone

__all__ = [
    "PROFILE_COLUMNS",
    "decision_markdown",
    "default_features",
    "explanation_figures",
    "feature_choices",
    "feature_labels",
    "filter_profile",
    "peer_groups_markdown",
    "percentile_words",
    "position_markdown",
    "profile_display",
    "profile_table",
]

PROFILE_COLUMNS = ("section", "label", "value")


def _date(model: pb.GetModelInfoResponse, language: Language) -> str:
    moment = model.create_time.ToDatetime()
    return moment.strftime("%d/%m/%Y" if language == "fr" else "%Y-%m-%d")


def _gap_decimals(gap_points: float) -> int:
    # "0.0 pts above" reads as "on the threshold": enough decimals for a gap that is not zero.
    return next((d for d in (1, 2, 3) if round(abs(gap_points), d) != 0), 3)


def decision_markdown(
    score: pb.ScoreResult,
    model: pb.GetModelInfoResponse,
    settings: UiSettings,
    language: Language,
) -> str:
    """The probability against the threshold, the grey zone and where the threshold comes from."""
    gap_points = (score.default_probability - score.threshold) * 100
    points = format_points(settings.grey_zone_points, language, signed=False)
    side = "decision.side_above" if gap_points >= 0 else "decision.side_below"
    grey = in_grey_zone(score.default_probability, score.threshold, settings.grey_zone_points / 100)
    costs = model.costs
    ratio = costs.false_negative / costs.false_positive if costs.false_positive else 0.0
    decimals = threshold_decimals(score.default_probability, score.threshold)
    parts = [
        t(
            language,
            "decision.summary",
            probability=format_percent(score.default_probability, language, decimals),
            threshold=format_percent(score.threshold, language, decimals),
            gap=format_points(
                abs(gap_points), language, signed=False, decimals=_gap_decimals(gap_points)
            ),
            side=t(language, side),
        ),
        t(language, "decision.grey" if grey else "decision.clear", points=points),
        t(
            language,
            "decision.threshold_origin",
            ratio=format_number(ratio, language, 0 if ratio.is_integer() else 1),
            fn=format_number(costs.false_negative, language, 0),
            fp=format_number(costs.false_positive, language, 0),
        ),
        t(language, "decision.rights"),
        "<small>"
        + t(
            language,
            "decision.model",
            version=score.model_version[:12],
            date=_date(model, language),
        )
        + "</small>",
    ]
    return "\n\n".join(parts)


def feature_labels(model: pb.GetModelInfoResponse) -> dict[str, str]:
    """Model feature name -> human-readable label, from the catalogue, with the period of an
    amount where it has one."""
    language = _language_of(model)
    return {f.name: with_period(f.name, f.label or f.name, language) for f in model.features}


def _language_of(model: pb.GetModelInfoResponse) -> Language:
    return "fr" if model.language_code == "fr" else "en"


_FACTOR_LIMIT = 48


def _factor_label(contribution: pb.FeatureContribution, labels: dict[str, str]) -> str:
    label = labels.get(contribution.feature, contribution.feature)
    value = contribution.display_value
    if not value:
        return label if len(label) <= _FACTOR_LIMIT else label[: _FACTOR_LIMIT - 1] + "…"
    # A long label (one with its period) is shortened, never the value.
    room = _FACTOR_LIMIT - len(value) - 2
    short = label if len(label) <= room else label[: max(room - 1, 8)] + "…"
    return f"{short}: {value}"


def explanation_figures(
    explanation: pb.ExplainResponse,
    model: pb.GetModelInfoResponse,
    settings: UiSettings,
    language: Language,
) -> tuple[go.Figure, str, go.Figure]:
    """The waterfall, its reading note and the contributions by theme."""
    labels = feature_labels(model)
    shown = {c.feature: _factor_label(c, labels) for c in explanation.contributions}
    factors = external_scores.grouped_factors(explanation.contributions, shown, language)
    calibration = explanation.calibration
    waterfall = charts.waterfall(
        factors,
        base_value=explanation.base_value,
        slope=calibration.slope,
        intercept=calibration.intercept,
        threshold=explanation.score.threshold,
        grey_zone=settings.grey_zone_points / 100,
        top_count=settings.waterfall_features,
        language=language,
    )
    base_probability = sigmoid(calibration.slope * explanation.base_value + calibration.intercept)
    note = t(
        language,
        "why.note",
        base=format_percent(base_probability, language),
        final=format_percent(explanation.score.default_probability, language),
    )
    if any(external_scores.is_external(c.feature) for c in explanation.contributions):
        note += " " + external_scores.explanation(language)
    groups = charts.group_bars(
        [charts.Factor(g.group, g.contribution) for g in explanation.group_contributions],
        language,
    )
    return waterfall, note, groups


def _not_applicable(response: pb.GetClientResponse) -> set[str]:
    """Profile fields without a value because the question does not arise for this client
    (no car: no car age), which is not a missing answer."""
    application = response.application
    names = set()
    if application.HasField("flag_own_car") and application.flag_own_car == "N":
        names.add("own_car_age_years")
    return names


def profile_table(response: pb.GetClientResponse, language: Language) -> pd.DataFrame:
    """The client's profile, one fact per row; a missing value is flagged in the value itself
    (the `missing` column is for filtering, not shown), a value that does not apply is said so
    and not counted as missing."""
    flag = t(language, "profile.missing")
    not_applicable = _not_applicable(response)
    rows = []
    for f in response.fields:
        label = with_period(f.name, f.label, language)
        if f.is_missing and f.name in not_applicable:
            rows.append((f.group, label, t(language, f"profile.not_applicable.{f.name}"), False))
        elif f.is_missing:
            rows.append((f.group, label, f"{flag} ({f.display_value})", True))
        else:
            rows.append((f.group, label, f.display_value, False))
    return pd.DataFrame(rows, columns=[*PROFILE_COLUMNS, "missing"])


def filter_profile(
    profile: pd.DataFrame, section: str | None, text: str | None, missing_only: bool
) -> pd.DataFrame:
    """The profile rows of one section (None or "" for all), whose label or value contains the
    text (any case), optionally only the missing ones."""
    keep = pd.Series(True, index=profile.index)
    if section:
        keep &= profile["section"] == section
    if text and text.strip():
        needle = text.strip().casefold()
        haystack = (profile["label"] + " " + profile["value"]).str.casefold()
        keep &= haystack.str.contains(needle, regex=False)
    if missing_only:
        keep &= profile["missing"].astype(bool)
    return profile[keep].reset_index(drop=True)


def profile_display(profile: pd.DataFrame, language: Language) -> pd.DataFrame:
    """The shown columns of the profile, with headers in the reader's language."""
    headers = [t(language, f"profile.col.{c}") for c in PROFILE_COLUMNS]
    return profile[list(PROFILE_COLUMNS)].set_axis(headers, axis="columns")


def default_features(explanation: pb.ExplainResponse, limit: int = 4) -> list[str]:
    """The features of the main refusal reasons, topped up with approval reasons."""
    names: list[str] = []
    for reason in [*explanation.refusal_reasons, *explanation.approval_reasons]:
        if reason.feature not in names:
            names.append(reason.feature)
    return names[:limit]


def feature_choices(model: pb.GetModelInfoResponse) -> list[tuple[str, str]]:
    """Every model feature as (label, name), the most important first."""
    labels = feature_labels(model)
    ranked = [i.feature for i in model.global_importances]
    rest = sorted(set(labels) - set(ranked), key=lambda n: labels[n].casefold())
    return [(labels.get(n, n), n) for n in [*ranked, *rest] if n in labels]


_GROUPS = ("all", "similar", "repaid", "defaulted")


def percentile_words(percentile: float, language: Language, group: str = "") -> str:
    """82.4 -> "higher than 82%", 10 -> "lower than 90%", + " of <group>" when given."""
    key = "compare.higher" if percentile >= 50 else "compare.lower"
    share = percentile if percentile >= 50 else 100 - percentile
    text = t(language, key, percent=format_percent(share / 100, language, 0))
    return f"{text} {t(language, f'compare.of_{group}')}" if group else text


def _category_share(distribution: pb.Distribution, category: str, language: Language) -> str:
    """The share of the group in `category` (a value, with Kaggle's spelling)."""
    total = sum(c.count for c in distribution.category_counts)
    same = sum(c.count for c in distribution.category_counts if c.category == category)
    return (
        t(language, "compare.same_share", percent=format_percent(same / total, language, 0))
        if total
        else "—"
    )


def _position_cells(
    comparison: pb.FeatureComparison, language: Language, categories: Categories
) -> list[str]:
    distributions = [getattr(comparison, f"{g}_clients") for g in _GROUPS]
    if comparison.client_value_missing:
        return [t(language, "compare.missing_short")] * len(_GROUPS)
    if comparison.kind == pb.FEATURE_KIND_CATEGORICAL:
        # The server shows the client's category by its label; the counts use the value.
        category = categories.value_of(comparison.feature, comparison.client_display_value)
        return [_category_share(d, category, language) for d in distributions]
    return [
        percentile_words(d.client_percentile, language) if d.HasField("client_percentile") else "—"
        for d in distributions
    ]


def _group_line(group: pb.PeerGroup, language: Language, *, with_rate: bool) -> str:
    key = "compare.group_line" if with_rate else "compare.group_line_outcome"
    return "- " + t(
        language,
        key,
        label=group.label,
        rule=group.rule,
        count=format_number(group.client_count, language),
        rate=format_percent(group.default_rate, language),
    )


def peer_groups_markdown(response: pb.ComparePeersResponse, language: Language) -> str:
    """Who the client is compared with: each group's rule, size and default rate."""
    lines = [f"**{t(language, 'compare.groups')}**", ""]
    lines.append(_group_line(response.all_clients, language, with_rate=True))
    lines.append(_group_line(response.similar_clients, language, with_rate=True))
    lines.append(_group_line(response.repaid_clients, language, with_rate=False))
    lines.append(_group_line(response.defaulted_clients, language, with_rate=False))
    return "\n".join(lines)


def position_markdown(
    response: pb.ComparePeersResponse, language: Language, categories: Categories
) -> str:
    """The client's position in each group, feature by feature, in words: the text
    equivalent of the comparison figure."""
    headers = [t(language, "compare.col_feature"), t(language, "compare.col_client")]
    headers += [t(language, f"compare.{g}") for g in _GROUPS]
    lines = [f"**{t(language, 'compare.position')}**", ""]
    lines += ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for comparison in response.comparisons:
        label = with_period(comparison.feature, comparison.label, language)
        cells = [f"**{label}**", comparison.client_display_value]
        cells += _position_cells(comparison, language, categories)
        lines.append("| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |")
    lines += ["", f"<small>{t(language, 'compare.reading')}</small>"]
    return "\n".join(lines)
