"""The client's letter, read back with pypdf: one page stating the decision and who took it, its
main reasons, the client's rights, the date, the model version and the advisor, in English or
French, with French typography intact."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from gradio_ui.letter import (
    Decider,
    LetterContent,
    LetterFontMissing,
    Outcome,
    find_fonts,
    letter_date,
    letter_file_name,
    letter_pdf,
)
from gradio_ui.texts import t
from tests.gradio_ui.contract import LANGUAGES

REASONS_EN = (
    "The loan's annuity is 38% of declared income, higher than 85% of clients.",
    "External score 2 is 0.12, lower than 90% of clients.",
)
REASONS_FR = (
    "L’annuité du prêt représente 38\u202f% du revenu déclaré, plus que 85\u202f% des clients.",
    "Le score externe 2 vaut 0,12, plus bas que 90\u202f% des clients.",
    "Le crédit « 500\u202f000 € » – élevé pour le revenu déclaré.",
)


def _letter(**fields: object) -> LetterContent:
    base = LetterContent(
        language="en",
        client_id=100002,
        date=date(2025, 3, 2),
        decider=Decider.ADVISOR,
        outcome=Outcome.REFUSE,
        reasons=REASONS_EN,
        model_version="3f9c2a1b7d4e",
        advisor_name="Anne-Sophie Dupré",
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def _read(content: LetterContent) -> tuple[str, int]:
    """The letter's text (whitespace runs as one space) and its page count."""
    reader = PdfReader(io.BytesIO(letter_pdf(content)))
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text), len(reader.pages)


def _flat(text: str) -> str:
    # pypdf gives the narrow no-break space of French numbers back as a plain space.
    return re.sub(r"\s+", " ", text.replace("\u202f", " "))


def test_an_english_refusal_states_decision_reasons_rights_and_references() -> None:
    text, pages = _read(_letter())
    assert pages == 1
    assert "We are sorry to tell you that your credit application has been refused." in text
    assert "Your advisor took this decision after reviewing the assessment" in text
    assert "The main reasons for this decision" in text
    for rank, reason in enumerate(REASONS_EN, start=1):
        assert f"{rank}. {reason}" in text
    assert "Article 22 of the General Data Protection Regulation" in text
    assert "reply within 30 days" in text and "complaints service" in text
    assert "principal reasons for the decision" in text
    assert "Date: 2 March 2025" in text
    assert "Client number: 100002" in text
    assert "scoring model 3f9c2a1b7d4e" in text
    assert "Your advisor: Anne-Sophie Dupré" in text


def test_a_french_approval_keeps_accents_quotes_and_the_euro_sign() -> None:
    content = _letter(
        language="fr",
        outcome=Outcome.APPROVE,
        reasons=REASONS_FR,
        override_reason="Revenus vérifiés supérieurs à ceux déclarés",
    )
    text, pages = _read(content)
    assert pages == 1
    assert "Votre demande de crédit a été acceptée." in text
    assert "Appréciation de votre conseiller : Revenus vérifiés supérieurs à ceux déclarés." in text
    for reason in REASONS_FR:
        assert _flat(reason) in _flat(text)
    for character in "’«»€–éèà":
        assert character in text
    assert "article 22 du règlement général sur la protection des données" in text
    assert "dans les 30 jours" in text
    assert "Date : 2 mars 2025" in text
    assert "modèle de score 3f9c2a1b7d4e" in text
    assert "Votre conseiller : Anne-Sophie Dupré" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_models_decision_is_stated_as_the_models(language: str) -> None:
    content = _letter(language=language, decider=Decider.MODEL, outcome=Outcome.APPROVE)
    text, _ = _read(content)
    assert _flat(t(language, "letter.model_approve")) in _flat(text)  # type: ignore[arg-type]
    assert _flat(t(language, "letter.model_only")) in _flat(text)  # type: ignore[arg-type]
    assert _flat(t(language, "letter.by_advisor")) not in _flat(text)  # type: ignore[arg-type]


def test_a_referred_file_says_no_decision_is_taken_yet() -> None:
    text, _ = _read(_letter(outcome=Outcome.REFER))
    assert "being reviewed by a second advisor: no decision has been taken yet" in text
    assert "The main factors of the model's assessment" in text


def test_the_longest_letter_still_fits_on_one_page() -> None:
    long_reason = "A fact about the client explained in plain words, long enough to wrap. " * 3
    content = _letter(
        language="fr",
        reasons=(long_reason,) * 4,
        override_reason="Incident de paiement passé expliqué et régularisé",
    )
    _, pages = _read(content)
    assert pages == 1


def test_what_could_change_the_decision_is_printed_only_when_given() -> None:
    without, _ = _read(_letter())
    assert "What could change the decision" not in without
    hooked, _ = _read(_letter(what_could_change=("A lower loan amount.",)))
    assert "What could change the decision" in hooked and "A lower loan amount." in hooked


def test_the_date_is_written_out_in_the_readers_language() -> None:
    assert letter_date(date(2025, 3, 2), "en") == "2 March 2025"
    assert letter_date(date(2025, 8, 1), "fr") == "1er août 2025"
    assert letter_date(date(2025, 12, 31), "fr") == "31 décembre 2025"


def test_the_file_is_named_for_the_client_and_the_day() -> None:
    assert letter_file_name(100002, date(2025, 3, 2)) == "letter_100002_20250302.pdf"


def test_a_missing_font_says_where_it_looked_and_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(LetterFontMissing) as missing:
        find_fonts([tmp_path])
    message = str(missing.value)
    assert str(tmp_path) in message
    assert "DejaVuSans.ttf" in message and "fonts-dejavu-core" in message
