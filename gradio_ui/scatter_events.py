"""Peers scatter events: its axes and figure when a file opens, and a new figure when the
advisor picks another characteristic for an axis."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gradio as gr

from gradio_ui import actions
from gradio_ui.settings import Language
from gradio_ui.texts import t

if TYPE_CHECKING:
    from gradio_ui.events import EventHandlers

__all__ = ["SCATTER_PARTS", "open_updates", "redraw", "view_updates"]

Updates = dict[str, Any]
SCATTER_PARTS = ("banner", "scatter_plot", "scatter_md")


def view_updates(view: actions.CompareView) -> Updates:
    """The scatter of a comparison (left as it is when none was asked)."""
    if view.scatter_figure is None:
        return {}
    return {"scatter_plot": view.scatter_figure, "scatter_md": view.scatter_markdown}


def open_updates(view: actions.ClientView) -> Updates:
    """The axes' choices and the scatter of a file just opened."""
    x, y = view.scatter_axes
    return {
        "scatter_x": gr.update(choices=view.scatter_choices, value=x or None),
        "scatter_y": gr.update(choices=view.scatter_choices, value=y or None),
        "scatter_plot": view.comparison.scatter_figure,
        "scatter_md": view.comparison.scatter_markdown,
    }


def redraw(
    calls: EventHandlers, language: Language, client_id: int | None, x: str | None, y: str | None
) -> Updates:
    """The scatter on the axes picked; a problem is said in the banner, the figure kept."""
    if client_id is None:
        return {"banner": actions.banner_for(t(language, "error.no_client"))}
    outcome = calls.safely(
        lambda: actions.scatter_view(calls.client, client_id, (x or "", y or ""), language),
        language,
        client_id,
    )
    if outcome.value is None:
        return {"banner": outcome.banner}
    return {"banner": "", **view_updates(outcome.value)}
