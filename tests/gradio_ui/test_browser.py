"""End to end in Debian's Chromium (Playwright): log in, find a client, read the decision and its
reasons, compare, run a what-if, switch to French; and a server that is down. Screenshots go to
test-artifacts/gradio_ui/."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui.app import launch
from gradio_ui.client import CreditScoreClient
from gradio_ui.formatting import format_percent
from gradio_ui.settings import UiSettings
from tests.gradio_ui.browser import TIMEOUT_MS, needs_chromium, shot
from tests.gradio_ui.contract import contract_labels
from tests.gradio_ui.logins import PASSWORD, USER, users

pytestmark = [pytest.mark.slow, needs_chromium]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(server_address: str) -> tuple[str, object, CreditScoreClient]:
    settings = UiSettings(
        server_address=server_address,
        port=_free_port(),
        users=users(),
        language="en",
        deadline_seconds=10,
    )
    demo, client = launch(settings, prevent_thread_lock=True)
    return f"http://127.0.0.1:{settings.port}", demo, client


@pytest.fixture(scope="module")
def app_url(ui_settings: UiSettings) -> Iterator[str]:
    url, demo, client = _serve(ui_settings.server_address)
    yield url
    demo.close()  # type: ignore[attr-defined]
    client.close()


@pytest.fixture(scope="module")
def down_app_url(down_address: str) -> Iterator[str]:
    url, demo, client = _serve(down_address)
    yield url
    demo.close()  # type: ignore[attr-defined]
    client.close()


def _logged_in(browser: Browser, url: str, login_shot: str = "") -> Page:
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    if login_shot:
        shot(page, login_shot)
    page.get_by_label("username").fill(USER)
    page.get_by_label("password").fill(PASSWORD)
    page.get_by_role("button", name="Login").click()
    expect(page.locator("#client-id")).to_be_visible(timeout=TIMEOUT_MS)
    return page


def _open_tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()


def test_advisor_journey(
    browser: Browser, app_url: str, ui_client: CreditScoreClient, refused_id: int
) -> None:
    page = _logged_in(browser, app_url, login_shot="00_login")
    shot(page, "01_home")

    # Find the client by the beginning of their id, then open their file from the list.
    page.locator("#client-id textarea, #client-id input").first.fill(str(refused_id)[:5])
    page.locator("#search-button").click()
    cell = page.locator("#results").get_by_role("gridcell", name=str(refused_id), exact=True)
    expect(cell.first).to_be_visible()
    shot(page, "02_search")
    cell.first.click()

    # Decision: the server's decision and probability, the gauge, the main reasons.
    score = ui_client.score(refused_id).score
    badge = page.locator("#decision-badge")
    expect(badge).to_contain_text("REFUSE")
    expect(badge).to_contain_text(format_percent(score.default_probability, "en"))
    expect(page.locator("#gauge .js-plotly-plot")).to_be_visible()
    reasons_en = ui_client.explain(refused_id, "en").refusal_reasons
    expect(page.locator("#decision-reasons")).to_contain_text(reasons_en[0].text)
    shot(page, "03_decision")

    _open_tab(page, "Why")
    expect(page.locator("#waterfall .js-plotly-plot")).to_be_visible()
    expect(page.locator("#reasons")).to_contain_text(reasons_en[0].text)
    shot(page, "04_why")

    _open_tab(page, "Client profile")
    expect(page.locator("#profile [role=gridcell]").first).to_be_visible()
    shot(page, "05_profile")

    _open_tab(page, "Compare")
    expect(page.locator("#compare-plot .js-plotly-plot")).to_be_visible()
    expect(page.locator("#compare-text")).to_contain_text(re.compile(r"(higher|lower) than \d+%"))
    shot(page, "06_compare")

    # What-if: halve the loan amount, re-score through the server.
    _open_tab(page, "What-if")
    stored = ui_client.get_client(refused_id, "en").application
    credit = page.locator("#whatif-credit input")
    credit.fill(str(round(stored.amt_credit / 2)))
    credit.press("Tab")
    page.locator("#whatif-run").click()
    result = page.locator("#whatif-result")
    expect(result).to_contain_text("Simulation")
    edited = ui_client.get_client(refused_id, "en").application
    edited.amt_credit = float(round(stored.amt_credit / 2))
    after = ui_client.score(refused_id, edited).score
    expect(result).to_contain_text(format_percent(after.default_probability, "en"))
    expect(page.locator("#whatif-chart .js-plotly-plot")).to_be_visible()
    shot(page, "07_whatif")

    _open_tab(page, "How the model works")
    expect(page.locator("#model-card")).to_contain_text("ROC AUC")
    shot(page, "08_model")

    # French: labels, decision and the server's reasons in French.
    page.get_by_label("Français").check()
    _open_tab(page, "Décision")
    expect(page.locator("#decision-badge")).to_contain_text("REFUS")
    reasons_fr = ui_client.explain(refused_id, "fr").refusal_reasons
    expect(page.locator("#decision-reasons")).to_contain_text(reasons_fr[0].text)
    expect(page.get_by_role("tab", name="Simulation", exact=True)).to_be_visible()
    expect(page.locator("#search-button")).to_have_text("Rechercher")
    # The results, re-read in French, show the client's income type with the server's label.
    found = ui_client.search(pb.SearchClientsRequest(client_id_prefix=str(refused_id))).clients
    income_type = next(c.income_type for c in found if c.client_id == refused_id)
    income_fr = contract_labels("fr")[("NAME_INCOME_TYPE", income_type)]
    assert income_fr != income_type
    expect(page.locator("#results")).to_contain_text(income_fr)
    shot(page, "09_decision_fr")
    _open_tab(page, "Pourquoi")
    expect(page.locator("#waterfall .js-plotly-plot")).to_be_visible()
    shot(page, "10_why_fr")
    page.close()


def test_server_down_shows_a_banner_not_a_traceback(browser: Browser, down_app_url: str) -> None:
    page = _logged_in(browser, down_app_url)
    banner = page.locator("#banner")
    expect(banner).to_contain_text("The scoring server cannot be reached")
    page.locator("#search-button").click()
    expect(banner).to_contain_text("cannot be reached")
    shot(page, "11_server_down")
    text = page.locator("body").inner_text()
    assert "Traceback" not in text
    assert "Error" not in page.locator("#results").inner_text()
    page.close()


def test_a_shared_link_opens_its_client_in_its_language_after_the_login(
    browser: Browser, app_url: str, ui_client: CreditScoreClient, refused_id: int
) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{app_url}/?client={refused_id}&lang=fr")
    page.get_by_label(re.compile("username|utilisateur", re.I)).fill(USER)
    page.get_by_label(re.compile("password|mot de passe", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("login|connexion|connecter", re.I)).click()
    expect(page.locator("#client-id")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page).to_have_url(re.compile(rf"[?&]client={refused_id}(&|$)"))
    expect(page.locator("#search-button")).to_have_text("Rechercher")
    expect(page.locator("#decision-badge")).to_contain_text(str(refused_id))
    shot(page, "05_link_after_login_fr")
    page.close()
