"""Issue 13 in Debian's Chromium (Playwright): the app never shows another client than the last
one asked for, says which filters apply, keeps a review queue of the grey zone, and opens the
file and language named in its address. Screenshots go to test-artifacts/gradio_ui/."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui.client import CreditScoreClient
from gradio_ui.formatting import format_percent, threshold_decimals
from gradio_ui.settings import UiSettings
from tests.gradio_ui.browser import needs_chromium, shot
from tests.gradio_ui.review_app import (
    ReviewApp,
    new_page,
    open_client,
    open_tab,
    result_row,
    search,
)

pytestmark = [pytest.mark.slow, needs_chromium]

ROUNDS = 20
CLICKS = 5
# The first click's file comes back last: each answer is held this much longer than the next.
STEP_SECONDS = 0.4


def test_five_rapid_clicks_always_show_the_last_clicked_client(
    browser: Browser, app: ReviewApp, ui_client: CreditScoreClient
) -> None:
    page = new_page(browser, app.url)
    search(page)
    first_page = ui_client.search(pb.SearchClientsRequest(page_size=CLICKS * 2)).clients
    ids = [c.client_id for c in first_page]
    badge = page.locator("#decision-badge")
    rng = random.Random(13)
    shown = None
    try:
        for _ in range(ROUNDS):
            order = rng.sample(ids, CLICKS)
            while order[-1] == shown:
                rng.shuffle(order)
            delays = {cid: STEP_SECONDS * (CLICKS - 1 - i) for i, cid in enumerate(order)}
            app.slow_down.set_client_delays(delays)
            for client_id in order:
                result_row(page, client_id).click()
                page.wait_for_timeout(40)
            shown = order[-1]
            expect(badge).to_contain_text(f"Client {shown}")
            # Every older click's answer arrives meanwhile, slower: none may replace the file.
            page.wait_for_timeout(1200)
            expect(badge).to_contain_text(f"Client {shown}")
            expect(page.locator("#record-guidance")).to_contain_text("The model's decision")
    finally:
        app.slow_down.set_client_delays({})
    shot(page, "40_last_click_wins")
    page.close()


def test_filters_show_as_chips_and_the_review_queue_keeps_no_other_filter(
    browser: Browser,
    app: ReviewApp,
    ui_client: CreditScoreClient,
    ui_settings: UiSettings,
    refused_id: int,
) -> None:
    page = new_page(browser, app.url)
    chips = page.locator("#filter-chips")
    expect(chips).to_be_hidden()
    page.get_by_text("Filters", exact=True).click()
    page.locator("#search-decision").get_by_label("REFUSE", exact=True).check()
    page.locator("#search-button").click()
    expect(chips).to_contain_text("Decision: Refuse")

    # The review queue: the grey zone only, closest to the threshold first, nothing else kept.
    page.locator("#near-threshold").click()
    expect(chips).to_contain_text("Grey zone")
    expect(chips).not_to_contain_text("Decision")
    threshold = ui_client.model_info("en").threshold
    band = ui_settings.grey_zone_points / 100
    queue = ui_client.search(
        pb.SearchClientsRequest(
            order_by="threshold_distance",
            min_default_probability=max(threshold - band, 0),
            max_default_probability=threshold + band,
            page_size=3,
        )
    ).clients
    rows = page.locator("#results [role=row]")
    for rank, summary in enumerate(queue, start=1):
        expect(rows.nth(rank)).to_contain_text(str(summary.client_id))
    distances = [abs(c.default_probability - threshold) for c in queue]
    assert distances == sorted(distances)
    shot(page, "41_review_queue")

    # A number searched under a filter that hides it: the app says so and how to see it.
    page.locator("#client-id textarea, #client-id input").first.fill(str(refused_id))
    page.locator("#search-button").click()
    status = page.locator("#search-status")
    expect(status).to_contain_text("No client matches with these filters")
    expect(status).to_contain_text(f"starting with {refused_id} exist without them")
    shot(page, "42_number_hidden_by_a_filter")
    chips.get_by_label(re.compile("Grey zone")).uncheck()
    expect(result_row(page, refused_id)).to_be_visible()
    expect(chips).to_be_hidden()
    page.close()


def _plotly(page: Page, selector: str, script: str) -> Any:
    """`script` run on the Plotly element of `selector` (bound to `el`)."""
    element = page.locator(f"{selector} .js-plotly-plot").first
    expect(element).to_be_visible()
    return element.evaluate(f"(el) => {{ {script} }}")


def test_the_compare_marker_stands_on_the_clients_own_category(
    browser: Browser, app: ReviewApp, ui_client: CreditScoreClient
) -> None:
    feature = "ORGANIZATION_TYPE"
    clients = ui_client.search(pb.SearchClientsRequest(page_size=400)).clients
    first = ui_client.compare(clients[0].client_id, [feature], "en").comparisons[0]
    ranked = [c.category for c in first.all_clients.category_counts]
    rare = next(
        c.client_id
        for c in clients
        if ui_client.get_client(c.client_id, "en").application.organization_type in ranked[8:]
    )
    label = ui_client.compare(rare, [feature], "en").comparisons[0].client_display_value
    page = new_page(browser, app.url)
    open_client(page, rare)
    open_tab(page, "Compare")
    picker = page.locator("#compare-features")
    expect(page.locator("#compare-plot .js-plotly-plot")).to_be_visible()
    if "Employer's sector" not in picker.inner_text():
        picker.locator("input").click()
        picker.locator("input").fill("Employer's sector")
        page.get_by_role("option", name="Employer's sector").first.click()
        page.locator("#compare-button").click()
    expect(page.locator("#compare-text")).to_contain_text(label)
    marked = _plotly(
        page,
        "#compare-plot",
        "return el.layout.annotations.filter(a => a.text === '▼').map(a => String(a.x));",
    )
    assert marked, "no ▼ marker drawn"
    assert all(x.replace("\u200b", "").rstrip("…") in label for x in marked)
    # ...over a bar of that category (a category not drawn puts it over another one's tick).
    drawn = _plotly(page, "#compare-plot", "return el.data.flatMap(d => (d.x || []).map(String));")
    assert all(x in drawn for x in marked)
    shot(page, "43_compare_rare_category")
    page.close()


def test_near_the_threshold_the_decimals_tell_the_sides_apart_on_a_fixed_gauge(
    browser: Browser, app: ReviewApp, ui_client: CreditScoreClient, refused_id: int
) -> None:
    threshold = ui_client.model_info("en").threshold
    closest = ui_client.search(
        pb.SearchClientsRequest(order_by="threshold_distance", page_size=1)
    ).clients[0]
    decimals = threshold_decimals(closest.default_probability, threshold)
    page = new_page(browser, app.url)
    open_client(page, closest.client_id)
    probability = format_percent(closest.default_probability, "en", decimals)
    expect(page.locator("#decision-badge")).to_contain_text(probability)
    text = page.locator("#decision-text")
    expect(text).to_contain_text(f"{probability}, against a threshold of")
    expect(text).to_contain_text(format_percent(threshold, "en", decimals))
    assert probability != format_percent(threshold, "en", decimals)
    near_range = _plotly(page, "#gauge", "return el.data[0].gauge.axis.range;")
    shot(page, "44_near_threshold")
    # Every tick label of the gauge is inside the chart (the last one was cut off).
    inside = _plotly(
        page,
        "#gauge",
        """const box = el.getBoundingClientRect();
        return [...el.querySelectorAll('text')].filter(t => t.textContent.endsWith('%'))
          .every(t => { const r = t.getBoundingClientRect();
                        return r.left >= box.left && r.right <= box.right; });""",
    )
    assert inside
    # Another client, far from the threshold, is read on the same scale.
    open_client(page, refused_id)
    assert _plotly(page, "#gauge", "return el.data[0].gauge.axis.range;") == near_range
    page.close()


def test_the_address_names_the_client_and_language_so_a_link_opens_the_same_file(
    browser: Browser, app: ReviewApp, refused_id: int
) -> None:
    page = new_page(browser, app.url)
    assert page.evaluate("document.documentElement.lang") == "en"
    open_client(page, refused_id)
    expect(page).to_have_url(re.compile(rf"[?&]client={refused_id}(&|$)"))
    page.get_by_label("Français").check()
    expect(page.locator("#decision-badge")).to_contain_text("REFUS")
    expect(page).to_have_url(re.compile(r"[?&]lang=fr(&|$)"))
    assert page.evaluate("document.documentElement.lang") == "fr"
    link = page.url

    page.reload()
    expect(page.locator("#decision-badge")).to_contain_text(f"Client {refused_id}")
    expect(page.locator("#decision-badge")).to_contain_text("REFUS")
    expect(page.locator("#search-button")).to_have_text("Rechercher")
    page.close()

    shared = new_page(browser, link)
    expect(shared.locator("#decision-badge")).to_contain_text(f"Client {refused_id}")
    expect(shared.get_by_role("tab", name="Pourquoi", exact=True)).to_be_visible()
    assert shared.evaluate("document.documentElement.lang") == "fr"
    shot(shared, "45_shared_link_fr")
    # A link to a client that does not exist says so, over no other client's file.
    shared.goto(re.sub(r"client=\d+", "client=1", link))
    expect(shared.locator("#banner")).to_contain_text("Le client 1 est introuvable.")
    expect(shared.locator("#decision-badge")).to_be_hidden()
    shared.close()


def test_two_clients_side_by_side(
    browser: Browser,
    app: ReviewApp,
    ui_client: CreditScoreClient,
    refused_id: int,
    approved_id: int,
) -> None:
    page = new_page(browser, app.url)
    open_client(page, refused_id)
    open_tab(page, "Compare")
    page.locator("#side-others input, #side-others textarea").first.fill(f"{approved_id}")
    page.locator("#side-button").click()
    table = page.locator("#side-table")
    expect(table).to_contain_text(f"Client {refused_id}")
    expect(table).to_contain_text(f"Client {approved_id}")
    for client_id in (refused_id, approved_id):
        score = ui_client.score(client_id).score
        decimals = threshold_decimals(score.default_probability, score.threshold)
        expect(table).to_contain_text(format_percent(score.default_probability, "en", decimals))
    expect(table).to_contain_text("Main risk fact 1")
    shot(page, "46_side_by_side")
    page.locator("#side-others input, #side-others textarea").first.fill("²")
    page.locator("#side-button").click()
    expect(table).to_contain_text("Type one or two other client numbers")
    page.close()


def test_a_language_switched_while_a_file_loads_shows_that_file_in_the_new_language(
    browser: Browser, app: ReviewApp, ui_client: CreditScoreClient
) -> None:
    first, second = (
        c.client_id for c in ui_client.search(pb.SearchClientsRequest(page_size=2)).clients
    )
    page = new_page(browser, app.url)
    search(page)
    badge = page.locator("#decision-badge")
    result_row(page, first).click()
    expect(badge).to_contain_text(f"Client {first}")
    try:
        # The second file answers slowly; the advisor switches to French meanwhile.
        app.slow_down.set_client_delays({second: 2.0})
        result_row(page, second).click()
        page.wait_for_timeout(150)
        page.get_by_label("Français").check()
        expect(page.locator("#search-button")).to_have_text("Rechercher")
        expect(badge).to_contain_text(f"Client {second}", timeout=10_000)
        guidance = page.locator("#record-guidance")
        expect(guidance).to_contain_text("Décision du modèle")
        # Every answer has arrived by now: none may bring back the first file or English.
        page.wait_for_timeout(2500)
        expect(badge).to_contain_text(f"Client {second}")
        expect(guidance).to_contain_text("Décision du modèle")
        expect(page).to_have_url(re.compile(rf"[?&]client={second}(&|$)"))
    finally:
        app.slow_down.set_client_delays({})
    shot(page, "47_language_switched_while_loading")
    page.close()


def test_a_language_switched_while_a_search_runs_shows_that_search_in_the_new_language(
    browser: Browser, app: ReviewApp, ui_client: CreditScoreClient
) -> None:
    wanted = ui_client.search(pb.SearchClientsRequest(page_size=7)).clients[-1].client_id
    page = new_page(browser, app.url)
    search(page)
    status = page.locator("#search-status")
    expect(status).to_contain_text("Page 1 of")
    try:
        # The advisor searches one client on a slow server and switches to French meanwhile.
        app.slow_down.set_search_delay(2.0)
        page.locator("#client-id textarea, #client-id input").first.fill(str(wanted))
        page.locator("#search-button").click()
        page.wait_for_timeout(150)
        page.get_by_label("Français").check()
        expect(page.locator("#search-button")).to_have_text("Rechercher")
        rows = page.locator("#results [role=row]")
        expect(status).to_contain_text("Page 1 sur 1 · 1 clients", timeout=15_000)
        expect(rows.nth(1)).to_contain_text(str(wanted))
        # Every answer has arrived by now: the list of the search made is kept, in French.
        page.wait_for_timeout(4500)
        expect(status).to_contain_text("Page 1 sur 1 · 1 clients")
        expect(rows).to_have_count(2)
    finally:
        app.slow_down.set_search_delay(0.0)
    shot(page, "48_language_switched_while_searching")
    page.close()
