"""What would change the decision: the server's options (SuggestChanges) for a refused or
borderline file, as the app and the client's letter show them."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui.client import CreditScoreClient, ServiceError
from gradio_ui.settings import Language
from gradio_ui.texts import t

__all__ = ["Suggestions", "suggest", "suggestions_markdown"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Suggestions:
    """The options for one file, in one language: each a sentence the server wrote (the same
    on screen and in the letter), or the server's note on why there is none."""

    zone: int  # creditscore.v1.ScoreZone
    texts: tuple[str, ...] = ()
    note: str = ""

    @property
    def shown(self) -> bool:
        """False for a file approved with a margin: nothing to suggest, nothing to show."""
        return self.zone in (pb.SCORE_ZONE_REFUSED, pb.SCORE_ZONE_BORDERLINE)


def suggest(client: CreditScoreClient, client_id: int, language: Language) -> Suggestions:
    """The server's options for a stored client; none (and a log line) when the server cannot
    give them: the file is still worth showing without them."""
    try:
        response = client.suggest_changes(client_id, language)
    except ServiceError as error:
        logger.warning("no suggestions for client %s: %s", client_id, error)
        return Suggestions(zone=pb.SCORE_ZONE_UNSPECIFIED)
    return Suggestions(
        zone=response.zone,
        texts=tuple(option.text for option in response.options),
        note=response.note,
    )


def suggestions_markdown(suggestions: Suggestions, language: Language) -> str:
    """The options under a heading, with what they are and are not; empty for a clear file."""
    if not suggestions.shown:
        return ""
    refused = suggestions.zone == pb.SCORE_ZONE_REFUSED
    lines = [
        f"### {t(language, 'suggest.title')}",
        t(language, "suggest.intro_refused" if refused else "suggest.intro_borderline"),
        "",
    ]
    if suggestions.texts:
        lines += [f"- {text}" for text in suggestions.texts]
        lines += ["", f"<small>{t(language, 'suggest.caveat')}</small>"]
    else:
        lines.append(suggestions.note or t(language, "suggest.none"))
    return "\n".join(lines)
