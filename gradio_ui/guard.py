"""The login wall around Gradio's app (an ASGI middleware): lockout of failed logins at
/login, expiry of sessions on every request, the login page's lock message and its language."""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gradio_ui.lockout import LoginLockout
from gradio_ui.sessions import SessionStore
from gradio_ui.settings import Language
from gradio_ui.texts import t

__all__ = [
    "LANGUAGE_SCRIPT",
    "LOGIN_PAGE_SCRIPT",
    "TOKEN_COOKIE_PREFIX",
    "AccessGuard",
    "language_script",
]

logger = logging.getLogger(__name__)

# Gradio's /login sets the session token in two cookies, "access-token-<app id>" and
# "access-token-unsecure-<app id>", and reads either on every request.
TOKEN_COOKIE_PREFIX = "access-token-"
_LOGIN_PATHS = ("/login", "/login/")
# A login form is two short fields; anything larger is not one.
_LOGIN_BODY_LIMIT = 16 * 1024
_HEAD = re.compile(rb"<head\b[^>]*>", re.IGNORECASE)

# Runs in every page, before Gradio's own scripts. Gradio's login form shows its fixed
# "incorrect credentials" on a 400 and ignores other answers: on the login page, a 429 from
# /login shows the guard's message instead. In the app, a call refused as "Not
# authenticated" (the session expired) reloads the page, which is then the login page.
LOGIN_PAGE_SCRIPT = """(() => {
  const send = window.fetch.bind(window);
  const onLoginPage = () => Boolean(window.gradio_config && window.gradio_config.auth_required);
  const show = (text) => {
    // Gradio's own "incorrect credentials" line would contradict the lock message.
    for (const line of document.querySelectorAll("gradio-app p.creds")) {
      line.style.display = text ? "none" : "";
    }
    let note = document.getElementById("cs-login-message");
    if (!text) { if (note) note.remove(); return; }
    if (!note) {
      note = document.createElement("p");
      note.id = "cs-login-message";
      note.setAttribute("role", "alert");
      note.style.cssText = "color:#b91c1c;font-weight:600;margin:0.5em 0;";
      const heading = document.querySelector("gradio-app h2");
      if (heading) { heading.after(note); } else { document.body.prepend(note); }
    }
    note.textContent = text;
  };
  const detailOf = async (response) => {
    try { return (await response.clone().json()).detail; } catch { return undefined; }
  };
  window.fetch = async (...args) => {
    const response = await send(...args);
    const target = args[0] instanceof Request ? args[0].url : String(args[0]);
    const url = new URL(target, location.href);
    if (url.origin !== location.origin) { return response; }
    if (onLoginPage() && /\\/login\\/?$/.test(url.pathname)) {
      show(response.status === 429 ? String(await detailOf(response)) : "");
    } else if (!onLoginPage() && response.status === 401) {
      const detail = await detailOf(response);
      if (detail && detail.error === "Not authenticated") { location.reload(); }
    }
    return response;
  };
})();"""


# Runs in every page, before Gradio's own scripts: Gradio words its own texts (the login form's
# "Login", "username", "password", its buttons) in the browser's language; the app's language
# is the one to follow, that of the address's ?lang= or else the app's default. The login page
# also shows the app's title, written at start in the default language: it is translated too.
LANGUAGE_SCRIPT = """(() => {
  const fallback = __DEFAULT__;
  const titles = __TITLES__;
  const wanted = new URLSearchParams(location.search).get("lang");
  const lang = Object.hasOwn(titles, wanted) ? wanted : fallback;
  document.documentElement.lang = lang;
  const define = (name, value) =>
    Object.defineProperty(Navigator.prototype, name, { get: () => value, configurable: true });
  define("language", lang);
  define("languages", [lang]);
  if (lang === fallback) { return; }
  const retitle = () => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.nodeValue.trim() === titles[fallback]) { node.nodeValue = titles[lang]; }
    }
  };
  const watch = () => new MutationObserver(retitle).observe(document.body, {
    childList: true, subtree: true, characterData: true,
  });
  if (document.body) { watch(); } else { addEventListener("DOMContentLoaded", watch); }
})();"""


def language_script(default: Language) -> str:
    """LANGUAGE_SCRIPT for an app whose default language is `default`."""
    titles = {language: t(language, "app.title") for language in ("en", "fr")}
    return LANGUAGE_SCRIPT.replace("__DEFAULT__", json.dumps(default)).replace(
        "__TITLES__", json.dumps(titles, ensure_ascii=False)
    )


class AccessGuard:
    """ASGI middleware in front of Gradio's routes.

    - POST /login: refused (429, the lock message in the app's language) while the user name
      or the client address is locked, before the password is even checked; a 400 from
      Gradio counts as a failure, a 200 opens a session for the token it set.
    - Every request: a session cookie whose token is not alive in `sessions` is removed
      before Gradio reads it, so Gradio sees an anonymous visitor (login page, or 401).
    - Pages: the script above, for the lock message and the return to the login page."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        lockout: LoginLockout,
        sessions: SessionStore,
        language: Language,
    ) -> None:
        self.app = app
        self._lockout = lockout
        self._sessions = sessions
        self._language = language
        self._script = (
            f"<script>{language_script(language)}</script><script>{LOGIN_PAGE_SCRIPT}</script>"
        ).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in _LOGIN_PATHS:
            await self._login(scope, receive, send)
            return
        scope = self._with_live_sessions_only(scope)
        if scope["type"] == "http" and scope["method"] == "GET":
            send = _with_script(send, self._script)
        await self.app(scope, receive, send)

    # --- Sessions ---

    def _with_live_sessions_only(self, scope: Scope) -> Scope:
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        cookie = next((value for name, value in headers if name == b"cookie"), None)
        if cookie is None:
            return scope
        used = _is_advisor_action(scope)
        kept = [
            part
            for part in cookie.decode("latin-1").split(";")
            if not _is_token_cookie(part) or self._sessions.alive(_value(part), used=used)
        ]
        others = [(name, value) for name, value in headers if name != b"cookie"]
        if kept:
            others.append((b"cookie", ";".join(kept).encode("latin-1")))
        return {**scope, "headers": others}

    # --- Login ---

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _read_body(receive)
        if body is None:
            await PlainTextResponse("login form too large", status_code=413)(scope, receive, send)
            return
        user = await _form_user(scope, body)
        address = scope["client"][0] if scope.get("client") else "unknown"
        seconds = self._lockout.seconds_locked(user, address)
        if seconds:
            await self._locked(seconds, scope)(scope, receive, send)
            return
        answer = _RecordedResponse()
        await self.app(scope, _replay(body), answer.send)
        if answer.status == 200 and answer.token:
            self._sessions.open(answer.token, user)
            self._lockout.succeeded(user)
        elif answer.status == 400:
            seconds = self._lockout.failed(user, address)
            if seconds:
                logger.warning("login locked for %d s: user %r from %s", seconds, user, address)
                await self._locked(seconds, scope)(scope, receive, send)
                return
        await answer.replay(send)

    def _locked(self, seconds: int, scope: Scope) -> JSONResponse:
        language = _page_language(scope) or self._language
        message = t(language, "login.locked", minutes=math.ceil(seconds / 60))
        return JSONResponse(
            {"detail": message}, status_code=429, headers={"Retry-After": str(seconds)}
        )


def _page_language(scope: Scope) -> Language | None:
    """The ?lang= of the login page the form was sent from (its Referer), if it names one."""
    referer = next((value for name, value in scope["headers"] if name == b"referer"), b"")
    wanted = parse_qs(urlsplit(referer.decode("latin-1")).query).get("lang", [""])[-1]
    if wanted == "en":
        return "en"
    if wanted == "fr":
        return "fr"
    return None


def _is_token_cookie(part: str) -> bool:
    return part.strip().startswith(TOKEN_COOKIE_PREFIX)


def _value(part: str) -> str:
    return part.partition("=")[2].strip().strip('"')


def _is_advisor_action(scope: Scope) -> bool:
    """A page load or an event (not Gradio's background heartbeats and streams): only
    these restart a session's idle time."""
    if scope["type"] != "http":
        return False
    navigate = (b"sec-fetch-mode", b"navigate") in scope["headers"]
    return bool(scope["method"] == "POST" or navigate)


async def _read_body(receive: Receive) -> bytes | None:
    """The request's body, or None past the limit."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > _LOGIN_BODY_LIMIT:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _form_user(scope: Scope, body: bytes) -> str:
    """The login form's user name, stripped as Gradio strips it ("" when unreadable)."""
    request = Request(scope, _replay(body))
    try:
        form = await request.form(max_files=0, max_fields=8)
    except Exception:  # a malformed form: Gradio answers it; there is no name to count
        return ""
    try:
        user = form.get("username")
        return user.strip() if isinstance(user, str) else ""
    finally:
        await form.close()


class _RecordedResponse:
    """Gradio's answer to a login, held back until the guard has read it."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.status = 0
        self.token = ""

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            for name, value in message.get("headers", []):
                if name.lower() == b"set-cookie":
                    cookie = value.decode("latin-1").split(";", 1)[0]
                    if _is_token_cookie(cookie):
                        self.token = _value(cookie)
        self.messages.append(message)

    async def replay(self, send: Send) -> None:
        for message in self.messages:
            await send(message)


def _with_script(send: Send, script: bytes) -> Callable[[Message], Awaitable[None]]:
    """`send` adding `script` at the top of <head> of an HTML answer."""
    start: Message | None = None
    chunks: list[bytes] = []

    async def wrapped(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start" and _is_plain_html(message):
            start = message
            return
        if start is None or message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        html = _HEAD.sub(lambda head: head.group(0) + script, b"".join(chunks), count=1)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(html)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": html})

    return wrapped


def _is_plain_html(start: Message) -> bool:
    headers = {k.lower(): v for k, v in start.get("headers", [])}
    content_type = headers.get(b"content-type", b"")
    return content_type.startswith(b"text/html") and b"content-encoding" not in headers
