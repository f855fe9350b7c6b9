"""The insight RPCs behind one facade: protobuf requests in, protobuf responses out."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator

import numpy as np

from creditscore.v1 import application_pb2
from creditscore.v1 import credit_score_pb2 as pb
from server.artifacts import ServingArtifacts
from server.converters import insight as convert
from server.converters.score_messages import ScoreMessages, score_result_message
from server.converters.suggestions import SuggestionMessages
from server.errors import DomainError, FieldViolation, InvalidArgument, PermissionDenied
from server.insight.cache import LruCache
from server.insight.explainer import Attribution, Explainer, LightGBMExplainer
from server.insight.explanation import ExplanationBuilder
from server.insight.language import LANGUAGES, Language, check_language, parse_language
from server.insight.model_info import model_info
from server.insight.peers import PeerComparer
from server.insight.population import ReferencePopulation
from server.insight.profile import ProfileBuilder
from server.insight.rows import FeatureRow, FeedEncoder
from server.insight.search import ClientIndex
from server.insight.store import ClientStore
from server.insight.suggestions import DEFAULT_OPTIONS, ChangeSearch
from server.scorer import ScoreQuery, Scorer
from server.security import Caller
from server.security.roles import may_explain_stored_client, may_suggest_for_stored_client

__all__ = ["InsightService"]

logger = logging.getLogger(__name__)

# Attributions of stored clients kept in memory (about 2 KB each for 200 features).
DEFAULT_CACHE_ENTRIES = 20_000


class InsightService:
    """Explain, GetClient, SearchClients, ComparePeers, GetModelInfo and SuggestChanges over
    loaded artifacts.

    Built once at start-up (precomputes the population's distributions and the search index);
    immutable apart from a thread-safe cache, so one instance serves concurrent calls. Methods
    take and return the generated protobuf messages and raise the domain errors of
    ``server.errors`` (InvalidArgument, NotFound).
    """

    def __init__(
        self,
        artifacts: ServingArtifacts,
        *,
        scorer: Scorer | None = None,
        messages: ScoreMessages | None = None,
        explainer: Explainer | None = None,
        cache_entries: int = DEFAULT_CACHE_ENTRIES,
    ) -> None:
        """``scorer``: the Score RPC's scorer, so that Explain's score is Score's (one is built
        over the same artifacts when not given); ``messages``: the Score RPC's request reader
        (one is built when not given); ``explainer``: the exact SHAP engine
        (LightGBM's own TreeSHAP on the artifacts' booster when not given)."""
        started = time.perf_counter()
        self._artifacts = artifacts
        self._scorer = scorer or Scorer(artifacts)
        self._messages = messages or ScoreMessages(
            self._scorer.codes, self._scorer.model_version, self._scorer.threshold
        )
        self._store = ClientStore(artifacts.tables, artifacts.catalog)
        population = ReferencePopulation(self._store, artifacts.tables.arrays)
        self._encoder = FeedEncoder(artifacts.spec)
        self._explainer = explainer or LightGBMExplainer(artifacts.booster_path)
        self._cache: LruCache[int, Attribution] = LruCache(cache_entries)
        self._explanations = ExplanationBuilder(artifacts.catalog, population)
        self._profiles = ProfileBuilder(self._store, convert.application_columns())
        self._index = ClientIndex(self._store, artifacts.model_version, artifacts.threshold)
        self._changes = ChangeSearch(self._scorer)
        self._suggestion_messages = SuggestionMessages(self._scorer.codes)
        ranked = [str(item["feature"]) for item in artifacts.card.get("global_importance", ())]
        self._peers = PeerComparer(population, ranked)
        # The model card never changes while it is served: one response per language.
        self._model_info: dict[Language, pb.GetModelInfoResponse] = {
            language: convert.model_info_response(
                model_info(artifacts.card, artifacts.catalog, language)
            )
            for language in LANGUAGES
        }
        logger.info(
            "insight service ready: %d stored clients, %d reference clients, %d trees (%.1fs)",
            len(self._store),
            population.size,
            self._explainer.num_trees,
            time.perf_counter() - started,
        )

    @property
    def num_trees(self) -> int:
        """Trees of the booster the explanations are computed on."""
        return self._explainer.num_trees

    def explain(
        self, request: pb.ExplainRequest, request_id: str = "", *, caller: Caller | None = None
    ) -> pb.ExplainResponse:
        """Exact SHAP explanation of a stored client, an application payload, or both.

        ``caller``: who asks over gRPC; explaining a stored client (a request with client_id)
        reads the client book, which only some roles may (PermissionDenied, before anything
        else, so that the answer says nothing of which clients exist). None: an in-process
        use, not checked.
        """
        if (
            caller is not None
            and request.HasField("client_id")
            and not may_explain_stored_client(caller.role)
        ):
            raise PermissionDenied(
                f"caller {caller.name!r} (role {caller.role}) may explain a payload, "
                "not a stored client (client_id)"
            )
        language, problems = check_language(request.language_code)
        query, rows = self._messages.query(request)
        # The scorer validates the request (InvalidArgument, NotFound) before anything else.
        with _reported_with(problems):
            score = self._scorer.score(query, rows)
        if rows is None and query.client_id is not None:
            row, attribution = self._stored(query.client_id)
        else:
            row = self._encoder.row(self._scorer.model_inputs(query, rows))
            attribution = self._explainer.explain(row.encoded)
        explanation = self._explanations.build(row.values, attribution, language)
        return convert.explain_response(
            explanation,
            score_result_message(score),
            self._artifacts.card["calibration"],
            request_id,
        )

    def get_client(self, request: pb.GetClientRequest) -> pb.GetClientResponse:
        """A stored client's score, application and display profile."""
        language = parse_language(request.language_code)
        profile = self._profiles.profile(request.client_id, language)
        score = self._scorer.score(ScoreQuery(request.client_id, None), None)
        return convert.client_response(profile, score_result_message(score))

    def search_clients(self, request: pb.SearchClientsRequest) -> pb.SearchClientsResponse:
        """One page of the stored clients matching an id prefix and filters."""
        return convert.search_response(self._index.search(convert.search_query(request)))

    def compare_peers(self, request: pb.ComparePeersRequest) -> pb.ComparePeersResponse:
        """A stored client against all, similar, repaid and defaulted clients."""
        language, problems = check_language(request.language_code)
        with _reported_with(problems):
            comparison = self._peers.compare(
                request.client_id,
                list(request.features),
                request.histogram_bin_count,
                language,
                list(request.scatter_features),
                request.scatter_max_points,
            )
        return convert.peers_response(comparison)

    def get_model_info(self, request: pb.GetModelInfoRequest) -> pb.GetModelInfoResponse:
        """The serving model's card and feature catalogue."""
        response = pb.GetModelInfoResponse()
        response.CopyFrom(self._model_info[parse_language(request.language_code)])
        return response

    def suggest_changes(
        self,
        request: pb.SuggestChangesRequest,
        request_id: str = "",
        *,
        caller: Caller | None = None,
    ) -> pb.SuggestChangesResponse:
        """The changes of the loan that would get an application approved (or keep a
        borderline one out of the grey zone), for a stored client, a payload, or both.

        ``caller``: as for explain, changing a stored client's application reads the client
        book, which only some roles may (PermissionDenied, before anything else). None: an
        in-process use, not checked.
        """
        if (
            caller is not None
            and request.HasField("client_id")
            and not may_suggest_for_stored_client(caller.role)
        ):
            raise PermissionDenied(
                f"caller {caller.name!r} (role {caller.role}) may ask for changes of a payload, "
                "not of a stored client (client_id)"
            )
        language, problems = check_language(request.language_code)
        messages = self._suggestion_messages
        with _reported_with(problems):
            query, rows, application = messages.query(request, self._stored_application)
            found = self._changes.suggest(query, rows, request.max_options or DEFAULT_OPTIONS)
        return messages.response(found, application, language, request_id)

    # -----------------------------------------------------------------------------------------

    def _stored_application(self, client_id: int) -> application_pb2.Application:
        """A stored client's application as GetClient returns it (NotFound when unknown)."""
        profile = self._profiles.profile(client_id, "en")
        return convert.application_from_columns(profile.application)

    def _stored(self, client_id: int) -> tuple[FeatureRow, Attribution]:
        """A stored client's features and attribution (computed once, then cached)."""
        position = self._store.position(client_id)
        row = self._encoder.row(self._artifacts.features.feed(np.array([position])))
        attribution = self._cache.get(client_id)
        if attribution is None:
            attribution = self._explainer.explain(row.encoded)
            self._cache.put(client_id, attribution)
        return row, attribution


@contextlib.contextmanager
def _reported_with(problems: list[FieldViolation]) -> Iterator[None]:
    """Raise ``problems`` (of fields checked first) together with those the block finds."""
    try:
        yield
    except InvalidArgument as error:
        raise InvalidArgument([*problems, *error.violations]) from None
    except DomainError:
        # A malformed request is reported before a missing client.
        if problems:
            raise InvalidArgument(problems) from None
        raise
    if problems:
        raise InvalidArgument(problems)
