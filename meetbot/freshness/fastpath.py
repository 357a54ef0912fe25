"""The feed fast path: a WSGI layer that answers a repeated feed request from memory.

Calendar clients poll every feed all day, mostly to hear "not modified". The feed
views (``web/feeds.py``) already answer from the shared ``FeedCache`` table without
rendering, but each request still pays Flask's dispatch and a database round trip.
This layer sits in front of Flask and keeps, per process, the last response of each
feed URL (status line, headers, bytes) together with the database's change token
from :mod:`meetbot.freshness.tokens` taken *before* the view read anything. A later GET
of the same URL is answered here, without Flask and without a query, when

- the token is still the same (no transaction committed anywhere since), and
- the entry is younger than :data:`MAX_AGE_S` (a bound on staleness should a
  change notification ever be lost).

It answers 304 exactly as the view would (the same
:func:`meetbot.freshness.conditional.not_modified`) and otherwise 200 with the stored
bytes; the headers are the ones the view produced (security headers included), minus
the body's own for a 304.
Only responses the feed view marked as cacheable (``mark_cacheable``: they depend on the
URL and the database alone) that set no cookie are kept: an error, a redirect or
anything per-user never is. (Their ``Vary: Cookie`` comes from Flask-Login peeking at
the session on every request; the bytes do not depend on it.)

Several app servers stay correct because the token follows the shared database,
not this process. Entries are bounded in total bytes, bodies, headers and the entry
itself (``MEETBOT_FAST_PATH_BYTES``; least recently used first).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from werkzeug.http import parse_date, remove_entity_headers, unquote_etag

from meetbot.freshness.cache import BoundedCache
from meetbot.freshness.conditional import not_modified
from meetbot.freshness.tokens import ENVIRON_TOKEN, ChangeWatcher

# Set by the feed views on responses this layer may keep.
ENVIRON_KEY = "meetbot.feed_cacheable"
MAX_AGE_S = 60.0
# The default budget (MEETBOT_FAST_PATH_BYTES): the largest feed is ~1.5 MB, so the
# biggest twenty fit; the bytes are the same objects the feed store keeps.
MAX_BYTES = 32 * 1024 * 1024
# What an entry holds besides its body and header text (the entry, its lists, tuples
# and the parsed Last-Modified), measured with tracemalloc: ~1 kB.
ENTRY_OVERHEAD = 1024

StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class _Entry:
    token: object
    stored: float  # time.monotonic()
    etag_header: str  # as sent, e.g. '"abc"'
    etag: str  # unquoted
    last_modified: datetime | None
    headers_304: list[tuple[str, str]]
    status_200: str | None = None
    headers_200: list[tuple[str, str]] | None = None
    body: bytes | None = None

    def not_modified(self, environ: dict[str, Any]) -> bool:
        """The view's rule on the raw headers."""
        return not_modified(
            self.etag,
            self.last_modified,
            environ.get("HTTP_IF_NONE_MATCH"),
            environ.get("HTTP_IF_MODIFIED_SINCE"),
        )


def mark_cacheable(environ: dict[str, Any]) -> None:
    """A view says: this response depends on the URL and the database alone."""
    environ[ENVIRON_KEY] = True


def _entry_size(entry: _Entry) -> int:
    """Bytes an entry holds: its body, its header text and the entry itself."""
    headers = entry.headers_304 + (entry.headers_200 or [])
    text = sum(len(name) + len(value) for name, value in headers)
    return (len(entry.body) if entry.body is not None else 0) + text + ENTRY_OVERHEAD


class FeedFastPath:
    """WSGI middleware: ``app.wsgi_app = FeedFastPath(app.wsgi_app, watcher)``."""

    def __init__(
        self,
        wsgi_app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]],
        watcher: ChangeWatcher,
        *,
        max_bytes: int = MAX_BYTES,
        max_age_s: float = MAX_AGE_S,
    ) -> None:
        self.wsgi_app = wsgi_app
        self.watcher = watcher
        self.max_bytes = max_bytes
        self.max_age_s = max_age_s
        self.hits = 0  # answered here (tests and the bench read these)
        self.clock: Callable[[], float] = time.monotonic
        self._entries = BoundedCache(max_bytes, size_of=_entry_size)

    @property
    def size(self) -> int:
        """Bytes held: bodies, headers and each entry's own (``_entry_size``)."""
        return self._entries.size

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        path = environ.get("PATH_INFO", "")
        if (method != "GET" and method != "HEAD") or not path.endswith(".ics"):
            return self.wsgi_app(environ, start_response)
        key = (path, environ.get("QUERY_STRING", ""))
        token = self.watcher.token()
        entry = self._entries.get(key)
        if (
            entry is not None
            and entry.token == token
            and self.clock() - entry.stored < self.max_age_s
        ):
            if entry.not_modified(environ):
                self.hits += 1
                start_response("304 NOT MODIFIED", entry.headers_304)
                return []
            if entry.body is not None:
                self.hits += 1
                start_response(entry.status_200, entry.headers_200)
                return [] if method == "HEAD" else [entry.body]
        environ[ENVIRON_TOKEN] = token  # the request's token: read once, not again
        return self._through_flask(key, token, environ, start_response)

    def _through_flask(
        self,
        key: tuple[str, str],
        token: object,
        environ: dict[str, Any],
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        seen: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, capture)
        if not environ.get(ENVIRON_KEY) or not seen or environ["REQUEST_METHOD"] != "GET":
            return body
        status, headers = seen
        code = status[:3]
        if code not in {"200", "304"} or not _keepable(headers):
            return body
        try:
            data = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        self._keep(
            key, _entry(token, self.clock(), status, headers, data if code == "200" else None)
        )
        return [data]

    def _keep(self, key: tuple[str, str], entry: _Entry | None) -> None:
        if entry is None:
            return
        old = self._entries.pop(key)
        if (
            old is not None
            and old.body is not None
            and entry.body is None
            and old.etag_header == entry.etag_header
        ):
            # A 304 confirmed the bytes we hold: keep them under the new token.
            # (A 304 has no Last-Modified: keep the 200's for If-Modified-Since.)
            entry = replace(
                entry,
                last_modified=old.last_modified,
                status_200=old.status_200,
                headers_200=old.headers_200,
                body=old.body,
            )
        self._entries.put(key, entry)

    def clear(self) -> None:
        """Forget every kept response."""
        self._entries.clear()


def _keepable(headers: list[tuple[str, str]]) -> bool:
    names = {name.lower() for name, _ in headers}
    return "etag" in names and "set-cookie" not in names


def _entry(
    token: object, stored: float, status: str, headers: list[tuple[str, str]], body: bytes | None
) -> _Entry | None:
    """The entry for a response of the view: a 200 gives both answers, a 304 only one."""
    etag_header = next(value for name, value in headers if name.lower() == "etag")
    etag, _weak = unquote_etag(etag_header)
    if etag is None:
        return None
    modified = next((v for n, v in headers if n.lower() == "last-modified"), None)
    last_modified = parse_date(modified) if modified else None
    headers = list(headers)
    if body is None:
        return _Entry(token, stored, etag_header, etag, last_modified, headers)
    # What werkzeug strips from the view's own 304 (Last-Modified, Content-Type, ...),
    # and the filename, which the view sets only on a 200.
    without_body = [(n, v) for n, v in headers if n.lower() != "content-disposition"]
    remove_entity_headers(without_body)
    return _Entry(
        token,
        stored,
        etag_header,
        etag,
        last_modified,
        without_body,
        status,
        headers,
        body,
    )
