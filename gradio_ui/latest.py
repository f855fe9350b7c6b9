"""Only the answer to an advisor's latest request is shown: requests stamped in the browser."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

__all__ = ["STAMP_JS", "LatestRequests", "Ticket"]

# Runs in the browser before the request is sent: the last input (a hidden textbox) becomes the
# time of the click. The browser's clock orders the clicks; the server's threads start the
# handlers in no guaranteed order, so they cannot.
STAMP_JS = """(...args) => {
  args[args.length - 1] = String(performance.timeOrigin + performance.now());
  return args;
}"""


@dataclass(frozen=True, slots=True)
class Ticket:
    """One request: the browser tab (Gradio's session hash), what it asks for (a channel such as
    "client" or "search"), and its stamp (None when the request came without one: an API call)."""

    session: str
    channel: str
    stamp: float | None

    @classmethod
    def of(cls, session: str | None, channel: str, stamp: object) -> Ticket:
        try:
            value = float(str(stamp)) if stamp not in (None, "") else None
        except ValueError:
            value = None
        return cls(session or "", channel, value)


@dataclass(frozen=True, slots=True)
class _Newest:
    stamp: float
    subject: object


class LatestRequests:
    """The newest stamp seen per tab and channel, with what that request asked for (its
    subject, e.g. a client id). A request older than one already begun is dropped at once; one
    overtaken while it ran is dropped before its answer is shown."""

    def __init__(self, max_entries: int = 20_000) -> None:
        self._newest: OrderedDict[tuple[str, str], _Newest] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def begin(self, ticket: Ticket, subject: object = None) -> bool:
        """Records the request and its subject; False when a newer one of the same tab and
        channel began."""
        if ticket.stamp is None:
            return True
        key = (ticket.session, ticket.channel)
        with self._lock:
            newest = self._newest.get(key)
            if newest is not None and ticket.stamp < newest.stamp:
                return False
            self._newest[key] = _Newest(ticket.stamp, subject)
            self._newest.move_to_end(key)
            # Tabs closed long ago: forget the oldest (a forgotten tab only loses the check).
            while len(self._newest) > self._max_entries:
                self._newest.popitem(last=False)
        return True

    def is_newest(self, ticket: Ticket) -> bool:
        """True when no newer request of the same tab and channel began since `ticket`."""
        if ticket.stamp is None:
            return True
        with self._lock:
            newest = self._newest.get((ticket.session, ticket.channel))
        return newest is None or newest.stamp <= ticket.stamp

    def asked(self, ticket: Ticket) -> object:
        """The subject of the newest request of `ticket`'s tab and channel begun so far (None
        when none was recorded): what the tab shows once every answer has arrived, even while
        that request's answer is on its way."""
        with self._lock:
            newest = self._newest.get((ticket.session, ticket.channel))
        return None if newest is None else newest.subject
