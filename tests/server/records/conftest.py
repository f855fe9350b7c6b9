"""Decision-record fixtures: one throwaway PostgreSQL server per session, an empty place
for records (SQLite file or PostgreSQL schema) per test, and test servers that record there.

  postgres        LocalPostgres shared by the session (tests skip, saying why, without it)
  lone_postgres   a LocalPostgres of the test's own, to stop and start (pg_ctl)
  record_db       where a test's records go: a SQLite path in tmp_path, or with
                  ``@pytest.mark.parametrize("record_db", BACKENDS, indirect=True)`` an
                  empty PostgreSQL schema as well (new_database)
  serve           start_server(serving_artifacts, **settings), shut down after the test
"""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from benchmarks.local_postgres import LocalPostgres, PostgresUnavailable, start_postgres
from server.artifacts import ServingArtifacts
from tests.server.conftest import RunningServer, start_server

BACKENDS = ("sqlite", "postgresql")

_database_numbers = itertools.count(1)


def start_or_skip() -> LocalPostgres:
    """A new PostgreSQL server; the test is skipped, saying why, when there can be none."""
    try:
        return start_postgres()
    except PostgresUnavailable as error:
        pytest.skip(str(error))


def new_database(server: LocalPostgres) -> str:
    """A URL on ``server`` where the store finds nothing: no test sees another's rows.

    A new schema, the only one on the connection's search path, rather than a new database:
    CREATE DATABASE copies and syncs a template (hundreds of ms on a busy disk, and
    megabytes per test to delete at the end), while the store sees the same thing either
    way (it names no schema)."""
    name = f"test_{next(_database_numbers)}"
    with psycopg.connect(server.url, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{name}"')
    return f"{server.url}?options=-csearch_path%3D{name}"


def new_real_database(server: LocalPostgres) -> str:
    """The URL of a new, empty database on ``server`` (see new_database for the cheaper)."""
    name = f"db_{next(_database_numbers)}"
    with psycopg.connect(server.url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{server.url.rsplit('/', 1)[0]}/{name}"


def pg_ctl(server: LocalPostgres, action: str) -> None:
    """Stop or start ``server`` on its data directory and port, keeping its files (unlike
    LocalPostgres.stop): a database server going away and coming back. "kill" stops it
    without a shutdown checkpoint (seconds saved on a busy disk), for servers thrown away."""
    command = [str(server.bin_dir / "pg_ctl"), "-D", str(server.directory / "data"), "-w"]
    if action == "start":
        options = f"-p {server.port} -k {server.directory} -c listen_addresses=127.0.0.1"
        command += ["-o", options, "-l", str(server.directory / "log"), "start"]
    else:
        command += ["-m", "immediate" if action == "kill" else "fast", "stop"]
    if server.as_user is not None:
        command = ["runuser", "-u", server.as_user, "--", *command]
    # A server already stopped cannot be killed, and need not be.
    subprocess.run(command, check=action != "kill", capture_output=True, timeout=60, cwd="/")


def throw_away(server: LocalPostgres) -> None:
    pg_ctl(server, "kill")
    server.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    server = start_or_skip()
    yield server
    throw_away(server)


@pytest.fixture
def lone_postgres() -> Iterator[LocalPostgres]:
    """A PostgreSQL server of the test's own, which the test may stop and start."""
    server = start_or_skip()
    yield server
    throw_away(server)


def target_of(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return str(tmp_path / "decisions.sqlite")
    return new_database(request.getfixturevalue("postgres"))


@pytest.fixture
def record_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return target_of(getattr(request, "param", "sqlite"), tmp_path, request)


@pytest.fixture
def serve(serving_artifacts: ServingArtifacts) -> Iterator[Callable[..., RunningServer]]:
    started: list[RunningServer] = []

    def start(**settings: object) -> RunningServer:
        running = start_server(serving_artifacts, **settings)
        started.append(running)
        return running

    yield start
    for running in started:
        running.server.shutdown(grace_seconds=0.5).wait(5)
