"""HTML snippets and Markdown blocks shared by the screens: badges, banners, reasons."""

from __future__ import annotations

import html
from collections.abc import Sequence

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui.formatting import format_percent
from gradio_ui.settings import Language
from gradio_ui.texts import t

__all__ = [
    "banner_html",
    "decision_badge",
    "in_grey_zone",
    "reasons_markdown",
]


def in_grey_zone(probability: float, threshold: float, grey_zone: float) -> bool:
    """True when the probability is within `grey_zone` (a probability difference) of the
    threshold, both ends included."""
    return abs(probability - threshold) <= grey_zone + 1e-12


def banner_html(message: str) -> str:
    """An alert banner (role="alert" so screen readers announce it); empty for no message."""
    if not message:
        return ""
    icon = '<span aria-hidden="true">⚠</span>'
    return f'<div class="cs-banner" role="alert">{icon} {html.escape(message, quote=False)}</div>'


def decision_badge(
    score: pb.ScoreResult, language: Language, *, grey_zone: float, caption: str = ""
) -> str:
    """The decision as text, icon and colour (never colour alone), with the grey-zone flag."""
    refuse = score.decision == pb.DECISION_REFUSE
    kind, icon = ("refuse", "✗") if refuse else ("approve", "✓")
    word = t(language, f"decision.{kind}")
    probability = format_percent(score.default_probability, language)
    review = ""
    if in_grey_zone(score.default_probability, score.threshold, grey_zone):
        review = f'<div class="cs-review">⚠ {html.escape(t(language, "decision.review"))}</div>'
    head = f'<div class="cs-caption">{html.escape(caption)}</div>' if caption else ""
    return (
        f'<div class="cs-decision cs-{kind}" data-decision="{kind}">{head}'
        f'<div class="cs-badge"><span aria-hidden="true">{icon}</span> {word}</div>'
        f'<div class="cs-probability">{probability}</div>{review}</div>'
    )


def _reason_lines(reasons: Sequence[pb.Reason], language: Language) -> list[str]:
    if not reasons:
        return [f"- {t(language, 'why.none')}"]
    return [f"{rank}. {reason.text}" for rank, reason in enumerate(reasons, start=1)]


def reasons_markdown(explanation: pb.ExplainResponse, language: Language) -> str:
    """The main reasons for and against refusal, strongest first, as the server words them."""
    lines = [f"### {t(language, 'why.refusal')}"]
    lines += _reason_lines(explanation.refusal_reasons, language)
    lines += ["", f"### {t(language, 'why.approval')}"]
    lines += _reason_lines(explanation.approval_reasons, language)
    return "\n".join(lines)
