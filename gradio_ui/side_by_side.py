"""Two or three clients side by side: decision, amounts and main reasons in one table."""

from __future__ import annotations

import re

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui.client import CreditScoreClient
from gradio_ui.errors import InputError
from gradio_ui.formatting import format_amount_input, format_percent, threshold_decimals
from gradio_ui.parsing import is_ascii_digits
from gradio_ui.settings import Language
from gradio_ui.texts import t

__all__ = ["MAX_OTHERS", "parse_others", "side_by_side_markdown"]

# The open client and at most this many others: a wider table is not read side by side.
MAX_OTHERS = 2
_AMOUNTS = (
    ("amt_credit", "whatif.credit"),
    ("amt_annuity", "whatif.annuity"),
    ("amt_goods_price", "whatif.goods"),
    ("amt_income_total", "whatif.income"),
)
_REASONS = 3


def parse_others(text: str | None, current: int, language: Language) -> list[int]:
    """The other client numbers typed (separated by spaces or commas), without the open one."""
    words = [w for w in re.split(r"[\s,;]+", text or "") if w]
    if not words or any(not is_ascii_digits(w) for w in words):
        raise InputError(t(language, "side.numbers"))
    others = list(dict.fromkeys(int(w) for w in words if int(w) != current))
    if not others or len(others) > MAX_OTHERS:
        raise InputError(t(language, "side.numbers"))
    return others


def _column(client: CreditScoreClient, client_id: int, language: Language) -> list[str]:
    stored = client.get_client(client_id, language)
    reasons = client.explain(client_id, language).refusal_reasons
    score = stored.score
    refused = score.decision == pb.DECISION_REFUSE
    decimals = threshold_decimals(score.default_probability, score.threshold)
    word = t(language, "decision.refuse" if refused else "decision.approve")
    probability = format_percent(score.default_probability, language, decimals)
    cells = [f"{'✗' if refused else '✓'} {word} · {probability}"]
    application = stored.application
    for name, _ in _AMOUNTS:
        value = getattr(application, name) if application.HasField(name) else None
        cells.append(format_amount_input(value, language) if value is not None else "—")
    texts = [r.text for r in reasons[:_REASONS]]
    cells += [*texts, *["—"] * (_REASONS - len(texts))]
    return [cell.replace("|", "/") for cell in cells]


def side_by_side_markdown(
    client: CreditScoreClient, current: int, others: list[int], language: Language
) -> str:
    """A table with one column per client (the open one first) and one row per fact."""
    ids = [current, *others]
    columns = [_column(client, client_id, language) for client_id in ids]
    rows = [t(language, "side.decision")]
    rows += [t(language, key) for _, key in _AMOUNTS]
    rows += [t(language, "side.reason", rank=rank) for rank in range(1, _REASONS + 1)]
    header = [t(language, "side.fact"), *(t(language, "decision.client", client_id=i) for i in ids)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for index, row in enumerate(rows):
        lines.append("| " + " | ".join([f"**{row}**", *(c[index] for c in columns)]) + " |")
    return "\n".join(lines)
