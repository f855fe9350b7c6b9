"""Accessibility in Debian's Chromium (Playwright + axe-core): no text below WCAG AA contrast in
the main views, a visible focus ring, the page's language following the app's, and a phone
screen that shows the decision first. Reports and screenshots go to test-artifacts/gradio_ui/."""

from __future__ import annotations

import json
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from gradio_ui.client import CreditScoreClient
from tests.gradio_ui.browser import SHOTS, needs_chromium, shot
from tests.gradio_ui.review_app import (
    PHONE,
    ReviewApp,
    new_page,
    open_client,
    open_tab,
    search,
)

pytestmark = [pytest.mark.slow, needs_chromium]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}


def _violations(page: Page, view: str) -> list[dict[str, Any]]:
    """axe-core's WCAG A/AA violations of the page as shown; the full list is kept."""
    # Gradio dims the outputs of a running event: check the page at rest.
    page.wait_for_function(
        "() => document.querySelectorAll('.pending, .generating, .translucent').length === 0"
    )
    page.wait_for_timeout(600)  # let Plotly and the transitions settle
    found = Axe().run(page, options=WCAG_AA).response["violations"]
    summary = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [n["target"] for n in v["nodes"]][:10],
            "summary": [n.get("failureSummary", "") for n in v["nodes"]][:3],
        }
        for v in found
    ]
    (SHOTS / f"axe_{view}.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False))
    return found


def _contrast(found: list[dict[str, Any]]) -> list[Any]:
    return [n["target"] for v in found if v["id"] == "color-contrast" for n in v["nodes"]]


def test_the_main_views_have_no_text_below_aa_contrast(
    browser: Browser, app: ReviewApp, refused_id: int
) -> None:
    page = new_page(browser, app.url)
    expect(page.locator(".cs-notice").first).to_contain_text("synthetic")
    failures = {"home": _contrast(_violations(page, "home"))}
    search(page)
    open_client(page, refused_id)
    failures["decision"] = _contrast(_violations(page, "decision"))
    open_tab(page, "Why")
    failures["why"] = _contrast(_violations(page, "why"))
    # The model's jargon stays under "How the model works", out of the advisor's views.
    shown = page.locator("#tabs").inner_text()
    assert "log-odds" not in shown and "SHAP" not in shown
    open_tab(page, "What-if")
    page.locator("#whatif-run").click()
    expect(page.locator("#whatif-result [data-decision]").first).to_be_visible()
    failures["whatif"] = _contrast(_violations(page, "whatif"))
    page.get_by_label("Français").check()
    expect(page.locator("#search-button")).to_have_text("Rechercher")
    open_tab(page, "Décision")
    failures["decision_fr"] = _contrast(_violations(page, "decision_fr"))
    shot(page, "60_accessible_fr")
    assert not any(failures.values()), failures
    page.close()


def test_the_keyboard_focus_is_visible(browser: Browser, app: ReviewApp) -> None:
    page = new_page(browser, app.url)
    page.locator("#client-id textarea, #client-id input").first.focus()
    page.keyboard.press("Tab")
    for _ in range(12):
        if page.evaluate("document.activeElement.id") == "search-button":
            break
        page.keyboard.press("Tab")
    ring = page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return [document.activeElement.id, s.outlineStyle, s.outlineWidth]; }"""
    )
    assert ring[0] == "search-button"
    assert ring[1] != "none" and float(ring[2].removesuffix("px")) >= 2
    shot(page, "61_focus_ring")
    page.close()


def test_compared_groups_differ_by_more_than_colour(
    browser: Browser, app: ReviewApp, refused_id: int
) -> None:
    page = new_page(browser, app.url)
    open_client(page, refused_id)
    open_tab(page, "Compare")
    plot = page.locator("#compare-plot .js-plotly-plot").first
    expect(plot).to_be_visible()
    styles = plot.evaluate(
        """(el) => el.data.filter(d => d.showlegend !== false && d.name).map(d => [
             d.name, d.type, (d.line || {}).dash || '',
             ((d.marker || {}).pattern || {}).shape || ''])"""
    )
    looks = {(kind, dash, pattern) for _, kind, dash, pattern in styles}
    # Every group of the legend has its own look, colour aside.
    assert len(looks) == len(styles), styles
    page.close()


def test_on_a_phone_the_decision_comes_first_after_opening_a_file(
    browser: Browser, app: ReviewApp, ui_client: CreditScoreClient, refused_id: int
) -> None:
    page = new_page(browser, app.url, PHONE)
    text = page.locator("body").inner_text()
    assert "on the left" not in text and "à gauche" not in text
    search(page, str(refused_id))
    page.locator("#results [role=row]", has_text=str(refused_id)).first.locator(
        "[role=gridcell]"
    ).nth(1).click()
    badge = page.locator("#decision-badge")
    expect(badge).to_contain_text(f"Client {refused_id}")
    expect(badge).to_be_in_viewport()
    shot(page, "62_phone_decision_first")
    page.close()
