"""The app's components, laid out once; every visible text is registered for the language switch."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import gradio as gr
import pandas as pd

from gradio_ui.components import Ui
from gradio_ui.decision_labels import final_decision_choices, override_reason_choices
from gradio_ui.decisions import NOTE_MAX_CHARS
from gradio_ui.search import BANDS, ORDERS, empty_results
from gradio_ui.settings import Language
from gradio_ui.texts import t
from gradio_ui.whatif_layout import whatif_tab

__all__ = ["Ui", "build_layout", "choice_lists"]


def choice_lists(language: Language) -> dict[str, list[tuple[str, str]]]:
    """The fixed choice lists of the search form, labelled in `language`."""
    return {
        "decision": [
            (t(language, "decision.any"), "any"),
            (t(language, "decision.approve"), "approve"),
            (t(language, "decision.refuse"), "refuse"),
        ],
        "band": [(t(language, f"band.{b}"), b) for b in BANDS],
        "order": [(t(language, f"order.{o}"), o) for o in ORDERS],
    }


def _search_panel(ui: Ui, language: Language) -> None:
    choices = choice_lists(language)
    ui.add(
        "search_title",
        gr.Markdown(f"### {t(language, 'search.title')}"),
        "### {}",
        value="search.title",
    )
    ui.add(
        "client_id",
        gr.Textbox(
            label=t(language, "search.client_id"),
            placeholder=t(language, "search.client_id_placeholder"),
            elem_id="client-id",
        ),
        label="search.client_id",
        placeholder="search.client_id_placeholder",
    )
    with ui.add(
        "filters", gr.Accordion(t(language, "search.filters"), open=False), label="search.filters"
    ):
        ui.add(
            "contract_types",
            gr.Dropdown(label=t(language, "search.contract_types"), multiselect=True, choices=[]),
            label="search.contract_types",
        )
        ui.add(
            "income_types",
            gr.Dropdown(label=t(language, "search.income_types"), multiselect=True, choices=[]),
            label="search.income_types",
        )
        ui.add(
            "decision",
            gr.Radio(
                choices["decision"],
                value="any",
                label=t(language, "search.decision"),
                elem_id="search-decision",
            ),
            label="search.decision",
        )
        ui.add(
            "band",
            gr.Dropdown(choices["band"], value="any", label=t(language, "search.band")),
            label="search.band",
        )
        ui.add(
            "order",
            gr.Dropdown(choices["order"], value="client_id", label=t(language, "search.order")),
            label="search.order",
        )
    with gr.Row():
        ui.add(
            "search",
            gr.Button(t(language, "search.button"), variant="primary", elem_id="search-button"),
            value="search.button",
        )
        ui.add(
            "near_threshold",
            gr.Button(
                t(language, "search.near_threshold"), variant="secondary", elem_id="near-threshold"
            ),
            value="search.near_threshold",
        )
    # The filters that apply, always in view (the form's accordion may be closed): unticking a
    # chip removes its filter and searches again.
    ui.add(
        "filter_chips",
        gr.CheckboxGroup(
            choices=[],
            value=[],
            label=t(language, "search.active_filters"),
            visible=False,
            elem_id="filter-chips",
            elem_classes="cs-chips",
        ),
        label="search.active_filters",
    )
    ui.add(
        "results",
        gr.Dataframe(
            value=empty_results(language),
            label=t(language, "search.results"),
            interactive=False,
            max_height=420,
            elem_id="results",
        ),
        label="search.results",
    )
    ui.add("search_status", gr.Markdown("", elem_id="search-status"))
    with gr.Row():
        ui.add(
            "previous",
            gr.Button(t(language, "search.previous"), size="sm", interactive=False),
            value="search.previous",
        )
        ui.add(
            "next",
            gr.Button(t(language, "search.next"), size="sm", interactive=False),
            value="search.next",
        )


def _decision_tab(ui: Ui, language: Language) -> None:
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            ui.add("badge", gr.HTML("", elem_id="decision-badge"))
            ui.add("suggestions", gr.Markdown("", elem_id="suggestions"))
            ui.add("decision_md", gr.Markdown("", elem_id="decision-text"))
        with gr.Column(scale=1, min_width=320):
            ui.add("gauge", gr.Plot(show_label=False, elem_id="gauge"))
            ui.add("decision_reasons", gr.Markdown("", elem_id="decision-reasons"))
    with gr.Row(equal_height=False, elem_id="record-panel"):
        with gr.Column(scale=1, min_width=300):
            _record_form(ui, language)
        with gr.Column(scale=1, min_width=300):
            _record_history(ui, language)


def _record_form(ui: Ui, language: Language) -> None:
    title = gr.Markdown(f"### {t(language, 'record.title')}")
    ui.add("record_title", title, "### {}", value="record.title")
    ui.add("record_intro", gr.Markdown(t(language, "record.intro")), value="record.intro")
    ui.add("record_guidance", gr.Markdown("", elem_id="record-guidance"))
    ui.add(
        "final_decision",
        gr.Radio(
            final_decision_choices(language),
            value=None,
            label=t(language, "record.decision"),
            elem_id="final-decision",
        ),
        label="record.decision",
    )
    ui.add(
        "override_reason",
        gr.Dropdown(
            override_reason_choices(language),
            value=None,
            label=t(language, "record.reason"),
            visible=False,
            elem_id="override-reason",
        ),
        label="record.reason",
    )
    note_label = f"{{}} ({NOTE_MAX_CHARS} max)"
    ui.add(
        "record_note",
        gr.Textbox(
            label=note_label.format(t(language, "record.note")),
            info=t(language, "record.note_info"),
            lines=3,
            max_lines=8,
            max_length=NOTE_MAX_CHARS,
            elem_id="record-note",
        ),
        note_label,
        label="record.note",
    )
    ui.relabel("record_note", "info", "record.note_info")
    ui.add(
        "record_save",
        gr.Button(t(language, "record.save"), variant="primary", elem_id="record-save"),
        value="record.save",
    )
    ui.add("record_status", gr.HTML("", elem_id="record-status"))


def _record_history(ui: Ui, language: Language) -> None:
    ui.add("letter_status", gr.Markdown("", elem_id="letter-status"))
    ui.add(
        "letter",
        gr.DownloadButton(
            t(language, "letter.download"), interactive=False, size="md", elem_id="letter-download"
        ),
        label="letter.download",
    )
    title = gr.Markdown(f"### {t(language, 'history.title')}")
    ui.add("history_title", title, "### {}", value="history.title")
    ui.add(
        "history_advisors_only",
        gr.Checkbox(label=t(language, "history.advisors_only"), elem_id="history-advisors-only"),
        label="history.advisors_only",
    )
    ui.add("history", gr.HTML("", elem_id="decision-history"))
    ui.add(
        "history_more",
        gr.Button(t(language, "history.more"), size="sm", visible=False, elem_id="history-more"),
        value="history.more",
    )


def _why_tab(ui: Ui, language: Language) -> None:
    ui.add("reasons", gr.Markdown("", elem_id="reasons"))
    ui.add("waterfall", gr.Plot(show_label=False, elem_id="waterfall"))
    ui.add("waterfall_note", gr.Markdown("", elem_id="waterfall-note"))
    ui.add("groups", gr.Plot(show_label=False, elem_id="groups"))


def _profile_tab(ui: Ui, language: Language) -> None:
    with gr.Row():
        ui.add(
            "profile_section",
            gr.Dropdown(choices=[], value=None, label=t(language, "profile.section"), scale=2),
            label="profile.section",
        )
        ui.add(
            "profile_search",
            gr.Textbox(label=t(language, "profile.search"), scale=2),
            label="profile.search",
        )
        ui.add(
            "profile_missing",
            gr.Checkbox(label=t(language, "profile.missing_only"), scale=1),
            label="profile.missing_only",
        )
    ui.add(
        "profile_table",
        gr.Dataframe(
            value=pd.DataFrame(),
            label=t(language, "profile.table"),
            interactive=False,
            max_height=560,
            column_widths=["25%", "45%", "30%"],
            wrap=True,
            elem_id="profile",
        ),
        label="profile.table",
    )
    ui.add("profile_summary", gr.Markdown(""))


def _compare_tab(ui: Ui, language: Language) -> None:
    with gr.Row(equal_height=False):
        ui.add(
            "compare_features",
            gr.Dropdown(
                choices=[],
                multiselect=True,
                max_choices=6,
                label=t(language, "compare.features"),
                elem_id="compare-features",
                info=t(language, "compare.features_info"),
                scale=4,
            ),
            label="compare.features",
            info="compare.features_info",
        )
        ui.add(
            "compare",
            gr.Button(
                t(language, "compare.button"), variant="primary", scale=1, elem_id="compare-button"
            ),
            value="compare.button",
        )
    ui.add("compare_groups", gr.Markdown("", elem_id="compare-groups"))
    ui.add("compare_plot", gr.Plot(show_label=False, elem_id="compare-plot"))
    ui.add("compare_md", gr.Markdown("", elem_id="compare-text"))
    _scatter_block(ui, language)
    title = gr.Markdown(f"### {t(language, 'side.title')}")
    ui.add("side_title", title, "### {}", value="side.title")
    with gr.Row(equal_height=False):
        ui.add(
            "side_others",
            gr.Textbox(
                label=t(language, "side.others"), max_lines=1, scale=4, elem_id="side-others"
            ),
            label="side.others",
        )
        ui.add(
            "side_button",
            gr.Button(t(language, "side.button"), scale=1, elem_id="side-button"),
            value="side.button",
        )
    ui.add("side_table", gr.Markdown("", elem_id="side-table"))


def _scatter_block(ui: Ui, language: Language) -> None:
    """The client among similar clients on two characteristics the advisor picks."""
    title = gr.Markdown(f"### {t(language, 'scatter.title')}")
    ui.add("scatter_title", title, "### {}", value="scatter.title")
    ui.add("scatter_info", gr.Markdown(t(language, "scatter.info")), value="scatter.info")
    with gr.Row(equal_height=False):
        for axis in ("x", "y"):
            ui.add(
                f"scatter_{axis}",
                gr.Dropdown(
                    choices=[],
                    label=t(language, f"scatter.{axis}"),
                    elem_id=f"scatter-{axis}",
                    scale=1,
                    min_width=160,
                ),
                label=f"scatter.{axis}",
            )
    ui.add("scatter_plot", gr.Plot(show_label=False, elem_id="peer-scatter"))
    ui.add("scatter_md", gr.Markdown("", elem_id="peer-scatter-text"))


def _model_tab(ui: Ui) -> None:
    ui.add("model_md", gr.Markdown("", elem_id="model-card"))
    ui.add("model_features", gr.Plot(show_label=False, elem_id="model-features"))
    ui.add("model_groups", gr.Plot(show_label=False, elem_id="model-groups"))


def _client_tabs(currency: str) -> tuple[tuple[str, Callable[[Ui, Language], None]], ...]:
    """Each client tab's id and builder."""
    return (
        ("decision", _decision_tab),
        ("why", _why_tab),
        ("profile", _profile_tab),
        ("compare", _compare_tab),
        ("whatif", partial(whatif_tab, currency=currency)),
    )


def build_layout(language: Language, *, with_logout: bool, currency: str = "") -> Ui:
    """Creates every component inside the current gr.Blocks; returns their references."""
    ui = Ui()
    with gr.Row(elem_classes="cs-header", equal_height=False):
        with gr.Column(scale=4):
            ui.add("title", gr.Markdown(f"# {t(language, 'app.title')}"), "# {}", value="app.title")
            ui.add("subtitle", gr.Markdown(t(language, "app.subtitle")), value="app.subtitle")
        with gr.Column(scale=1, min_width=280):
            ui.add(
                "language",
                gr.Radio(
                    [("English", "en"), ("Français", "fr")],
                    value=language,
                    label=t(language, "app.language"),
                    elem_id="language",
                    elem_classes="cs-language",
                ),
                label="app.language",
            )
            if with_logout:
                ui.add(
                    "logout",
                    gr.Button(t(language, "app.logout"), link="/logout", size="sm"),
                    value="app.logout",
                )
    ui.add("banner", gr.HTML("", elem_id="banner", visible=False))
    ui.add("notice", gr.Markdown("", elem_classes="cs-notice"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=440):
            _search_panel(ui, language)
        with gr.Column(scale=7, min_width=600):
            ui.add(
                "placeholder",
                gr.Markdown(f"_{t(language, 'app.no_client')}_"),
                "_{}_",
                value="app.no_client",
            )
            with ui.add("tabs", gr.Tabs(elem_id="tabs")):
                for tab, build in _client_tabs(currency):
                    tab_label = t(language, f"tab.{tab}")
                    # Hidden until a client is open, so no empty chart frames show.
                    with (
                        ui.add(f"tab_{tab}", gr.Tab(tab_label, id=tab), label=f"tab.{tab}"),
                        ui.add(f"area_{tab}", gr.Column(visible=False)),
                    ):
                        build(ui, language)
                with ui.add(
                    "tab_model", gr.Tab(t(language, "tab.model"), id="model"), label="tab.model"
                ):
                    _model_tab(ui)
    return ui
