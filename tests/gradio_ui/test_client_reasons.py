"""The reasons the app gives a client (the screen's lists and the letter) come only from facts
that may be given as reasons: none from the server's excluded list (sex, family status, age,
opaque statistics...)."""

from __future__ import annotations

from datetime import date

import pytest

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui.client import CreditScoreClient
from gradio_ui.decisions import ReviewedModel, letter_content
from gradio_ui.texts import t
from gradio_ui.views import reasons_markdown
from server.insight.eligibility import excluded

CLIENTS = 40


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_excluded_fact_reaches_the_clients_letter_or_the_reasons_shown(
    ui_client: CreditScoreClient, language: str
) -> None:
    clients = ui_client.search(pb.SearchClientsRequest(page_size=CLIENTS)).clients
    for summary in clients:
        explanation = ui_client.explain(summary.client_id, language)
        reasons = [*explanation.refusal_reasons, *explanation.approval_reasons]
        assert not [r.feature for r in reasons if excluded(r.feature)]
        allowed = {r.text for r in reasons}
        model = ReviewedModel.of(explanation, summary.client_id, language)  # type: ignore[arg-type]
        letter = letter_content(model, None, None, language, date(2026, 1, 5))  # type: ignore[arg-type]
        # Each item of the letter is a reason given, or the external scores' reasons joined.
        title = t(language, "external.title")  # type: ignore[arg-type]
        external = t(language, "external.item", heading=title, texts="")  # type: ignore[arg-type]
        for item in letter.reasons:
            texts = item.removeprefix(external)
            assert item in allowed or (item != texts and texts.count(".") >= 1), item
            assert "**" not in item
        # The screen shows these texts and no other reason (external scores grouped).
        shown = reasons_markdown(explanation, language)  # type: ignore[arg-type]
        items = [line.split(". ", 1)[1] for line in shown.splitlines() if line[:1].isdigit()]
        assert sum(text in item for item in items for text in allowed) == len(allowed)
