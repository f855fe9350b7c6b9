"""The app's components, laid out once; every visible text is registered for the language switch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gradio as gr
import pandas as pd

from gradio_ui.decision_labels import final_decision_choices, override_reason_choices
from gradio_ui.decisions import NOTE_MAX_CHARS
from gradio_ui.search import BANDS, empty_results
from gradio_ui.settings import Language
from gradio_ui.texts import t

__all__ = ["Ui", "build_layout", "choice_lists"]

CSS = """
.cs-header h1 { margin-bottom: 0; }
.cs-banner { background: #FEF3F2; border: 1px solid #B42318; color: #7A271A; padding: 10px 14px;
  border-radius: 8px; font-weight: 600; }
.cs-decision { border-radius: 12px; padding: 14px 18px; border: 2px solid; min-width: 220px; }
.cs-approve { background: #ECFDF3; border-color: #067647; color: #054F31; }
.cs-refuse { background: #FEF3F2; border-color: #B42318; color: #7A271A; }
.cs-caption { font-size: 0.9rem; font-weight: 600; opacity: 0.85; }
.cs-badge { font-size: 1.9rem; font-weight: 800; letter-spacing: 0.04em; }
.cs-probability { font-size: 1.2rem; font-weight: 600; }
.cs-review { margin-top: 8px; background: #FFFAEB; border: 1px solid #B54708; color: #7A2E0E;
  padding: 6px 10px; border-radius: 8px; font-weight: 600; }
.cs-compare-cards { display: flex; gap: 16px; flex-wrap: wrap; }
.cs-compare-cards .cs-decision { flex: 1; }
.cs-notice p { display: inline-block; background: #FFFAEB; border: 1px solid #FEC84B;
  color: #7A2E0E; padding: 4px 10px; border-radius: 999px; font-size: 0.9rem; margin: 0; }
.cs-language .wrap { flex-direction: row !important; flex-wrap: nowrap; }
.cs-record-ok { background: #ECFDF3; border: 1px solid #067647; color: #054F31; padding: 8px 12px;
  border-radius: 8px; font-weight: 600; }
.cs-record-error { background: #FEF3F2; border: 1px solid #B42318; color: #7A271A;
  padding: 8px 12px; border-radius: 8px; }
.cs-record-error ul { margin: 4px 0 0 18px; }
.cs-history { list-style: none; padding: 0; margin: 0; }
.cs-entry { border: 1px solid #CBD5E1; border-left-width: 6px; border-radius: 8px;
  padding: 8px 12px; margin-bottom: 8px; overflow-wrap: anywhere; }
.cs-entry-advisor { border-left-color: #1D4ED8; }
.cs-entry-model { border-left-color: #94A3B8; }
.cs-entry-flag { color: #B54708; font-weight: 700; }
"""


@dataclass(slots=True)
class Ui:
    """References to the components, and the texts to re-translate on a language switch."""

    components: dict[str, Any] = field(default_factory=dict)
    # (component name, property, text key, template) for labels, button values, Markdown and
    # tab labels; the template dresses the text, e.g. "### {}" for a heading.
    texts: list[tuple[str, str, str, str]] = field(default_factory=list)

    def __getitem__(self, name: str) -> Any:
        return self.components[name]

    def add(self, name: str, component: Any, template: str = "{}", **keys: str) -> Any:
        """Registers a component and the text key of each translated property."""
        self.components[name] = component
        self.texts.extend((name, prop, key, template) for prop, key in keys.items())
        return component

    def relabel(self, name: str, prop: str, key: str, template: str = "{}") -> None:
        """Registers one more translated property of a component, with its own template."""
        self.texts.append((name, prop, key, template))

    def relabel_props(self, language: Language) -> dict[str, dict[str, str]]:
        """The translated properties of each registered component, in `language`."""
        props: dict[str, dict[str, str]] = {}
        for name, prop, key, template in self.texts:
            props.setdefault(name, {})[prop] = template.format(t(language, key))
        return props


def choice_lists(language: Language) -> dict[str, list[tuple[str, str]]]:
    """The fixed choice lists of the search form, labelled in `language`."""
    return {
        "decision": [
            (t(language, "decision.any"), "any"),
            (t(language, "decision.approve"), "approve"),
            (t(language, "decision.refuse"), "refuse"),
        ],
        "band": [(t(language, f"band.{b}"), b) for b in BANDS],
        "order": [(t(language, f"order.{o}"), o) for o in ("client_id", "risk_desc", "risk_asc")],
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
            gr.Radio(choices["decision"], value="any", label=t(language, "search.decision")),
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
    ui.add("search_status", gr.Markdown(""))
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
    ui.add("waterfall_note", gr.Markdown(""))
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
                info=t(language, "compare.features_info"),
                scale=4,
            ),
            label="compare.features",
            info="compare.features_info",
        )
        ui.add(
            "compare",
            gr.Button(t(language, "compare.button"), variant="primary", scale=1),
            value="compare.button",
        )
    ui.add("compare_groups", gr.Markdown("", elem_id="compare-groups"))
    ui.add("compare_plot", gr.Plot(show_label=False, elem_id="compare-plot"))
    ui.add("compare_md", gr.Markdown("", elem_id="compare-text"))


def _whatif_tab(ui: Ui, language: Language) -> None:
    ui.add("whatif_intro", gr.Markdown(t(language, "whatif.intro")), value="whatif.intro")
    with gr.Row():
        for name, key in (
            ("credit", "whatif.credit"),
            ("annuity", "whatif.annuity"),
            ("goods", "whatif.goods"),
        ):
            ui.add(
                f"whatif_{name}",
                gr.Number(label=t(language, key), minimum=0, precision=0, elem_id=f"whatif-{name}"),
                label=key,
            )
    with gr.Row():
        ui.add(
            "whatif_income",
            gr.Number(
                label=t(language, "whatif.income"), minimum=0, precision=0, elem_id="whatif-income"
            ),
            label="whatif.income",
        )
        ui.add(
            "whatif_coborrower",
            gr.Number(
                label=t(language, "whatif.coborrower"),
                value=0,
                minimum=0,
                precision=0,
                info=t(language, "whatif.coborrower_info"),
                elem_id="whatif-coborrower",
            ),
            label="whatif.coborrower",
            info="whatif.coborrower_info",
        )
    ui.add("whatif_term", gr.Markdown(""))
    with gr.Row():
        ui.add(
            "whatif_run",
            gr.Button(t(language, "whatif.button"), variant="primary", elem_id="whatif-run"),
            value="whatif.button",
        )
        ui.add(
            "whatif_reset",
            gr.Button(t(language, "whatif.reset"), variant="secondary"),
            value="whatif.reset",
        )
    ui.add("whatif_result", gr.HTML("", elem_id="whatif-result"))
    ui.add("whatif_md", gr.Markdown(""))
    ui.add("whatif_chart", gr.Plot(show_label=False, elem_id="whatif-chart", visible=False))


def _model_tab(ui: Ui) -> None:
    ui.add("model_md", gr.Markdown("", elem_id="model-card"))
    ui.add("model_features", gr.Plot(show_label=False, elem_id="model-features"))
    ui.add("model_groups", gr.Plot(show_label=False, elem_id="model-groups"))


_CLIENT_TABS: tuple[tuple[str, Callable[[Ui, Language], None]], ...] = (
    ("decision", _decision_tab),
    ("why", _why_tab),
    ("profile", _profile_tab),
    ("compare", _compare_tab),
    ("whatif", _whatif_tab),
)


def build_layout(language: Language, *, with_logout: bool) -> Ui:
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
            with gr.Tabs(elem_id="tabs"):
                for tab, build in _CLIENT_TABS:
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
