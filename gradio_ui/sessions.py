"""The app's logins (Gradio's session tokens) with an absolute lifetime and an idle timeout."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from gradio_ui.settings import SessionPolicy

__all__ = ["SessionStore"]


@dataclass(slots=True)
class _Session:
    user: str
    opened: float
    last_used: float


class SessionStore:
    """Tokens handed out at login, each alive until its lifetime or idle time runs out; an
    unknown token is never alive. Thread-safe; `clock` returns seconds (monotonic)."""

    def __init__(self, policy: SessionPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self._policy = policy
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, _Session] = {}

    def open(self, token: str, user: str) -> None:
        """Starts the session of a token just given to `user` at login."""
        with self._lock:
            now = self._clock()
            for dead in [k for k, s in self._sessions.items() if self._expired(s, now)]:
                del self._sessions[dead]
            self._sessions[token] = _Session(user, opened=now, last_used=now)

    def alive(self, token: str, *, used: bool) -> bool:
        """Whether the token may still be used; `used` (an advisor's action, not a background
        request) restarts its idle time. An expired token is forgotten."""
        with self._lock:
            now = self._clock()
            session = self._sessions.get(token)
            if session is None:
                return False
            if self._expired(session, now):
                del self._sessions[token]
                return False
            if used:
                session.last_used = now
            return True

    def _expired(self, session: _Session, now: float) -> bool:
        return (
            now - session.opened >= self._policy.lifetime_seconds
            or now - session.last_used >= self._policy.idle_seconds
        )
