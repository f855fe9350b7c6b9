"""The "Fairness by group" section of the training report, in Markdown."""

from __future__ import annotations

import numpy as np

from model_build.fairness import CONFIDENCE, FOUR_FIFTHS, Estimate, FairnessReport, GroupFairness

__all__ = ["fairness_markdown"]


def fairness_markdown(report: FairnessReport) -> list[str]:
    """The report's "Fairness by group" section: one table per characteristic."""
    overall = report.overall
    small = f"fewer than {report.min_rows} clients" + (
        f" or {report.min_defaulters} defaulters" if report.with_outcomes else ""
    )
    observed = (
        f", observed default rate {overall.default_rate.value:.2%}"
        if overall.default_rate is not None
        else ""
    )
    lines = [
        "## Fairness by group",
        "",
        f"Decisions at the business threshold {report.threshold:.4f} for {report.rows:,} "
        f"clients ({'out-of-fold predictions' if report.with_outcomes else 'scores'}). "
        "*Refused* is the model's decision (probability of default ≥ threshold); *defaulted* "
        "is the observed outcome (TARGET = 1). Approval ratio: the group's approval rate over "
        "the reference group's (the most-approved group large enough to judge); ⚠ marks a "
        f"ratio below {FOUR_FIFTHS} (the four-fifths screening rule): a call for review — is "
        "the gap explained by the observed default rates? — not a verdict. In brackets: "
        f"{CONFIDENCE:.0%} percentile-bootstrap intervals from {report.bootstrap} resamples "
        f"of the clients (seed {report.seed}). † marks a group with {small}: shown, too small "
        "for conclusions.",
        "",
        f"All clients: approval rate {overall.approval_rate.value:.1%}, mean predicted "
        f"probability of default {overall.mean_predicted.value:.2%}{observed}.",
        "",
    ]
    for attribute in report.attributes:
        flagged = attribute.flagged
        verdict = (
            f"Below the four-fifths ratio: {', '.join(flagged)}."
            if flagged
            else "No group large enough to judge is below the four-fifths ratio."
        )
        lines += [
            f"### {attribute.name.capitalize()} ({attribute.column})",
            "",
            f"{attribute.model_input_note}. Reference group: {attribute.reference_group}. "
            f"{verdict}",
            "",
            *_group_table(attribute.groups, report.with_outcomes),
            "",
        ]
    return lines


def _group_table(groups: tuple[GroupFairness, ...], with_outcomes: bool) -> list[str]:
    header = "| group | clients | approval rate | approval ratio | mean predicted PD |"
    if with_outcomes:
        header += (
            " observed default rate | defaulters | defaulters refused (TPR) |"
            " repaid refused (FPR) | ROC AUC |"
        )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for g in groups:
        cells = [
            g.group + (" †" if g.too_small else ""),
            f"{g.count:,}",
            _fmt(g.approval_rate, "{:.1%}"),
            _fmt(g.approval_ratio, "{:.2f}") + (" ⚠" if g.below_four_fifths else ""),
            _fmt(g.mean_predicted, "{:.2%}"),
        ]
        if with_outcomes:
            cells += [
                _fmt(g.default_rate, "{:.2%}"),
                f"{g.defaulters:,}",
                _fmt(g.true_positive_rate, "{:.1%}"),
                _fmt(g.false_positive_rate, "{:.1%}"),
                _fmt(g.roc_auc, "{:.3f}"),
            ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _fmt(estimate: Estimate | None, pattern: str) -> str:
    if estimate is None or np.isnan(estimate.value):
        return "n/a"
    if np.isnan(estimate.low) or np.isnan(estimate.high):
        return pattern.format(estimate.value)
    low, high = pattern.format(estimate.low), pattern.format(estimate.high)
    return f"{pattern.format(estimate.value)} [{low}, {high}]"
