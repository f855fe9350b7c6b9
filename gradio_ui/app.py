"""The Gradio Blocks app: wires the layout's events to their handlers, and launches it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr
import pandas as pd
from starlette.middleware import Middleware

from gradio_ui import scatter_events, search_events, whatif_events
from gradio_ui.address import ADDRESS_JS
from gradio_ui.client import CreditScoreClient, Superseded
from gradio_ui.events import (
    CLIENT_PARTS,
    HISTORY_PARTS,
    MODEL_PARTS,
    SEARCH_PARTS,
    EventHandlers,
    Updates,
    merged,
)
from gradio_ui.guard import AccessGuard
from gradio_ui.latest import STAMP_JS, LatestRequests, Ticket
from gradio_ui.layout import Ui, build_layout
from gradio_ui.letter import LetterFontMissing, find_fonts, font_places
from gradio_ui.lockout import LoginLockout
from gradio_ui.passwords import PasswordChecker
from gradio_ui.search_events import FORM_PARTS
from gradio_ui.sections import PROFILE_COLUMNS
from gradio_ui.sessions import SessionStore
from gradio_ui.settings import Language, UiSettings
from gradio_ui.styles import CSS, theme
from gradio_ui.texts import t
from gradio_ui.whatif_form import WhatIfForm

__all__ = ["build_app", "check_credentials", "launch"]

logger = logging.getLogger(__name__)


def check_credentials(users: Sequence[tuple[str, str]]) -> Callable[[str, str], Awaitable[bool]]:
    """Gradio's auth callable: the password against the user's argon2id hash (and against a
    dummy hash for an unknown user, so that timing does not tell who exists)."""
    checker = PasswordChecker(dict(users))

    async def check(user: str, password: str) -> bool:
        # argon2 spends a tenth of a second of CPU by design: in a thread, so that the other
        # advisors' requests do not wait on the event loop.
        return await asyncio.to_thread(checker.verify, user, password)

    return check


def _resolve(ui: Ui, updates: Updates, outputs: Sequence[Any]) -> dict[Any, Any]:
    """{name: update} -> {component: update}; the banner shows only when it has a message.
    No update at all is said with gr.skip() (Gradio reads an empty dict as one value)."""
    resolved = {ui[name]: value for name, value in updates.items()}
    banner = updates.get("banner")
    if isinstance(banner, str):
        resolved[ui["banner"]] = gr.update(value=banner, visible=bool(banner))
    return resolved or {outputs[0]: gr.skip()}


# An EventHandlers method, unbound: it runs on the handlers of the advisor who triggered it.
Method = Callable[..., Updates]


def _bind(
    ui: Ui, calls: EventHandlers, names: Sequence[str], method: Method
) -> tuple[Callable[..., dict[Any, Any]], list[Any]]:
    """A Gradio handler returning {component: update} from a method returning {name: update};
    the server is called in the name of the logged-in advisor."""
    outputs = [ui[name] for name in names]

    # Gradio fills a positional parameter annotated gr.Request before the inputs.
    def handler(request: gr.Request, *args: Any) -> dict[Any, Any]:
        return _resolve(ui, method(calls.for_advisor(request.username), *args), outputs)

    return handler, outputs


def _latest_only(
    latest: LatestRequests,
    channel: str,
    calls: EventHandlers,
    request: gr.Request,
    stamp: Any,
    run: Callable[[EventHandlers], Updates],
    subject: object = None,
) -> Updates:
    """`run`'s updates, or none when a newer request of the same tab and channel was made
    before it began or while it ran: a slower answer never overwrites a newer one, and the
    server is not called any more once the answer is not wanted. `subject`: what the request
    asks for (the client of a file opened), for a language switch made while it loads."""
    ticket = Ticket.of(request.session_hash, channel, stamp)
    return _newest_only(latest, ticket, subject, calls, request, run)


def _newest_only(
    latest: LatestRequests,
    ticket: Ticket,
    subject: object,
    calls: EventHandlers,
    request: gr.Request,
    run: Callable[[EventHandlers], Updates],
) -> Updates:
    """`run`'s updates as the request `ticket` asking for `subject`, or none once a newer
    request of its tab and channel began."""
    if not latest.begin(ticket, subject):
        return {}
    acting = calls.for_advisor(request.username, lambda: latest.is_newest(ticket))
    try:
        updates = run(acting)
    except Superseded:
        return {}
    return updates if latest.is_newest(ticket) else {}


def _bind_latest(
    ui: Ui,
    calls: EventHandlers,
    latest: LatestRequests,
    channel: str,
    names: Sequence[str],
    method: Method,
) -> tuple[Callable[..., dict[Any, Any]], list[Any]]:
    """As _bind, for an event whose last input is the browser's stamp (STAMP_JS): only the
    latest request of the channel is shown."""
    outputs = [ui[name] for name in names]

    def handler(request: gr.Request, *args: Any) -> dict[Any, Any]:
        *inputs, stamp = args
        run = lambda acting: method(acting, *inputs)  # noqa: E731
        # Inputs start with the language: a switch made meanwhile asks again in its own.
        again = AskAgain(method, tuple(inputs[1:]))
        updates = _latest_only(latest, channel, calls, request, stamp, run, again)
        return _resolve(ui, updates, outputs)

    return handler, outputs


@dataclass(frozen=True, slots=True)
class AskAgain:
    """A request of the advisor's, to be made again in another language."""

    method: Method
    inputs: tuple[Any, ...]

    def __call__(self, acting: EventHandlers, language: Language) -> Updates:
        return self.method(acting, language, *self.inputs)


def _client_number(value: object) -> int | None:
    """A client id read from the results table (None when the cell holds no number)."""
    try:
        return int(str(value))
    except ValueError:
        return None


def _stamped(**listener: Any) -> dict[Any, Any]:
    """The options of a stamped event: the stamp is set in the browser, and every click is
    sent (the default "once" would drop a click made while the previous one runs)."""
    return {"js": STAMP_JS, "trigger_mode": "multiple", "api_visibility": "private", **listener}


# Plotly lays out a chart drawn inside a hidden tab as if it had no width; redraw the charts
# that have become visible once their tab shows.
_REDRAW_JS = """() => { setTimeout(() => {
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    if (el.offsetParent !== null && window.Plotly) {
      window.Plotly.Plots.resize(el).then(() => window.Plotly.redraw(el));
    }
  }
}, 80); }"""


# On a phone the list of clients is above the file: once a file is open, bring its decision
# into view (on a wide screen both are in view already).
_SHOW_DECISION_JS = """() => {
  const badge = document.querySelector('#decision-badge');
  if (badge && window.innerWidth < 768) { badge.scrollIntoView({block: 'start'}); }
}"""


def _wire(ui: Ui, calls: EventHandlers, latest: LatestRequests) -> None:
    lang, stamp = ui["language"], ui["stamp"]
    for tab in ("decision", "why", "profile", "compare", "whatif", "model"):
        ui[f"tab_{tab}"].select(None, None, None, js=_REDRAW_JS, api_visibility="private")
    form = [ui[n] for n in FORM_PARTS]
    search_names = ("banner", *SEARCH_PARTS)
    client_names = ("banner", *CLIENT_PARTS)

    def searching(names: Sequence[str], method: Method) -> tuple[Any, list[Any]]:
        return _bind_latest(ui, calls, latest, "search", names, method)

    handler, outputs = searching(search_names, search_events.search)
    for trigger in (ui["search"].click, ui["client_id"].submit):
        trigger(handler, [lang, *form, stamp], outputs, **_stamped())
    handler, outputs = searching((*search_names, *FORM_PARTS), search_events.near_threshold)
    ui["near_threshold"].click(handler, [lang, *form, stamp], outputs, **_stamped())
    handler, outputs = searching((*search_names, *FORM_PARTS), search_events.remove_filters)
    ui["filter_chips"].input(
        handler, [lang, ui["filter_chips"], *form, stamp], outputs, **_stamped()
    )
    handler, outputs = searching(search_names, search_events.next_page)
    ui["next"].click(handler, [lang, ui["search_state"], stamp], outputs, **_stamped())
    handler, outputs = searching(search_names, search_events.previous_page)
    ui["previous"].click(handler, [lang, ui["search_state"], stamp], outputs, **_stamped())

    client_outputs = [ui[n] for n in (*client_names, "tabs")]

    def on_select(
        language: Language, stamp_text: str, event: gr.SelectData, request: gr.Request
    ) -> dict[Any, Any]:
        # A file opened from the list starts on its decision.
        run = lambda acting: {  # noqa: E731
            **acting.select_row(language, event),
            "tabs": gr.Tabs(selected="decision"),
        }
        row = event.row_value or []
        asked = _client_number(row[0]) if row else None
        # The simulation of the file shown before, if still running, is not shown over it.
        latest.begin(Ticket.of(request.session_hash, "whatif", stamp_text))
        updates = _latest_only(latest, "client", calls, request, stamp_text, run, asked)
        return _resolve(ui, updates, client_outputs)

    opened = ui["results"].select(on_select, [lang, stamp], client_outputs, **_stamped())
    opened.then(None, None, None, js=_SHOW_DECISION_JS, api_visibility="private")

    handler, outputs = _bind(ui, calls, ("profile_table",), EventHandlers.filter_profile)
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

    compare_parts = ("banner", "compare_groups", "compare_md", "compare_plot")
    handler, outputs = _bind(
        ui, calls, (*compare_parts, "scatter_plot", "scatter_md"), EventHandlers.compare
    )
    axes = [ui["scatter_x"], ui["scatter_y"]]
    ui["compare"].click(
        handler,
        [lang, ui["current"], ui["compare_features"], *axes],
        outputs,
        api_visibility="private",
    )
    # `input`, not `change`: opening a file sets the axes, and already draws their scatter.
    handler, outputs = _bind(ui, calls, scatter_events.SCATTER_PARTS, scatter_events.redraw)
    for axis in axes:
        axis.input(handler, [lang, ui["current"], *axes], outputs, api_visibility="private")

    _wire_whatif(ui, calls, latest)
    handler, outputs = _bind(ui, calls, ("side_table",), EventHandlers.side_by_side)
    side_inputs = [lang, ui["current"], ui["side_others"]]
    for trigger in (ui["side_button"].click, ui["side_others"].submit):
        trigger(handler, side_inputs, outputs, api_visibility="private")
    _wire_decisions(ui, calls)

    _wire_language(ui, calls, latest, client_names, search_names)


# The advisor's input kept across a language switch, in EventHandlers.reopen's order.
_KEPT_ACROSS_SWITCH = (
    "final_decision",
    "override_reason",
    "history_advisors_only",
    "compare_features",
    "scatter_x",
    "scatter_y",
    "whatif_stored",
    "whatif_ran",
    *whatif_events.FIELD_PARTS,
)


def _wire_language(
    ui: Ui,
    calls: EventHandlers,
    latest: LatestRequests,
    client_names: Sequence[str],
    search_names: Sequence[str],
) -> None:
    """A language switch: every text in the new language, the client's file too. The switch
    is the newest request of the search, the client and the what-if channels: a search, a
    file or a simulation still loading when it was made is asked again in the new language,
    and its own late answer (in the old one) is dropped."""
    every = list(
        dict.fromkeys([*ui.relabel_props("en"), *client_names, *search_names, *MODEL_PARTS])
    )
    outputs = [ui[n] for n in every]
    kept = [ui[n] for n in _KEPT_ACROSS_SWITCH]

    def on_switch(
        request: gr.Request, language: Language, shown: int | None, state: Any, *args: Any
    ) -> dict[Any, Any]:
        *kept_values, stamp = args
        updates = calls.for_advisor(request.username).relabel(language)
        # The switch is the newest request of the search and of the client: what is still
        # loading is asked again in the new language, its own late answer dropped.
        search = Ticket.of(request.session_hash, "search", stamp)
        again = latest.asked(search)

        def search_again(acting: EventHandlers) -> Updates:
            if isinstance(again, AskAgain):
                return again(acting, language)
            return acting.search_again(language, state)

        found = _newest_only(latest, search, again, calls, request, search_again)
        updates = merged(updates, {k: v for k, v in found.items() if k in search_names})

        client = Ticket.of(request.session_hash, "client", stamp)
        asked = latest.asked(client)
        client_id, kept_for_it = shown, dict(zip(_KEPT_ACROSS_SWITCH, kept_values, strict=True))
        if isinstance(asked, int) and asked != shown:
            # The advisor's input on the file shown does not belong to the one loading.
            client_id, kept_for_it = asked, {}
        whatif = Ticket.of(request.session_hash, "whatif", stamp)
        simulation = latest.asked(whatif)
        if kept_for_it and isinstance(simulation, AskAgain) and simulation.inputs[:1] == (shown,):
            # The simulation last asked for, maybe still running, is the one shown again.
            kept_for_it["whatif_ran"] = WhatIfForm(*(v or "" for v in simulation.inputs[1:]))
        if not latest.begin(whatif, simulation) and kept_for_it:
            # One asked after the switch shows itself, in the new language.
            kept_for_it["whatif_ran"] = None
        reopened = _newest_only(
            latest,
            client,
            client_id,
            calls,
            request,
            lambda acting: acting.reopen(language, client_id, *kept_for_it.values()),
        )
        if not latest.is_newest(whatif):
            reopened = {k: v for k, v in reopened.items() if k not in whatif_events.RESULT_PARTS}
        return _resolve(ui, merged(updates, reopened), outputs)

    ui["language"].change(
        on_switch,
        [ui["language"], ui["current"], ui["search_state"], *kept, ui["stamp"]],
        outputs,
        **_stamped(),
    )


def _wire_address(ui: Ui, calls: EventHandlers, demo: gr.Blocks) -> None:
    """The client and language of the page's address opened at load; the address (and the
    page's language) kept up to date."""
    outputs = [ui[n] for n in dict.fromkeys(("language", "banner", *CLIENT_PARTS))]

    def on_load(language: Language, request: gr.Request) -> dict[Any, Any]:
        acting = calls.for_advisor(request.username)
        updates = acting.open_from_address(language, dict(request.query_params))
        return _resolve(ui, updates, outputs)

    demo.load(on_load, [ui["language"]], outputs, api_visibility="private")
    ui["address"].change(None, [ui["address"]], None, js=ADDRESS_JS, api_visibility="private")


def _wire_whatif(ui: Ui, calls: EventHandlers, latest: LatestRequests) -> None:
    """The what-if: its run (latest only), its reset, and the repayment as the terms change."""
    lang, stamp = ui["language"], ui["stamp"]
    fields = [ui[n] for n in whatif_events.FIELD_PARTS]
    handler, outputs = _bind_latest(
        ui, calls, latest, "whatif", whatif_events.RESULT_PARTS, whatif_events.run
    )
    ui["whatif_run"].click(handler, [lang, ui["current"], *fields, stamp], outputs, **_stamped())
    # A reset is the newest request of the what-if too: a simulation still running is not
    # shown after it, nor run again by a language switch.
    handler, outputs = _bind_latest(
        ui, calls, latest, "whatif", whatif_events.WHATIF_PARTS, whatif_events.reset
    )
    ui["whatif_reset"].click(handler, [lang, ui["whatif_stored"], stamp], outputs, **_stamped())
    handler, outputs = _bind(ui, calls, ("whatif_term",), whatif_events.repayment)
    for component in fields:
        component.change(
            handler,
            [lang, ui["whatif_stored"], *fields],
            outputs,
            api_visibility="private",
            show_progress="hidden",
        )


def _wire_decisions(ui: Ui, calls: EventHandlers) -> None:
    """The decision panel: the form's guidance, the save, the history's filter and pages."""
    lang, reviewed = ui["language"], ui["reviewed"]
    choice = [ui["final_decision"], ui["override_reason"]]
    handler, outputs = _bind(
        ui, calls, ("record_guidance", "override_reason"), EventHandlers.decision_form
    )
    for component in choice:
        component.change(
            handler,
            [lang, reviewed, *choice],
            outputs,
            api_visibility="private",
            show_progress="hidden",
        )

    handler, outputs = _bind(
        ui,
        calls,
        ("decision_draft", "record_status", *HISTORY_PARTS),
        EventHandlers.save_decision,
    )
    inputs = [lang, reviewed, ui["decision_draft"], *choice, ui["record_note"]]
    # "once": a second click while the save runs is ignored; the kept draft's request id makes
    # any later repeat of the same form a retry that the server records once.
    ui["record_save"].click(
        handler,
        [*inputs, ui["history_advisors_only"]],
        outputs,
        api_visibility="private",
        trigger_mode="once",
    )

    history_names = ("history", "history_more", "history_state")
    handler, outputs = _bind(ui, calls, history_names, EventHandlers.history_filter)
    ui["history_advisors_only"].input(
        handler, [lang, reviewed, ui["history_advisors_only"]], outputs, api_visibility="private"
    )
    handler, outputs = _bind(ui, calls, history_names, EventHandlers.history_more)
    ui["history_more"].click(
        handler, [lang, ui["history_state"]], outputs, api_visibility="private"
    )


def build_app(settings: UiSettings, client: CreditScoreClient) -> gr.Blocks:
    """The Blocks app for one scoring server; `client` is shared by every session."""
    language = settings.language
    # Gradio's copies of the letters (personal data) go once no session can still use them.
    letters_age = int(settings.sessions.lifetime_seconds)
    with gr.Blocks(
        title=t(language, "app.title"),
        analytics_enabled=False,
        fill_width=True,
        delete_cache=(min(3600, letters_age), letters_age),
    ) as demo:
        ui = build_layout(
            language, with_logout=not settings.auth_disabled, currency=settings.currency
        )
        ui.add("current", gr.State(None))
        ui.add("profile_rows", gr.State(pd.DataFrame(columns=[*PROFILE_COLUMNS, "missing"])))
        ui.add("search_state", gr.State(None))
        # The Explain shown, the request id of the decision being filled, the history shown.
        ui.add("reviewed", gr.State(None))
        ui.add("decision_draft", gr.State(None))
        ui.add("history_state", gr.State(None))
        # The browser's time of the request, set by STAMP_JS (visually hidden, still in the page).
        ui.add("stamp", gr.Textbox("", visible="hidden", elem_id="request-stamp"))
        # The query of the page's address (see gradio_ui.address), set by the handlers.
        ui.add("address", gr.Textbox("", visible="hidden", elem_id="address"))
        calls = EventHandlers(ui, client, settings)
        _wire(ui, calls, LatestRequests())
        handler, outputs = _bind(ui, calls, ("banner", *MODEL_PARTS), EventHandlers.model_updates)
        demo.load(handler, [ui["language"]], outputs, api_visibility="private")
        _wire_address(ui, calls, demo)
    return demo


def _login_wall(settings: UiSettings, clock: Callable[[], float]) -> list[Middleware]:
    """The middleware that locks failed logins and expires sessions (none without login)."""
    if settings.auth_disabled:
        return []
    guard = Middleware(
        AccessGuard,
        lockout=LoginLockout(settings.lockout, clock),
        sessions=SessionStore(settings.sessions, clock),
        language=settings.language,
    )
    return [guard]


def launch(
    settings: UiSettings,
    *,
    prevent_thread_lock: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[gr.Blocks, CreditScoreClient]:
    """Builds and starts the app; returns it with its gRPC client (close both when done).
    `clock` (seconds) times the lockouts and the sessions."""
    try:
        find_fonts(font_places())
    except LetterFontMissing as missing:
        # The app works without it: only the clients' letters cannot be made.
        logger.warning("client letters are off: %s", missing)
    client = CreditScoreClient(
        settings.server_address,
        deadline_seconds=settings.deadline_seconds,
        credentials=settings.server_credentials,
    )
    demo = build_app(settings, client)
    demo.queue(default_concurrency_limit=8, max_size=64)
    demo.launch(
        # The guard wraps Gradio's routes: FastAPI takes middleware at construction only.
        app_kwargs={"middleware": _login_wall(settings, clock)},
        # Server-side rendering would put Node between the browser and the guard.
        ssr_mode=False,
        server_name=settings.host,
        server_port=settings.port,
        # Gradio's /login awaits a coroutine function, though launch's annotation says bool.
        auth=None if settings.auth_disabled else check_credentials(settings.users),  # type: ignore[arg-type]
        auth_message=t(settings.language, "app.title"),
        prevent_thread_lock=prevent_thread_lock,
        show_error=False,
        quiet=True,
        theme=theme(),
        css=CSS,
        footer_links=[],
    )
    return demo, client
