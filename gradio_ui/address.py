"""The page's address names the open client and the language (?client=100002&lang=fr), so that
a reload or a shared link opens the same file; the page's <html lang> follows the language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from gradio_ui.parsing import is_ascii_digits
from gradio_ui.settings import LANGUAGES, Language

__all__ = ["ADDRESS_JS", "Address", "address_query", "read_address"]

# Runs in the browser when the hidden "address" box changes: the address bar shows it without
# a reload (history.replaceState), and assistive technology reads the page in its language.
ADDRESS_JS = """(query) => {
  const wanted = new URLSearchParams(query || "");
  const url = new URL(window.location.href);
  for (const key of ["client", "lang"]) {
    if (wanted.has(key)) { url.searchParams.set(key, wanted.get(key)); }
    else { url.searchParams.delete(key); }
  }
  window.history.replaceState(window.history.state, "", url);
  if (wanted.get("lang")) { document.documentElement.lang = wanted.get("lang"); }
}"""


def address_query(client_id: int | None, language: Language) -> str:
    """The query of the page's address: the open client (if any) and the language."""
    params: dict[str, str] = {}
    if client_id is not None:
        params["client"] = str(client_id)
    params["lang"] = language
    return urlencode(params)


@dataclass(frozen=True, slots=True)
class Address:
    """What an address asks for: a client and a language, each None when absent or invalid."""

    client_id: int | None
    language: Language | None


def read_address(params: Mapping[str, str]) -> Address:
    """The client and language of a page's query parameters (invalid values are ignored: a
    link is not input to complain about)."""
    client = (params.get("client") or "").strip()
    language = (params.get("lang") or "").strip()
    return Address(
        int(client) if is_ascii_digits(client) and len(client) <= 18 else None,
        language if language in LANGUAGES else None,
    )
