"""Recording a decision end to end in Debian's Chromium (Playwright), on the real app and server:
an override with its reason and note, seen in the history, the client's letter downloaded and
read, and the panel on a phone. Screenshots and the letter's first page go to
test-artifacts/gradio_ui/."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from creditscore.v1 import decision_record_pb2 as record_pb
from gradio_ui.app import launch
from gradio_ui.client import CreditScoreClient
from gradio_ui.settings import UiSettings
from tests.gradio_ui.browser import SHOTS, TIMEOUT_MS, needs_chromium, shot
from tests.gradio_ui.logins import PASSWORD, USER, free_port, users

pytestmark = [pytest.mark.slow, needs_chromium]

PHONE = {"width": 390, "height": 844}
NOTE = "Payslips checked: 3 200 € a month, “stable” job."


@pytest.fixture(scope="module")
def app_url(ui_settings: UiSettings) -> Iterator[str]:
    settings = UiSettings(
        server_address=ui_settings.server_address,
        port=free_port(),
        users=users(),
        language="en",
        deadline_seconds=10,
    )
    demo, client = launch(settings, prevent_thread_lock=True)
    yield f"http://127.0.0.1:{settings.port}"
    demo.close()
    client.close()


def _logged_in(browser: Browser, url: str, viewport: dict[str, int]) -> Page:
    page = browser.new_page(viewport=viewport, accept_downloads=True)  # type: ignore[arg-type]
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.get_by_label("username").fill(USER)
    page.get_by_label("password").fill(PASSWORD)
    page.get_by_role("button", name="Login").click()
    expect(page.locator("#client-id")).to_be_visible()
    return page


def _open_client(page: Page, client_id: int) -> None:
    page.locator("#client-id textarea, #client-id input").first.fill(str(client_id))
    page.locator("#search-button").click()
    cell = page.locator("#results").get_by_role("gridcell", name=str(client_id), exact=True)
    cell.first.click()
    expect(page.locator("#decision-badge")).to_contain_text("Client")
    expect(page.locator("#record-guidance")).to_contain_text("The model's decision")


def _pick_reason(page: Page, label: str) -> None:
    reason = page.locator("#override-reason")
    expect(reason).to_be_visible()
    reason.locator("input").click()
    page.get_by_role("option", name=label).click()


def test_an_advisor_records_an_override_sees_it_and_downloads_the_letter(
    browser: Browser,
    app_url: str,
    ui_client: CreditScoreClient,
    refused_id: int,
    tmp_path: Path,
) -> None:
    page = _logged_in(browser, app_url, {"width": 1440, "height": 1000})
    _open_client(page, refused_id)
    panel = page.locator("#record-panel")
    panel.scroll_into_view_if_needed()
    expect(page.locator("#override-reason")).to_be_hidden()

    # Approving a file the model refuses is an override: the reason is asked for, plainly.
    page.locator("#final-decision").get_by_label("Approve", exact=True).check()
    expect(page.locator("#record-guidance")).to_contain_text(
        "The model recommends refusal: give the reason for approving."
    )
    _pick_reason(page, "Income verified higher than declared")
    page.locator("#record-note textarea").fill(NOTE)
    page.locator("#record-save").click()
    status = page.locator("#record-status")
    expect(status).to_contain_text(re.compile(r"Decision recorded on \d{4}-\d\d-\d\d \d\d:\d\d"))
    expect(status).to_contain_text("It is recorded as an override of the model's decision.")

    # The history refreshes: the advisor's decision first, flagged as an override.
    newest = page.locator("#decision-history li").first
    expect(newest).to_have_attribute("data-kind", "advisor")
    expect(newest).to_have_attribute("data-override", "true")
    expect(newest).to_contain_text("Override of the model's decision")
    expect(newest).to_contain_text("Reason: Income verified higher than declared.")
    expect(newest).to_contain_text(NOTE)
    expect(newest).to_contain_text(f"by {USER}")
    expect(page.locator("#decision-history li[data-kind=model]").first).to_be_visible()
    expect(page.locator("#letter-status")).to_contain_text("the advisor's decision of")
    shot(page, "30_decision_recorded")

    # The record holds what the page showed.
    recorded = ui_client.list_decisions(
        record_pb.ListDecisionsRequest(
            client_id=refused_id, kind=record_pb.RECORD_KIND_ADVISOR_DECISION, page_size=1
        )
    ).records[0]
    assert recorded.is_override and recorded.note == NOTE and recorded.advisor_name == USER

    # The letter: the advisor's approval and the reasons in the client's favour.
    with page.expect_download() as download_info:
        page.locator("#letter-download").click()
    download = download_info.value
    assert re.fullmatch(rf"letter_{refused_id}_\d{{8}}\.pdf", download.suggested_filename)
    letter = tmp_path / download.suggested_filename
    download.save_as(letter)
    reader = PdfReader(io.BytesIO(letter.read_bytes()))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    assert len(reader.pages) == 1
    assert "Your credit application has been approved." in text
    assert "Your advisor's assessment: Income verified higher than declared." in text
    reasons = ui_client.explain(refused_id, "en").approval_reasons
    assert reasons and re.sub(r"\s+", " ", reasons[0].text) in text
    assert f"Your advisor: {USER}" in text
    # The note is for the record (colleagues, auditors), not for the client.
    assert NOTE not in text

    # Its first page as an image, for people to look at.
    first_page = SHOTS / "letter_page1.png"
    first_page.unlink(missing_ok=True)
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "poppler-utils' pdftoppm is needed to render the letter"
    prefix = tmp_path / "letter_page"
    subprocess.run(
        [
            pdftoppm,
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(letter),
            str(prefix),
        ],
        check=True,
        timeout=60,
    )
    shutil.copyfile(prefix.with_suffix(".png"), first_page)
    image = first_page.read_bytes()
    assert image.startswith(b"\x89PNG") and len(image) > 20_000

    # In French the advisor's choices stay, and the panel, history and letter follow.
    page.get_by_label("Français").check()
    download_button = page.locator("#letter-download")
    expect(download_button).to_have_text("Lettre au client (PDF)")
    expect(page.locator("#final-decision").get_by_label("Accorder", exact=True)).to_be_checked()
    expect(page.locator("#override-reason input")).to_have_value(
        "Revenus vérifiés supérieurs à ceux déclarés"
    )
    expect(page.locator("#record-guidance")).to_contain_text(
        "Le modèle recommande le refus : indiquez le motif de l'accord."
    )
    # The French Explain shown is now the newest record; the advisor's decision follows it.
    advisors = page.locator("#decision-history li[data-kind=advisor]")
    expect(advisors.first).to_contain_text("Dérogation à la décision du modèle")
    shot(page, "33_decision_recorded_fr")
    with page.expect_download() as french_info:
        download_button.click()
    french = tmp_path / "french.pdf"
    french_info.value.save_as(french)
    french_text = " ".join(p.extract_text() for p in PdfReader(french).pages)
    assert "Votre demande de crédit a été acceptée." in french_text
    page.close()


def test_on_a_phone_the_panel_fits_and_saves_a_referral(
    browser: Browser, app_url: str, approved_id: int
) -> None:
    page = _logged_in(browser, app_url, PHONE)
    _open_client(page, approved_id)
    save = page.locator("#record-save")
    save.scroll_into_view_if_needed()
    page.locator("#final-decision").get_by_label("Refer to a second reader", exact=True).check()
    expect(page.locator("#record-guidance")).to_contain_text("say why in the note (required)")
    # Saving without the note is refused next to the form, in the advisor's words.
    save.click()
    expect(page.locator("#record-status")).to_contain_text("say in the note why you refer")
    page.locator("#record-note textarea").fill("Second opinion on the employer.")
    save.click()
    expect(page.locator("#record-status")).to_contain_text("Decision recorded on")
    newest = page.locator("#decision-history li").first
    expect(newest).to_contain_text("Decided: Refer to a second reader.")
    for element in ("#final-decision", "#record-note", "#record-save", "#letter-download"):
        box = page.locator(element).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.locator("#record-panel").evaluate("panel => panel.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(400)
    page.screenshot(path=str(SHOTS / "31_decision_phone.png"), full_page=False)
    shot(page, "32_decision_phone_full")
    page.close()
