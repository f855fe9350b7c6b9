"""The app's style sheet: readable contrast (WCAG AA), a visible focus ring, chips."""

from __future__ import annotations

import gradio as gr

__all__ = ["CSS", "theme"]

CSS = """
.cs-header h1 { margin-bottom: 0; }
/* A focus ring that shows on every control reached with the keyboard (3:1 against white and
   against the blue of the buttons). */
:focus-visible { outline: 3px solid #B45309 !important; outline-offset: 2px !important; }
/* The active filters as chips: a tick and a × say that unticking removes one. */
#filter-chips label { border-radius: 999px; }
#filter-chips label::after { content: "×"; font-weight: 700; margin-left: 6px; }
/* Selected table rows and tabs keep readable text. */
#tabs button[role=tab][aria-selected=true] { color: #1E3A8A; font-weight: 700; }
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


# Colours of text and of what text sits on, each pair at least 4.5:1 (WCAG AA): Gradio's
# Soft theme writes labels, help texts and primary buttons at 2.6-3.7:1.
_INK = "#1E3A8A"  # blue-900: labels on blue-100, 10:1
_ACTION = "#1D4ED8"  # blue-700: white text on it, 6.7:1
_ACTION_HOVER = "#1E40AF"
_SUBDUED = "#475569"  # slate-600: help texts on white, 7.5:1


def theme() -> gr.themes.Base:
    """A sober theme with text contrast of WCAG AA and system fonts (no web-font download)."""
    sans = [gr.themes.Font(name) for name in ("system-ui", "Segoe UI", "Roboto", "sans-serif")]
    mono = [gr.themes.Font(name) for name in ("ui-monospace", "monospace")]
    base = gr.themes.Soft(primary_hue="blue", neutral_hue="slate", font=sans, font_mono=mono)
    return base.set(
        block_label_text_color=_INK,
        block_title_text_color=_INK,
        block_info_text_color=_SUBDUED,
        body_text_color_subdued=_SUBDUED,
        button_primary_background_fill=_ACTION,
        button_primary_background_fill_hover=_ACTION_HOVER,
        button_primary_text_color="#FFFFFF",
        checkbox_label_background_fill_selected=_ACTION,
        checkbox_label_text_color_selected="#FFFFFF",
        checkbox_background_color_selected=_ACTION,
        link_text_color=_ACTION,
        color_accent=_ACTION,
    )
