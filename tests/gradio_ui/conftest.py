"""UI fixtures: the server's in-process gRPC server (its session fixtures), a UI client on it,
and a loopback address where nothing listens (a server that is down)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from creditscore.v1 import credit_score_pb2 as pb
from gradio_ui.client import CreditScoreClient
from gradio_ui.settings import UiSettings
from tests.gradio_ui.browser import chromium
from tests.gradio_ui.logins import users
from tests.gradio_ui.review_app import ReviewApp, review_app

# The real server and its tiny model, exactly as the server's own tests start them.
from tests.server.conftest import (  # noqa: F401 - fixtures used by name
    RunningServer,
    artifacts_dir,
    grpc_server,
    serving_artifacts,
    synthetic_data_dir,
)


@pytest.fixture(scope="session")
def ui_settings(grpc_server: RunningServer) -> UiSettings:  # noqa: F811
    return UiSettings(server_address=grpc_server.address, users=users(), deadline_seconds=20)


@pytest.fixture(scope="session")
def ui_client(ui_settings: UiSettings) -> Iterator[CreditScoreClient]:
    with CreditScoreClient(ui_settings.server_address, deadline_seconds=20) as client:
        yield client


def _first(client: CreditScoreClient, order_by: str) -> int:
    request = pb.SearchClientsRequest(order_by=order_by, page_size=1)
    return client.search(request).clients[0].client_id


@pytest.fixture(scope="session")
def refused_id(ui_client: CreditScoreClient) -> int:
    """The riskiest stored client."""
    return _first(ui_client, "default_probability desc")


@pytest.fixture(scope="session")
def approved_id(ui_client: CreditScoreClient) -> int:
    """The safest stored client."""
    return _first(ui_client, "default_probability")


@pytest.fixture(scope="session")
def down_address() -> str:
    """A loopback port that was free a moment ago: calls to it fail with UNAVAILABLE."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"127.0.0.1:{port}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium per test module."""
    with chromium() as running:
        yield running


@pytest.fixture(scope="module")
def app(ui_settings: UiSettings) -> Iterator[ReviewApp]:
    """The web app of the review tests (tests.gradio_ui.review_app) on the session's server."""
    with review_app(ui_settings) as running:
        yield running
