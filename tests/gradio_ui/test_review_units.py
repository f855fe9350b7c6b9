"""Issue 13's rules without a browser: latest request only, strict numbers, the what-if form,
filters as chips, decimals near the threshold, the page's address, the compared categories."""

from __future__ import annotations

from dataclasses import replace

import pytest

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui.address import address_query, read_address
from gradio_ui.categories import Categories
from gradio_ui.client import CreditScoreClient
from gradio_ui.compare_charts import shown_categories
from gradio_ui.errors import InputError
from gradio_ui.filters import REVIEW_QUEUE, active_filters, without
from gradio_ui.formatting import format_amount_input, format_percent, threshold_decimals
from gradio_ui.latest import LatestRequests, Ticket
from gradio_ui.parsing import NotANumber, is_ascii_digits, parse_amount
from gradio_ui.search import SearchQuery
from gradio_ui.sections import profile_table
from gradio_ui.settings import SettingsError, UiSettings, parse_settings
from gradio_ui.suggestions import suggest, suggestions_markdown
from gradio_ui.whatif_form import (
    WhatIfDefaults,
    field_limits,
    form_texts,
    read_form,
    repayment,
    translate_form,
)
from tests.gradio_ui.fake_server import FakeModelServer, serve_fake

STORED = WhatIfDefaults(credit=409_232.5, annuity=27_492.5, goods_price=360_000.0, income=135_000)


def test_an_answer_overtaken_by_a_newer_request_is_not_shown() -> None:
    latest = LatestRequests()
    first, second = (Ticket.of("tab", "client", stamp) for stamp in ("1.5", "2.25"))
    assert latest.begin(first) and latest.begin(second)
    assert not latest.is_newest(first)
    assert latest.is_newest(second)
    # A request that reaches the server after a newer one is dropped before it starts.
    assert not latest.begin(Ticket.of("tab", "client", "1.0"))
    # Other tabs and other channels are independent; a request without stamp is never dropped.
    assert latest.begin(Ticket.of("other", "client", "0.5"))
    assert latest.begin(Ticket.of("tab", "search", "0.5"))
    assert latest.is_newest(Ticket.of("tab", "client", None))


def test_the_client_last_asked_for_is_known_while_its_answer_is_on_its_way() -> None:
    latest = LatestRequests()
    assert latest.asked(Ticket.of("tab", "client", "1.0")) is None
    latest.begin(Ticket.of("tab", "client", "1.0"), 101)
    latest.begin(Ticket.of("tab", "client", "2.0"), 202)
    # An older request reaching the server late changes nothing: the newest one is asked for.
    assert not latest.begin(Ticket.of("tab", "client", "1.5"), 303)
    assert latest.asked(Ticket.of("tab", "client", "9.0")) == 202
    assert latest.asked(Ticket.of("other", "client", "9.0")) is None
    assert latest.asked(Ticket.of("tab", "search", "9.0")) is None


@pytest.mark.parametrize("text", ["²", "１２３", "12a", "", " ", "-1", "1.0", "٣"])
def test_only_ascii_digits_make_a_client_number(text: str) -> None:
    assert not is_ascii_digits(text)


@pytest.mark.parametrize(
    ("text", "language", "value"),
    [
        ("409,232.5", "en", 409_232.5),
        ("409232.5", "en", 409_232.5),
        ("409 232,5", "fr", 409_232.5),
        ("409\u202f232,5", "fr", 409_232.5),
        ("", "en", None),
    ],
)
def test_amounts_are_read_with_the_readers_separators(
    text: str, language: str, value: float | None
) -> None:
    assert parse_amount(text, language) == value  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["1e300", "²", "１２３", "-5", "12,34.5", "409.232,5", "inf"])
def test_anything_else_is_not_an_amount(text: str) -> None:
    with pytest.raises(NotANumber):
        parse_amount(text, "fr" if "," in text else "en")


def test_an_untouched_form_gives_the_stored_amounts_exactly() -> None:
    for language in ("en", "fr"):
        form = form_texts(STORED, language)
        assert form.credit == format_amount_input(409_232.5, language)
        inputs = read_form(form, STORED, language)
        assert (inputs.credit, inputs.annuity) == (409_232.5, 27_492.5)
        assert inputs.coborrower_income is None


def test_the_limits_are_the_contracts() -> None:
    income = field_limits("amt_income_total")
    assert (income.low, income.low_inclusive, income.high) == (0, False, 1e9)
    assert not income.accepts(0) and income.accepts(1e9) and not income.accepts(float("nan"))


def test_implausible_values_are_refused_with_the_readers_words() -> None:
    form = form_texts(STORED, "fr")
    with pytest.raises(InputError, match="au plus 1\u202f000\u202f000\u202f000"):
        read_form(replace(form, income="2 000 000 000"), STORED, "fr")
    with pytest.raises(InputError, match="Indiquez la durée"):
        read_form(replace(form, duration=""), STORED, "fr")
    with pytest.raises(InputError, match="ne peut pas être vidé"):
        read_form(replace(form, credit=""), STORED, "fr")
    with pytest.raises(InputError, match="entre 1 et 600 mois"):
        read_form(replace(form, duration="900"), STORED, "fr")


def test_the_repayment_comes_from_amount_duration_and_rate() -> None:
    assert repayment(120_000, 24, 0) == 5_000
    assert repayment(120_000, 24, 6) == pytest.approx(5_318.47, abs=0.01)
    form = replace(form_texts(STORED, "en"), duration="36", rate="6")
    inputs = read_form(form, STORED, "en")
    assert inputs.annuity == pytest.approx(repayment(409_232.5, 36, 6))
    # Another amount over the stored duration keeps the stored number of repayments.
    halved = read_form(replace(form_texts(STORED, "en"), credit="204,616.25"), STORED, "en")
    assert halved.annuity == pytest.approx(27_492.5 / 2)


def test_a_form_keeps_its_values_across_a_language_switch() -> None:
    english = replace(form_texts(STORED, "en"), rate="4.5")
    french = translate_form(english, "en", "fr")
    assert french.rate == "4,5"
    assert french.credit == form_texts(STORED, "fr").credit
    assert read_form(french, STORED, "fr") == read_form(english, STORED, "en")


def test_active_filters_are_chips_and_the_queue_keeps_none_of_the_others() -> None:
    query = SearchQuery(client_id_prefix="1000", decision="refuse", band="grey")
    chips = active_filters(query, "en", Categories())
    assert [key for _, key in chips] == ["decision", "band"]
    assert chips[0][0] == "Decision: Refuse"
    assert without(query, ["band"]) == replace(query, band="any")
    assert (REVIEW_QUEUE.band, REVIEW_QUEUE.order) == ("grey", "threshold_distance")


def test_near_the_threshold_enough_decimals_tell_the_sides_apart() -> None:
    assert threshold_decimals(0.0974, 0.0971) == 2
    assert format_percent(0.0974, "en", threshold_decimals(0.0974, 0.0971)) == "9.74%"
    assert threshold_decimals(0.20, 0.0971) == 1


def test_the_address_names_the_client_and_the_language() -> None:
    assert address_query(100002, "fr") == "client=100002&lang=fr"
    wanted = read_address({"client": "100002", "lang": "fr"})
    assert (wanted.client_id, wanted.language) == (100002, "fr")
    ignored = read_address({"client": "²", "lang": "de"})
    assert (ignored.client_id, ignored.language) == (None, None)


def test_the_clients_category_is_always_drawn() -> None:
    comparison = pb.FeatureComparison(
        feature="ORGANIZATION_TYPE",
        kind=pb.FEATURE_KIND_CATEGORICAL,
        client_display_value="Security",
    )
    for rank in range(12):
        comparison.all_clients.category_counts.add(category=f"Type {rank}", count=100 - rank)
    comparison.all_clients.category_counts.add(category="Security", count=1)
    shown = shown_categories(comparison, Categories())
    assert len(shown) == 8 and shown[-1] == "Security"


def test_the_currency_is_a_setting_and_none_is_invented() -> None:
    settings = parse_settings(["--server", "h:1", "--no-auth", "--currency", "EUR"], {})
    assert settings.currency == "EUR"
    assert parse_settings(["--server", "h:1", "--no-auth"], {}).currency == ""
    with pytest.raises(SettingsError, match="--currency"):
        UiSettings(server_address="h:1", auth_disabled=True, currency="€€€€€€€€€€€€€€")


def test_no_car_makes_the_car_age_not_applicable_rather_than_missing() -> None:
    response = pb.GetClientResponse()
    response.application.flag_own_car = "N"
    response.fields.add(
        name="own_car_age_years", label="Car age", group="Assets", display_value="—"
    )
    response.fields.add(name="ext_source_1", label="Score 1", group="Bureau", display_value="—")
    for field in response.fields:
        field.is_missing = True
    table = profile_table(response, "en")
    assert table["value"].tolist() == ["not applicable (no car)", "⚠ missing (—)"]
    assert table["missing"].tolist() == [False, True]


def test_a_server_without_suggestions_still_shows_the_file() -> None:
    server, port = serve_fake(FakeModelServer())
    try:
        with CreditScoreClient(f"127.0.0.1:{port}", deadline_seconds=5) as client:
            found = suggest(client, 100002, "en")
    finally:
        server.stop(None)
    assert not found.shown
    assert suggestions_markdown(found, "en") == ""
