"""Issue 13 in Debian's Chromium (Playwright): the external-bureau scores are one item explained
once in plain words (English and French), and every amount shows its period where the data
documents it. Screenshots go to test-artifacts/gradio_ui/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui.client import CreditScoreClient
from gradio_ui.texts import t
from tests.gradio_ui.browser import needs_chromium, shot
from tests.gradio_ui.review_app import ReviewApp, new_page, open_client, open_tab

pytestmark = [pytest.mark.slow, needs_chromium]


def _client_with_external_reasons(ui_client: CreditScoreClient) -> int:
    """A client with at least two reasons about external scores (one if none has two)."""
    clients = ui_client.search(pb.SearchClientsRequest(page_size=60)).clients
    counts = {}
    for summary in clients:
        explanation = ui_client.explain(summary.client_id, "en")
        reasons = [*explanation.refusal_reasons, *explanation.approval_reasons]
        counts[summary.client_id] = sum(r.feature.startswith("EXT_SOURCE_") for r in reasons)
        if counts[summary.client_id] >= 2:
            return summary.client_id
    best = max(counts, key=lambda k: counts[k])
    assert counts[best] >= 1, "no client with a reason about external scores"
    return best


def test_the_external_scores_are_one_item_explained_once_in_english_and_french(
    browser: Browser, app: ReviewApp, ui_client: CreditScoreClient
) -> None:
    client_id = _client_with_external_reasons(ui_client)
    page = new_page(browser, app.url)
    open_client(page, client_id)
    open_tab(page, "Why")
    for language in ("en", "fr"):
        reasons = page.locator("#reasons")
        title = t(language, "external.title")
        expect(reasons).to_contain_text(t(language, "external.explained"))
        text = reasons.inner_text()
        assert text.count(t(language, "external.explained")) == 1
        # One item per list at most: the title starts an item, never twice in a list.
        for part in text.split(t(language, "why.approval")):
            assert part.count(f"{title}:") + part.count(f"{title} :") <= 1
        bars = page.locator("#waterfall .js-plotly-plot").first.evaluate("(el) => el.data[0].y")
        assert sum(label.startswith(title) for label in bars) <= 1
        assert not [
            label for label in bars if "External score" in label or "Score externe" in label
        ]
        expect(page.locator("#waterfall-note")).to_contain_text(t(language, "external.explained"))
        shot(page, f"73_external_scores_{language}")
        if language == "en":
            page.get_by_label("Français").check()
            expect(page.locator("#search-button")).to_have_text("Rechercher")
    page.close()


def test_amounts_show_their_period_and_ratios_what_they_divide(
    browser: Browser, app: ReviewApp, refused_id: int
) -> None:
    page = new_page(browser, app.url)
    open_client(page, refused_id)
    open_tab(page, "Client profile")
    profile = page.locator("#profile")
    page.get_by_label(t("en", "profile.search")).fill("income")
    expect(profile).to_contain_text("Declared income (period not stated in the data)")
    expect(profile).to_contain_text(
        "Repayment / income (monthly repayment ÷ income of unstated period)"
    )
    page.get_by_label(t("en", "profile.search")).fill("repayment")
    expect(profile).to_contain_text("Loan repayment (per month)")
    shot(page, "74_amount_periods_profile")
    open_tab(page, "What-if")
    expect(page.get_by_label(t("en", "whatif.income"))).to_be_visible()
    expect(page.locator("#tabs")).to_contain_text(t("en", "whatif.annuity"))
    shot(page, "75_amount_periods_whatif")
    page.close()
