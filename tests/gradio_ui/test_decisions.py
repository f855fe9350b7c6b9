"""The advisor's final decision, the client's history and letter, against the real in-process
server: what is sent is what the advisor chose against the Explain shown, a repeated save
records once, the server's refusals are worded by the app, the history tells advisors' decisions
from the model's."""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from creditscore.v1 import decision_record_pb2 as record_pb
from gradio_ui import decisions
from gradio_ui.client import CreditScoreClient
from gradio_ui.decision_labels import (
    final_decision_choices,
    override_reason_choices,
    override_reason_label,
)
from gradio_ui.decisions import DecisionForm, ReviewedModel
from gradio_ui.letter import Decider, LetterFontMissing, Outcome
from gradio_ui.settings import Language, ServerCredentials, UiSettings
from gradio_ui.texts import t
from gradio_ui.views import history_html, local_time
from server.artifacts import ServingArtifacts
from server.security.roles import Role
from tests.gradio_ui.contract import LANGUAGES
from tests.server.conftest import (  # noqa: F401 - the server's fixture, used by name
    RunningServer,
    SecurityMaterial,
    security,
    start_server,
)

APPROVE, REFUSE, REFER = "FINAL_DECISION_APPROVE", "FINAL_DECISION_REFUSE", "FINAL_DECISION_REFER"
INCOME, OTHER = "OVERRIDE_REASON_INCOME_VERIFIED", "OVERRIDE_REASON_OTHER"


@pytest.fixture(scope="module")
def anna(ui_client: CreditScoreClient) -> CreditScoreClient:
    """The app calling for the advisor "anna"."""
    return ui_client.as_advisor("anna")


def _reviewed(
    client: CreditScoreClient, client_id: int, language: Language = "en"
) -> ReviewedModel:
    return ReviewedModel.of(client.explain(client_id, language), client_id, language)


def _save(
    client: CreditScoreClient,
    model: ReviewedModel | None,
    form: DecisionForm,
    draft: decisions.Draft | None = None,
    language: Language = "en",
) -> decisions.SaveResult:
    return decisions.save_decision(client, model, draft, form, language, address="test")


def _advisor_records(client: CreditScoreClient, client_id: int) -> list[record_pb.DecisionRecord]:
    request = record_pb.ListDecisionsRequest(
        client_id=client_id, kind=record_pb.RECORD_KIND_ADVISOR_DECISION, page_size=500
    )
    return list(client.list_decisions(request).records)


def _text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- The form --------------------------------------------------------------------------------


def test_the_decisions_and_reasons_offered_are_the_contracts_labels() -> None:
    assert final_decision_choices("en") == [
        ("Approve", APPROVE),
        ("Refuse", REFUSE),
        ("Refer to a second reader", REFER),
    ]
    assert [label for label, _ in final_decision_choices("fr")] == [
        "Accorder",
        "Refuser",
        "Transmettre à un second lecteur",
    ]
    reasons = dict((value, label) for label, value in override_reason_choices("fr"))
    assert len(reasons) == 8 and "OVERRIDE_REASON_UNSPECIFIED" not in reasons
    assert reasons[INCOME] == "Revenus vérifiés supérieurs à ceux déclarés"
    assert override_reason_label(record_pb.OVERRIDE_REASON_OTHER, "en") == (
        "Other reason (see the note)"
    )


def test_approving_a_file_the_model_refuses_asks_for_the_reason_plainly(
    ui_client: CreditScoreClient, refused_id: int
) -> None:
    model = _reviewed(ui_client, refused_id)
    assert model.refuses
    approve = DecisionForm(APPROVE)
    assert decisions.reason_needed(model, approve)
    assert "The model recommends refusal: give the reason for approving." in (
        decisions.guidance_markdown(model, approve, "en")
    )
    assert "Le modèle recommande le refus : indiquez le motif de l'accord." in (
        decisions.guidance_markdown(model, approve, "fr")
    )
    assert decisions.form_problems(model, approve, "en") == [t("en", "record.error.reason")]


def test_refusing_a_file_the_model_refuses_needs_no_reason(
    ui_client: CreditScoreClient, refused_id: int
) -> None:
    model = _reviewed(ui_client, refused_id)
    refuse = DecisionForm(REFUSE, INCOME)
    assert not decisions.reason_needed(model, refuse)
    assert t("en", "record.agrees") in decisions.guidance_markdown(model, refuse, "en")
    assert decisions.form_problems(model, refuse, "en") == []
    # The reason left in the hidden list is not sent: the server would refuse it.
    request = decisions.decision_request(model, refuse)
    assert request.override_reason == record_pb.OVERRIDE_REASON_UNSPECIFIED


def test_refusing_a_file_the_model_approves_asks_for_the_reason(
    ui_client: CreditScoreClient, approved_id: int
) -> None:
    model = _reviewed(ui_client, approved_id)
    refuse = DecisionForm(REFUSE)
    assert "The model recommends approval: give the reason for refusing." in (
        decisions.guidance_markdown(model, refuse, "en")
    )


def test_referring_or_giving_another_reason_needs_a_note(
    ui_client: CreditScoreClient, refused_id: int
) -> None:
    model = _reviewed(ui_client, refused_id)
    assert decisions.form_problems(model, DecisionForm(REFER, note="  "), "en") == [
        t("en", "record.error.note_refer")
    ]
    assert decisions.form_problems(model, DecisionForm(APPROVE, OTHER), "fr") == [
        t("fr", "record.error.note_other")
    ]
    assert decisions.form_problems(model, DecisionForm(None), "en") == [
        t("en", "record.error.decision")
    ]


def test_a_note_longer_than_the_contract_allows_is_not_sent(
    anna: CreditScoreClient, refused_id: int
) -> None:
    model = _reviewed(anna, refused_id)
    before = len(_advisor_records(anna, refused_id))
    long_note = "x" * (decisions.NOTE_MAX_CHARS + 1)
    result = _save(anna, model, DecisionForm(REFER, note=long_note))
    assert result.record is None
    assert "1001" in result.status_html and 'role="alert"' in result.status_html
    assert len(_advisor_records(anna, refused_id)) == before


# --- Saving ----------------------------------------------------------------------------------


def test_an_override_is_recorded_against_the_explain_shown(
    anna: CreditScoreClient, refused_id: int
) -> None:
    model = _reviewed(anna, refused_id)
    form = DecisionForm(APPROVE, INCOME, "Payslips checked: 3 200 € a month.")
    result = _save(anna, model, form)

    record = result.record
    assert record is not None
    assert record.kind == record_pb.RECORD_KIND_ADVISOR_DECISION
    assert record.final_decision == record_pb.FINAL_DECISION_APPROVE
    assert record.override_reason == record_pb.OVERRIDE_REASON_INCOME_VERIFIED
    assert record.is_override
    assert record.note == "Payslips checked: 3 200 € a month."
    assert record.advisor_name == "anna"
    assert record.default_probability == pytest.approx(model.probability)
    explains = anna.list_decisions(
        record_pb.ListDecisionsRequest(
            client_id=refused_id, kind=record_pb.RECORD_KIND_EXPLAIN, page_size=500
        )
    ).records
    reviewed = next(r for r in explains if r.request_id == model.request_id)
    assert record.model_record_id == reviewed.record_id
    # The confirmation names the record's time, on the app's clock.
    assert f"Decision recorded on {local_time(record.record_time, 'en')}: Approve." in (
        result.status_html
    )
    assert t("en", "record.saved_override") in result.status_html


def test_saving_the_same_form_twice_records_it_once(
    anna: CreditScoreClient, approved_id: int
) -> None:
    model = _reviewed(anna, approved_id)
    form = DecisionForm(REFER, note="Second opinion on the employer.")
    first = _save(anna, model, form)
    again = _save(anna, model, form, draft=first.draft)

    assert first.draft == again.draft
    assert first.record is not None and again.record is not None
    assert again.record.record_id == first.record.record_id
    assert first.draft is not None
    same = [
        r for r in _advisor_records(anna, approved_id) if r.request_id == first.draft.request_id
    ]
    assert len(same) == 1


def test_a_changed_form_is_a_new_decision(anna: CreditScoreClient, approved_id: int) -> None:
    model = _reviewed(anna, approved_id)
    first = _save(anna, model, DecisionForm(APPROVE))
    changed = _save(anna, model, DecisionForm(APPROVE, note="Stable job."), draft=first.draft)
    assert first.draft is not None and changed.draft is not None
    assert changed.draft.request_id != first.draft.request_id
    assert first.record is not None and changed.record is not None
    assert changed.record.record_id != first.record.record_id
    assert not changed.record.is_override


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_servers_refusal_is_worded_by_the_app(
    anna: CreditScoreClient, refused_id: int, language: Language
) -> None:
    shown = _reviewed(anna, refused_id)
    unknown = ReviewedModel(
        client_id=refused_id,
        request_id="no-such-explain",
        decision=shown.decision,
        probability=shown.probability,
        model_version=shown.model_version,
        refusal_reasons=(),
        approval_reasons=(),
    )
    result = _save(anna, unknown, DecisionForm(REFUSE), language=language)
    assert result.record is None
    assert t(language, "record.not_saved") in result.status_html
    assert t(language, "record.invalid.model_request_id") in result.status_html
    # The server's own sentence names the request id; the advisor never reads it.
    assert "no-such-explain" not in result.status_html


def test_without_an_explain_shown_nothing_is_sent(anna: CreditScoreClient) -> None:
    result = _save(anna, None, DecisionForm(APPROVE))
    assert result.record is None
    assert t("en", "record.error.no_model") in result.status_html


# --- History ---------------------------------------------------------------------------------


def test_the_history_shows_the_advisors_decision_first_and_flags_the_override(
    anna: CreditScoreClient, refused_id: int
) -> None:
    model = _reviewed(anna, refused_id, "fr")
    note = "Garant présenté « solide »."
    saved = _save(anna, model, DecisionForm(APPROVE, INCOME, note), language="fr")
    assert saved.record is not None

    history = decisions.first_history_page(anna, refused_id)
    newest = history.records[0]
    assert newest.record_id == saved.record.record_id
    times = [r.record_time.ToMicroseconds() for r in history.records]
    assert times == sorted(times, reverse=True)

    shown = history_html(history.records, "fr", more=bool(history.next_page_token))
    first_entry = shown.split("<li ")[1]
    assert 'data-kind="advisor"' in first_entry and 'data-override="true"' in first_entry
    assert "Dérogation à la décision du modèle" in first_entry
    assert "Revenus vérifiés supérieurs à ceux déclarés" in first_entry
    assert "Garant présenté « solide »." in first_entry
    assert "par anna" in first_entry
    assert local_time(newest.record_time, "fr") in first_entry
    assert "Modèle : refus" in first_entry
    # The Explain that was reviewed is listed as the model's decision.
    assert 'data-kind="model"' in shown and "Décision du modèle, expliquée" in shown


def test_a_note_is_shown_as_text_not_markup(anna: CreditScoreClient, refused_id: int) -> None:
    model = _reviewed(anna, refused_id)
    saved = _save(anna, model, DecisionForm(REFER, note="<script>alert(1)</script>"))
    assert saved.record is not None
    shown = history_html([saved.record], "en", more=False)
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    # One record is counted in words, not as "All 1 records".
    assert "The only record." in shown
    assert "Le seul enregistrement." in history_html([saved.record], "fr", more=False)
    assert "Les 2 enregistrements." in history_html([saved.record] * 2, "fr", more=False)


def test_the_history_pages_follow_the_servers_token(
    anna: CreditScoreClient, approved_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        anna.explain(approved_id, "en")
    monkeypatch.setattr(decisions, "HISTORY_PAGE_SIZE", 2)
    first = decisions.first_history_page(anna, approved_id)
    assert len(first.records) == 2 and first.next_page_token
    assert t("en", "history.count", count=2) in history_html(first.records, "en", more=True)
    second = decisions.more_history(anna, first)
    assert len(second.records) == 4
    ids = [r.record_id for r in second.records]
    assert len(set(ids)) == 4 and ids[:2] == [r.record_id for r in first.records]


def test_advisors_only_lists_only_the_advisors_decisions(
    anna: CreditScoreClient, approved_id: int
) -> None:
    _save(anna, _reviewed(anna, approved_id), DecisionForm(APPROVE, note="Checked."))
    history = decisions.first_history_page(anna, approved_id, advisors_only=True)
    assert history.records
    assert {r.kind for r in history.records} == {record_pb.RECORD_KIND_ADVISOR_DECISION}


# --- Letter ----------------------------------------------------------------------------------


def test_without_an_advisors_decision_the_letter_states_the_models_as_such(
    ui_client: CreditScoreClient, refused_id: int
) -> None:
    model = _reviewed(ui_client, refused_id, "fr")
    content = decisions.letter_content(model, None, "bob", "fr", date(2025, 3, 2))
    assert content.decider is Decider.MODEL and content.outcome is Outcome.REFUSE
    assert content.reasons == model.refusal_reasons
    assert content.advisor_name == "bob"


def test_an_advisors_approval_is_explained_with_the_approval_reasons(
    anna: CreditScoreClient, refused_id: int
) -> None:
    model = _reviewed(anna, refused_id)
    saved = _save(anna, model, DecisionForm(APPROVE, INCOME, "Payslips seen."))
    assert saved.record is not None
    content = decisions.letter_content(model, saved.record, None, "en", date(2025, 3, 2))
    assert content.decider is Decider.ADVISOR and content.outcome is Outcome.APPROVE
    assert content.reasons == model.approval_reasons
    assert content.override_reason == "Income verified higher than declared"
    assert content.advisor_name == "anna"
    assert "Payslips seen." not in repr(content)  # the note stays in the record


def test_the_screen_gives_the_letter_of_the_latest_decision_named_for_client_and_day(
    anna: CreditScoreClient, refused_id: int, tmp_path: Path
) -> None:
    model = _reviewed(anna, refused_id)
    _save(anna, model, DecisionForm(REFUSE, note="Confirmed."))
    letters = decisions.LetterFiles(tmp_path)
    screen = decisions.load_screen(
        anna,
        model,
        advisors_only=False,
        advisor="anna",
        language="en",
        letters=letters,
        today=date(2025, 3, 2),
    )
    assert screen.letter_path is not None
    assert screen.letter_path.name == f"letter_{refused_id}_20250302.pdf"
    text = _text(screen.letter_path.read_bytes())
    assert "We are sorry to tell you that your credit application has been refused." in text
    assert model.refusal_reasons[0][:40] in re.sub(r"\s+", " ", text)
    assert re.match(
        r"The letter states the advisor's decision of \d+ \w+ \d{4}\.", screen.letter_status
    )
    assert screen.history.records[0].final_decision == record_pb.FINAL_DECISION_REFUSE


def test_without_the_letters_font_the_history_still_shows_and_the_letter_says_why(
    anna: CreditScoreClient, refused_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_font(_content: object) -> bytes:
        raise LetterFontMissing("the letter needs the DejaVu Sans font")

    monkeypatch.setattr(decisions, "letter_pdf", no_font)
    model = _reviewed(anna, refused_id, "fr")
    screen = decisions.load_screen(
        anna,
        model,
        advisors_only=False,
        advisor="anna",
        language="fr",
        letters=decisions.LetterFiles(tmp_path),
    )
    assert screen.letter_path is None
    assert screen.letter_status == t("fr", "letter.unavailable")
    assert screen.history.records[0].request_id == model.request_id
    assert list(tmp_path.rglob("*.pdf")) == []


def test_old_letters_are_deleted_from_the_disk(tmp_path: Path) -> None:
    letters = decisions.LetterFiles(tmp_path, keep_seconds=0)
    first = letters.write("letter_1_20250302.pdf", b"%PDF-1")
    second = letters.write("letter_1_20250302.pdf", b"%PDF-2")
    assert not first.exists() and second.read_bytes() == b"%PDF-2"


def test_letters_left_by_a_killed_app_are_deleted_when_the_next_app_starts(
    tmp_path: Path,
) -> None:
    killed = tmp_path / "app-killed"
    old_letter = killed / "letter-old" / "letter_1_20250302.pdf"
    old_letter.parent.mkdir(parents=True)
    old_letter.write_bytes(b"%PDF-old")
    young_letter = tmp_path / "app-running" / "letter-young" / "letter_2_20250302.pdf"
    young_letter.parent.mkdir(parents=True)
    young_letter.write_bytes(b"%PDF-young")
    an_hour_ago = time.time() - 3600
    for folder in (old_letter.parent, killed):
        os.utime(folder, (an_hour_ago, an_hour_ago))

    letters = decisions.LetterFiles(tmp_path, keep_seconds=600)

    assert not killed.exists()  # its letter and then its empty folder
    assert young_letter.read_bytes() == b"%PDF-young"  # another app's letter, still served
    assert letters.write("letter_3_20250302.pdf", b"%PDF-3").parent.parent == letters.directory


def test_by_default_letters_go_to_a_folder_only_this_user_can_read() -> None:
    letters = decisions.LetterFiles()
    written = letters.write("letter_4_20250302.pdf", b"%PDF-4")
    info = letters.root.stat()
    assert info.st_uid == os.getuid() and info.st_mode & 0o077 == 0
    assert written.is_relative_to(letters.root)


# --- The app's own account on a server that checks callers ------------------------------------


@pytest.fixture(scope="module")
def guarded(
    serving_artifacts: ServingArtifacts,
    security: SecurityMaterial,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningServer]:
    record_db = tmp_path_factory.mktemp("guarded_records") / "decisions.sqlite"
    running = start_server(
        serving_artifacts, credentials_file=security.credentials_file, record_db=str(record_db)
    )
    yield running
    running.server.shutdown(grace_seconds=0.5).wait(5)


def _app_client(server: RunningServer, token: str) -> CreditScoreClient:
    return CreditScoreClient(server.address, credentials=ServerCredentials(token=token))


def test_with_its_advisor_token_the_app_records_in_the_advisors_name(
    guarded: RunningServer,
    security: SecurityMaterial,  # noqa: F811
    refused_id: int,
) -> None:
    with _app_client(guarded, security.tokens[Role.ADVISOR]) as app:
        anna = app.as_advisor("anna")
        saved = _save(anna, _reviewed(anna, refused_id), DecisionForm(REFUSE))
    assert saved.record is not None
    assert saved.record.advisor_name == "anna"
    assert saved.record.caller == "advisor-caller"
    assert saved.record.caller_role == "advisor"


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_app_token_that_may_not_read_decisions_gets_a_clear_message(
    guarded: RunningServer,
    security: SecurityMaterial,  # noqa: F811
    ui_settings: UiSettings,
    refused_id: int,
    language: Language,
) -> None:
    with _app_client(guarded, security.tokens[Role.SCORING]) as app:
        outcome = decisions.run_recording(
            lambda: decisions.first_history_page(app, refused_id),
            heading=t(language, "history.failed"),
            language=language,
            address=guarded.address,
            client_id=refused_id,
        )
    assert outcome.value is None
    assert t(language, "history.failed") in outcome.banner
    assert t(language, "record.error.denied") in outcome.banner


@pytest.mark.parametrize("planted", ["open to others", "a symlink"])
def test_a_letters_folder_planted_by_someone_else_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, planted: str
) -> None:
    shared_tmp = tmp_path / "tmp"
    shared_tmp.mkdir()
    monkeypatch.setattr(decisions.tempfile, "tempdir", str(shared_tmp))
    name = shared_tmp / f"creditscore-letters-{os.getuid()}"
    if planted == "a symlink":
        elsewhere = tmp_path / "attacker"
        elsewhere.mkdir(mode=0o700)
        name.symlink_to(elsewhere)
    else:
        name.mkdir()
        name.chmod(0o777)

    letters = decisions.LetterFiles()
    written = letters.write("letter_5_20250302.pdf", b"%PDF-5")

    assert not written.is_relative_to(name) and letters.root != name
    assert letters.root.stat().st_mode & 0o077 == 0
    if planted == "a symlink":
        assert list((tmp_path / "attacker").iterdir()) == []  # nothing written through it
    assert "is not a folder of this user's alone" in caplog.text
