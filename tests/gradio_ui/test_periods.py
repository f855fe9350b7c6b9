"""Every amount the advisor reads has its period, or is a total with none to state; no ratio
to the income hides that the income's period is not stated."""

from __future__ import annotations

from gradio_ui.client import CreditScoreClient
from gradio_ui.periods import NO_PERIOD, PERIODS, with_period
from gradio_ui.sections import feature_labels


def test_every_amount_of_the_model_has_its_period_or_is_a_total(
    ui_client: CreditScoreClient,
) -> None:
    features = ui_client.model_info("en").features
    amounts = {f.name for f in features if f.unit == "currency"}
    assert amounts, "the model has amounts"
    assert not amounts - set(PERIODS) - NO_PERIOD
    assert not set(PERIODS) & NO_PERIOD


def test_every_ratio_to_the_income_says_what_it_divides(ui_client: CreditScoreClient) -> None:
    ratios = {f.name for f in ui_client.model_info("en").features if "TO_INCOME" in f.name}
    assert ratios
    for name in ratios:
        assert "unstated period" in with_period(name, "x", "en")
        assert "période non précisée" in with_period(name, "x", "fr")


def test_the_advisor_reads_the_repayment_per_month_and_the_income_without_a_period(
    ui_client: CreditScoreClient,
) -> None:
    english = feature_labels(ui_client.model_info("en"))
    assert english["AMT_ANNUITY"].endswith("(per month)")
    assert english["AMT_INCOME_TOTAL"].endswith("(period not stated in the data)")
    assert "(" not in english["AMT_CREDIT"]
    french = feature_labels(ui_client.model_info("fr"))
    assert french["AMT_ANNUITY"].endswith("(par mois)")
    assert with_period("amt_income_total", "Revenu", "fr") == (
        "Revenu (période non précisée dans les données)"
    )
