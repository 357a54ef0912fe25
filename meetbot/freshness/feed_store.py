"""The shared rendered-feed cache (the ``feed_cache`` table) and its in-process front.

A feed is described by a :class:`FeedSpec`: a cache ``key`` (which feed), a
``revision`` string that changes whenever anything the feed shows changes, and a
``render`` function. :func:`current_feed` answers from the ``feed_cache`` table when
the stored revision equals the spec's (no rendering: 304s and warm hits are cheap on
every app server), and otherwise renders, stores and returns the new bytes. The bytes
of recent feeds are also kept in process memory by (key, ETag): the ETag is a hash of
the bytes, so a hit is always the right body, whichever server rendered it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Select, func, select

from meetbot.db_setup import BINARY_RESULTS
from meetbot.domain import ical
from meetbot.extensions import db
from meetbot.freshness import feed_claims
from meetbot.freshness.cache import BoundedCache
from meetbot.freshness.feed_fragments import StoredFragment, store_fragments
from meetbot.models import FeedCache, utcnow
from meetbot.services.errors import NotFound

if TYPE_CHECKING:
    from meetbot.domain.ical import PreviousFeed, RenderedFeed

# The default budget of the feed bytes kept in this process (MEETBOT_FEED_BODY_BYTES,
# applied by feed_memory.configure), and what an entry holds besides its bytes object
# (the key's slot, the (etag, bytes) tuple, the ETag string).
BODY_CACHE_BYTES = 32 * 1024 * 1024
BODY_ENTRY_BYTES = 320
# The default budget of the feed layouts kept in this process
# (MEETBOT_FEED_LAYOUT_BYTES): the largest feed's is ~1 MiB (``Layout.size``).
LAYOUT_CACHE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class FeedSpec:
    """Which feed, at which revision, and how to render it (``render(previous)``: the
    bytes and layout, given the feed's previous bytes and layout if there are any).

    ``prefetched``: the query that built the spec also read the feed's cache row
    (``cached``: revision, etag, last modified; None if there is none, see
    :func:`with_cached_row`), so :func:`current_feed` needs no query of its own (the
    group feed does this: its 304 costs one indexed query).
    """

    key: str
    revision: str
    public: bool
    filename: str
    render: Callable[[PreviousFeed | None], RenderedFeed]
    prefetched: bool = False
    cached: tuple[str, str, datetime] | None = None


@dataclass(frozen=True)
class FeedState:
    """The current bytes' identity; ``body()`` loads the bytes (one query)."""

    key: str
    etag: str
    last_modified: datetime
    public: bool
    filename: str
    rendered: bool  # True if this call rendered (cache miss)
    _body: bytes | None = None
    stale: bool = False  # the previous bytes, served while another server renders

    def with_body(self) -> FeedState:
        """This state with its bytes loaded (one query unless kept in memory). Should
        another server have stored newer bytes since the ETag was read, the state of
        the bytes actually read is returned: the ETag always matches the body."""
        if self._body is not None:
            return self
        hit = _BODIES.get(self.key)
        if hit is not None and hit[0] == self.etag:
            return replace(self, _body=hit[1])
        row = db.session.execute(
            select(FeedCache.body, FeedCache.etag, FeedCache.last_modified_dt)
            .where(FeedCache.key == self.key)
            .execution_options(**{BINARY_RESULTS: True})
        ).one_or_none()
        if row is None:  # cannot happen unless the row was deleted meanwhile
            raise NotFound("The feed changed; retry.")
        data = bytes(row.body)
        _BODIES.put(self.key, (row.etag, data))
        if row.etag == self.etag:
            return replace(self, _body=data)
        return replace(self, etag=row.etag, last_modified=row.last_modified_dt, _body=data)

    def body(self) -> bytes:
        return self.with_body()._body  # type: ignore[return-value]


# Feed bytes by key (with their ETag) in this process, bounded in total size.
_BODIES = BoundedCache(BODY_CACHE_BYTES, size_of=lambda item: len(item[1]) + 33 + BODY_ENTRY_BYTES)


# Feed layouts by key (with the ETag of the bytes they describe), bounded likewise.
_LAYOUTS = BoundedCache(LAYOUT_CACHE_BYTES, size_of=lambda item: item[1].size)


def body_cache() -> BoundedCache:
    """The feed bytes kept in this process (``feed_memory`` sets its budget)."""
    return _BODIES


def layout_cache() -> BoundedCache:
    """The feed layouts kept in this process (``feed_memory`` sets its budget)."""
    return _LAYOUTS


def with_cached_row(query: Select, key: ColumnElement) -> Select:
    """``query`` plus the feed's cache row (``cached_revision``, ``etag``,
    ``last_modified_dt``; NULLs when there is none) for the feed key ``key``."""
    return query.add_columns(
        FeedCache.revision.label("cached_revision"),
        FeedCache.etag,
        FeedCache.last_modified_dt,
    ).outerjoin(FeedCache, FeedCache.key == key)


def current_feed(spec: FeedSpec) -> FeedState:
    """The feed's ETag and Last-Modified, rendering and storing it only if stale.

    Only one app server renders a stale feed at a time (``feed_claims``); while it
    does, the others answer with the previous bytes (``stale=True``) or, when there
    are none, wait for its bytes.
    """
    row = spec.cached if spec.prefetched else _cached_row(spec.key)
    if row is not None and row[0] == spec.revision:
        return FeedState(spec.key, row[1], row[2], spec.public, spec.filename, False)
    outcome = feed_claims.claim(spec.key, spec.revision, wait=row is None)
    if isinstance(outcome, feed_claims.StoredFeed):  # another server just stored it
        _BODIES.put(spec.key, (outcome.etag, outcome.body))
        return FeedState(
            spec.key, outcome.etag, outcome.last_modified, spec.public, spec.filename,
            False, outcome.body,
        )  # fmt: skip
    if outcome is None and row is not None:  # another server is rendering it
        return FeedState(spec.key, row[1], row[2], spec.public, spec.filename, False, stale=True)
    return _render(spec, row, outcome)


def _cached_row(key: str) -> tuple[str, str, datetime] | None:
    return db.session.execute(
        select(FeedCache.revision, FeedCache.etag, FeedCache.last_modified_dt).where(
            FeedCache.key == key
        )
    ).one_or_none()


def _render(spec: FeedSpec, row: tuple | None, token: str | None) -> FeedState:
    """Render under the claim ``token`` (None: waited in vain), store, drop the claim."""
    try:
        feed_claims.count_render()
        rendered = spec.render(None if row is None else previous_feed(spec.key))
    except BaseException:
        feed_claims.release(spec.key, token)
        raise
    body, layout = rendered
    etag = ical.feed_etag(body)
    # HTTP dates have whole seconds; identical bytes keep their first Last-Modified.
    now = utcnow().replace(microsecond=0)
    last_modified = row[2] if row is not None and row[1] == etag else now
    encoded = None if layout is None else layout.encode()
    feed_claims.store(spec.key, token, spec.revision, etag, body, last_modified, encoded)
    # End the session's read transaction too: its snapshot predates the store, so a
    # later write in the same session (a CLI command, a test) must not build on it.
    db.session.commit()
    _BODIES.put(spec.key, (etag, body))
    if encoded is not None:
        _LAYOUTS.put(spec.key, (etag, layout))
    return FeedState(spec.key, etag, last_modified, spec.public, spec.filename, True, body)


def previous_feed(key: str) -> PreviousFeed | None:
    """The feed's last bytes and their layout: from this process when it kept both of
    the same render, else from the ``feed_cache`` row (one query; None when the row has
    no layout or an unreadable one)."""
    body = _BODIES.get(key)
    kept = _LAYOUTS.get(key)
    if body is not None and kept is not None and body[0] == kept[0]:
        return ical.PreviousFeed(body[1], kept[1])
    row = db.session.execute(
        select(FeedCache.etag, FeedCache.body, FeedCache.layout)
        .where(FeedCache.key == key)
        .execution_options(**{BINARY_RESULTS: True})
    ).one_or_none()
    found = None if row is None else _readable(row.body, row.layout)
    if found is None:
        return None
    _LAYOUTS.put(key, (row.etag, found.layout))
    return found


def _readable(body: bytes, layout: bytes | None) -> PreviousFeed | None:
    """A stored feed's bytes with their decoded layout; None when it has no layout or
    one that cannot be read or does not describe the bytes (an older format)."""
    if layout is None:
        return None
    data = bytes(body)
    try:
        decoded = ical.Layout.decode(bytes(layout))
    except ValueError:
        return None
    return ical.PreviousFeed(data, decoded) if decoded.fits(data) else None


# Feed rows a warm-up considers (newest first) when it chooses what to load.
PRELOAD_CANDIDATES = 500


def preload_feeds(budget: int) -> list[str]:
    """Load the most recently stored feeds that have a layout into this process's
    caches, bytes and decoded layout (as a worker that rendered them keeps them), newest
    first, as many as fit ``budget`` bytes as stored (bytes plus encoded layout): a new
    worker's warm-up. Its first render of one of them after a change then takes the
    unchanged series from memory, as a running worker's does, instead of reading and
    decoding the previous bytes (~8 ms for the largest bench feed on PostgreSQL). A
    feed whose bytes another server replaces meanwhile is read again as before: the
    ETag tells. Returns the keys loaded, newest first."""
    if budget <= 0:
        return []
    stored = func.length(FeedCache.body) + func.length(FeedCache.layout)
    candidates = db.session.execute(
        select(FeedCache.key, stored)
        .where(FeedCache.layout.is_not(None))
        .order_by(FeedCache.last_modified_dt.desc(), FeedCache.id.desc())
        .limit(PRELOAD_CANDIDATES)
    ).all()
    chosen: list[str] = []
    for key, size in candidates:
        if size <= budget:
            chosen.append(key)
            budget -= size
    if not chosen:
        return []
    rows = db.session.execute(
        select(FeedCache.key, FeedCache.etag, FeedCache.body, FeedCache.layout)
        .where(FeedCache.key.in_(chosen))
        .execution_options(**{BINARY_RESULTS: True})
    ).all()
    by_key = {row.key: row for row in rows}
    loaded = []
    for key in reversed(chosen):  # the newest put last: the last the caches would drop
        row = by_key.get(key)
        found = None if row is None else _readable(row.body, row.layout)
        if found is not None:
            _BODIES.put(key, (row.etag, found.body))
            _LAYOUTS.put(key, (row.etag, found.layout))
            loaded.append(key)
    return loaded[::-1]


def rehearse_writes() -> None:
    """Every write of a render after a change (the claim, the changed series' fragment,
    the new bytes and the claim's release), for a feed and a series that do not exist,
    each rolled back (``feed_claims.rehearsal``): a new worker's warm-up, so that its
    first render compiles none of them and, on PostgreSQL, finds them planned on its
    connections. No row is left behind."""
    now = utcnow()
    with feed_claims.rehearsal():
        token = feed_claims.claim("", "", wait=False)
        # series 0 does not exist: the INSERT fails its foreign key, after the DELETE ran
        store_fragments([StoredFragment(0, "", (0, 0), None, {}, b"")])
        feed_claims.store("", token if isinstance(token, str) else None, "", "", b"", now, b"")


def clear_feed_bodies() -> None:
    """Forget the feed bytes and layouts kept in this process."""
    _BODIES.clear()
    _LAYOUTS.clear()
