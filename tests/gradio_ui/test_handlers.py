"""Handlers against the real in-process server: what the app shows equals the server's answers."""

from __future__ import annotations

from functools import partial

import plotly.graph_objects as go
import pytest

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui import handlers as h
from gradio_ui.client import CreditScoreClient, ErrorKind, ServiceError
from gradio_ui.formatting import format_percent, sigmoid
from gradio_ui.settings import Language, UiSettings
from gradio_ui.texts import t


@pytest.fixture(scope="module")
def refused_view(
    ui_client: CreditScoreClient, ui_settings: UiSettings, refused_id: int
) -> h.ClientView:
    return h.load_client(ui_client, ui_settings, refused_id, "en")


def _score(client: CreditScoreClient, client_id: int) -> pb.ScoreResult:
    return client.score(client_id).score


# --- Search ---------------------------------------------------------------------------------


def test_search_shows_one_page_with_the_servers_total(
    ui_client: CreditScoreClient, ui_settings: UiSettings
) -> None:
    view = h.search_clients(ui_client, ui_settings, h.SearchQuery(), "en")
    total = ui_client.search(pb.SearchClientsRequest(page_size=1)).total_size
    assert view.total_size == total
    assert len(view.table) == ui_settings.page_size
    assert list(view.table.columns)[:3] == ["Client", "Default risk", "Decision"]
    assert view.next_page_token
    assert f"{total:,} clients" in view.status


def test_search_pages_follow_the_servers_tokens(
    ui_client: CreditScoreClient, ui_settings: UiSettings
) -> None:
    first = h.search_clients(ui_client, ui_settings, h.SearchQuery(), "en")
    second = h.search_clients(
        ui_client,
        ui_settings,
        h.SearchQuery(),
        "en",
        page_token=first.next_page_token,
        page_number=2,
    )
    assert set(first.table["Client"]).isdisjoint(second.table["Client"])
    assert "Page 2 of" in second.status


def test_search_by_id_prefix_keeps_matching_ids(
    ui_client: CreditScoreClient, ui_settings: UiSettings, refused_id: int
) -> None:
    prefix = str(refused_id)[:4]
    view = h.search_clients(ui_client, ui_settings, h.SearchQuery(client_id_prefix=prefix), "en")
    assert len(view.table) > 0
    assert all(cell.startswith(prefix) for cell in view.table["Client"])


def test_grey_zone_filter_lists_only_files_near_the_threshold(
    ui_client: CreditScoreClient, ui_settings: UiSettings
) -> None:
    threshold = ui_client.model_info("en").threshold
    request = h.search_request(
        h.SearchQuery(band="grey"),
        threshold=threshold,
        grey_zone=0.02,
        page_size=500,
        page_token="",
    )
    response = ui_client.search(request)
    assert response.total_size > 0
    assert all(abs(c.default_probability - threshold) <= 0.02 for c in response.clients)
    view = h.search_clients(ui_client, ui_settings, h.SearchQuery(band="grey"), "en")
    assert view.total_size == response.total_size
    assert all(cell.endswith("⚠") for cell in view.table["Decision"])


def test_decision_and_income_type_filters_reach_the_server(
    ui_client: CreditScoreClient, ui_settings: UiSettings
) -> None:
    query = h.SearchQuery(decision="refuse", income_types=("Working",))
    view = h.search_clients(ui_client, ui_settings, query, "en")
    assert view.total_size > 0
    assert set(view.table["Decision"].str.replace(" ⚠", "")) == {"✗ REFUSE"}
    assert set(view.table["Income type"]) == {"Working"}


def test_search_in_french_translates_headers_and_categories(
    ui_client: CreditScoreClient, ui_settings: UiSettings
) -> None:
    view = h.search_clients(ui_client, ui_settings, h.SearchQuery(income_types=("Working",)), "fr")
    assert "Risque de défaut" in view.table.columns
    assert set(view.table["Type de revenu"]) == {"Salarié"}


def test_a_non_numeric_prefix_is_refused_before_calling_the_server(
    ui_client: CreditScoreClient, ui_settings: UiSettings
) -> None:
    outcome = h.run_safely(
        lambda: h.search_clients(ui_client, ui_settings, h.SearchQuery("12a"), "en"),
        language="en",
        address=ui_settings.server_address,
    )
    assert outcome.value is None
    assert t("en", "error.client_id") in outcome.banner


# --- Decision -------------------------------------------------------------------------------


def test_probability_shown_equals_the_servers_score(
    refused_view: h.ClientView, ui_client: CreditScoreClient, refused_id: int
) -> None:
    score = _score(ui_client, refused_id)
    assert refused_view.probability == pytest.approx(score.default_probability, abs=1e-12)
    assert format_percent(score.default_probability, "en") in refused_view.badge_html
    assert format_percent(score.threshold, "en") in refused_view.decision_markdown


def test_badge_shows_the_servers_decision(
    ui_client: CreditScoreClient, ui_settings: UiSettings, refused_id: int, approved_id: int
) -> None:
    for client_id, word in ((refused_id, "REFUSE"), (approved_id, "APPROVE")):
        view = h.load_client(ui_client, ui_settings, client_id, "en")
        assert f"> {word}</div>" in view.badge_html
        decision = _score(ui_client, client_id).decision
        assert (decision == pb.DECISION_REFUSE) == (word == "REFUSE")


def test_gap_to_threshold_is_stated_in_points(
    refused_view: h.ClientView, ui_client: CreditScoreClient, refused_id: int
) -> None:
    score = _score(ui_client, refused_id)
    gap = (score.default_probability - score.threshold) * 100
    assert f"{abs(gap):.1f}\u00a0pts above" in refused_view.decision_markdown


def test_threshold_origin_uses_the_model_costs(
    refused_view: h.ClientView, ui_client: CreditScoreClient
) -> None:
    costs = ui_client.model_info("en").costs
    ratio = costs.false_negative / costs.false_positive
    assert f"as {ratio:g} times as costly" in refused_view.decision_markdown


def test_grey_zone_is_flagged_within_the_configured_points(
    ui_client: CreditScoreClient, ui_settings: UiSettings
) -> None:
    near = h.search_clients(ui_client, ui_settings, h.SearchQuery(band="grey"), "en")
    client_id = int(near.table["Client"].iloc[0])
    view = h.load_client(ui_client, ui_settings, client_id, "en")
    assert "Grey zone" in view.decision_markdown
    assert t("en", "decision.review") in view.badge_html
    strict = UiSettings(
        server_address=ui_settings.server_address, auth_disabled=True, grey_zone_points=0.0
    )
    score = _score(ui_client, client_id)
    if score.default_probability != score.threshold:
        view = h.load_client(ui_client, strict, client_id, "en")
        assert "Grey zone" not in view.decision_markdown


def test_gauge_marks_the_probability_and_the_threshold(
    refused_view: h.ClientView, ui_client: CreditScoreClient, refused_id: int
) -> None:
    score = _score(ui_client, refused_id)
    indicator = refused_view.gauge.data[0]
    assert indicator.value == pytest.approx(score.default_probability * 100)
    number = refused_view.gauge.layout.annotations[0].text
    assert format_percent(score.default_probability, "en") in number
    assert indicator.gauge.threshold.value == pytest.approx(score.threshold * 100)


# --- Why ------------------------------------------------------------------------------------


def test_reasons_are_the_servers_sentences(
    ui_client: CreditScoreClient, ui_settings: UiSettings, refused_id: int
) -> None:
    for language in ("en", "fr"):
        view = h.load_client(ui_client, ui_settings, refused_id, language)
        explanation = ui_client.explain(refused_id, language)
        assert explanation.refusal_reasons
        for reason in [*explanation.refusal_reasons, *explanation.approval_reasons]:
            assert reason.text in view.reasons_markdown
        assert t(language, "why.refusal") in view.reasons_markdown


def test_waterfall_adds_up_to_the_model_output_and_the_displayed_probability(
    refused_view: h.ClientView,
    ui_client: CreditScoreClient,
    refused_id: int,
    ui_settings: UiSettings,
) -> None:
    explanation = ui_client.explain(refused_id, "en")
    bars, base_marker, final_marker = refused_view.waterfall.data
    assert isinstance(bars, go.Bar)
    assert len(bars.x) == ui_settings.waterfall_features + 1  # top N + "other factors"
    assert bars.y[-1].startswith("Other factors")
    assert base_marker.x[0] == pytest.approx(explanation.base_value)
    total = explanation.base_value + sum(bars.x)
    assert total == pytest.approx(explanation.model_output, abs=1e-6)
    assert final_marker.x[0] == pytest.approx(explanation.model_output, abs=1e-6)
    calibration = explanation.calibration
    shown = sigmoid(calibration.slope * total + calibration.intercept)
    assert shown == pytest.approx(explanation.score.default_probability, abs=1e-9)
    assert final_marker.text[0] == format_percent(explanation.score.default_probability, "en")
    assert "log-odds" in refused_view.waterfall_note


def test_contributions_by_theme_are_the_servers_groups(
    refused_view: h.ClientView, ui_client: CreditScoreClient, refused_id: int
) -> None:
    groups = ui_client.explain(refused_id, "en").group_contributions
    bars = refused_view.groups.data[0]
    assert sorted(bars.x) == pytest.approx(sorted(g.contribution for g in groups))


# --- Profile --------------------------------------------------------------------------------


def test_profile_lists_every_field_and_flags_missing_values(
    refused_view: h.ClientView, ui_client: CreditScoreClient, refused_id: int
) -> None:
    fields = ui_client.get_client(refused_id, "en").fields
    profile = refused_view.profile
    assert list(profile["label"]) == [f.label for f in fields]
    assert list(profile["missing"]) == [f.is_missing for f in fields]
    for field, value in zip(fields, profile["value"], strict=True):
        assert field.display_value in value
        assert value.startswith(t("en", "profile.missing")) == field.is_missing


def test_profile_filters_by_section_text_and_missing(refused_view: h.ClientView) -> None:
    profile = refused_view.profile
    section = refused_view.profile_sections[0]
    by_section = h.filter_profile(profile, section, "", False)
    assert 0 < len(by_section) < len(profile)
    assert set(by_section["section"]) == {section}
    label = profile["label"].iloc[0]
    assert label in set(h.filter_profile(profile, None, label.upper(), False)["label"])
    missing = h.filter_profile(profile, "", None, True)
    assert len(missing) > 0 and missing["missing"].all()
    assert h.profile_display(missing, "fr").columns[1] == "Information"


# --- Compare --------------------------------------------------------------------------------


def test_comparison_defaults_to_the_main_reasons(
    refused_view: h.ClientView, ui_client: CreditScoreClient, refused_id: int
) -> None:
    explanation = ui_client.explain(refused_id, "en")
    assert refused_view.compared_features[0] == explanation.refusal_reasons[0].feature
    names = {name for _label, name in refused_view.feature_choices}
    assert set(refused_view.compared_features) <= names


def test_comparison_states_who_is_similar_and_how_many(
    ui_client: CreditScoreClient, refused_id: int
) -> None:
    view = h.compare_features(ui_client, refused_id, ["EXT_SOURCE_3"], "en")
    response = ui_client.compare(refused_id, ["EXT_SOURCE_3"], "en")
    similar = response.similar_clients
    assert similar.rule in view.groups_markdown
    assert f"{similar.client_count:,} clients" in view.groups_markdown


def test_percentiles_are_written_in_words(ui_client: CreditScoreClient, refused_id: int) -> None:
    response = ui_client.compare(refused_id, ["EXT_SOURCE_3"], "en")
    comparison = response.comparisons[0]
    view = h.compare_features(ui_client, refused_id, ["EXT_SOURCE_3"], "en")
    if comparison.client_value_missing:
        assert "missing" in view.markdown
        return
    percentile = comparison.all_clients.client_percentile
    share = round(percentile if percentile >= 50 else 100 - percentile)
    word = "higher" if percentile >= 50 else "lower"
    assert f"{word} than {share}%" in view.markdown


def test_comparison_figure_marks_the_client_on_every_panel(
    ui_client: CreditScoreClient, refused_id: int
) -> None:
    response = ui_client.compare(refused_id, ["EXT_SOURCE_3", "AMT_CREDIT"], "en")
    view = h.compare_features(ui_client, refused_id, ["EXT_SOURCE_3", "AMT_CREDIT"], "en")
    names = {trace.name for trace in view.figure.data}
    assert {"All clients", "Similar clients", "Repaid", "Defaulted"} <= names
    present = [c for c in response.comparisons if c.HasField("client_value")]
    client_lines = [s for s in view.figure.layout.shapes if s.line.dash == "dot"]
    assert len(client_lines) == 2 * len(present)
    for comparison in present:
        xs = {s.x0 for s in client_lines}
        assert comparison.client_value in xs


def test_comparing_nothing_asks_for_a_feature(
    ui_client: CreditScoreClient, refused_id: int
) -> None:
    outcome = h.run_safely(
        lambda: h.compare_features(ui_client, refused_id, [], "fr"), language="fr", address="x"
    )
    assert t("fr", "compare.empty") in outcome.banner


# --- What-if --------------------------------------------------------------------------------


def test_whatif_rescores_the_edited_application_with_the_stored_history(
    ui_client: CreditScoreClient,
    ui_settings: UiSettings,
    refused_view: h.ClientView,
    refused_id: int,
) -> None:
    stored = refused_view.whatif
    assert stored.credit and stored.income
    inputs = h.WhatIfInputs(
        stored.credit / 2,
        stored.annuity,
        stored.goods_price,
        stored.income,
        coborrower_income=50_000,
    )
    view = h.run_whatif(ui_client, ui_settings, refused_id, inputs, "en")
    application = ui_client.get_client(refused_id, "en").application
    application.amt_credit = stored.credit / 2
    application.amt_income_total = stored.income + 50_000
    expected = ui_client.score(refused_id, application).score
    assert view.after.default_probability == pytest.approx(expected.default_probability)
    assert view.before.default_probability == pytest.approx(refused_view.probability)
    assert format_percent(expected.default_probability, "en") in view.result_html
    assert "Loan amount" in view.markdown and "Declared income" in view.markdown


def test_whatif_without_changes_gives_the_stored_score(
    ui_client: CreditScoreClient,
    ui_settings: UiSettings,
    refused_view: h.ClientView,
    refused_id: int,
) -> None:
    stored = refused_view.whatif
    # The form shows whole currency units; rounding alone must not change the application.
    inputs = h.WhatIfInputs(
        *(
            round(v) if v is not None else None
            for v in (stored.credit, stored.annuity, stored.goods_price, stored.income)
        )
    )
    view = h.run_whatif(ui_client, ui_settings, refused_id, inputs, "en")
    assert view.after.default_probability == pytest.approx(view.before.default_probability)
    assert t("en", "whatif.no_change") in view.markdown


def test_whatif_refuses_a_non_positive_amount(
    ui_client: CreditScoreClient, ui_settings: UiSettings, refused_id: int
) -> None:
    inputs = h.WhatIfInputs(credit=0, annuity=None, goods_price=None, income=100_000)
    outcome = h.run_safely(
        lambda: h.run_whatif(ui_client, ui_settings, refused_id, inputs, "en"),
        language="en",
        address=ui_settings.server_address,
    )
    assert outcome.value is None
    assert "Loan amount must be a positive amount" in outcome.banner


def test_term_is_derived_from_amount_and_annuity() -> None:
    assert h.term_text(120_000, 5_000, "en").startswith("Implied duration: about 24 monthly")
    assert "2 ans" in h.term_text(120_000, 5_000, "fr")
    assert h.term_text(None, 5_000, "en") == ""


# --- Model ----------------------------------------------------------------------------------


def test_model_page_states_quality_costs_and_importance(ui_client: CreditScoreClient) -> None:
    view = h.model_overview(ui_client, "en")
    model = ui_client.model_info("en")
    assert f"{model.metrics.roc_auc:.3f}" in view.markdown
    assert format_percent(model.threshold, "en") in view.markdown
    labels = {f.name: f.label for f in model.features}
    top = model.global_importances[0]
    assert view.features.data[0].y[0] == labels[top.feature]
    assert view.features.data[0].x[0] == pytest.approx(top.mean_abs_shap)


# --- Errors ---------------------------------------------------------------------------------


def test_server_down_gives_a_clear_message_not_a_traceback(
    ui_settings: UiSettings, down_address: str
) -> None:
    languages: tuple[Language, ...] = ("en", "fr")
    with CreditScoreClient(down_address, deadline_seconds=3) as client:
        for language in languages:
            outcome = h.run_safely(
                partial(h.load_client, client, ui_settings, 100002, language),
                language=language,
                address=down_address,
            )
            assert outcome.value is None
            assert t(language, "error.unavailable", address=down_address) in outcome.banner
            assert "Traceback" not in outcome.banner
            assert 'role="alert"' in outcome.banner


def test_unknown_client_is_named_in_the_message(
    ui_client: CreditScoreClient, ui_settings: UiSettings
) -> None:
    with pytest.raises(ServiceError) as caught:
        ui_client.get_client(1, "en")
    assert caught.value.kind is ErrorKind.NOT_FOUND
    outcome = h.run_safely(
        lambda: h.load_client(ui_client, ui_settings, 1, "en"),
        language="en",
        address=ui_settings.server_address,
        client_id=1,
    )
    assert "Client 1 was not found." in outcome.banner


def test_invalid_argument_lists_the_field_violations(ui_client: CreditScoreClient) -> None:
    with pytest.raises(ServiceError) as caught:
        ui_client.search(pb.SearchClientsRequest(page_size=-1))
    error = caught.value
    assert error.kind is ErrorKind.INVALID
    assert any(v.field == "page_size" for v in error.violations)
    message = h.error_message(error, "en", address="x")
    assert message.startswith("The server refused the request: page_size")


def test_an_unexpected_error_shows_only_a_reference() -> None:
    def broken() -> None:
        raise RuntimeError("secret internals")

    outcome = h.run_safely(broken, language="en", address="x")
    assert "secret internals" not in outcome.banner
    assert "reference" in outcome.banner
