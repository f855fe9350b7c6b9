"""The Gradio Blocks app: wires the layout's events to their handlers, and launches it."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr
import pandas as pd

from gradio_ui.client import CreditScoreClient
from gradio_ui.events import CLIENT_PARTS, MODEL_PARTS, SEARCH_PARTS, EventHandlers, Updates
from gradio_ui.layout import CSS, Ui, build_layout
from gradio_ui.sections import PROFILE_COLUMNS
from gradio_ui.settings import Language, UiSettings
from gradio_ui.texts import t

__all__ = ["build_app", "check_credentials", "launch"]

logger = logging.getLogger(__name__)


def check_credentials(users: Sequence[tuple[str, str]]) -> Callable[[str, str], bool]:
    """Gradio's auth callable: constant-time comparison against the configured users."""
    known = {user: password for user, password in users}

    def check(user: str, password: str) -> bool:
        expected = known.get(user)
        # Compare even for an unknown user, so timing does not reveal which users exist.
        ok = hmac.compare_digest(password.encode(), (expected or "\0").encode())
        return expected is not None and ok

    return check


def _resolve(ui: Ui, updates: Updates) -> dict[Any, Any]:
    """{name: update} -> {component: update}; the banner shows only when it has a message."""
    resolved = {ui[name]: value for name, value in updates.items()}
    banner = updates.get("banner")
    if isinstance(banner, str):
        resolved[ui["banner"]] = gr.update(value=banner, visible=bool(banner))
    return resolved


def _bind(
    ui: Ui, names: Sequence[str], fn: Callable[..., Updates]
) -> tuple[Callable[..., dict[Any, Any]], list[Any]]:
    """A Gradio handler returning {component: update} from one returning {name: update}."""
    outputs = [ui[name] for name in names]

    def handler(*args: Any) -> dict[Any, Any]:
        return _resolve(ui, fn(*args))

    return handler, outputs


# Plotly lays out a chart drawn inside a hidden tab as if it had no width; redraw the charts
# that have become visible once their tab shows.
_REDRAW_JS = """() => { setTimeout(() => {
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    if (el.offsetParent !== null && window.Plotly) {
      window.Plotly.Plots.resize(el).then(() => window.Plotly.redraw(el));
    }
  }
}, 80); }"""


def _wire(ui: Ui, calls: EventHandlers) -> None:
    lang = ui["language"]
    for tab in ("decision", "why", "profile", "compare", "whatif", "model"):
        ui[f"tab_{tab}"].select(None, None, None, js=_REDRAW_JS, api_visibility="private")
    form = [
        ui[n] for n in ("client_id", "contract_types", "income_types", "decision", "band", "order")
    ]
    search_names = ("banner", *SEARCH_PARTS)
    client_names = ("banner", *CLIENT_PARTS)

    handler, outputs = _bind(ui, search_names, calls.search)
    for trigger in (ui["search"].click, ui["client_id"].submit):
        trigger(handler, [lang, *form], outputs, api_visibility="private")
    handler, outputs = _bind(ui, (*search_names, "band"), calls.near_threshold)
    ui["near_threshold"].click(handler, [lang, *form], outputs, api_visibility="private")
    handler, outputs = _bind(ui, search_names, calls.next_page)
    ui["next"].click(handler, [lang, ui["search_state"]], outputs, api_visibility="private")
    handler, outputs = _bind(ui, search_names, calls.previous_page)
    ui["previous"].click(handler, [lang, ui["search_state"]], outputs, api_visibility="private")

    client_outputs = [ui[n] for n in client_names]

    def on_select(language: Language, event: gr.SelectData) -> dict[Any, Any]:
        return _resolve(ui, calls.select_row(language, event))

    ui["results"].select(on_select, [lang], client_outputs, api_visibility="private")

    handler, outputs = _bind(ui, ("profile_table",), calls.filter_profile)
    profile_inputs = [
        lang,
        ui["profile_rows"],
        ui["profile_section"],
        ui["profile_search"],
        ui["profile_missing"],
    ]
    for component in ("profile_section", "profile_search", "profile_missing"):
        ui[component].change(
            handler, profile_inputs, outputs, api_visibility="private", show_progress="hidden"
        )

    handler, outputs = _bind(
        ui, ("banner", "compare_groups", "compare_md", "compare_plot"), calls.compare
    )
    ui["compare"].click(
        handler, [lang, ui["current"], ui["compare_features"]], outputs, api_visibility="private"
    )

    whatif_fields = [
        ui[f"whatif_{n}"] for n in ("credit", "annuity", "goods", "income", "coborrower")
    ]
    handler, outputs = _bind(
        ui, ("banner", "whatif_result", "whatif_md", "whatif_chart"), calls.whatif
    )
    ui["whatif_run"].click(
        handler, [lang, ui["current"], *whatif_fields], outputs, api_visibility="private"
    )
    reset_names = ("banner", *(n for n in CLIENT_PARTS if n.startswith("whatif_")))
    handler, outputs = _bind(ui, reset_names, calls.whatif_reset)
    ui["whatif_reset"].click(handler, [lang, ui["current"]], outputs, api_visibility="private")
    handler, outputs = _bind(ui, ("whatif_term",), calls.term)
    for component in whatif_fields[:2]:
        component.change(
            handler,
            [lang, *whatif_fields[:2]],
            outputs,
            api_visibility="private",
            show_progress="hidden",
        )

    every = list(
        dict.fromkeys([*ui.relabel_props("en"), *client_names, *search_names, *MODEL_PARTS])
    )
    handler, outputs = _bind(ui, every, calls.switch_language)
    lang.change(
        handler, [lang, ui["current"], ui["search_state"]], outputs, api_visibility="private"
    )


def build_app(settings: UiSettings, client: CreditScoreClient) -> gr.Blocks:
    """The Blocks app for one scoring server; `client` is shared by every session."""
    language = settings.language
    with gr.Blocks(
        title=t(language, "app.title"), analytics_enabled=False, fill_width=True
    ) as demo:
        ui = build_layout(language, with_logout=not settings.auth_disabled)
        ui.add("current", gr.State(None))
        ui.add("profile_rows", gr.State(pd.DataFrame(columns=[*PROFILE_COLUMNS, "missing"])))
        ui.add("search_state", gr.State(None))
        calls = EventHandlers(ui, client, settings)
        _wire(ui, calls)
        handler, outputs = _bind(ui, ("banner", *MODEL_PARTS), calls.model_updates)
        demo.load(handler, [ui["language"]], outputs, api_visibility="private")
    return demo


def theme() -> gr.themes.Base:
    """A sober, high-contrast theme with system fonts (no web-font download)."""
    sans = [gr.themes.Font(name) for name in ("system-ui", "Segoe UI", "Roboto", "sans-serif")]
    mono = [gr.themes.Font(name) for name in ("ui-monospace", "monospace")]
    return gr.themes.Soft(primary_hue="blue", neutral_hue="slate", font=sans, font_mono=mono)


def launch(
    settings: UiSettings, *, prevent_thread_lock: bool = False
) -> tuple[gr.Blocks, CreditScoreClient]:
    """Builds and starts the app; returns it with its gRPC client (close both when done)."""
    client = CreditScoreClient(settings.server_address, deadline_seconds=settings.deadline_seconds)
    demo = build_app(settings, client)
    demo.queue(default_concurrency_limit=8, max_size=64)
    demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        auth=None if settings.auth_disabled else check_credentials(settings.users),
        auth_message=t(settings.language, "app.title"),
        prevent_thread_lock=prevent_thread_lock,
        show_error=False,
        quiet=True,
        theme=theme(),
        css=CSS,
        footer_links=[],
    )
    return demo, client
