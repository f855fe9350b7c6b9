"""A throwaway PostgreSQL server on loopback, from Debian's `postgresql` binaries: for the
decision record's tests and benchmarks (never for production).

initdb and postgres refuse to run as root, and CI runs as root: then the data directory is
given to the `postgres` system user and the binaries run through `runuser`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LocalPostgres", "PostgresUnavailable", "find_binaries", "start_postgres"]

_SEARCH = ("/usr/lib/postgresql/*/bin",)
_START_TIMEOUT_SECONDS = 60.0


class PostgresUnavailable(RuntimeError):
    """PostgreSQL cannot be started here; the message says why and how to get it."""


@dataclass(frozen=True)
class LocalPostgres:
    """A running server: connect with ``url``; ``stop()`` ends it and removes its files."""

    url: str
    port: int
    directory: Path
    bin_dir: Path
    as_user: str | None

    def stop(self) -> None:
        _run(
            self,
            [
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.directory / "data"),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
            check=False,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


def find_binaries() -> Path:
    """The bin directory of the newest installed PostgreSQL; PostgresUnavailable if none."""
    found = sorted(
        (Path(d) for pattern in _SEARCH for d in glob.glob(pattern)),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for bin_dir in reversed(found):
        if (bin_dir / "initdb").is_file() and (bin_dir / "pg_ctl").is_file():
            return bin_dir
    raise PostgresUnavailable(
        "PostgreSQL is not installed: `make test` installs Debian's postgresql package "
        "(apt-get install postgresql, as root)"
    )


def start_postgres(database: str = "decisions") -> LocalPostgres:
    """Initialise and start a server on a free loopback port, with ``database`` created."""
    bin_dir = find_binaries()
    as_user = _service_user()
    directory = Path(tempfile.mkdtemp(prefix="creditscore-pg-"))
    if as_user is not None:
        shutil.chown(directory, user=as_user)
    port = _free_port()
    server = LocalPostgres(
        f"postgresql://postgres@127.0.0.1:{port}/{database}", port, directory, bin_dir, as_user
    )
    try:
        _run(
            server,
            [
                str(bin_dir / "initdb"),
                "-D",
                str(directory / "data"),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        )
        options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=on"
        _run(
            server,
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(directory / "data"),
                "-o",
                options,
                "-l",
                str(directory / "log"),
                "-w",
                "-t",
                str(int(_START_TIMEOUT_SECONDS)),
                "start",
            ],
        )
        _create_database(server, database)
    except BaseException as error:
        # Whatever failed (a timeout, the driver, Ctrl-C), no server or directory is left.
        log = directory / "log"
        detail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
        server.stop()
        if not isinstance(error, Exception):
            raise
        raise PostgresUnavailable(f"PostgreSQL did not start: {error}\n{detail}") from error
    return server


def _service_user() -> str | None:
    """The user to run PostgreSQL as: `postgres` when we are root, else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable(
            "running as root and there is no `postgres` user to run PostgreSQL as "
            "(apt-get install postgresql creates it)"
        ) from None
    if shutil.which("runuser") is None:
        raise PostgresUnavailable("running as root without `runuser` (util-linux)")
    return "postgres"


def _run(server: LocalPostgres, command: list[str], *, check: bool = True) -> None:
    if server.as_user is not None:
        command = ["runuser", "-u", server.as_user, "--", *command]
    subprocess.run(
        command, check=check, capture_output=True, timeout=_START_TIMEOUT_SECONDS, cwd="/"
    )


def _create_database(server: LocalPostgres, database: str) -> None:
    import psycopg

    deadline = time.monotonic() + _START_TIMEOUT_SECONDS
    admin = f"postgresql://postgres@127.0.0.1:{server.port}/postgres"
    while True:
        try:
            with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
                connection.execute(f'CREATE DATABASE "{database}"')
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
