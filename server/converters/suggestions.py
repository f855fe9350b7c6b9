"""SuggestChanges messages ↔ the change search's domain: the request's application to a query
and rows, the suggestions back to a response with texts in the request's language."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from creditscore.v1 import application_pb2
from creditscore.v1 import credit_score_pb2 as pb
from model_build.features.rows import CategoryCodes
from server.contract import application_field
from server.converters.application_rows import ApplicationReader
from server.converters.score_messages import score_result_message
from server.errors import FieldViolation, InvalidArgument
from server.insight import suggestion_texts as texts
from server.insight.language import Language
from server.insight.levers import Lever, LoanTerms
from server.insight.suggestions import Suggestions, Zone
from server.scorer import ApplicationRows, ScoreQuery

__all__ = ["SuggestionMessages"]

_ZONES = {
    Zone.REFUSED: pb.SCORE_ZONE_REFUSED,
    Zone.BORDERLINE: pb.SCORE_ZONE_BORDERLINE,
    Zone.CLEAR: pb.SCORE_ZONE_CLEAR,
}
_LEVERS = {
    Lever.LOAN_AMOUNT: pb.CHANGE_LEVER_LOAN_AMOUNT,
    Lever.DURATION: pb.CHANGE_LEVER_DURATION,
    Lever.DOWN_PAYMENT: pb.CHANGE_LEVER_DOWN_PAYMENT,
    Lever.CO_BORROWER_INCOME: pb.CHANGE_LEVER_CO_BORROWER_INCOME,
}
_NOTHING = FieldViolation("application", "set client_id, application or both")

# A stored client's application as GetClient returns it; raises NotFound for an unknown id.
StoredApplication = Callable[[int], application_pb2.Application]


class SuggestionMessages:
    """Reads SuggestChanges requests and writes their responses; immutable, shared by every
    call."""

    def __init__(self, codes: CategoryCodes) -> None:
        self._reader = ApplicationReader(codes)

    def query(
        self, request: pb.SuggestChangesRequest, stored: StoredApplication
    ) -> tuple[ScoreQuery, ApplicationRows, application_pb2.Application]:
        """The query, its row and the Application the options change: the request's, or the
        stored client's when the request has none."""
        client_id = request.client_id if request.HasField("client_id") else None
        if request.HasField("application"):
            application = request.application
        elif client_id is not None:
            application = stored(client_id)
        else:
            raise InvalidArgument([_NOTHING])
        return ScoreQuery(client_id, 0), self._reader.messages([application]), application

    def response(
        self,
        found: Suggestions,
        application: application_pb2.Application,
        language: Language,
        request_id: str,
    ) -> pb.SuggestChangesResponse:
        """The response of the suggestions for ``application`` (the one the options change)."""
        response = pb.SuggestChangesResponse(
            request_id=request_id,
            score=score_result_message(found.current),
            zone=_ZONES[found.zone],
            target_default_probability=found.target,
            note=texts.note(found, language),
            language_code=language,
        )
        for option in found.options:
            message = response.options.add(
                levers=[_LEVERS[lever] for lever in option.levers],
                score=score_result_message(option.result),
                change_size=option.change_size,
                text=texts.option_text(found, option, language),
            )
            message.application.CopyFrom(application)
            for name, column, before, after in _changes(found.base, option.terms):
                setattr(message.application, name, after)
                message.changes.add(
                    field=name,
                    value_before=before,
                    value_after=after,
                    label=texts.input_label(column, language),
                    display_value_before=texts.format_amount(before, language),
                    display_value_after=texts.format_amount(after, language),
                )
        return response


def _changes(base: LoanTerms, terms: LoanTerms) -> Iterator[tuple[str, str, float, float]]:
    """(Application field, Kaggle column, before, after) of every input that changed, in
    Application field order."""
    after = terms.columns()
    for column, before in base.columns().items():
        value = after[column]
        if before is not None and value is not None and value != before:
            yield application_field(column).name, column, before, value
