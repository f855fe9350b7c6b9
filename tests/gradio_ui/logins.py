"""Advisors' logins for the UI tests: cheap argon2id hashes, a clock the tests move, and an
app launched on a free port with that clock."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from argon2 import PasswordHasher

from gradio_ui.app import launch
from gradio_ui.passwords import hash_password
from gradio_ui.settings import UiSettings

USER, PASSWORD = "advisor", "s3cret-pass"
# The tests check many logins: the lowest cost argon2 accepts. Production hashes use
# argon2-cffi's default cost (python -m gradio_ui.passwords).
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def users(*pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    """(user, argon2id hash) for (user, password) pairs; the test advisor by default."""
    return tuple(
        (user, hash_password(password, FAST_HASHER))
        for user, password in pairs or [(USER, PASSWORD)]
    )


class FakeClock:
    """Seconds that move only when a test says so."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_app(settings: UiSettings, clock: FakeClock) -> Iterator[str]:
    """The app of `settings` on a free loopback port, timed by `clock`; yields its URL."""
    settings = dataclasses.replace(settings, host="127.0.0.1", port=free_port())
    demo, client = launch(settings, prevent_thread_lock=True, clock=clock)
    try:
        yield f"http://127.0.0.1:{settings.port}"
    finally:
        demo.close()
        client.close()
