"""The client's one-page letter: the decision, its main reasons and the client's rights, as PDF."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from gradio_ui.settings import Language
from gradio_ui.texts import t

__all__ = [
    "Decider",
    "LetterContent",
    "LetterFontMissing",
    "Outcome",
    "find_fonts",
    "font_places",
    "letter_date",
    "letter_file_name",
    "letter_pdf",
]

# DejaVu covers French accents and typographic characters (’ « » – € and the narrow no-break
# space of French numbers), which the PDF core fonts (Latin-1) do not. matplotlib, a dependency
# of this project, ships it; Debian's fonts-dejavu-core is the fallback.
_FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
_DEBIAN_FONTS = Path("/usr/share/fonts/truetype/dejavu")
_FAMILY = "DejaVu"

_MARGIN_MM = 20.0
_LINE_PER_PT = 0.5  # line height (mm) per point of body size
# Body sizes tried in turn until the letter fits on one page; the last one is kept anyway.
_BODY_SIZES_PT = (10.5, 9.5, 8.5, 7.5)


class LetterFontMissing(RuntimeError):
    """No Unicode font to write the letter with."""


class Outcome(StrEnum):
    """What the letter tells the client."""

    APPROVE = "approve"
    REFUSE = "refuse"
    # No decision yet: a second reader decides (advisors only).
    REFER = "refer"


class Decider(StrEnum):
    """Who the decision stated is by."""

    ADVISOR = "advisor"
    # No advisor's decision on record: the letter states the model's, as such.
    MODEL = "model"


@dataclass(frozen=True, slots=True)
class LetterContent:
    """Everything a letter says, already in `language` (reasons as the server wrote them)."""

    language: Language
    client_id: int
    date: date
    decider: Decider
    outcome: Outcome
    # The model's reasons for the outcome stated, strongest first.
    reasons: tuple[str, ...]
    model_version: str
    # The advisor who decided, or who made the letter when the model's decision is stated.
    advisor_name: str
    # An override's reason (the contract's label); "" when none. The advisor's note stays in
    # the record: it is written for colleagues and auditors, not for the client.
    override_reason: str = ""
    # What could change a refusal: the SuggestChanges options shown in the app (the server's
    # sentences); the section is printed only when there are some.
    what_could_change: tuple[str, ...] = ()


def letter_date(day: date, language: Language) -> str:
    """2025-03-02 -> "2 March 2025" / "2 mars 2025" (and "1er mars" in French)."""
    months = t(language, "letter.months").split(",")
    number = t(language, "letter.first_day") if day.day == 1 else str(day.day)
    return t(language, "letter.date", day=number, month=months[day.month - 1], year=day.year)


def letter_file_name(client_id: int, day: date) -> str:
    """letter_<client_id>_<yyyymmdd>.pdf"""
    return f"letter_{client_id}_{day:%Y%m%d}.pdf"


def font_places() -> list[Path]:
    """Where the letter's font is looked for, in order."""
    places = []
    try:
        import matplotlib

        places.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf")
    except ImportError:
        pass
    return [*places, _DEBIAN_FONTS]


def find_fonts(places: Sequence[Path]) -> tuple[Path, Path]:
    """DejaVu Sans regular and bold from the first of `places` that has both;
    LetterFontMissing, naming where it looked and how to fix it, when none has."""
    for place in places:
        regular, bold = (place / name for name in _FONT_FILES)
        if regular.is_file() and bold.is_file():
            return regular, bold
    searched = ", ".join(str(p) for p in places)
    raise LetterFontMissing(
        f"the letter needs the DejaVu Sans font ({' and '.join(_FONT_FILES)}), found in none of:"
        f" {searched}; install the project's dependencies (matplotlib ships it) or Debian's"
        " fonts-dejavu-core"
    )


@functools.cache
def _fonts() -> tuple[Path, Path]:
    return find_fonts(font_places())


def _new_pdf(content: LetterContent) -> FPDF:
    regular, bold = _fonts()
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(_MARGIN_MM, _MARGIN_MM, _MARGIN_MM)
    pdf.set_auto_page_break(auto=True, margin=_MARGIN_MM)
    pdf.add_font(_FAMILY, style="", fname=str(regular))
    pdf.add_font(_FAMILY, style="B", fname=str(bold))
    pdf.set_title(t(content.language, "letter.title"))
    pdf.set_lang(content.language)
    # The letter's date, not the clock: the same content gives the same file.
    pdf.set_creation_date(datetime.combine(content.date, time(), tzinfo=UTC))
    pdf.add_page()
    return pdf


class _Page:
    """The letter being written at one body size."""

    def __init__(self, content: LetterContent, body_pt: float) -> None:
        self.pdf = _new_pdf(content)
        self.body_pt = body_pt
        self.line_mm = body_pt * _LINE_PER_PT

    def paragraph(self, text: str, *, bold: bool = False, scale: float = 1.0) -> None:
        self.pdf.set_font(_FAMILY, style="B" if bold else "", size=self.body_pt * scale)
        height = self.line_mm * max(scale, 1.0)
        self.pdf.multi_cell(0, height, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str) -> None:
        self.space(0.6)
        self.paragraph(text, bold=True, scale=1.1)
        self.space(0.2)

    def items(self, items: Sequence[str], *, numbered: bool) -> None:
        self.pdf.set_font(_FAMILY, size=self.body_pt)
        for rank, item in enumerate(items, start=1):
            self.pdf.cell(self.line_mm * 1.4, self.line_mm, f"{rank}." if numbered else "•")
            self.pdf.multi_cell(
                0, self.line_mm, item, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )

    def space(self, lines: float) -> None:
        self.pdf.ln(self.line_mm * lines)


def _decision_lines(content: LetterContent) -> list[str]:
    language = content.language
    if content.decider is Decider.MODEL:
        return [
            t(language, f"letter.model_{content.outcome}"),
            t(language, "letter.model_only"),
        ]
    by = "letter.by_advisor_refer" if content.outcome is Outcome.REFER else "letter.by_advisor"
    return [t(language, f"letter.advisor_{content.outcome}"), t(language, by)]


def _reasons(page: _Page, content: LetterContent) -> None:
    language = content.language
    heading = "letter.reasons_refer" if content.outcome is Outcome.REFER else "letter.reasons"
    page.heading(t(language, heading))
    if content.override_reason:
        page.paragraph(t(language, "letter.advisor_reason", reason=content.override_reason))
    if content.reasons:
        page.items(content.reasons, numbered=True)
    else:
        page.paragraph(t(language, "letter.no_reasons"))


def _what_could_change(page: _Page, content: LetterContent) -> None:
    if content.what_could_change:
        page.heading(t(content.language, "letter.what_could_change"))
        page.items(content.what_could_change, numbered=False)


def _rights(page: _Page, content: LetterContent) -> None:
    language = content.language
    page.heading(t(language, "letter.rights"))
    rights = [
        t(language, "letter.right_review"),
        t(language, "letter.right_contest", client_id=content.client_id),
        t(language, "letter.right_reasons"),
    ]
    page.items(rights, numbered=False)


def _write(content: LetterContent, body_pt: float) -> FPDF:
    language = content.language
    day = letter_date(content.date, language)
    page = _Page(content, body_pt)
    page.paragraph(t(language, "letter.title"), bold=True, scale=1.5)
    page.space(0.4)
    page.paragraph(t(language, "letter.client", client_id=content.client_id))
    page.paragraph(t(language, "letter.dated", date=day))
    page.space(1)
    page.paragraph(t(language, "letter.greeting"))
    page.space(0.4)
    first, second = _decision_lines(content)
    page.paragraph(first, bold=True)
    page.paragraph(second)
    _reasons(page, content)
    _what_could_change(page, content)
    _rights(page, content)
    page.space(1.2)
    page.paragraph(t(language, "letter.signature", advisor=content.advisor_name or "—"))
    page.space(0.4)
    reference = t(
        language,
        "letter.reference",
        client_id=content.client_id,
        version=content.model_version,
        date=day,
    )
    page.paragraph(reference, scale=0.8)
    return page.pdf


def letter_pdf(content: LetterContent) -> bytes:
    """The letter as PDF bytes, on one A4 page: long reasons are set smaller
    until they fit. LetterFontMissing when no DejaVu font is found."""
    for body_pt in _BODY_SIZES_PT:
        pdf = _write(content, body_pt)
        if pdf.pages_count == 1:
            break
    return bytes(pdf.output())
