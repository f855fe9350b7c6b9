"""Insight service on a small model: exact explanations, reasons, profiles, search, peers."""

from __future__ import annotations

import itertools
import math

import lightgbm as lgb
import numpy as np
import pytest
from scipy.special import expit

from creditscore.v1 import credit_score_pb2 as pb
from server.artifacts import ServingArtifacts
from server.errors import InvalidArgument, NotFound
from server.insight import InsightService
from server.insight.eligibility import EXCLUDED_FROM_REASONS, excluded
from server.insight.explainer import Attribution
from server.insight.explanation import ExplanationBuilder
from server.insight.population import Counts, ReferencePopulation
from server.insight.reasons import Fact, select_reasons
from server.insight.store import ClientStore
from server.insight.units import DisplayUnit, format_number
from tests.server.payloads import valid_application

PROTECTED = {
    "CODE_GENDER",
    "NAME_FAMILY_STATUS",
    "CNT_CHILDREN",
    "CHILDREN_SHARE",
    "CNT_FAM_MEMBERS",
    "AGE_YEARS",
    "AGE_AT_LOAN_END_YEARS",
}


@pytest.fixture(scope="module")
def service(serving_artifacts: ServingArtifacts) -> InsightService:
    return InsightService(serving_artifacts)


@pytest.fixture(scope="module")
def booster(serving_artifacts: ServingArtifacts) -> lgb.Booster:
    return lgb.Booster(model_file=str(serving_artifacts.booster_path))


@pytest.fixture(scope="module")
def population(serving_artifacts: ServingArtifacts) -> ReferencePopulation:
    return ReferencePopulation(ClientStore(serving_artifacts.tables, serving_artifacts.catalog))


@pytest.fixture(scope="module")
def train_ids(serving_artifacts: ServingArtifacts) -> list[int]:
    book = serving_artifacts.book
    return book.index[book["split"].astype(str) == "train"].tolist()


@pytest.fixture(scope="module")
def test_ids(serving_artifacts: ServingArtifacts) -> list[int]:
    book = serving_artifacts.book
    return book.index[book["split"].astype(str) == "test"].tolist()


def _violation_fields(error: pytest.ExceptionInfo[InvalidArgument]) -> list[str]:
    return [v.field for v in error.value.violations]


# ---------------------------------------------------------------------------------------------
# Explain
# ---------------------------------------------------------------------------------------------


def test_contributions_and_base_value_add_up_to_the_booster_margin(
    service: InsightService, serving_artifacts: ServingArtifacts, booster: lgb.Booster
) -> None:
    for client_id in serving_artifacts.book.index[:25].tolist():
        response = service.explain(pb.ExplainRequest(client_id=client_id))
        total = response.base_value + sum(c.contribution for c in response.contributions)
        row = serving_artifacts.features.row_of[client_id]
        feed = serving_artifacts.features.feed(np.array([row]))
        encoded = service._encoder.row(feed).encoded
        margin = float(booster.predict(encoded.reshape(1, -1), raw_score=True)[0])
        assert total == pytest.approx(response.model_output, abs=1e-12)
        assert response.model_output == pytest.approx(margin, abs=1e-9)


def test_calibrated_model_output_is_the_scored_probability(
    service: InsightService, serving_artifacts: ServingArtifacts
) -> None:
    client_id = int(serving_artifacts.book.index[3])
    response = service.explain(pb.ExplainRequest(client_id=client_id))
    calibration = response.calibration
    probability = expit(calibration.slope * response.model_output + calibration.intercept)
    assert response.scale == pb.CONTRIBUTION_SCALE_LOG_ODDS
    assert probability == pytest.approx(response.score.default_probability, abs=1e-9)
    assert response.score.default_probability == pytest.approx(
        float(serving_artifacts.book.loc[client_id, "probability"]), abs=1e-12
    )
    assert response.score.client_id == client_id


def test_every_model_feature_is_explained_in_model_order(
    service: InsightService, serving_artifacts: ServingArtifacts
) -> None:
    response = service.explain(pb.ExplainRequest(client_id=int(serving_artifacts.book.index[0])))
    catalog = serving_artifacts.catalog
    assert [c.feature for c in response.contributions] == catalog.names
    model = service.get_model_info(pb.GetModelInfoRequest())
    assert [c.group for c in response.contributions] == [f.group for f in model.features]
    assert {f.group for f in model.features} == {
        f.group[:1].upper() + f.group[1:] for f in catalog.features
    }
    for contribution, info in zip(response.contributions, catalog.features, strict=True):
        if info.kind == "categorical" or contribution.is_missing:
            assert not contribution.HasField("value")
        else:
            assert contribution.HasField("value")
        assert contribution.display_value


def test_group_contributions_sum_the_features_of_each_group(
    service: InsightService, serving_artifacts: ServingArtifacts
) -> None:
    response = service.explain(pb.ExplainRequest(client_id=int(serving_artifacts.book.index[1])))
    expected: dict[str, float] = {}
    counts: dict[str, int] = {}
    for c in response.contributions:
        expected[c.group] = expected.get(c.group, 0.0) + c.contribution
        counts[c.group] = counts.get(c.group, 0) + 1
    groups = response.group_contributions
    assert {g.group for g in groups} == set(expected)
    for group in groups:
        assert group.contribution == pytest.approx(expected[group.group], abs=1e-12)
        assert group.feature_count == counts[group.group]
    sizes = [abs(g.contribution) for g in groups]
    assert sizes == sorted(sizes, reverse=True)


def test_reasons_push_the_right_way_strongest_first_at_most_four(
    service: InsightService, serving_artifacts: ServingArtifacts
) -> None:
    for client_id in serving_artifacts.book.index[:40].tolist():
        response = service.explain(pb.ExplainRequest(client_id=client_id))
        by_feature = {c.feature: c.contribution for c in response.contributions}
        for reasons, sign in ((response.refusal_reasons, 1), (response.approval_reasons, -1)):
            assert len(reasons) <= 4
            strengths = [abs(r.contribution) for r in reasons]
            assert strengths == sorted(strengths, reverse=True)
            for reason in reasons:
                assert reason.contribution * sign > 0
                assert reason.contribution == by_feature[reason.feature]
                assert reason.text.endswith(".")
                assert reason.label and reason.display_value


def test_reasons_never_cite_a_protected_characteristic(
    service: InsightService, serving_artifacts: ServingArtifacts
) -> None:
    assert PROTECTED <= EXCLUDED_FROM_REASONS
    for client_id in serving_artifacts.book.index[:150].tolist():
        response = service.explain(pb.ExplainRequest(client_id=client_id))
        cited = {r.feature for r in (*response.refusal_reasons, *response.approval_reasons)}
        assert not cited & PROTECTED
    assert "CODE_GENDER" not in serving_artifacts.catalog.names


def test_reasons_never_cite_any_fact_of_the_excluded_list_in_either_language(
    service: InsightService, serving_artifacts: ServingArtifacts
) -> None:
    assert {"CODE_GENDER", "NAME_FAMILY_STATUS"} <= EXCLUDED_FROM_REASONS
    names = serving_artifacts.catalog.names
    assert any(excluded(name) for name in names), "the test model has facts to exclude"
    for client_id in serving_artifacts.book.index[:120].tolist():
        for language in ("en", "fr"):
            response = service.explain(
                pb.ExplainRequest(client_id=client_id, language_code=language)
            )
            cited = [r.feature for r in (*response.refusal_reasons, *response.approval_reasons)]
            assert not [name for name in cited if excluded(name)], (client_id, cited)


def test_reason_percentile_counts_lower_clients_and_half_the_ties(
    service: InsightService, serving_artifacts: ServingArtifacts
) -> None:
    book = serving_artifacts.book
    reference = book[book["split"].astype(str) == "train"]
    checked = 0
    for client_id in book.index[:30].tolist():
        response = service.explain(pb.ExplainRequest(client_id=client_id))
        for reason in (*response.refusal_reasons, *response.approval_reasons):
            if not reason.HasField("percentile"):
                continue
            contribution = next(c for c in response.contributions if c.feature == reason.feature)
            values = reference[reason.feature].dropna().to_numpy()
            client = contribution.value
            expected = (
                100 * ((values < client).sum() + 0.5 * (values == client).sum()) / values.size
            )
            if reason.feature.startswith("DAYS_"):
                expected = 100 - expected  # shown as years before the application
            assert reason.percentile == pytest.approx(expected, abs=1e-9)
            checked += 1
    assert checked > 10


def test_reasons_read_in_french_with_french_numbers(
    service: InsightService, serving_artifacts: ServingArtifacts
) -> None:
    client_id = int(serving_artifacts.book.index[2])
    english = service.explain(pb.ExplainRequest(client_id=client_id))
    french = service.explain(pb.ExplainRequest(client_id=client_id, language_code="fr"))
    assert french.language_code == "fr" and english.language_code == "en"
    assert [r.feature for r in french.refusal_reasons] == [
        r.feature for r in english.refusal_reasons
    ]
    texts = " ".join(r.text for r in (*french.refusal_reasons, *french.approval_reasons))
    assert "des clients" in texts or ":" in texts
    assert "of clients" not in texts
    assert french.model_output == english.model_output


def test_explains_an_application_payload_like_score_does(
    service: InsightService, serving_artifacts: ServingArtifacts, booster: lgb.Booster
) -> None:
    application = valid_application()
    response = service.explain(pb.ExplainRequest(application=application))
    query_score = service._scorer.score(
        *service._messages.query(pb.ExplainRequest(application=application))
    )
    assert response.score.default_probability == pytest.approx(query_score.probability, abs=1e-15)
    assert not response.score.HasField("client_id")
    total = response.base_value + sum(c.contribution for c in response.contributions)
    assert total == pytest.approx(response.model_output, abs=1e-12)
    calibration = response.calibration
    probability = expit(calibration.slope * response.model_output + calibration.intercept)
    assert probability == pytest.approx(response.score.default_probability, abs=1e-9)
    history = {c.feature: c for c in response.contributions if c.group == "Credit bureau"}
    assert history["BUREAU_CREDIT_COUNT"].is_missing  # a new applicant has no history on file


def test_explains_a_what_if_for_a_stored_client_with_its_history(
    service: InsightService, train_ids: list[int]
) -> None:
    client_id = train_ids[0]
    stored = service.get_client(pb.GetClientRequest(client_id=client_id)).application
    stored.amt_credit = stored.amt_credit * 2
    response = service.explain(pb.ExplainRequest(client_id=client_id, application=stored))
    original = service.explain(pb.ExplainRequest(client_id=client_id))
    credit = {c.feature: c for c in response.contributions}["AMT_CREDIT"]
    assert credit.value == pytest.approx(stored.amt_credit)
    history_before = {
        c.feature: c.value for c in original.contributions if c.feature == "PREV_COUNT"
    }
    history_after = {
        c.feature: c.value for c in response.contributions if c.feature == "PREV_COUNT"
    }
    assert history_before == history_after
    assert response.score.client_id == client_id


def test_explain_rejects_an_unknown_language(service: InsightService, train_ids: list[int]) -> None:
    with pytest.raises(InvalidArgument) as error:
        service.explain(pb.ExplainRequest(client_id=train_ids[0], language_code="de"))
    assert _violation_fields(error) == ["language_code"]


def test_explain_reports_a_bad_language_with_the_application_problems(
    service: InsightService,
) -> None:
    application = valid_application()
    application.ClearField("amt_credit")
    with pytest.raises(InvalidArgument) as error:
        service.explain(pb.ExplainRequest(application=application, language_code="xx"))
    assert _violation_fields(error) == ["language_code", "application.amt_credit"]


def test_explain_of_an_unknown_client_is_not_found(service: InsightService) -> None:
    with pytest.raises(NotFound, match="999"):
        service.explain(pb.ExplainRequest(client_id=999))


def test_explain_without_client_or_application_names_the_application(
    service: InsightService,
) -> None:
    with pytest.raises(InvalidArgument) as error:
        service.explain(pb.ExplainRequest())
    assert _violation_fields(error) == ["application"]


# ---------------------------------------------------------------------------------------------
# Reason selection rules, on crafted attributions
# ---------------------------------------------------------------------------------------------


def _crafted(
    serving_artifacts: ServingArtifacts,
    population: ReferencePopulation,
    weights: dict[str, float],
    missing: tuple[str, ...] = (),
) -> tuple[list[str], list[str]]:
    """Refusal and approval reason features of a client whose attribution is ``weights``."""
    catalog = serving_artifacts.catalog
    store = population.store
    position = int(np.flatnonzero(store.is_reference)[0])
    values = [
        None if name in missing else store.values_of(position, name) for name in catalog.names
    ]
    phi = np.array([weights.get(name, 0.0) for name in catalog.names])
    builder = ExplanationBuilder(catalog, population)
    explanation = builder.build(values, Attribution(phi, -2.0), "en")
    return (
        [r.feature for r in explanation.refusal_reasons],
        [r.feature for r in explanation.approval_reasons],
    )


def test_protected_and_opaque_features_are_skipped_for_the_next_strongest(
    serving_artifacts: ServingArtifacts, population: ReferencePopulation
) -> None:
    weights = {
        "AGE_YEARS": 3.0,
        "NAME_FAMILY_STATUS": 2.5,
        "CNT_CHILDREN": 2.0,
        "FLAG_DOCUMENT_3": 1.5,
        "ANNUITY_TO_INCOME": 1.0,
        "EXT_SOURCE_2": -1.0,
        "CHILDREN_SHARE": -2.0,
    }
    refusal, approval = _crafted(serving_artifacts, population, weights)
    assert refusal == ["ANNUITY_TO_INCOME"]
    assert approval == ["EXT_SOURCE_2"]


def test_a_missing_value_is_cited_only_when_its_absence_is_the_fact(
    serving_artifacts: ServingArtifacts, population: ReferencePopulation
) -> None:
    weights = {"EXT_SOURCE_1": 1.0, "AMT_ANNUITY": 0.8, "AMT_CREDIT": 0.5}
    refusal, _ = _crafted(
        serving_artifacts, population, weights, missing=("EXT_SOURCE_1", "AMT_ANNUITY")
    )
    assert refusal == ["EXT_SOURCE_1", "AMT_CREDIT"]


def test_one_business_concept_gives_at_most_two_reasons(
    serving_artifacts: ServingArtifacts, population: ReferencePopulation
) -> None:
    weights = {
        "EXT_SOURCE_1": 1.0,
        "EXT_SOURCE_2": 0.9,
        "EXT_SOURCE_3": 0.8,
        "EXT_SOURCE_MEAN": 0.7,
        "AMT_CREDIT": 0.1,
    }
    refusal, _ = _crafted(serving_artifacts, population, weights)
    assert refusal == ["EXT_SOURCE_1", "EXT_SOURCE_2", "AMT_CREDIT"]


def test_missing_history_is_stated_once_as_no_record(
    serving_artifacts: ServingArtifacts, population: ReferencePopulation
) -> None:
    weights = {"BUREAU_CREDIT_COUNT": 0.5, "BUREAU_ACTIVE_DEBT_SUM": 0.4}
    facts = [
        Fact(
            serving_artifacts.catalog[name],
            name,
            None,
            "missing",
            None,
            weight,
        )
        for name, weight in weights.items()
    ]
    values = {"BUREAU_CREDIT_COUNT": None, "BUREAU_ACTIVE_DEBT_SUM": None}
    reasons = select_reasons(facts, values, lambda name, value: None, "en")
    assert [r.text for r in reasons] == ["The credit bureau knows of no credit with other lenders."]
    assert reasons[0].percentile is None


def test_counts_of_one_read_in_the_singular(serving_artifacts: ServingArtifacts) -> None:
    info = serving_artifacts.catalog["PREV_REFUSED_COUNT"]
    for language, text in (
        ("en", "1 earlier application was refused, higher than 80% of clients."),
        ("fr", "1 demande antérieure a été refusée, plus que 80 % des clients."),
    ):
        fact = Fact(info, "label", 1.0, "1", 1.0, 0.5)
        (reason,) = select_reasons(
            [fact], {}, lambda name, value: ((80.0, 10.0, 10.0), 85.0), language
        )
        assert reason.text == text
        assert reason.percentile == 85.0


def test_comparison_sentence_states_where_the_client_sits() -> None:
    from server.insight.phrases import comparison

    assert comparison((85.4, 0.0, 14.6), "en") == ", higher than 85% of clients"
    assert comparison((10.0, 5.0, 85.0), "fr") == ", moins que 85 % des clients"
    assert comparison((20.0, 70.0, 10.0), "en") == ", the same as 70% of clients"


# ---------------------------------------------------------------------------------------------
# Units and distributions
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "language", "text"),
    [
        (43.2, DisplayUnit("number", "years", 1.0, 1), "en", "43.2 years"),
        (43.2, DisplayUnit("number", "years", 1.0, 1), "fr", "43,2 ans"),
        (1.5, DisplayUnit("number", "years", 1.0, 1), "fr", "1,5 an"),
        (38.0, DisplayUnit("number", "%", 100.0, 0), "en", "38%"),
        (38.0, DisplayUnit("number", "%", 100.0, 0), "fr", "38 %"),
        (2.5, DisplayUnit("number", "%", 100.0, 0), "en", "2.5%"),
        (1234567.0, DisplayUnit("number", "currency", 1.0, 0), "en", "1,234,567"),
        (1234567.0, DisplayUnit("number", "currency", 1.0, 0), "fr", "1 234 567"),
        (1.0, DisplayUnit("flag", ""), "fr", "Oui"),
        (-0.001, DisplayUnit("number", "years", 1.0, 1), "en", "0.0 years"),
        # English is singular for "1" alone, not for "1.00" (CLDR); French below 2.
        (1.0, DisplayUnit("number", "times", 1.0, 2), "en", "1.00 times"),
        (1.0, DisplayUnit("number", "times", 1.0, 2), "fr", "1,00 fois"),
        (1.0, DisplayUnit("number", "years", 1.0, 1), "en", "1.0 years"),
        (1.0, DisplayUnit("number", "days", 1.0, 0), "en", "1 day"),
        (1.0, DisplayUnit("number", "years", 1.0, 1), "fr", "1,0 an"),
    ],
)
def test_numbers_are_shown_with_their_unit(
    value: float, unit: DisplayUnit, language: str, text: str
) -> None:
    assert format_number(value, unit, language) == text


def test_precomputed_counts_give_numpy_quantiles_and_half_tie_percentiles() -> None:
    rng = np.random.default_rng(0)
    sample = np.round(rng.normal(size=1001), 1)
    sample[::7] = np.nan
    counts = Counts.of_sample(sample)
    present = sample[~np.isnan(sample)]
    levels = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    np.testing.assert_allclose(counts.quantiles(levels), np.quantile(present, levels))
    value = float(present[3])
    expected = 100 * ((present < value).sum() + 0.5 * (present == value).sum()) / present.size
    assert counts.percentile(value) == pytest.approx(expected)
    assert counts.missing == int(np.isnan(sample).sum())
    edges = np.linspace(-1.0, 1.0, 5)
    inside = present[(present >= -1.0) & (present <= 1.0)]
    assert counts.histogram(edges).sum() == inside.size
    np.testing.assert_array_equal(counts.histogram(edges)[:-1], np.histogram(inside, edges)[0][:-1])


def test_population_tables_count_repaid_and_defaulted_clients(
    population: ReferencePopulation, serving_artifacts: ServingArtifacts
) -> None:
    book = serving_artifacts.book
    reference = book[book["split"].astype(str) == "train"]
    table = population.numeric["ANNUITY_TO_INCOME"]
    defaulted = reference.loc[reference["TARGET"] == 1, "ANNUITY_TO_INCOME"].dropna() * 100
    assert table.defaulted.count == defaulted.size
    assert table.all_clients.count + table.all_clients.missing == len(reference)
    assert table.repaid.count + table.defaulted.count == table.all_clients.count
    np.testing.assert_allclose(
        table.defaulted.quantiles(np.array([0.5])), [np.quantile(defaulted, 0.5)]
    )


# ---------------------------------------------------------------------------------------------
# GetClient
# ---------------------------------------------------------------------------------------------


def test_profile_converts_units_and_groups_fields(
    service: InsightService, serving_artifacts: ServingArtifacts, train_ids: list[int]
) -> None:
    client_id = train_ids[4]
    response = service.get_client(pb.GetClientRequest(client_id=client_id))
    fields = {f.name: f for f in response.fields}
    age = fields["days_birth"]
    expected_age = float(serving_artifacts.book.loc[client_id, "AGE_YEARS"])
    assert age.label == "Age" and age.unit == "years" and age.group == "Identity"
    assert age.numeric_value == pytest.approx(expected_age)
    assert age.display_value == f"{expected_age:.1f} years"
    assert response.application.days_birth == -round(expected_age * 365.25)
    assert fields["amt_credit"].unit == "currency"
    assert fields["ANNUITY_TO_INCOME"].unit == "%"
    assert response.fields[0].group == "Identity"
    assert response.score.client_id == client_id
    assert response.score.model_version == serving_artifacts.model_version
    assert "code_gender" not in fields


def test_profile_flags_missing_values(
    service: InsightService, serving_artifacts: ServingArtifacts
) -> None:
    book = serving_artifacts.book
    client_id = int(book.index[book["EXT_SOURCE_1"].isna()][0])
    response = service.get_client(pb.GetClientRequest(client_id=client_id))
    field = next(f for f in response.fields if f.name == "ext_source_1")
    assert field.is_missing and field.display_value == "missing"
    assert not field.HasField("numeric_value")
    assert not response.application.HasField("ext_source_1")


def test_profile_reads_a_placeholder_employment_as_missing(
    service: InsightService, serving_artifacts: ServingArtifacts
) -> None:
    book = serving_artifacts.book
    flagged = book.index[book["DAYS_EMPLOYED_ANOM"] == 1]
    if flagged.empty:
        pytest.skip("no client with the DAYS_EMPLOYED placeholder in the synthetic data")
    response = service.get_client(pb.GetClientRequest(client_id=int(flagged[0])))
    field = next(f for f in response.fields if f.name == "days_employed")
    assert field.is_missing
    assert response.application.days_employed == 365243


def test_profile_labels_in_french(service: InsightService, train_ids: list[int]) -> None:
    response = service.get_client(pb.GetClientRequest(client_id=train_ids[0], language_code="fr"))
    fields = {f.name: f for f in response.fields}
    assert response.language_code == "fr"
    assert fields["days_birth"].label == "Âge"
    assert fields["days_birth"].group == "Identité"
    assert fields["days_birth"].display_value.endswith(" ans")


def test_get_client_of_an_unknown_client_is_not_found(service: InsightService) -> None:
    with pytest.raises(NotFound):
        service.get_client(pb.GetClientRequest(client_id=1))


# ---------------------------------------------------------------------------------------------
# SearchClients
# ---------------------------------------------------------------------------------------------


def _all_pages(service: InsightService, **fields: object) -> tuple[list[int], int]:
    request = pb.SearchClientsRequest(**fields)  # type: ignore[arg-type]
    ids: list[int] = []
    while True:
        response = service.search_clients(request)
        ids += [c.client_id for c in response.clients]
        if not response.next_page_token:
            return ids, response.total_size
        request.page_token = response.next_page_token


def test_pages_cover_every_match_once_in_order(
    service: InsightService, serving_artifacts: ServingArtifacts
) -> None:
    ids, total = _all_pages(service, page_size=300)
    assert ids == sorted(serving_artifacts.book.index.tolist())
    assert total == len(serving_artifacts.book)


def test_search_by_id_prefix(service: InsightService, serving_artifacts: ServingArtifacts) -> None:
    prefix = str(serving_artifacts.book.index[10])[:4]
    ids, total = _all_pages(service, client_id_prefix=prefix, page_size=7)
    expected = sorted(i for i in serving_artifacts.book.index.tolist() if str(i).startswith(prefix))
    assert ids == expected and total == len(expected)


def test_search_filters_combine_and_sort_by_probability(
    service: InsightService, serving_artifacts: ServingArtifacts
) -> None:
    book = serving_artifacts.book
    ids, total = _all_pages(
        service,
        contract_types=["Cash loans"],
        income_types=["Working", "Pensioner"],
        decision=pb.DECISION_REFUSE,
        min_default_probability=0.05,
        max_default_probability=0.5,
        order_by="default_probability desc",
        page_size=50,
    )
    chosen = book[
        (book["NAME_CONTRACT_TYPE"].astype(str) == "Cash loans")
        & book["NAME_INCOME_TYPE"].astype(str).isin(["Working", "Pensioner"])
        & (book["decision"].astype(str) == "REFUSE")
        & (book["probability"] >= 0.05)
        & (book["probability"] < 0.5)
    ]
    expected = chosen.assign(id=chosen.index).sort_values(
        ["probability", "id"], ascending=[False, True]
    )
    assert ids == expected.index.tolist() and total == len(expected) > 0


def test_search_summaries_hold_the_client_facts(
    service: InsightService, serving_artifacts: ServingArtifacts
) -> None:
    response = service.search_clients(pb.SearchClientsRequest(page_size=1))
    (summary,) = response.clients
    row = serving_artifacts.book.loc[summary.client_id]
    assert summary.default_probability == row["probability"]
    assert summary.contract_type == str(row["NAME_CONTRACT_TYPE"])
    assert summary.age_years == pytest.approx(row["AGE_YEARS"])
    assert summary.credit_amount == row["AMT_CREDIT"]


def test_page_size_defaults_to_50_and_above_500_is_invalid(service: InsightService) -> None:
    assert len(service.search_clients(pb.SearchClientsRequest()).clients) == 50
    assert len(service.search_clients(pb.SearchClientsRequest(page_size=500)).clients) == 500
    with pytest.raises(InvalidArgument) as error:
        service.search_clients(pb.SearchClientsRequest(page_size=501))
    assert _violation_fields(error) == ["page_size"]


def test_a_page_token_only_continues_the_same_search(service: InsightService) -> None:
    first = service.search_clients(pb.SearchClientsRequest(page_size=5, income_types=["Working"]))
    with pytest.raises(InvalidArgument) as error:
        service.search_clients(
            pb.SearchClientsRequest(page_size=5, page_token=first.next_page_token)
        )
    assert _violation_fields(error) == ["page_token"]
    with pytest.raises(InvalidArgument) as error:
        service.search_clients(pb.SearchClientsRequest(page_token="not-a-token"))
    assert _violation_fields(error) == ["page_token"]


def test_search_reports_every_bad_field(service: InsightService) -> None:
    with pytest.raises(InvalidArgument) as error:
        service.search_clients(
            pb.SearchClientsRequest(
                client_id_prefix="10a",
                min_default_probability=0.6,
                max_default_probability=0.4,
                order_by="age",
                page_size=-1,
                decision=7,  # type: ignore[arg-type]
            )
        )
    assert _violation_fields(error) == [
        "client_id_prefix",
        "decision",
        "max_default_probability",
        "order_by",
        "page_size",
    ]


# ---------------------------------------------------------------------------------------------
# ComparePeers
# ---------------------------------------------------------------------------------------------


def test_peers_place_the_client_in_each_group(
    service: InsightService, serving_artifacts: ServingArtifacts, train_ids: list[int]
) -> None:
    client_id = train_ids[7]
    response = service.compare_peers(
        pb.ComparePeersRequest(client_id=client_id, features=["ANNUITY_TO_INCOME"])
    )
    book = serving_artifacts.book
    reference = book[book["split"].astype(str) == "train"]
    (comparison,) = response.comparisons
    values = reference["ANNUITY_TO_INCOME"].dropna().to_numpy() * 100
    client = float(book.loc[client_id, "ANNUITY_TO_INCOME"]) * 100
    expected = 100 * ((values < client).sum() + 0.5 * (values == client).sum()) / values.size
    assert comparison.unit == "%" and comparison.client_value == pytest.approx(client)
    assert comparison.all_clients.client_percentile == pytest.approx(expected)
    assert [q.level for q in comparison.all_clients.quantiles] == [0.05, 0.25, 0.5, 0.75, 0.95]
    assert comparison.all_clients.quantiles[2].value == pytest.approx(np.median(values))
    assert response.all_clients.client_count == len(reference)
    assert response.repaid_clients.client_count + response.defaulted_clients.client_count == len(
        reference
    )
    assert response.all_clients.default_rate == pytest.approx(reference["TARGET"].mean())
    edges = list(comparison.all_clients.histogram.bin_edges)
    for distribution in (
        comparison.similar_clients,
        comparison.repaid_clients,
        comparison.defaulted_clients,
    ):
        assert list(distribution.histogram.bin_edges) == edges
    assert len(comparison.all_clients.histogram.counts) == len(edges) - 1 == 20


def test_histograms_count_every_value_unless_a_long_tail_is_cut(
    service: InsightService, train_ids: list[int]
) -> None:
    response = service.compare_peers(
        pb.ComparePeersRequest(
            client_id=train_ids[3],
            features=["EXT_SOURCE_2", "BUREAU_ACTIVE_COUNT"],
            histogram_bin_count=10,
        )
    )
    scores, counts = response.comparisons
    for distribution in (scores.all_clients, scores.similar_clients, scores.defaulted_clients):
        assert sum(distribution.histogram.counts) == distribution.value_count
        assert len(distribution.histogram.counts) == 10
    edges = list(counts.all_clients.histogram.bin_edges)
    if len(edges) - 1 < 10:  # a few whole values: one bin centred on each
        assert all(b - a == 1.0 for a, b in itertools.pairwise(edges))
        assert edges[0] % 1 == 0.5


def test_similar_clients_follow_the_stated_rule(
    service: InsightService, serving_artifacts: ServingArtifacts, train_ids: list[int]
) -> None:
    book = serving_artifacts.book
    reference = book[book["split"].astype(str) == "train"]
    for client_id in train_ids[:30]:
        response = service.compare_peers(pb.ComparePeersRequest(client_id=client_id))
        group = response.similar_clients
        client = book.loc[client_id]
        if group.rule.startswith("Same contract type"):
            members = reference[
                (reference["NAME_CONTRACT_TYPE"] == client["NAME_CONTRACT_TYPE"])
                & (reference["NAME_INCOME_TYPE"] == client["NAME_INCOME_TYPE"])
                & ((reference["AGE_YEARS"] - client["AGE_YEARS"]).abs() <= 5)
                & (
                    (reference["AMT_INCOME_TOTAL"] - client["AMT_INCOME_TOTAL"]).abs()
                    <= 0.25 * client["AMT_INCOME_TOTAL"]
                )
            ]
            assert "wider" not in group.rule
        else:
            assert "wider rule" in group.rule
            continue
        assert group.client_count == len(members) >= 50
        assert group.default_rate == pytest.approx(members["TARGET"].mean())


def test_a_small_similar_group_widens_the_rule_and_says_so(
    service: InsightService, train_ids: list[int]
) -> None:
    rules = {
        service.compare_peers(pb.ComparePeersRequest(client_id=c)).similar_clients.rule
        for c in train_ids[:200]
    }
    widened = [rule for rule in rules if "wider rule" in rule]
    assert widened, "the small test book should make some narrow groups too small"


def test_categorical_features_count_clients_per_category(
    service: InsightService, serving_artifacts: ServingArtifacts, train_ids: list[int]
) -> None:
    response = service.compare_peers(
        pb.ComparePeersRequest(client_id=train_ids[0], features=["NAME_INCOME_TYPE"])
    )
    (comparison,) = response.comparisons
    assert comparison.kind == pb.FEATURE_KIND_CATEGORICAL
    assert not comparison.HasField("client_value")
    counts = [(c.category, c.count) for c in comparison.all_clients.category_counts]
    book = serving_artifacts.book
    reference = book[book["split"].astype(str) == "train"]
    expected = reference["NAME_INCOME_TYPE"].astype(str).value_counts()
    assert dict(counts) == {k: int(v) for k, v in expected.items() if k != "nan"}
    assert [n for _, n in counts] == sorted((n for _, n in counts), reverse=True)
    assert not comparison.all_clients.HasField("client_percentile")


def test_peers_default_to_the_five_most_important_features(
    service: InsightService, serving_artifacts: ServingArtifacts, train_ids: list[int]
) -> None:
    response = service.compare_peers(pb.ComparePeersRequest(client_id=train_ids[0]))
    ranked = [i["feature"] for i in serving_artifacts.card["global_importance"]]
    assert [c.feature for c in response.comparisons] == ranked[:5]


def test_peers_report_bad_features_bins_and_language(
    service: InsightService, train_ids: list[int]
) -> None:
    with pytest.raises(InvalidArgument) as error:
        service.compare_peers(
            pb.ComparePeersRequest(
                client_id=train_ids[0],
                features=["AMT_CREDIT", "NOPE", "CODE_GENDER"],
                histogram_bin_count=1,
                language_code="es",
            )
        )
    assert _violation_fields(error) == [
        "language_code",
        "features[1]",
        "features[2]",
        "histogram_bin_count",
    ]
    with pytest.raises(InvalidArgument) as error:
        service.compare_peers(
            pb.ComparePeersRequest(client_id=train_ids[0], features=["AMT_CREDIT"] * 21)
        )
    assert _violation_fields(error) == ["features"]


def test_peers_of_a_test_client_use_the_reference_population(
    service: InsightService, test_ids: list[int]
) -> None:
    response = service.compare_peers(
        pb.ComparePeersRequest(client_id=test_ids[0], features=["AMT_CREDIT"], language_code="fr")
    )
    assert response.similar_clients.label == "Clients similaires"
    assert response.comparisons[0].all_clients.HasField("client_percentile")


def test_a_scatter_places_the_client_among_a_bounded_sample_of_similar_clients(
    service: InsightService, serving_artifacts: ServingArtifacts, train_ids: list[int]
) -> None:
    client_id = train_ids[5]
    request = pb.ComparePeersRequest(
        client_id=client_id,
        features=["AMT_CREDIT"],
        scatter_features=["AGE_YEARS", "AMT_INCOME_TOTAL"],
        scatter_max_points=40,
    )
    response = service.compare_peers(request)
    scatter = response.scatter
    book = serving_artifacts.book
    assert (scatter.x_feature, scatter.y_feature) == ("AGE_YEARS", "AMT_INCOME_TOTAL")
    assert scatter.x_label and scatter.y_label and scatter.x_unit == "years"
    assert scatter.client_x == pytest.approx(book.loc[client_id, "AGE_YEARS"])
    assert scatter.client_y == pytest.approx(book.loc[client_id, "AMT_INCOME_TOTAL"])
    group = response.similar_clients.client_count
    assert scatter.eligible_client_count + scatter.missing_client_count == group
    assert len(scatter.points) == min(40, scatter.eligible_client_count)
    reference = book[book["split"].astype(str) == "train"]
    ages = set(reference["AGE_YEARS"].round(6))
    assert all(round(point.x, 6) in ages for point in scatter.points)
    # Deterministic: the same request gives the same points.
    assert service.compare_peers(request).scatter == scatter


def test_a_scatter_point_says_whether_that_client_defaulted(
    service: InsightService, train_ids: list[int]
) -> None:
    response = service.compare_peers(
        pb.ComparePeersRequest(
            client_id=train_ids[1],
            scatter_features=["AMT_CREDIT", "AMT_ANNUITY"],
            scatter_max_points=1000,
        )
    )
    rate = sum(p.defaulted for p in response.scatter.points) / len(response.scatter.points)
    if response.scatter.eligible_client_count <= 1000:  # every similar client is a point
        assert rate == pytest.approx(response.similar_clients.default_rate)


def test_no_scatter_is_sent_unless_two_features_are_asked(
    service: InsightService, train_ids: list[int]
) -> None:
    response = service.compare_peers(pb.ComparePeersRequest(client_id=train_ids[0]))
    assert not response.HasField("scatter")


def test_a_scatter_needs_two_numeric_features_and_a_bounded_sample(
    service: InsightService, train_ids: list[int]
) -> None:
    with pytest.raises(InvalidArgument) as error:
        service.compare_peers(
            pb.ComparePeersRequest(
                client_id=train_ids[0],
                scatter_features=["AMT_CREDIT", "NAME_INCOME_TYPE", "NOPE"],
                scatter_max_points=1001,
            )
        )
    assert _violation_fields(error) == [
        "scatter_features[1]",
        "scatter_features[2]",
        "scatter_features",
        "scatter_max_points",
    ]
    with pytest.raises(InvalidArgument) as error:
        service.compare_peers(
            pb.ComparePeersRequest(client_id=train_ids[0], scatter_features=["AMT_CREDIT"])
        )
    assert _violation_fields(error) == ["scatter_features"]


def test_compare_peers_of_an_unknown_client_is_not_found(service: InsightService) -> None:
    with pytest.raises(NotFound):
        service.compare_peers(pb.ComparePeersRequest(client_id=12))


# ---------------------------------------------------------------------------------------------
# GetModelInfo
# ---------------------------------------------------------------------------------------------


def test_model_info_is_the_model_card(
    service: InsightService, serving_artifacts: ServingArtifacts
) -> None:
    card = serving_artifacts.card
    response = service.get_model_info(pb.GetModelInfoRequest())
    assert response.model_version == card["model_version"]
    assert response.threshold == card["threshold"]
    assert response.costs.false_negative == card["costs"]["false_negative"]
    assert response.metrics.roc_auc == card["metrics"]["roc_auc"]
    assert response.calibration.slope == card["calibration"]["slope"]
    assert response.training_data.client_count == card["data"]["rows"]
    assert response.training_data.synthetic is card["data"]["synthetic"]
    assert response.create_time.seconds > 0
    assert [f.name for f in response.features] == serving_artifacts.catalog.names
    importances = [i.mean_abs_shap for i in response.global_importances]
    assert importances == sorted(importances, reverse=True)
    assert len(importances) == len(card["global_importance"])


def test_model_info_labels_in_french(service: InsightService) -> None:
    response = service.get_model_info(pb.GetModelInfoRequest(language_code="fr"))
    labels = {f.name: f.label for f in response.features}
    assert labels["AMT_CREDIT"] == "Montant du prêt"
    groups = {f.name: f.group for f in response.features}
    assert groups["EXT_SOURCE_2"] == "Scores externes"
    explained = service.explain(
        pb.ExplainRequest(client_id=int(service._store.client_ids[0]), language_code="fr")
    )
    assert {g.group for g in explained.group_contributions} <= set(groups.values())
    assert response.language_code == "fr"
    contract = next(f for f in response.features if f.name == "NAME_CONTRACT_TYPE")
    assert contract.kind == pb.FEATURE_KIND_CATEGORICAL and "Cash loans" in contract.vocabulary
    assert not math.isnan(response.metrics.ks)
