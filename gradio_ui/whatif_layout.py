"""The what-if tab: the loan's terms and the income as text boxes (grouped digits, checked by
the app in the reader's language), the repayment they give, and the simulation."""

from __future__ import annotations

import gradio as gr

from gradio_ui.components import Ui
from gradio_ui.settings import Language
from gradio_ui.texts import t

__all__ = ["whatif_tab"]


def _box(
    ui: Ui, name: str, key: str, language: Language, *, info: str = "", unit: str = ""
) -> None:
    # Text, not gr.Number: the browser's own checks would pop up in English and drop the
    # thousands separators; the app reads and checks the text itself.
    template = f"{{}} ({unit})" if unit else "{}"
    ui.add(
        f"whatif_{name}",
        gr.Textbox(
            label=template.format(t(language, key)),
            info=t(language, info) if info else None,
            max_lines=1,
            elem_id=f"whatif-{name}",
        ),
        template,
        label=key,
    )
    if info:
        ui.relabel(f"whatif_{name}", "info", info)


def whatif_tab(ui: Ui, language: Language, currency: str = "") -> None:
    """The what-if form and its result, inside the current tab; amounts labelled with the
    currency when one is configured, else said once to be the data's units."""
    ui.add("whatif_intro", gr.Markdown(t(language, "whatif.intro")), value="whatif.intro")
    units = ("amounts.named", f"{{}} **{currency}**.") if currency else ("amounts.unnamed", "{}")
    key, template = units
    ui.add(
        "whatif_units",
        gr.Markdown(template.format(t(language, key)), elem_id="whatif-units"),
        template,
        value=key,
    )
    with gr.Row():
        _box(ui, "credit", "whatif.credit", language, unit=currency)
        _box(ui, "duration", "whatif.duration", language)
        _box(ui, "rate", "whatif.rate", language, info="whatif.rate_info")
    with gr.Row():
        _box(ui, "goods", "whatif.goods", language, unit=currency)
        _box(ui, "income", "whatif.income", language, unit=currency)
        _box(
            ui,
            "coborrower",
            "whatif.coborrower",
            language,
            info="whatif.coborrower_info",
            unit=currency,
        )
    ui.add("whatif_term", gr.Markdown("", elem_id="whatif-term"))
    with gr.Row():
        ui.add(
            "whatif_run",
            gr.Button(t(language, "whatif.button"), variant="primary", elem_id="whatif-run"),
            value="whatif.button",
        )
        ui.add(
            "whatif_reset",
            gr.Button(t(language, "whatif.reset"), variant="secondary", elem_id="whatif-reset"),
            value="whatif.reset",
        )
    ui.add("whatif_result", gr.HTML("", elem_id="whatif-result"))
    ui.add("whatif_chart", gr.Plot(show_label=False, elem_id="whatif-chart", visible=False))
    ui.add("whatif_md", gr.Markdown("", elem_id="whatif-text"))
    # The stored values of the open file, and the form of the simulation shown (if any).
    ui.add("whatif_stored", gr.State(None))
    ui.add("whatif_ran", gr.State(None))
