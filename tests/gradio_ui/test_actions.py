"""The advisor's actions against the real in-process server: what the app shows equals the
server's answers."""

from __future__ import annotations

from functools import partial

import plotly.graph_objects as go
import pytest

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui import actions
from gradio_ui.client import CreditScoreClient, ErrorKind, ServiceError
from gradio_ui.formatting import format_percent, sigmoid
from gradio_ui.periods import with_period
from gradio_ui.settings import Language, UiSettings
from gradio_ui.texts import t
from tests.gradio_ui.contract import LANGUAGES, contract_labels


@pytest.fixture(scope="module")
def refused_view(
    ui_client: CreditScoreClient, ui_settings: UiSettings, refused_id: int
) -> actions.ClientView:
    return actions.load_client(ui_client, ui_settings, refused_id, "en")


def _score(client: CreditScoreClient, client_id: int) -> pb.ScoreResult:
    return client.score(client_id).score


# --- Search ---------------------------------------------------------------------------------


def test_search_shows_one_page_with_the_servers_total(
    ui_client: CreditScoreClient, ui_settings: UiSettings
) -> None:
    view = actions.search_clients(ui_client, ui_settings, actions.SearchQuery(), "en")
    total = ui_client.search(pb.SearchClientsRequest(page_size=1)).total_size
    assert view.total_size == total
    assert len(view.table) == ui_settings.page_size
    assert list(view.table.columns)[:3] == ["Client", "Default risk", "Decision"]
    assert view.next_page_token
    assert f"{total:,} clients" in view.status


def test_search_pages_follow_the_servers_tokens(
    ui_client: CreditScoreClient, ui_settings: UiSettings
) -> None:
    first = actions.search_clients(ui_client, ui_settings, actions.SearchQuery(), "en")
    second = actions.search_clients(
        ui_client,
        ui_settings,
        actions.SearchQuery(),
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
    view = actions.search_clients(
        ui_client, ui_settings, actions.SearchQuery(client_id_prefix=prefix), "en"
    )
    assert len(view.table) > 0
    assert all(cell.startswith(prefix) for cell in view.table["Client"])


def test_grey_zone_filter_lists_only_files_near_the_threshold(
    ui_client: CreditScoreClient, ui_settings: UiSettings
) -> None:
    threshold = ui_client.model_info("en").threshold
    request = actions.search_request(
        actions.SearchQuery(band="grey"),
        threshold=threshold,
        grey_zone=0.02,
        page_size=500,
        page_token="",
    )
    response = ui_client.search(request)
    assert response.total_size > 0
    assert all(abs(c.default_probability - threshold) <= 0.02 for c in response.clients)
    view = actions.search_clients(ui_client, ui_settings, actions.SearchQuery(band="grey"), "en")
    assert view.total_size == response.total_size
    assert all(cell.endswith("⚠") for cell in view.table["Decision"])


def test_decision_and_income_type_filters_reach_the_server(
    ui_client: CreditScoreClient, ui_settings: UiSettings
) -> None:
    query = actions.SearchQuery(decision="refuse", income_types=("Working",))
    view = actions.search_clients(ui_client, ui_settings, query, "en")
    assert view.total_size > 0
    assert set(view.table["Decision"].str.replace(" ⚠", "")) == {"✗ REFUSE"}
    assert set(view.table["Income type"]) == {"Working"}


def test_search_in_french_shows_headers_and_the_servers_category_labels(
    ui_client: CreditScoreClient, ui_settings: UiSettings
) -> None:
    query = actions.SearchQuery(income_types=("Working",))
    view = actions.search_clients(ui_client, ui_settings, query, "fr")
    assert "Risque de défaut" in view.table.columns
    assert set(view.table["Type de revenu"]) == {
        contract_labels("fr")[("NAME_INCOME_TYPE", "Working")]
    }


# --- Category labels ------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_server_sends_the_contracts_label_of_every_category(
    ui_client: CreditScoreClient, language: Language
) -> None:
    model = ui_client.model_info(language)
    sent = {(c.column, v.value): v.label for c in model.category_labels for v in c.values}
    assert sent == contract_labels(language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_filters_offer_the_models_categories_with_the_servers_labels(
    ui_client: CreditScoreClient, language: Language
) -> None:
    labels = contract_labels(language)
    contracts, incomes = actions.filter_choices(ui_client.model_info(language))
    assert contracts and incomes
    for column, choices in (("NAME_CONTRACT_TYPE", contracts), ("NAME_INCOME_TYPE", incomes)):
        assert all(label == labels[(column, value)] for label, value in choices)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_compared_category_is_labelled_and_marked_as_the_server_shows_it(
    ui_client: CreditScoreClient, refused_id: int, language: Language
) -> None:
    feature = "NAME_INCOME_TYPE"
    comparison = ui_client.compare(refused_id, [feature], language).comparisons[0]
    assert comparison.kind == pb.FEATURE_KIND_CATEGORICAL
    labels = contract_labels(language)
    view = actions.compare_features(ui_client, refused_id, [feature], language)
    ticks = {x for trace in view.figure.data if trace.type == "bar" for x in trace.x}
    categories = [c.category for c in comparison.all_clients.category_counts]
    assert ticks == {labels[(feature, c)] for c in categories}  # all short enough to show whole
    markers = {a.x for a in view.figure.layout.annotations if a.text == "▼"}
    assert markers == {comparison.client_display_value}
    assert markers <= ticks


def test_a_non_numeric_prefix_is_refused_before_calling_the_server(
    ui_client: CreditScoreClient, ui_settings: UiSettings
) -> None:
    outcome = actions.run_safely(
        lambda: actions.search_clients(ui_client, ui_settings, actions.SearchQuery("12a"), "en"),
        language="en",
        address=ui_settings.server_address,
    )
    assert outcome.value is None
    assert t("en", "error.client_id") in outcome.banner


# --- Decision -------------------------------------------------------------------------------


def test_probability_shown_equals_the_servers_score(
    refused_view: actions.ClientView, ui_client: CreditScoreClient, refused_id: int
) -> None:
    score = _score(ui_client, refused_id)
    assert refused_view.probability == pytest.approx(score.default_probability, abs=1e-12)
    assert format_percent(score.default_probability, "en") in refused_view.badge_html
    assert format_percent(score.threshold, "en") in refused_view.decision_markdown


def test_badge_shows_the_servers_decision(
    ui_client: CreditScoreClient, ui_settings: UiSettings, refused_id: int, approved_id: int
) -> None:
    for client_id, word in ((refused_id, "REFUSE"), (approved_id, "APPROVE")):
        view = actions.load_client(ui_client, ui_settings, client_id, "en")
        assert f"> {word}</div>" in view.badge_html
        decision = _score(ui_client, client_id).decision
        assert (decision == pb.DECISION_REFUSE) == (word == "REFUSE")


def test_gap_to_threshold_is_stated_in_points(
    refused_view: actions.ClientView, ui_client: CreditScoreClient, refused_id: int
) -> None:
    score = _score(ui_client, refused_id)
    gap = (score.default_probability - score.threshold) * 100
    assert f"{abs(gap):.1f}\u00a0pts above" in refused_view.decision_markdown


def test_threshold_origin_uses_the_model_costs(
    refused_view: actions.ClientView, ui_client: CreditScoreClient
) -> None:
    costs = ui_client.model_info("en").costs
    ratio = costs.false_negative / costs.false_positive
    assert f"as {ratio:g} times as costly" in refused_view.decision_markdown


def test_grey_zone_is_flagged_within_the_configured_points(
    ui_client: CreditScoreClient, ui_settings: UiSettings
) -> None:
    near = actions.search_clients(ui_client, ui_settings, actions.SearchQuery(band="grey"), "en")
    client_id = int(near.table["Client"].iloc[0])
    view = actions.load_client(ui_client, ui_settings, client_id, "en")
    assert "Grey zone" in view.decision_markdown
    assert t("en", "decision.review") in view.badge_html
    strict = UiSettings(
        server_address=ui_settings.server_address, auth_disabled=True, grey_zone_points=0.0
    )
    score = _score(ui_client, client_id)
    if score.default_probability != score.threshold:
        view = actions.load_client(ui_client, strict, client_id, "en")
        assert "Grey zone" not in view.decision_markdown


def test_gauge_marks_the_probability_and_the_threshold(
    refused_view: actions.ClientView, ui_client: CreditScoreClient, refused_id: int
) -> None:
    score = _score(ui_client, refused_id)
    indicator = refused_view.gauge.data[0]
    # The scale is fixed by the threshold: a higher probability fills it, the number says it.
    top = indicator.gauge.axis.range[1]
    assert indicator.value == pytest.approx(min(score.default_probability * 100, top))
    number = refused_view.gauge.layout.annotations[0].text
    assert format_percent(score.default_probability, "en") in number
    assert indicator.gauge.threshold.value == pytest.approx(score.threshold * 100)


# --- Why ------------------------------------------------------------------------------------


def test_reasons_are_the_servers_sentences(
    ui_client: CreditScoreClient, ui_settings: UiSettings, refused_id: int
) -> None:
    for language in ("en", "fr"):
        view = actions.load_client(ui_client, ui_settings, refused_id, language)
        explanation = ui_client.explain(refused_id, language)
        assert explanation.refusal_reasons
        for reason in [*explanation.refusal_reasons, *explanation.approval_reasons]:
            assert reason.text in view.reasons_markdown
        assert t(language, "why.refusal") in view.reasons_markdown


def test_waterfall_adds_up_to_the_model_output_and_the_displayed_probability(
    refused_view: actions.ClientView,
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
    # The note explains the scale without the model's jargon (kept under "How the model works").
    assert (
        "own scale" in refused_view.waterfall_note and "log-odds" not in refused_view.waterfall_note
    )


def test_contributions_by_theme_are_the_servers_groups(
    refused_view: actions.ClientView, ui_client: CreditScoreClient, refused_id: int
) -> None:
    groups = ui_client.explain(refused_id, "en").group_contributions
    bars = refused_view.groups.data[0]
    assert sorted(bars.x) == pytest.approx(sorted(g.contribution for g in groups))


# --- Profile --------------------------------------------------------------------------------


def test_profile_lists_every_field_and_flags_missing_values(
    refused_view: actions.ClientView, ui_client: CreditScoreClient, refused_id: int
) -> None:
    fields = ui_client.get_client(refused_id, "en").fields
    profile = refused_view.profile
    # Each label as the server words it, with the period of an amount where it has one.
    assert list(profile["label"]) == [with_period(f.name, f.label, "en") for f in fields]
    assert "Loan repayment (per month)" in list(profile["label"])
    assert list(profile["missing"]) == [f.is_missing for f in fields]
    for field, value in zip(fields, profile["value"], strict=True):
        assert field.display_value in value
        assert value.startswith(t("en", "profile.missing")) == field.is_missing


def test_profile_filters_by_section_text_and_missing(refused_view: actions.ClientView) -> None:
    profile = refused_view.profile
    section = refused_view.profile_sections[0]
    by_section = actions.filter_profile(profile, section, "", False)
    assert 0 < len(by_section) < len(profile)
    assert set(by_section["section"]) == {section}
    label = profile["label"].iloc[0]
    assert label in set(actions.filter_profile(profile, None, label.upper(), False)["label"])
    missing = actions.filter_profile(profile, "", None, True)
    assert len(missing) > 0 and missing["missing"].all()
    assert actions.profile_display(missing, "fr").columns[1] == "Information"


# --- Compare --------------------------------------------------------------------------------


def test_comparison_defaults_to_the_main_reasons(
    refused_view: actions.ClientView, ui_client: CreditScoreClient, refused_id: int
) -> None:
    explanation = ui_client.explain(refused_id, "en")
    assert refused_view.compared_features[0] == explanation.refusal_reasons[0].feature
    names = {name for _label, name in refused_view.feature_choices}
    assert set(refused_view.compared_features) <= names


def test_comparison_states_who_is_similar_and_how_many(
    ui_client: CreditScoreClient, refused_id: int
) -> None:
    view = actions.compare_features(ui_client, refused_id, ["EXT_SOURCE_3"], "en")
    response = ui_client.compare(refused_id, ["EXT_SOURCE_3"], "en")
    similar = response.similar_clients
    assert similar.rule in view.groups_markdown
    assert f"{similar.client_count:,} clients" in view.groups_markdown


def test_percentiles_are_written_in_words(ui_client: CreditScoreClient, refused_id: int) -> None:
    response = ui_client.compare(refused_id, ["EXT_SOURCE_3"], "en")
    comparison = response.comparisons[0]
    view = actions.compare_features(ui_client, refused_id, ["EXT_SOURCE_3"], "en")
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
    view = actions.compare_features(ui_client, refused_id, ["EXT_SOURCE_3", "AMT_CREDIT"], "en")
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
    outcome = actions.run_safely(
        lambda: actions.compare_features(ui_client, refused_id, [], "fr"),
        language="fr",
        address="x",
    )
    assert t("fr", "compare.empty") in outcome.banner


# --- What-if --------------------------------------------------------------------------------


def test_whatif_rescores_the_edited_application_with_the_stored_history(
    ui_client: CreditScoreClient,
    ui_settings: UiSettings,
    refused_view: actions.ClientView,
    refused_id: int,
) -> None:
    stored = refused_view.whatif
    assert stored.credit and stored.income
    inputs = actions.WhatIfInputs(
        stored.credit / 2,
        stored.annuity,
        stored.goods_price,
        stored.income,
        coborrower_income=50_000,
    )
    view = actions.run_whatif(ui_client, ui_settings, refused_id, inputs, "en")
    application = ui_client.get_client(refused_id, "en").application
    application.amt_credit = stored.credit / 2
    application.amt_income_total = stored.income + 50_000
    expected = ui_client.score(refused_id, application).score
    assert view.after.default_probability == pytest.approx(expected.default_probability)
    assert view.before.default_probability == pytest.approx(refused_view.probability)
    assert format_percent(expected.default_probability, "en") in view.result_html
    assert "Loan amount" in view.markdown and "Income counted" in view.markdown


def test_whatif_without_changes_gives_the_stored_score(
    ui_client: CreditScoreClient,
    ui_settings: UiSettings,
    refused_view: actions.ClientView,
    refused_id: int,
) -> None:
    stored = refused_view.whatif
    # The form shows whole currency units; rounding alone must not change the application.
    inputs = actions.WhatIfInputs(
        *(
            round(v) if v is not None else None
            for v in (stored.credit, stored.annuity, stored.goods_price, stored.income)
        )
    )
    view = actions.run_whatif(ui_client, ui_settings, refused_id, inputs, "en")
    assert view.after.default_probability == pytest.approx(view.before.default_probability)
    assert t("en", "whatif.no_change") in view.markdown


def test_whatif_refuses_a_non_positive_amount(
    ui_client: CreditScoreClient, ui_settings: UiSettings, refused_id: int
) -> None:
    inputs = actions.WhatIfInputs(credit=0, annuity=None, goods_price=None, income=100_000)
    outcome = actions.run_safely(
        lambda: actions.run_whatif(ui_client, ui_settings, refused_id, inputs, "en"),
        language="en",
        address=ui_settings.server_address,
    )
    assert outcome.value is None
    assert "Loan amount must be a positive amount" in outcome.banner


def test_term_is_derived_from_amount_and_annuity() -> None:
    assert actions.term_text(120_000, 5_000, "en").startswith("Implied duration: about 24 monthly")
    assert "2 ans" in actions.term_text(120_000, 5_000, "fr")
    assert actions.term_text(None, 5_000, "en") == ""


# --- Model ----------------------------------------------------------------------------------


def test_model_page_states_quality_costs_and_importance(ui_client: CreditScoreClient) -> None:
    view = actions.model_overview(ui_client, "en")
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
            outcome = actions.run_safely(
                partial(actions.load_client, client, ui_settings, 100002, language),
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
    outcome = actions.run_safely(
        lambda: actions.load_client(ui_client, ui_settings, 1, "en"),
        language="en",
        address=ui_settings.server_address,
        client_id=1,
    )
    assert "Client 1 was not found." in outcome.banner


def test_a_refused_value_is_named_as_the_app_names_it_never_in_the_servers_words(
    ui_client: CreditScoreClient, refused_id: int
) -> None:
    application = ui_client.get_client(refused_id, "en").application
    application.amt_annuity = application.amt_credit / 5000  # 5,000 monthly repayments
    with pytest.raises(ServiceError) as caught:
        ui_client.score(refused_id, application)
    error = caught.value
    assert error.kind is ErrorKind.INVALID
    assert any(v.field == "application.amt_annuity" for v in error.violations)
    english = actions.error_message(error, "en", address="x")
    french = actions.error_message(error, "fr", address="x")
    assert english == (
        "The scoring server did not accept these values: Monthly repayment. Check them and try "
        "again."
    )
    assert "Échéance mensuelle" in french
    for message in (english, french):
        assert "application." not in message and "amt_" not in message


def test_an_unexpected_error_shows_only_a_reference() -> None:
    def broken() -> None:
        raise RuntimeError("secret internals")

    outcome = actions.run_safely(broken, language="en", address="x")
    assert "secret internals" not in outcome.banner
    assert "reference" in outcome.banner
