"""The app's event handlers: Gradio inputs in, {component name: update} out, via actions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import gradio as gr
import pandas as pd

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui import actions, decisions, scatter_events, search_events, whatif_events
from gradio_ui.address import address_query, read_address
from gradio_ui.client import CreditScoreClient
from gradio_ui.decision_labels import final_decision_choices, override_reason_choices
from gradio_ui.layout import Ui, choice_lists
from gradio_ui.settings import Language, UiSettings
from gradio_ui.side_by_side import parse_others, side_by_side_markdown
from gradio_ui.texts import t
from gradio_ui.views import history_html
from gradio_ui.whatif_events import WHATIF_PARTS
from gradio_ui.whatif_form import WhatIfDefaults, WhatIfForm

__all__ = [
    "CLIENT_PARTS",
    "DECISION_PARTS",
    "HISTORY_PARTS",
    "MODEL_PARTS",
    "SEARCH_PARTS",
    "EventHandlers",
    "Updates",
    "merge_updates",
    "merged",
]

Updates = dict[str, Any]

# Columns of the client's tabs, shown once a client is open.
CLIENT_AREAS = tuple(f"area_{tab}" for tab in ("decision", "why", "profile", "compare", "whatif"))
# The record's side of the decision panel: refilled after a save.
HISTORY_PARTS = ("history", "history_more", "history_state", "letter", "letter_status")
# The decision panel of one client.
DECISION_PARTS = (
    "reviewed",
    "final_decision",
    "override_reason",
    "record_note",
    "record_guidance",
    "record_status",
    "decision_draft",
    "history_advisors_only",
    *HISTORY_PARTS,
)
# Components that show one client; cleared or refilled together.
CLIENT_PARTS = (
    "badge",
    "gauge",
    "decision_md",
    "decision_reasons",
    "suggestions",
    "reasons",
    "waterfall",
    "waterfall_note",
    "groups",
    "profile_section",
    "profile_search",
    "profile_missing",
    "profile_table",
    "profile_summary",
    "compare_features",
    "compare_groups",
    "compare_md",
    "compare_plot",
    "scatter_x",
    "scatter_y",
    "scatter_plot",
    "scatter_md",
    "side_table",
    *WHATIF_PARTS,
    "placeholder",
    "notice",
    "current",
    "address",
    "profile_rows",
    *CLIENT_AREAS,
    *DECISION_PARTS,
)
# Components filled from the model card, at load and on a language switch.
MODEL_PARTS = (
    "notice", "model_md", "model_features", "model_groups", "contract_types", "income_types"
)  # fmt: skip
SEARCH_PARTS = ("results", "search_status", "previous", "next", "search_state", "filter_chips")


class EventHandlers:
    """The event handlers of one app: Gradio inputs in, {component name: update} out."""

    def __init__(
        self,
        ui: Ui,
        client: CreditScoreClient,
        settings: UiSettings,
        *,
        advisor: str | None = None,
        letters: decisions.LetterFiles | None = None,
    ) -> None:
        self.ui = ui
        self.client = client
        self.settings = settings
        self.advisor = advisor
        self.letters = letters or decisions.LetterFiles()

    def for_advisor(
        self, advisor: str | None, still_wanted: Callable[[], bool] | None = None
    ) -> EventHandlers:
        """These handlers calling the server for a logged-in advisor (None without login);
        with `still_wanted`, calls stop (Superseded) once it says the answer is not wanted."""
        client = self.client.as_advisor(advisor)
        return EventHandlers(
            self.ui,
            client.guarded(still_wanted) if still_wanted else client,
            self.settings,
            advisor=advisor,
            letters=self.letters,
        )

    def safely(
        self, call: Callable[[], Any], language: Language, client_id: int | None = None
    ) -> actions.Outcome[Any]:
        """Runs `call`; a failure becomes a banner in `language`."""
        return actions.run_safely(
            call, language=language, address=self.settings.server_address, client_id=client_id
        )

    # --- App and model ---

    def model_updates(self, language: Language) -> Updates:
        outcome = self.safely(lambda: actions.model_overview(self.client, language), language)
        view = outcome.value
        if view is None:
            return {"banner": outcome.banner}
        contracts, incomes = actions.filter_choices(view.model)
        synthetic = view.model.training_data.synthetic
        return {
            "banner": "",
            "notice": t(language, "app.synthetic") if synthetic else "",
            "model_md": view.markdown,
            "model_features": view.features,
            "model_groups": view.groups,
            "contract_types": gr.update(choices=contracts),
            "income_types": gr.update(choices=incomes),
        }

    # --- One client ---

    def _client_updates(self, view: actions.ClientView, language: Language) -> Updates:
        all_sections = t(language, "profile.all_sections")
        missing = int(view.profile["missing"].sum())
        return {
            "banner": "",
            "placeholder": gr.update(visible=False),
            **{area: gr.update(visible=True) for area in CLIENT_AREAS},
            "notice": view.notice,
            "current": view.client_id,
            "address": address_query(view.client_id, language),
            "badge": view.badge_html,
            "gauge": view.gauge,
            "decision_md": view.decision_markdown,
            "reasons": view.reasons_markdown,
            "decision_reasons": view.reasons_markdown,
            "suggestions": view.suggestions_markdown,
            "waterfall": view.waterfall,
            "waterfall_note": view.waterfall_note,
            "groups": view.groups,
            "profile_rows": view.profile,
            "profile_section": gr.update(
                choices=[(all_sections, ""), *view.profile_sections], value=""
            ),
            "profile_search": "",
            "profile_missing": False,
            "profile_table": actions.profile_display(view.profile, language),
            "profile_summary": t(
                language, "profile.summary", count=len(view.profile), missing=missing
            ),
            "compare_features": gr.update(
                choices=view.feature_choices, value=view.compared_features
            ),
            "compare_groups": view.comparison.groups_markdown,
            "compare_md": view.comparison.markdown,
            "compare_plot": view.comparison.figure,
            **scatter_events.open_updates(view),
            "side_table": "",
            **whatif_events.form_updates(view.whatif, language),
        }

    def open_client(
        self,
        language: Language,
        raw_id: object,
        form: decisions.DecisionForm | None = None,
        advisors_only: bool = False,
        kept: actions.KeptChoices | None = None,
    ) -> Updates:
        """Shows a client; the decision panel starts empty unless `form` (the advisor's input,
        kept across a language switch) is given, the comparison on its defaults unless `kept`
        says what the advisor had chosen."""
        outcome = self.safely(lambda: actions.parse_client_id(raw_id, language), language)
        if outcome.value is None:
            return {"banner": outcome.banner}
        client_id = outcome.value
        # The decision is recorded against the very Explain the screen shows.
        explained: list[pb.ExplainResponse] = []
        client = self.client.observing_explains(explained.append)
        loaded = self.safely(
            lambda: actions.load_client(client, self.settings, client_id, language, kept),
            language,
            client_id,
        )
        if loaded.value is None:
            # No error above another client's file: the file shown goes with the error.
            return {
                "banner": loaded.banner,
                "placeholder": gr.update(visible=True),
                **{area: gr.update(visible=False) for area in CLIENT_AREAS},
                "current": None,
                "reviewed": None,
                "address": address_query(None, language),
            }
        reviewed = decisions.ReviewedModel.of(explained[-1], client_id, language)
        # The letter says what could change a refusal, as the screen does.
        reviewed = replace(reviewed, what_could_change=loaded.value.suggestions.texts)
        return {
            **self._client_updates(loaded.value, language),
            **self._panel_updates(reviewed, form, language),
            **self._screen_updates(reviewed, advisors_only, language),
        }

    def open_from_address(self, language: Language, params: Mapping[str, str]) -> Updates:
        """The client and language the page's address names (a reload, a shared link)."""
        wanted = read_address(params)
        if wanted.language is not None and wanted.language != language:
            # The language's change event then shows everything, the client too, in it.
            return {"language": wanted.language, "current": wanted.client_id}
        if wanted.client_id is None:
            return {"address": address_query(None, language)}
        return self.open_client(language, wanted.client_id)

    # --- Final decision, history, letter ---

    def _panel_updates(
        self,
        reviewed: decisions.ReviewedModel,
        form: decisions.DecisionForm | None,
        language: Language,
    ) -> Updates:
        kept = form or decisions.DecisionForm()
        updates: Updates = {
            "reviewed": reviewed,
            "final_decision": gr.update(
                choices=final_decision_choices(language), value=kept.decision
            ),
            "override_reason": gr.update(
                choices=override_reason_choices(language),
                value=kept.override_reason,
                visible=decisions.reason_needed(reviewed, kept),
            ),
            "record_guidance": decisions.guidance_markdown(reviewed, kept, language),
            "record_status": "",
        }
        if form is None:
            updates |= {"record_note": "", "decision_draft": None, "history_advisors_only": False}
        return updates

    def _screen_updates(
        self, reviewed: decisions.ReviewedModel, advisors_only: bool, language: Language
    ) -> Updates:
        outcome = decisions.run_recording(
            lambda: decisions.load_screen(
                self.client,
                reviewed,
                advisors_only=advisors_only,
                advisor=self.advisor,
                language=language,
                letters=self.letters,
            ),
            heading=t(language, "history.failed"),
            language=language,
            address=self.settings.server_address,
            client_id=reviewed.client_id,
        )
        screen = outcome.value
        if screen is None:
            # The client's file stays usable: only the panel's record side says what failed.
            return {
                "history": outcome.banner,
                "history_more": gr.update(visible=False),
                "history_state": None,
                "letter": gr.update(value=None, interactive=False),
                "letter_status": "",
            }
        return {
            **self._history_updates(screen.history, language),
            "letter": gr.update(
                value=str(screen.letter_path) if screen.letter_path else None,
                interactive=screen.letter_path is not None,
            ),
            "letter_status": screen.letter_status,
        }

    def _history_updates(self, history: decisions.History, language: Language) -> Updates:
        more = bool(history.next_page_token)
        return {
            "history": history_html(history.records, language, more=more),
            "history_more": gr.update(visible=more),
            "history_state": history,
        }

    def decision_form(
        self,
        language: Language,
        reviewed: decisions.ReviewedModel | None,
        decision: str | None,
        reason: str | None,
    ) -> Updates:
        """What the chosen decision asks of the form (an override needs its reason)."""
        if reviewed is None:
            return {}
        form = decisions.DecisionForm(decision, reason)
        return {
            "record_guidance": decisions.guidance_markdown(reviewed, form, language),
            "override_reason": gr.update(visible=decisions.reason_needed(reviewed, form)),
        }

    def save_decision(
        self,
        language: Language,
        reviewed: decisions.ReviewedModel | None,
        draft: decisions.Draft | None,
        decision: str | None,
        reason: str | None,
        note: str | None,
        advisors_only: bool,
    ) -> Updates:
        """Records the advisor's decision; the history and the letter then show it."""
        form = decisions.DecisionForm(decision, reason, note or "")
        outcome = self.safely(
            lambda: decisions.save_decision(
                self.client,
                reviewed,
                draft,
                form,
                language,
                address=self.settings.server_address,
            ),
            language,
            reviewed.client_id if reviewed else None,
        )
        result = outcome.value
        if result is None:
            return {"record_status": outcome.banner}
        updates: Updates = {"decision_draft": result.draft, "record_status": result.status_html}
        if result.record is not None and reviewed is not None:
            updates |= self._screen_updates(reviewed, bool(advisors_only), language)
        return updates

    def history_filter(
        self, language: Language, reviewed: decisions.ReviewedModel | None, advisors_only: bool
    ) -> Updates:
        """The history again, of every record or of the advisors' decisions only."""
        if reviewed is None:
            return {}
        return self._history_page(
            lambda: decisions.first_history_page(
                self.client, reviewed.client_id, advisors_only=bool(advisors_only)
            ),
            language,
            reviewed.client_id,
        )

    def history_more(self, language: Language, history: decisions.History | None) -> Updates:
        """The history with its next page of older records."""
        if history is None:
            return {}
        return self._history_page(
            lambda: decisions.more_history(self.client, history), language, history.client_id
        )

    def _history_page(
        self, call: Callable[[], decisions.History], language: Language, client_id: int
    ) -> Updates:
        outcome = decisions.run_recording(
            call,
            heading=t(language, "history.failed"),
            language=language,
            address=self.settings.server_address,
            client_id=client_id,
        )
        if outcome.value is None:
            return {"history": outcome.banner}
        return self._history_updates(outcome.value, language)

    def select_row(self, language: Language, event: gr.SelectData) -> Updates:
        row = event.row_value or []
        return self.open_client(language, row[0] if row else None)

    def filter_profile(
        self,
        language: Language,
        rows: pd.DataFrame | None,
        section: str | None,
        text: str | None,
        missing_only: bool,
    ) -> Updates:
        if rows is None or rows.empty:
            return {}
        kept = actions.filter_profile(rows, section, text, bool(missing_only))
        return {"profile_table": actions.profile_display(kept, language)}

    def compare(
        self,
        language: Language,
        client_id: int | None,
        features: list[str] | None,
        x: str | None = None,
        y: str | None = None,
    ) -> Updates:
        if client_id is None:
            return {"banner": actions.banner_for(t(language, "error.no_client"))}
        axes = (x or "", y or "")
        outcome = self.safely(
            lambda: actions.compare_features(
                self.client, client_id, features or [], language, axes
            ),
            language,
            client_id,
        )
        if outcome.value is None:
            return {"banner": outcome.banner}
        return {
            "banner": "",
            "compare_groups": outcome.value.groups_markdown,
            "compare_md": outcome.value.markdown,
            "compare_plot": outcome.value.figure,
            **scatter_events.view_updates(outcome.value),
        }

    def side_by_side(self, language: Language, client_id: int | None, text: str | None) -> Updates:
        """The open client beside one or two others; a problem is said in the table's place."""
        if client_id is None:
            return {"side_table": actions.banner_for(t(language, "error.no_client"))}
        outcome = self.safely(
            lambda: side_by_side_markdown(
                self.client, client_id, parse_others(text, client_id, language), language
            ),
            language,
        )
        return {"side_table": outcome.value if outcome.value is not None else outcome.banner}

    # --- Language ---

    def relabel(self, language: Language) -> Updates:
        """The labels, choices and model page of a language switch (the search and the
        client's file: `search_again`, `reopen`)."""
        choices = choice_lists(language)
        updates: Updates = {
            name: {"__type__": "update", **props}
            for name, props in self.ui.relabel_props(language).items()
        }
        for name in ("decision", "band", "order"):
            updates[name] = merge_updates(updates[name], gr.update(choices=choices[name]))
        return merged(updates, self.model_updates(language))

    def search_again(self, language: Language, state: search_events.SearchState | None) -> Updates:
        """The page of the search shown, in `language` (the empty list before any search)."""
        if state is None:
            return {"results": actions.empty_results(language)}
        return search_events.search_page(self, state, language)

    def reopen(
        self,
        language: Language,
        client_id: int | None,
        decision: str | None = None,
        reason: str | None = None,
        advisors_only: bool = False,
        compared: list[str] | None = None,
        scatter_x: str | None = None,
        scatter_y: str | None = None,
        whatif_stored: WhatIfDefaults | None = None,
        whatif_ran: WhatIfForm | None = None,
        *whatif_texts: str | None,
    ) -> Updates:
        """The client's file in `language` after a switch, with the half-filled decision, the
        characteristics compared and the what-if in progress kept (the note is not touched)."""
        parts: list[Updates] = [{"address": address_query(client_id, language)}]
        if client_id is not None:
            form = decisions.DecisionForm(decision, reason)
            kept = actions.KeptChoices(tuple(compared or ()), (scatter_x or "", scatter_y or ""))
            parts.append(self.open_client(language, client_id, form, bool(advisors_only), kept))
            if whatif_texts:
                parts.append(
                    whatif_events.kept_updates(
                        self, language, client_id, whatif_stored, whatif_texts, whatif_ran
                    )
                )
        return merged({}, *parts)


def merge_updates(previous: Any, update: Any) -> Any:
    """Combines two updates of one component (e.g. a new label and a new value)."""
    if not isinstance(previous, dict) or previous.get("__type__") != "update":
        return update
    if isinstance(update, dict) and update.get("__type__") == "update":
        return {**previous, **update}
    return {**previous, "value": update}


def merged(updates: Updates, *parts: Updates) -> Updates:
    """`updates` with each of `parts` merged in, in order (an update of the same component
    combines their properties)."""
    out = dict(updates)
    for part in parts:
        for name, update in part.items():
            out[name] = merge_updates(out.get(name), update)
    return out
