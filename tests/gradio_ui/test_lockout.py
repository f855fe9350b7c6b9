"""Failed logins lock a user name or a client address for a while; sessions end after their
lifetime or their idle time (an injected clock: no test waits)."""

from __future__ import annotations

from gradio_ui.lockout import LoginLockout
from gradio_ui.sessions import SessionStore
from gradio_ui.settings import LockoutPolicy, SessionPolicy
from tests.gradio_ui.logins import FakeClock

POLICY = LockoutPolicy(
    max_failures_per_user=3, max_failures_per_address=5, window_seconds=600, lock_seconds=900
)


def _fail(lockout: LoginLockout, times: int, user: str = "anna", address: str = "10.0.0.1") -> int:
    return [lockout.failed(user, address) for _ in range(times)][-1]


def test_the_failure_that_reaches_the_limit_locks_the_user_for_the_lock_time() -> None:
    clock = FakeClock()
    lockout = LoginLockout(POLICY, clock)
    assert _fail(lockout, 2) == 0
    assert lockout.seconds_locked("anna", "10.0.0.1") == 0
    assert _fail(lockout, 1) == 900
    clock.advance(600)
    assert lockout.seconds_locked("anna", "10.0.0.1") == 300
    # The user's lock holds from any address.
    assert lockout.seconds_locked("anna", "10.9.9.9") == 300
    assert lockout.seconds_locked("bob", "10.9.9.9") == 0


def test_the_lock_ends_after_the_lock_time() -> None:
    clock = FakeClock()
    lockout = LoginLockout(POLICY, clock)
    _fail(lockout, 3)
    clock.advance(900)
    assert lockout.seconds_locked("anna", "10.0.0.1") == 0
    # A fresh start: one more failure does not lock again.
    assert _fail(lockout, 1) == 0


def test_failures_older_than_the_window_do_not_count() -> None:
    clock = FakeClock()
    lockout = LoginLockout(POLICY, clock)
    _fail(lockout, 2)
    clock.advance(601)
    assert _fail(lockout, 2) == 0


def test_failures_on_many_user_names_lock_the_client_address() -> None:
    lockout = LoginLockout(POLICY, FakeClock())
    for user in ("u1", "u2", "u3", "u4"):
        assert lockout.failed(user, "10.0.0.1") == 0
    assert lockout.failed("u5", "10.0.0.1") == 900
    assert lockout.seconds_locked("anyone", "10.0.0.1") == 900
    assert lockout.seconds_locked("anyone", "10.0.0.2") == 0


def test_a_successful_login_clears_the_users_failures_but_not_the_addresses() -> None:
    lockout = LoginLockout(POLICY, FakeClock())
    _fail(lockout, 2)
    lockout.succeeded("anna")
    assert _fail(lockout, 2) == 0
    # The address has seen 4 failures: the 5th, whoever it names, locks it.
    assert lockout.failed("bob", "10.0.0.1") == 900


SESSIONS = SessionPolicy(lifetime_seconds=8 * 3600, idle_seconds=30 * 60)


def test_a_session_is_alive_until_its_idle_time_runs_out() -> None:
    clock = FakeClock()
    sessions = SessionStore(SESSIONS, clock)
    sessions.open("token-1", "anna")
    clock.advance(29 * 60)
    assert sessions.alive("token-1", used=False)
    clock.advance(60)
    assert not sessions.alive("token-1", used=False)
    # Once expired, always expired.
    assert not sessions.alive("token-1", used=True)


def test_an_advisors_action_restarts_the_idle_time_but_background_requests_do_not() -> None:
    clock = FakeClock()
    sessions = SessionStore(SESSIONS, clock)
    sessions.open("token-1", "anna")
    clock.advance(20 * 60)
    assert sessions.alive("token-1", used=True)
    clock.advance(20 * 60)
    assert sessions.alive("token-1", used=False)
    clock.advance(10 * 60)
    assert not sessions.alive("token-1", used=False)


def test_a_session_ends_after_its_lifetime_however_active() -> None:
    clock = FakeClock()
    sessions = SessionStore(SESSIONS, clock)
    sessions.open("token-1", "anna")
    for _ in range(8 * 4 - 1):
        clock.advance(15 * 60)
        assert sessions.alive("token-1", used=True)
    clock.advance(15 * 60)
    assert not sessions.alive("token-1", used=True)


def test_an_unknown_token_is_never_alive() -> None:
    assert not SessionStore(SESSIONS, FakeClock()).alive("forged", used=True)
