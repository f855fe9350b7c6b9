"""HTML snippets and Markdown blocks shared by the screens: badges, banners, reasons, records."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC

from google.protobuf.timestamp_pb2 import Timestamp

from creditscore.v1 import credit_score_pb2 as pb
from creditscore.v1 import decision_record_pb2 as record_pb
from gradio_ui import external_scores
from gradio_ui.decision_labels import final_decision_label, override_reason_label
from gradio_ui.formatting import format_percent, threshold_decimals
from gradio_ui.settings import Language
from gradio_ui.texts import t

__all__ = [
    "banner_html",
    "decision_badge",
    "history_html",
    "in_grey_zone",
    "local_time",
    "reasons_markdown",
    "record_status_html",
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
    decimals = threshold_decimals(score.default_probability, score.threshold)
    probability = format_percent(score.default_probability, language, decimals)
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
    texts = external_scores.grouped_reason_texts(reasons, language)
    return [f"{rank}. {text}" for rank, text in enumerate(texts, start=1)]


def reasons_markdown(explanation: pb.ExplainResponse, language: Language) -> str:
    """The main reasons for and against refusal, strongest first, as the server words them."""
    lines = [f"### {t(language, 'why.refusal')}"]
    lines += _reason_lines(explanation.refusal_reasons, language)
    lines += ["", f"### {t(language, 'why.approval')}"]
    lines += _reason_lines(explanation.approval_reasons, language)
    cited = [*explanation.refusal_reasons, *explanation.approval_reasons]
    if any(external_scores.is_external(r.feature) for r in cited):
        # Said once, below both lists, rather than in every reason that names a score.
        lines += ["", f"<small>{external_scores.explanation(language)}</small>"]
    return "\n".join(lines)


def local_time(stamp: Timestamp, language: Language) -> str:
    """A record's time on the app's clock: "2025-03-02 14:05 CET" / "02/03/2025 14:05 CET"."""
    moment = stamp.ToDatetime(tzinfo=UTC).astimezone()
    return moment.strftime("%d/%m/%Y %H:%M %Z" if language == "fr" else "%Y-%m-%d %H:%M %Z")


def _text(text: str) -> str:
    """Text for an element's content (quotes need no escaping there)."""
    return html.escape(text, quote=False)


def record_status_html(lines: Sequence[str], *, ok: bool) -> str:
    """Next to the decision form: a confirmation (role="status"), or a heading and what went
    wrong (role="alert", so screen readers announce it)."""
    if ok:
        body = " ".join(_text(line) for line in lines)
        icon = '<span aria-hidden="true">✓</span>'
        return f'<div class="cs-record-ok" role="status">{icon} {body}</div>'
    head, *items = lines
    listed = "".join(f"<li>{_text(item)}</li>" for item in items)
    return (
        f'<div class="cs-record-error" role="alert"><strong>{_text(head)}</strong>'
        f"<ul>{listed}</ul></div>"
    )


def _kind_label(record: record_pb.DecisionRecord, language: Language) -> str:
    if record.kind == record_pb.RECORD_KIND_ADVISOR_DECISION:
        return t(language, "history.kind.advisor")
    # An application sent with the request: the what-if's edits, not the stored file (the
    # what-if explains them, so the kind alone does not tell).
    if record.application:
        return t(language, "history.kind.simulation")
    if record.kind == record_pb.RECORD_KIND_EXPLAIN:
        return t(language, "history.kind.explain")
    return t(language, "history.kind.score")


def _model_said(record: record_pb.DecisionRecord, language: Language) -> str:
    refused = record.model_decision == pb.DECISION_REFUSE
    return t(
        language,
        "history.model_said",
        decision=t(language, "history.model_refuse" if refused else "history.model_approve"),
        probability=format_percent(record.default_probability, language),
    )


def _advisor_lines(record: record_pb.DecisionRecord, language: Language) -> list[str]:
    lines = []
    if record.is_override:
        flag = _text(t(language, "history.override"))
        lines.append(f'<div class="cs-entry-flag"><span aria-hidden="true">⚠</span> {flag}</div>')
    decided = final_decision_label(record.final_decision, language)
    lines.append(_text(t(language, "history.decided", decision=decided)))
    if record.override_reason:
        reason = override_reason_label(record.override_reason, language)
        lines.append(_text(t(language, "history.reason", reason=reason)))
    if record.note:
        lines.append(_text(t(language, "history.note", note=record.note)))
    return lines


def _history_entry(record: record_pb.DecisionRecord, language: Language) -> str:
    advisor = record.kind == record_pb.RECORD_KIND_ADVISOR_DECISION
    kind = "advisor" if advisor else "model"
    who = t(language, "history.by", who=record.advisor_name or record.caller)
    head = (
        f'<span aria-hidden="true">{"✎" if advisor else "⚙"}</span> '
        f"<strong>{_text(_kind_label(record, language))}</strong> · {_text(who)} · "
        f"<time>{_text(local_time(record.record_time, language))}</time>"
    )
    lines = _advisor_lines(record, language) if advisor else []
    lines.append(_text(_model_said(record, language)))
    version = t(language, "history.model", version=record.model_version)
    lines.append(f"<small>{_text(version)}</small>")
    body = "".join(f"<div>{line}</div>" for line in lines)
    override = "true" if record.is_override else "false"
    return (
        f'<li class="cs-entry cs-entry-{kind}" data-kind="{kind}" data-override="{override}">'
        f'<div class="cs-entry-head">{head}</div>{body}</li>'
    )


def history_html(
    records: Sequence[record_pb.DecisionRecord], language: Language, *, more: bool
) -> str:
    """The client's records, newest first: the advisors' decisions (who decided what and why,
    overrides flagged) told apart from the model's; `more` when older records exist."""
    if not records:
        return f'<p class="cs-history-empty">{_text(t(language, "history.empty"))}</p>'
    key = (
        "history.count"
        if more
        else "history.count_one"
        if len(records) == 1
        else "history.count_all"
    )
    count = t(language, key, count=len(records))
    entries = "".join(_history_entry(record, language) for record in records)
    return f'<p class="cs-history-count">{_text(count)}</p><ol class="cs-history">{entries}</ol>'
