"""Issue 13 in Debian's Chromium (Playwright): the client among similar clients on two
characteristics the advisor picks, marked by shape and not colour alone, readable on a phone;
"not applicable" told apart from "missing" in the profile. Screenshots go to
test-artifacts/gradio_ui/."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui.client import CreditScoreClient
from gradio_ui.peer_scatter import scatter_choices
from gradio_ui.texts import t
from tests.gradio_ui.browser import SHOTS, needs_chromium, shot
from tests.gradio_ui.review_app import PHONE, ReviewApp, new_page, open_client, open_tab

pytestmark = [pytest.mark.slow, needs_chromium]

_TRACES = "return el.data.map(d => [d.name, d.marker.symbol, (d.x || []).length]);"


def _plot(page: Page, script: str) -> Any:
    element = page.locator("#peer-scatter .js-plotly-plot").first
    expect(element).to_be_visible()
    return element.evaluate(f"(el) => {{ {script} }}")


def _open_phone_tab(page: Page, name: str) -> None:
    """A tab on a phone, where the last tabs are under Gradio's "More tabs" menu."""
    page.get_by_role("button", name="More tabs").click()
    page.locator("#tabs button", has_text=name).last.click()
    expect(page.get_by_role("tab", name=name, exact=True)).to_be_visible()


def _pick(page: Page, axis: str, label: str) -> None:
    picker = page.locator(f"#scatter-{axis}")
    picker.locator("input").click()
    picker.locator("input").fill(label)
    page.get_by_role("option", name=label, exact=True).first.click()


def test_the_scatter_places_the_client_among_similar_clients_on_two_chosen_facts(
    browser: Browser, app: ReviewApp, ui_client: CreditScoreClient, refused_id: int
) -> None:
    labels = {f.name: f.label for f in ui_client.model_info("en").features}
    page = new_page(browser, app.url)
    open_client(page, refused_id)
    open_tab(page, "Compare")
    traces = _plot(page, _TRACES)
    # Repaid ○, defaulted ✕ and the client ★: three shapes, not colours alone.
    assert [symbol for _, symbol, _ in traces] == ["circle-open", "x", "star"]
    assert traces[2][0] == "This client (★)" and traces[2][2] == 1
    assert 0 < traces[0][2] + traces[1][2] <= 300

    _pick(page, "x", labels["AGE_YEARS"])
    expect(page.locator("#peer-scatter-text")).to_contain_text(labels["AGE_YEARS"])
    _pick(page, "y", labels["AMT_CREDIT"])
    text = page.locator("#peer-scatter-text")
    expect(text).to_contain_text(labels["AMT_CREDIT"])
    titles = _plot(page, "return [el.layout.xaxis.title.text, el.layout.yaxis.title.text];")
    assert titles[0].startswith(labels["AGE_YEARS"]) and titles[1].startswith(labels["AMT_CREDIT"])
    expected = ui_client.compare(
        refused_id, ["AGE_YEARS"], "en", scatter_features=["AGE_YEARS", "AMT_CREDIT"]
    ).scatter
    star = _plot(page, "return el.data.filter(d => d.marker.symbol === 'star')[0].x;")
    assert star == [pytest.approx(expected.client_x)]
    expect(text).to_contain_text(expected.client_x_display_value)
    expect(text).to_contain_text(f"{len(expected.points)} of the")
    shot(page, "70_peers_scatter")

    # The same characteristic twice is said, not drawn.
    _pick(page, "y", labels["AGE_YEARS"])
    expect(page.locator(".cs-banner")).to_contain_text("two different characteristics")
    page.close()


def test_the_chosen_axes_stay_when_the_advisor_switches_language(
    browser: Browser, app: ReviewApp, ui_client: CreditScoreClient, refused_id: int
) -> None:
    english = dict((name, label) for label, name in scatter_choices(ui_client.model_info("en")))
    french = dict((name, label) for label, name in scatter_choices(ui_client.model_info("fr")))
    page = new_page(browser, app.url)
    open_client(page, refused_id)
    open_tab(page, "Compare")
    text = page.locator("#peer-scatter-text")
    expect(text).to_be_visible()
    # Two characteristics among the first offered, neither an axis the file opened on.
    opened = {page.locator(f"#scatter-{axis} input").input_value() for axis in ("x", "y")}
    x, y = [name for name in list(english)[:8] if english[name] not in opened][:2]
    _pick(page, "x", english[x])
    expect(text).to_contain_text(english[x])
    _pick(page, "y", english[y])
    expect(text).to_contain_text(english[y])

    page.get_by_label("Français").check()
    expect(page.locator("#scatter-x input")).to_have_value(french[x])
    expect(page.locator("#scatter-y input")).to_have_value(french[y])
    expect(text).to_contain_text(french[x])
    expect(text).to_contain_text(french[y])
    titles = _plot(page, "return [el.layout.xaxis.title.text, el.layout.yaxis.title.text];")
    assert titles[0].startswith(french[x]) and titles[1].startswith(french[y])
    page.close()


def test_on_a_phone_the_scatter_fits_the_screen_and_names_its_marks(
    browser: Browser, app: ReviewApp, refused_id: int
) -> None:
    page = new_page(browser, app.url, PHONE)
    open_client(page, refused_id)
    _open_phone_tab(page, "Compare")
    plot = page.locator("#peer-scatter .js-plotly-plot").first
    expect(plot).to_be_visible()
    plot.scroll_into_view_if_needed()
    box = plot.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    legend = _plot(page, "return [...el.querySelectorAll('.legendtext')].map(n => n.textContent);")
    assert "This client (★)" in legend
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(SHOTS / "71_peers_scatter_phone.png"), full_page=False)
    page.close()


def test_a_car_age_without_a_car_reads_not_applicable_rather_than_missing(
    browser: Browser, app: ReviewApp, ui_client: CreditScoreClient
) -> None:
    clients = ui_client.search(pb.SearchClientsRequest(page_size=50)).clients
    no_car = next(
        c.client_id
        for c in clients
        if ui_client.get_client(c.client_id, "en").application.flag_own_car == "N"
    )
    page = new_page(browser, app.url)
    open_client(page, no_car)
    open_tab(page, "Client profile")
    page.get_by_label(t("en", "profile.search")).fill("car")
    profile = page.locator("#profile")
    expect(profile).to_contain_text("not applicable (no car)")
    shot(page, "72_not_applicable_car_age")
    page.close()
