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
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.exc import IntegrityError

from meetbot.domain import ical
from meetbot.extensions import db
from meetbot.freshness.cache import BoundedCache
from meetbot.models import FeedCache, utcnow
from meetbot.services.errors import NotFound

BODY_CACHE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class FeedSpec:
    """Which feed, at which revision, and how to render it.

    ``prefetched``: the query that built the spec also read the feed's cache row
    (``cached``: revision, etag, last modified; None if there is none, see
    :func:`with_cached_row`), so :func:`current_feed` needs no query of its own (the
    group feed does this: its 304 costs one indexed query).
    """

    key: str
    revision: str
    public: bool
    filename: str
    render: Callable[[], bytes]
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

    def body(self) -> bytes:
        if self._body is not None:
            return self._body
        hit = _BODIES.get(self.key)
        if hit is not None and hit[0] == self.etag:
            return hit[1]
        row = db.session.execute(
            select(FeedCache.body, FeedCache.etag).where(FeedCache.key == self.key)
        ).one_or_none()
        if row is None:  # evicted between the two queries: cannot happen unless deleted
            raise NotFound("The feed changed; retry.")
        data = bytes(row.body)
        if row.etag == self.etag:
            _BODIES.put(self.key, (self.etag, data))
        return data


# Feed bytes by key (with their ETag) in this process, bounded in total size.
_BODIES = BoundedCache(BODY_CACHE_BYTES, size_of=lambda item: len(item[1]))


def with_cached_row(query: Select, key: ColumnElement) -> Select:
    """``query`` plus the feed's cache row (``cached_revision``, ``etag``,
    ``last_modified_dt``; NULLs when there is none) for the feed key ``key``."""
    return query.add_columns(
        FeedCache.revision.label("cached_revision"),
        FeedCache.etag,
        FeedCache.last_modified_dt,
    ).outerjoin(FeedCache, FeedCache.key == key)


def current_feed(spec: FeedSpec) -> FeedState:
    """The feed's ETag and Last-Modified, rendering and storing it only if stale."""
    if spec.prefetched:
        row = spec.cached
    else:
        row = db.session.execute(
            select(FeedCache.revision, FeedCache.etag, FeedCache.last_modified_dt).where(
                FeedCache.key == spec.key
            )
        ).one_or_none()
    if row is not None and row[0] == spec.revision:
        return FeedState(spec.key, row[1], row[2], spec.public, spec.filename, False)

    body = spec.render()
    etag = ical.feed_etag(body)
    # HTTP dates have whole seconds; identical bytes keep their first Last-Modified.
    now = utcnow().replace(microsecond=0)
    last_modified = row[2] if row is not None and row[1] == etag else now
    _store(spec.key, spec.revision, etag, body, last_modified)
    _BODIES.put(spec.key, (etag, body))
    return FeedState(spec.key, etag, last_modified, spec.public, spec.filename, True, body)


def _store(key: str, revision: str, etag: str, body: bytes, last_modified: datetime) -> None:
    """Upsert the cache row; a concurrent writer of the same key may win (same bytes)."""
    try:
        cached = db.session.scalar(select(FeedCache).where(FeedCache.key == key))
        if cached is None:
            with db.session.begin_nested():
                db.session.add(
                    FeedCache(
                        key=key,
                        revision=revision,
                        etag=etag,
                        body=body,
                        last_modified_dt=last_modified,
                    )
                )
        else:
            cached.revision = revision
            cached.etag = etag
            cached.body = body
            cached.last_modified_dt = last_modified
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def clear_feed_bodies() -> None:
    """Forget the feed bytes kept in this process."""
    _BODIES.clear()
