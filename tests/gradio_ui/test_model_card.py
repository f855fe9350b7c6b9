"""The model page tells advisors, in their language, what the model weighs but never gives a
client as a reason: the server's list, read from GetModelInfo."""

from __future__ import annotations

import pytest

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui.client import CreditScoreClient
from gradio_ui.model_view import model_markdown, never_reasons_text


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_model_card_names_the_protected_facts_and_counts_the_others(
    ui_client: CreditScoreClient, language: str
) -> None:
    model = ui_client.model_info(language)
    protected = [f.label for f in model.features if f.reason_use == pb.REASON_USE_PROTECTED]
    opaque = [f for f in model.features if f.reason_use == pb.REASON_USE_NOT_ACTIONABLE]
    assert protected and opaque, "the test model has facts of both kinds"
    text = never_reasons_text(model, language)  # type: ignore[arg-type]
    for label in protected:
        assert label in text
    assert f" {len(opaque)} " in text
    assert text in model_markdown(model, language)  # type: ignore[arg-type]
    assert ("protégées" in text) == (language == "fr")
