"""The external-bureau scores are one item, explained once, in the reasons and the waterfall."""

from __future__ import annotations

from datetime import date

import pytest

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui.decisions import ReviewedModel, letter_content
from gradio_ui.external_scores import grouped_factors, grouped_reason_texts
from gradio_ui.texts import t
from gradio_ui.views import reasons_markdown


def _contribution(feature: str, value: str, contribution: float) -> pb.FeatureContribution:
    return pb.FeatureContribution(feature=feature, display_value=value, contribution=contribution)


def _explanation() -> pb.ExplainResponse:
    response = pb.ExplainResponse()
    response.refusal_reasons.add(
        text="The score from external source 2 is 0.21.", feature="EXT_SOURCE_2"
    )
    response.refusal_reasons.add(text="The loan is large.", feature="AMT_CREDIT")
    response.refusal_reasons.add(
        text="There is no score from external source 1.", feature="EXT_SOURCE_1"
    )
    response.approval_reasons.add(text="Long job.", feature="DAYS_EMPLOYED")
    return response


def test_the_external_scores_are_one_bar_with_their_sum_and_the_bureaus_values() -> None:
    contributions = [
        _contribution("EXT_SOURCE_2", "0.21", 0.4),
        _contribution("AMT_CREDIT", "409,500", 0.3),
        _contribution("EXT_SOURCE_MEAN", "0.3", 0.2),
        _contribution("EXT_SOURCE_3", "0.5", -0.1),
        _contribution("DAYS_EMPLOYED", "3 years", -0.05),
    ]
    labels = {c.feature: c.feature for c in contributions}
    factors = grouped_factors(contributions, labels, "en")
    assert [f.label for f in factors] == [
        "External credit scores: 0.21 / 0.5",
        "AMT_CREDIT",
        "DAYS_EMPLOYED",
    ]
    assert factors[0].contribution == pytest.approx(0.5)
    assert sum(f.contribution for f in factors) == pytest.approx(0.75)
    french = grouped_factors(contributions, labels, "fr")
    assert french[0].label == "Scores de crédit externes : 0.21 / 0.5"


def test_reasons_about_external_scores_are_one_item_explained_once() -> None:
    response = _explanation()
    assert grouped_reason_texts(response.refusal_reasons, "en") == [
        "**External credit scores**: The score from external source 2 is 0.21. "
        "There is no score from external source 1.",
        "The loan is large.",
    ]
    for language in ("en", "fr"):
        shown = reasons_markdown(response, language)
        assert shown.count(t(language, "external.explained")) == 1
        assert shown.count(f"**{t(language, 'external.title')}**") == 1
        assert "3. " not in shown  # two refusal items, not three


def test_the_client_s_letter_gives_the_external_scores_as_one_plain_reason() -> None:
    response = _explanation()
    response.score.decision = pb.DECISION_REFUSE
    headings = (("en", "External credit scores:"), ("fr", "Scores de crédit externes :"))
    for language, heading in headings:
        model = ReviewedModel.of(response, 100002, language)  # type: ignore[arg-type]
        assert model.refusal_reasons == (
            f"{heading} The score from external source 2 is 0.21. "
            "There is no score from external source 1.",
            "The loan is large.",
        )
        letter = letter_content(model, None, "anna", language, date(2026, 1, 5))  # type: ignore[arg-type]
        assert letter.reasons == model.refusal_reasons


def test_without_an_external_reason_nothing_is_explained() -> None:
    response = pb.ExplainResponse()
    response.refusal_reasons.add(text="The loan is large.", feature="AMT_CREDIT")
    assert t("en", "external.explained") not in reasons_markdown(response, "en")
