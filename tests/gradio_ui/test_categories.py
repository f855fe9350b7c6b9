"""Categories are shown with the server's labels, which are the contract's: the app and the
server can never label a category differently, and the app keeps no labels of its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui import actions
from gradio_ui.categories import Categories
from gradio_ui.compare_charts import comparison_figure
from gradio_ui.formatting import format_percent
from gradio_ui.sections import position_markdown
from gradio_ui.settings import Language
from gradio_ui.texts import t
from tests.gradio_ui.contract import LANGUAGES, contract_labels, model_card

GRADIO_UI = Path(actions.__file__).parent


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_contract_category_is_shown_with_the_contracts_label(language: Language) -> None:
    categories = Categories.of(model_card(language))
    labels = contract_labels(language)
    assert labels
    shown = {(column, value): categories.label(column, value) for column, value in labels}
    assert shown == labels


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_label_leads_back_to_its_value(language: Language) -> None:
    categories = Categories.of(model_card(language))
    for (column, value), label in contract_labels(language).items():
        assert categories.value_of(column, label) == value


def test_a_value_the_server_has_no_label_for_is_shown_as_it_is() -> None:
    categories = Categories.of(model_card("fr"))
    assert categories.label("NAME_INCOME_TYPE", "Astronaut") == "Astronaut"
    assert categories.label("NOT_A_COLUMN", "Working") == "Working"
    assert Categories().label("NAME_INCOME_TYPE", "Working") == "Working"
    assert categories.value_of("NAME_INCOME_TYPE", "Astronaut") == "Astronaut"


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_gradio_ui_holds_no_copy_of_the_category_labels() -> None:
    # Labels that differ from their value: a copy of the table would have to spell them.
    labels = {
        label
        for language in LANGUAGES
        for (_column, value), label in contract_labels(language).items()
        if label != value
    }
    assert "Prêt personnel" in labels
    sources = sorted(GRADIO_UI.glob("*.py"))
    assert len(sources) > 10
    for source in sources:
        copied = labels & _string_constants(source)
        assert not copied, f"{source.name} spells category labels itself: {sorted(copied)}"


def _summary(client_id: int, income_type: str) -> pb.ClientSummary:
    return pb.ClientSummary(
        client_id=client_id,
        default_probability=0.1,
        decision=pb.DECISION_APPROVE,
        contract_type="Cash loans",
        income_type=income_type,
        credit_amount=100_000,
        age_years=40,
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_search_results_show_the_income_type_with_the_servers_label(language: Language) -> None:
    labels = contract_labels(language)
    clients = [_summary(1, "Working"), _summary(2, "Pensioner"), _summary(3, "Astronaut")]
    categories = Categories.of(model_card(language))
    table = actions.results_table(clients, 0.5, 0.02, language, categories)
    assert list(table[t(language, "col.income_type")]) == [
        labels[("NAME_INCOME_TYPE", "Working")],
        labels[("NAME_INCOME_TYPE", "Pensioner")],
        "Astronaut",
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_filter_choices_are_the_models_values_with_the_servers_labels(
    language: Language,
) -> None:
    labels = contract_labels(language)
    features = [
        pb.FeatureInfo(name="NAME_CONTRACT_TYPE", vocabulary=["Cash loans", "Revolving loans"]),
        pb.FeatureInfo(name="NAME_INCOME_TYPE", vocabulary=["Working", "Pensioner", "XNA"]),
    ]
    contracts, incomes = actions.filter_choices(model_card(language, features=features))
    assert contracts == [
        (labels[("NAME_CONTRACT_TYPE", v)], v) for v in ("Cash loans", "Revolving loans")
    ]
    assert incomes == [(labels[("NAME_INCOME_TYPE", v)], v) for v in ("Working", "Pensioner")]


def test_filter_choices_are_the_contracts_values_when_the_catalogue_lists_none() -> None:
    labels = contract_labels("fr")
    contracts, incomes = actions.filter_choices(model_card("fr"))
    assert contracts == [(lab, v) for (c, v), lab in labels.items() if c == "NAME_CONTRACT_TYPE"]
    assert incomes == [(lab, v) for (c, v), lab in labels.items() if c == "NAME_INCOME_TYPE"]
    assert actions.filter_choices(pb.GetModelInfoResponse()) == ([], [])


def _distribution(**counts: int) -> pb.Distribution:
    return pb.Distribution(
        value_count=sum(counts.values()),
        category_counts=[pb.CategoryCount(category=c, count=n) for c, n in counts.items()],
    )


def _income_comparison(language: Language, client_value: str) -> pb.FeatureComparison:
    # Keys are Kaggle spellings without spaces, so they can be keyword arguments.
    return pb.FeatureComparison(
        feature="NAME_INCOME_TYPE",
        label="Income type",
        kind=pb.FEATURE_KIND_CATEGORICAL,
        # The server shows the client's category by its label.
        client_display_value=contract_labels(language)[("NAME_INCOME_TYPE", client_value)],
        all_clients=_distribution(Working=6, Pensioner=3, Unemployed=1),
        similar_clients=_distribution(Working=1, Pensioner=3),
        repaid_clients=_distribution(Working=5, Pensioner=3),
        defaulted_clients=_distribution(Working=1, Unemployed=1),
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_compared_categories_and_the_clients_marker_carry_the_servers_labels(
    language: Language,
) -> None:
    labels = contract_labels(language)
    categories = Categories.of(model_card(language))
    figure = comparison_figure([_income_comparison(language, "Pensioner")], language, categories)
    expected = [labels[("NAME_INCOME_TYPE", v)] for v in ("Working", "Pensioner", "Unemployed")]
    bars = [trace for trace in figure.data if trace.type == "bar"]
    assert len(bars) == 4
    assert all(list(bar.x) == expected for bar in bars)
    markers = [a.x for a in figure.layout.annotations if a.text == "▼"]
    assert markers == [labels[("NAME_INCOME_TYPE", "Pensioner")]] * 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_clients_share_counts_the_category_the_server_labelled(language: Language) -> None:
    categories = Categories.of(model_card(language))
    response = pb.ComparePeersResponse(comparisons=[_income_comparison(language, "Pensioner")])
    markdown = position_markdown(response, language, categories)
    row = next(line for line in markdown.splitlines() if line.startswith("| **Income type**"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    shares = (3 / 10, 3 / 4, 3 / 8, 0.0)  # all, similar, repaid, defaulted
    assert cells[2:] == [
        t(language, "compare.same_share", percent=format_percent(s, language, 0)) for s in shares
    ]
