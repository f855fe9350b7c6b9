"""The advisor's final decision on record, the client's decision history and letter (no Gradio)."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import stat
import tempfile
import time
import uuid
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

from creditscore.v1 import credit_score_pb2 as score_pb
from creditscore.v1 import decision_record_pb2 as pb
from creditscore.v1 import rules_pb2
from gradio_ui.client import CreditScoreClient, ErrorKind, ServiceError
from gradio_ui.decision_labels import final_decision_label, override_reason_label
from gradio_ui.errors import Outcome, error_message, run_safely
from gradio_ui.external_scores import grouped_reason_texts
from gradio_ui.formatting import format_percent
from gradio_ui.letter import (
    Decider,
    LetterContent,
    LetterFontMissing,
    letter_date,
    letter_file_name,
    letter_pdf,
)
from gradio_ui.letter import Outcome as LetterOutcome
from gradio_ui.settings import Language
from gradio_ui.texts import t
from gradio_ui.views import banner_html, local_time, record_status_html

__all__ = [
    "HISTORY_PAGE_SIZE",
    "NOTE_MAX_CHARS",
    "DecisionForm",
    "DecisionScreen",
    "Draft",
    "History",
    "LetterFiles",
    "ReviewedModel",
    "SaveResult",
    "decision_request",
    "first_history_page",
    "form_problems",
    "guidance_markdown",
    "latest_advisor_decision",
    "letter_content",
    "load_screen",
    "more_history",
    "reason_needed",
    "run_recording",
    "save_decision",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

HISTORY_PAGE_SIZE = 20
# The contract's bound on the note, read where it is declared.
NOTE_MAX_CHARS = (
    pb.RecordDecisionRequest.DESCRIPTOR.fields_by_name["note"]
    .GetOptions()
    .Extensions[rules_pb2.FieldRules.rules]
    .max_length
)
_APPROVE, _REFUSE, _REFER = (
    pb.FINAL_DECISION_APPROVE,
    pb.FINAL_DECISION_REFUSE,
    pb.FINAL_DECISION_REFER,
)
# Request fields whose violations the app words itself (texts "record.invalid.<field>").
_WORDED_FIELDS = frozenset(
    {"decision", "override_reason", "note", "model_request_id", "request_id", "client_id"}
)


@dataclass(frozen=True, slots=True)
class ReviewedModel:
    """The model decision the advisor reviews: the Explain the client's screen was built from."""

    client_id: int
    # ExplainResponse.request_id: RecordDecisionRequest.model_request_id.
    request_id: str
    decision: int  # creditscore.v1.Decision
    probability: float
    model_version: str
    refusal_reasons: tuple[str, ...]
    approval_reasons: tuple[str, ...]
    # What would change a refusal (SuggestChanges' option texts), for the letter.
    what_could_change: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, explanation: score_pb.ExplainResponse, client_id: int, language: Language
    ) -> ReviewedModel:
        """What an Explain of the stored client `client_id` said (in `language`); the reasons
        about external scores are one item, as on the screen."""
        score = explanation.score
        return cls(
            client_id=client_id,
            request_id=explanation.request_id,
            decision=score.decision,
            probability=score.default_probability,
            model_version=score.model_version,
            refusal_reasons=_letter_reasons(explanation.refusal_reasons, language),
            approval_reasons=_letter_reasons(explanation.approval_reasons, language),
        )

    @property
    def refuses(self) -> bool:
        return self.decision == score_pb.DECISION_REFUSE


def _letter_reasons(reasons: Sequence[score_pb.Reason], language: Language) -> tuple[str, ...]:
    return tuple(grouped_reason_texts(reasons, language, markdown=False))


def _number(enum: type[pb.FinalDecision] | type[pb.OverrideReason], name: str | None) -> int:
    value = enum.DESCRIPTOR.values_by_name.get(name or "")
    return value.number if value is not None else 0


@dataclass(frozen=True, slots=True)
class DecisionForm:
    """The panel as the advisor filled it: enum value names, as the choices carry them."""

    decision: str | None = None
    override_reason: str | None = None
    note: str = ""

    @property
    def final_decision(self) -> int:
        return _number(pb.FinalDecision, self.decision)

    @property
    def reason(self) -> int:
        return _number(pb.OverrideReason, self.override_reason)


def reason_needed(model: ReviewedModel, form: DecisionForm) -> bool:
    """True when the decision is approve or refuse and differs from the model's: an override."""
    decision = form.final_decision
    return (decision == _APPROVE and model.refuses) or (decision == _REFUSE and not model.refuses)


def _reason_sent(model: ReviewedModel, form: DecisionForm) -> int:
    # A reason picked for an override stays in the (hidden) list when the decision changes
    # back: it is sent only with an override.
    return form.reason if reason_needed(model, form) else pb.OVERRIDE_REASON_UNSPECIFIED


def _note_needed(model: ReviewedModel, form: DecisionForm) -> bool:
    return form.final_decision == _REFER or _reason_sent(model, form) == pb.OVERRIDE_REASON_OTHER


def _recommends(model: ReviewedModel, language: Language) -> str:
    return t(language, "record.recommends_refuse" if model.refuses else "record.recommends_approve")


def guidance_markdown(model: ReviewedModel, form: DecisionForm, language: Language) -> str:
    """What the model recommends, and what the advisor's decision asks of the form."""
    probability = format_percent(model.probability, language)
    decided = t(language, "record.model_refuse" if model.refuses else "record.model_approve")
    said = t(language, "record.model_says", decision=decided, probability=probability)
    decision = form.final_decision
    if decision == pb.FINAL_DECISION_UNSPECIFIED:
        todo = t(language, "record.choose")
    elif decision == _REFER:
        todo = t(language, "record.refer")
    elif reason_needed(model, form):
        key = "record.override_approve" if decision == _APPROVE else "record.override_refuse"
        todo = t(language, key, recommends=_recommends(model, language))
        if _reason_sent(model, form) == pb.OVERRIDE_REASON_OTHER:
            todo += " " + t(language, "record.other_note")
    else:
        todo = t(language, "record.agrees")
    return f"{said}\n\n**{todo}**"


def form_problems(model: ReviewedModel, form: DecisionForm, language: Language) -> list[str]:
    """What the advisor must fix before the decision can be sent (empty when nothing)."""
    if form.final_decision == pb.FINAL_DECISION_UNSPECIFIED:
        return [t(language, "record.error.decision")]
    problems = []
    if reason_needed(model, form) and form.reason == pb.OVERRIDE_REASON_UNSPECIFIED:
        problems.append(t(language, "record.error.reason"))
    if _note_needed(model, form) and not form.note.strip():
        key = (
            "record.error.note_refer"
            if form.final_decision == _REFER
            else "record.error.note_other"
        )
        problems.append(t(language, key))
    if len(form.note.strip()) > NOTE_MAX_CHARS:
        count = len(form.note.strip())
        problems.append(t(language, "record.error.note_long", count=count, max=NOTE_MAX_CHARS))
    return problems


def decision_request(model: ReviewedModel, form: DecisionForm) -> pb.RecordDecisionRequest:
    """The RecordDecision request of a filled form, without its request id."""
    return pb.RecordDecisionRequest(
        client_id=model.client_id,
        decision=pb.FinalDecision.Name(form.final_decision),
        model_request_id=model.request_id,
        override_reason=pb.OverrideReason.Name(_reason_sent(model, form)),
        note=form.note.strip(),
    )


@dataclass(frozen=True, slots=True)
class Draft:
    """The request id of one decision as sent: kept while the form is unchanged, so that a
    double click or a retry records the decision once (RecordDecision is idempotent by it)."""

    content: tuple[int, int, int, str]
    request_id: str

    @classmethod
    def for_request(cls, previous: Draft | None, request: pb.RecordDecisionRequest) -> Draft:
        """`previous` when `request` says the same; a fresh request id otherwise."""
        content = (request.client_id, request.decision, request.override_reason, request.note)
        if previous is not None and previous.content == content:
            return previous
        return cls(content, uuid.uuid4().hex)


def _violation_lines(error: ServiceError, language: Language) -> list[str]:
    lines = []
    for violation in error.violations:
        if violation.field in _WORDED_FIELDS:
            lines.append(t(language, f"record.invalid.{violation.field}", max=NOTE_MAX_CHARS))
        else:
            lines.append(t(language, "record.invalid.field", field=violation.field))
    # The server's own words are for the logs, never the screen.
    return lines or [t(language, "record.invalid.field", field="?")]


def failure_lines(
    error: ServiceError, language: Language, *, address: str, client_id: int | None
) -> list[str]:
    """Why a call to the decision record failed, in the advisor's words and language."""
    if error.kind is ErrorKind.INVALID:
        logger.info("decision refused by the server: %s", error)
        return _violation_lines(error, language)
    if error.kind is ErrorKind.DENIED:
        return [t(language, "record.error.denied")]
    return [error_message(error, language, address=address, client_id=client_id)]


@dataclass(frozen=True, slots=True)
class SaveResult:
    """A save's outcome: the draft to keep, what to show next to the form, the record made."""

    draft: Draft | None
    status_html: str
    record: pb.DecisionRecord | None = None


def _saved_html(record: pb.DecisionRecord, language: Language) -> str:
    lines = [
        t(
            language,
            "record.saved",
            time=local_time(record.record_time, language),
            decision=final_decision_label(record.final_decision, language),
        )
    ]
    if record.is_override:
        lines.append(t(language, "record.saved_override"))
    return record_status_html(lines, ok=True)


def save_decision(
    client: CreditScoreClient,
    model: ReviewedModel | None,
    draft: Draft | None,
    form: DecisionForm,
    language: Language,
    *,
    address: str,
) -> SaveResult:
    """Checks the form, then records it against the model decision shown. The draft returned,
    kept by the session, makes a repeated save of the same form a retry of the same request."""
    if model is None:
        problems = [t(language, "record.error.no_model")]
    else:
        problems = form_problems(model, form, language)
    if model is None or problems:
        return SaveResult(draft, _problems_html(problems, language))
    request = decision_request(model, form)
    draft = Draft.for_request(draft, request)
    request.request_id = draft.request_id
    try:
        record = client.record_decision(request).record
    except ServiceError as error:
        lines = failure_lines(error, language, address=address, client_id=model.client_id)
        return SaveResult(draft, _problems_html(lines, language))
    return SaveResult(draft, _saved_html(record, language), record)


def _problems_html(problems: list[str], language: Language) -> str:
    return record_status_html([t(language, "record.not_saved"), *problems], ok=False)


# --- History ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class History:
    """The client's records shown so far, newest first, and the token of the next page."""

    client_id: int
    advisors_only: bool
    records: tuple[pb.DecisionRecord, ...] = ()
    next_page_token: str = ""


def _page(client: CreditScoreClient, history: History, token: str) -> History:
    kind = pb.RECORD_KIND_ADVISOR_DECISION if history.advisors_only else pb.RECORD_KIND_UNSPECIFIED
    request = pb.ListDecisionsRequest(
        client_id=history.client_id, kind=kind, page_size=HISTORY_PAGE_SIZE, page_token=token
    )
    response = client.list_decisions(request)
    return replace(
        history,
        records=(*history.records, *response.records),
        next_page_token=response.next_page_token,
    )


def first_history_page(
    client: CreditScoreClient, client_id: int, *, advisors_only: bool = False
) -> History:
    """The client's most recent records (only the advisors' decisions, on request)."""
    return _page(client, History(client_id, advisors_only), "")


def more_history(client: CreditScoreClient, history: History) -> History:
    """`history` with its next page added (itself when there is none)."""
    if not history.next_page_token:
        return history
    return _page(client, history, history.next_page_token)


def latest_advisor_decision(
    client: CreditScoreClient, client_id: int, history: History | None = None
) -> pb.DecisionRecord | None:
    """The client's most recent advisor's decision; found in `history` when it is there."""
    shown = history.records if history is not None else ()
    found = next((r for r in shown if r.kind == pb.RECORD_KIND_ADVISOR_DECISION), None)
    if found is not None or (history is not None and not history.next_page_token):
        return found
    request = pb.ListDecisionsRequest(
        client_id=client_id, kind=pb.RECORD_KIND_ADVISOR_DECISION, page_size=1
    )
    records = client.list_decisions(request).records
    return records[0] if records else None


# --- Letter ----------------------------------------------------------------------------------

_OUTCOMES = {
    _APPROVE: LetterOutcome.APPROVE,
    _REFUSE: LetterOutcome.REFUSE,
    _REFER: LetterOutcome.REFER,
}


def letter_content(
    model: ReviewedModel,
    final: pb.DecisionRecord | None,
    advisor: str | None,
    language: Language,
    today: date,
) -> LetterContent:
    """The letter of the advisor's final decision `final`, else of the model's decision shown
    (stated as such); the reasons are the shown Explain's for the outcome stated."""
    model_outcome = LetterOutcome.REFUSE if model.refuses else LetterOutcome.APPROVE
    by_model = LetterContent(
        language=language,
        client_id=model.client_id,
        date=today,
        decider=Decider.MODEL,
        outcome=model_outcome,
        reasons=_reasons_for(model, model_outcome),
        model_version=model.model_version,
        advisor_name=advisor or "",
        what_could_change=_changes_for(model, model_outcome),
    )
    outcome = _OUTCOMES.get(final.final_decision) if final is not None else None
    if final is None or outcome is None:
        return by_model
    return replace(
        by_model,
        decider=Decider.ADVISOR,
        outcome=outcome,
        # A referred file's factors are those of the model's assessment.
        reasons=by_model.reasons
        if outcome is LetterOutcome.REFER
        else _reasons_for(model, outcome),
        advisor_name=final.advisor_name or final.caller,
        override_reason=override_reason_label(final.override_reason, language),
        what_could_change=_changes_for(model, outcome),
    )


def _changes_for(model: ReviewedModel, outcome: LetterOutcome) -> tuple[str, ...]:
    # Only a refusal tells the client what could change it.
    return model.what_could_change if outcome is LetterOutcome.REFUSE else ()


def _reasons_for(model: ReviewedModel, outcome: LetterOutcome) -> tuple[str, ...]:
    return model.refusal_reasons if outcome is LetterOutcome.REFUSE else model.approval_reasons


class LetterFiles:
    """Where the letters handed to the browser are written: under ``root`` (by default a
    folder of this user's alone in the temporary directory), a folder per app process and one
    per letter (two advisors may print the same client's letter at once). Gradio serves its
    own copy, so a letter is deleted once ``keep_seconds`` old: the record, not the disk, is
    where decisions live. Letters left behind by an app that was killed (no clean-up ran) are
    deleted by the next app of the same user, at its start or its next letter."""

    def __init__(self, root: Path | None = None, *, keep_seconds: float = 600) -> None:
        self.root = root if root is not None else _private_root()
        self.keep_seconds = keep_seconds
        self.directory = Path(tempfile.mkdtemp(prefix="app-", dir=self.root))
        # The app's own folder goes with it (at the latest when the app's process ends).
        weakref.finalize(self, shutil.rmtree, self.directory, ignore_errors=True)
        self._purge()

    def write(self, name: str, data: bytes) -> Path:
        """Writes `data` as a file called `name`; returns its path."""
        self._purge()
        self.directory.mkdir(mode=0o700, exist_ok=True)
        path = Path(tempfile.mkdtemp(dir=self.directory)) / name
        path.write_bytes(data)
        return path

    def _purge(self) -> None:
        """Deletes the letters older than ``keep_seconds`` of every app under the root, and
        the empty folders of other apps (another app's live folder is made again on its next
        letter). Files vanishing meanwhile (another app purging too) are no error."""
        cutoff = time.time() - self.keep_seconds
        for app in _folders(self.root):
            # Deleting its letters makes the folder look new: judge it before.
            idle = _older(app, cutoff)
            for letter in _folders(app):
                if _older(letter, cutoff):
                    shutil.rmtree(letter, ignore_errors=True)
            if idle and app != self.directory:
                with contextlib.suppress(OSError):  # not empty, or gone
                    app.rmdir()


def _private_root() -> Path:
    """This user's letters folder in the temporary directory, readable by this user alone; a
    fresh private folder (with a warning) when that name is taken by something else."""
    root = Path(tempfile.gettempdir()) / f"creditscore-letters-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        root.mkdir(mode=0o700)
    info = root.lstat()
    if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077:
        return root
    logger.warning(
        "%s is not a folder of this user's alone: letters go to a new private folder, and "
        "letters of apps that were killed are not cleaned up; remove it",
        root,
    )
    return Path(tempfile.mkdtemp(prefix="creditscore-letters-"))


def _folders(directory: Path) -> list[Path]:
    try:
        return [entry for entry in directory.iterdir() if entry.is_dir()]
    except FileNotFoundError:
        return []


def _older(path: Path, cutoff: float) -> bool:
    try:
        return path.stat().st_mtime < cutoff
    except FileNotFoundError:
        return False


# --- The screen ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DecisionScreen:
    """The record's side of the decision panel: history, and the letter to download."""

    history: History
    # None when the letter cannot be made here (its font is missing: see the log).
    letter_path: Path | None
    letter_status: str


def load_screen(
    client: CreditScoreClient,
    model: ReviewedModel,
    *,
    advisors_only: bool,
    advisor: str | None,
    language: Language,
    letters: LetterFiles,
    today: date | None = None,
) -> DecisionScreen:
    """The client's history (first page) and letter, in `language`."""
    today = today or datetime.now().astimezone().date()
    history = first_history_page(client, model.client_id, advisors_only=advisors_only)
    final = latest_advisor_decision(client, model.client_id, history)
    content = letter_content(model, final, advisor, language, today)
    try:
        pdf = letter_pdf(content)
    except LetterFontMissing as missing:
        # The history is still worth showing; the operator's fix is in the log line.
        logger.error("no client letter: %s", missing)
        return DecisionScreen(history, None, t(language, "letter.unavailable"))
    path = letters.write(letter_file_name(model.client_id, today), pdf)
    if final is None:
        status = t(language, "letter.states_model")
    else:
        decided = final.record_time.ToDatetime(tzinfo=UTC).astimezone().date()
        status = t(language, "letter.states_advisor", date=letter_date(decided, language))
    return DecisionScreen(history, path, status)


def run_recording(
    call: Callable[[], T],
    *,
    heading: str,
    language: Language,
    address: str,
    client_id: int | None,
) -> Outcome[T]:
    """Runs a call to the decision record; a failure becomes a banner in the advisor's words,
    after `heading` (the server's own text is never shown)."""

    def worded() -> Outcome[T]:
        try:
            return Outcome(value=call())
        except ServiceError as error:
            lines = failure_lines(error, language, address=address, client_id=client_id)
            return Outcome(banner=banner_html(" ".join([heading, *lines])))

    outcome = run_safely(worded, language=language, address=address, client_id=client_id)
    return outcome.value if outcome.value is not None else Outcome(banner=outcome.banner)
