"""Keeping answers fresh: everything that caches something derived from the database.

The rest of the application uses only the names below (docs/architecture.md,
"Freshness"); the modules of this package are private to it:

- ``tokens``: per-process watchers of the database (SQLite ``PRAGMA data_version``,
  PostgreSQL ``LISTEN``) and the token each request reads before its first query;
- ``notify``: the PostgreSQL triggers and the one channel name;
- ``fastpath``: the WSGI layer that answers a repeated feed request from memory;
- ``feed_store``: the shared rendered-feed table and its in-process bytes;
- ``feed_claims``: one render at a time per feed, the feed caches' own write
  transactions;
- ``feed_fragments``: each series' rendered events, shared by every app server;
- ``feed_memory``: the feed render's in-process caches, each on a bytes budget;
- ``derived``: per-app caches of derived schedule data (fingerprints, token memo);
- ``conditional``: the one If-None-Match / If-Modified-Since rule;
- ``writes``: revisions bumped by construction (a flush hook reading the models'
  ``__freshness__`` declarations) and the local write detector;
- ``cache``: the one bounded LRU type every cache above uses;
- ``sizing``: ``approx_size``, the estimated bytes of a cached value.
"""

from __future__ import annotations

from flask import Flask

from meetbot.extensions import db
from meetbot.freshness.cache import BoundedCache
from meetbot.freshness.conditional import not_modified
from meetbot.freshness.derived import (
    cached,
    cached_many,
    cached_while_unchanged,
    schedule_fingerprint,
    while_unchanged,
)
from meetbot.freshness.fastpath import MAX_BYTES as FAST_PATH_BYTES
from meetbot.freshness.fastpath import FeedFastPath, mark_cacheable
from meetbot.freshness.feed_claims import render_count
from meetbot.freshness.feed_fragments import (
    StoredFragment,
    clear_feed_fragments,
    load_fragments,
    load_zones,
    store_fragments,
    store_zones,
)
from meetbot.freshness.feed_memory import COMPONENTS as FEED_COMPONENTS
from meetbot.freshness.feed_memory import SPANS as FEED_SPANS
from meetbot.freshness.feed_memory import configure as configure_feed_memory
from meetbot.freshness.feed_store import (
    FeedSpec,
    FeedState,
    clear_feed_bodies,
    current_feed,
    preload_feeds,
    previous_feed,
    rehearse_writes,
    with_cached_row,
)
from meetbot.freshness.group_fingerprints import group_fingerprints
from meetbot.freshness.notify import install_triggers
from meetbot.freshness.request import WATCHER_KEY, app_watcher, init_request_token
from meetbot.freshness.sizing import approx_size
from meetbot.freshness.tokens import request_token, watcher_for
from meetbot.freshness.writes import install_flush_hook, track_local_writes

FAST_PATH_KEY = "meetbot_feed_fast_path"


def install(app: Flask) -> FeedFastPath | None:
    """Wire freshness into ``app``: the watcher of its database (from the engine's
    resolved URL), the per-request token, the flush hook, the PostgreSQL triggers, and
    the feed fast path in front of Flask (unless MEETBOT_FEED_FAST_PATH is off).

    On PostgreSQL, a commit of this process that wrote something moves the watcher at
    once, so the process never serves its own stale entry while the notification of
    its commit is on the way. (SQLite's watcher sees every commit by itself.)
    """
    install_triggers(db.metadata)
    install_flush_hook()
    configure_feed_memory(app.config)
    with app.app_context():
        engine = db.engine
    watcher = watcher_for(engine.url)
    app.extensions[WATCHER_KEY] = watcher
    init_request_token(app)
    if engine.dialect.name == "postgresql":
        track_local_writes(engine, watcher)
    if not app.config.get("MEETBOT_FEED_FAST_PATH", True):
        return None
    budget = app.config.get("MEETBOT_FAST_PATH_BYTES") or FAST_PATH_BYTES
    fast_path = FeedFastPath(app.wsgi_app, watcher, max_bytes=int(budget))
    app.wsgi_app = fast_path  # type: ignore[method-assign]
    app.extensions[FAST_PATH_KEY] = fast_path
    return fast_path


__all__ = [
    "FEED_COMPONENTS",
    "FEED_SPANS",
    "BoundedCache",
    "FeedSpec",
    "FeedState",
    "StoredFragment",
    "approx_size",
    "cached",
    "cached_many",
    "cached_while_unchanged",
    "clear_feed_bodies",
    "clear_feed_fragments",
    "configure_feed_memory",
    "current_feed",
    "preload_feeds",
    "previous_feed",
    "rehearse_writes",
    "app_watcher",
    "group_fingerprints",
    "install",
    "load_fragments",
    "load_zones",
    "mark_cacheable",
    "not_modified",
    "render_count",
    "request_token",
    "schedule_fingerprint",
    "store_fragments",
    "store_zones",
    "while_unchanged",
    "with_cached_row",
]
