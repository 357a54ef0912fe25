"""Knowing, for almost nothing, that the database has not changed since a moment.

A per-process cache of something derived from the database (the feed fast path,
:mod:`meetbot.freshness.fastpath`) may serve what it holds while no transaction has
committed since it was filled. Asking the database on every request would cost a
round trip, which is most of what serving a cached feed costs. Instead each process
keeps one watcher per database and asks it for a *token*: two equal tokens mean no
change was committed in between, by any process or app server.

- SQLite: ``PRAGMA data_version`` on a read-only connection of its own. SQLite
  changes the value whenever another connection (any process) commits, and this
  connection never writes, so every commit counts. It reads a counter in shared
  memory: a few microseconds, no I/O.
- PostgreSQL: ``LISTEN meetbot_change`` on a connection of its own. Every table
  except the feed cache carries a statement trigger that calls ``pg_notify`` (see
  :mod:`meetbot.freshness.notify`), so every committed write, from any app server,
  CLI command or ``psql``, sends one notification. The token is a counter bumped for
  each notification read from the socket without blocking (libpq's
  ``PQconsumeInput``: no round trip). PostgreSQL delivers a notification right
  after the commit, so another process may see a change a few milliseconds late;
  commits of this process bump the counter at once (:meth:`ChangeWatcher.local_commit`).

When a watcher cannot work (in-memory SQLite, a lost connection, another database),
its token differs on every call: the cache is bypassed, which is slower but never
stale. Watchers are shared by the apps of a process per database URL (tests build
hundreds of apps on one PostgreSQL database), bounded in number, and re-opened after
a fork (gunicorn forks its workers). A watcher is built from the *engine's* URL
(``db.engine.url``), never from the configured string: Flask-SQLAlchemy resolves a
relative SQLite path against the instance folder, and a watcher that resolved it on
its own watched another file (issue 12, finding 10).
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
from contextvars import ContextVar
from typing import Protocol

from sqlalchemy.engine import URL

from meetbot.freshness.cache import BoundedCache
from meetbot.lazy import first_use

# A broken or missing watcher answers a token nothing else ever equals.
_UNIQUE = itertools.count(1)
MAX_WATCHERS = 8


class ChangeWatcher(Protocol):
    """What the caches use; see the module docstring."""

    def token(self) -> object:
        """A value that stays equal while no change is committed to the database."""

    def local_commit(self) -> None:
        """This process committed a transaction (its notification may come later)."""

    def close(self) -> None:
        """Release the watcher's connection."""


class NullWatcher:
    """For databases nobody can watch: every token is new, so nothing is reused."""

    def token(self) -> object:
        return -next(_UNIQUE)

    def local_commit(self) -> None:
        pass

    def close(self) -> None:
        pass


class SQLiteWatcher:
    """``PRAGMA data_version`` on a private read-only connection to the file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = 0

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            f"file:{self.path}?mode=ro",
            uri=True,
            check_same_thread=False,  # guarded by self._lock
            isolation_level=None,  # no implicit transaction: each PRAGMA sees the latest
        )
        self._pid = os.getpid()
        return conn

    def token(self) -> object:
        with self._lock:
            try:
                if self._conn is None or self._pid != os.getpid():
                    self._conn = self._connect()
                return self._conn.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.Error:
                self._conn = None
                return -next(_UNIQUE)

    def local_commit(self) -> None:
        """Nothing to do: this connection sees commits of the process's own others."""

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None


# The token read when the current request began, before it queried anything (set by
# meetbot.freshness.request); None outside a request.
_REQUEST_TOKEN: ContextVar[object | None] = ContextVar("meetbot_request_token", default=None)


# Where a WSGI layer in front of Flask leaves the token it read for this request.
ENVIRON_TOKEN = "meetbot.change_token"


def begin_request_token(watcher: ChangeWatcher, environ: dict | None = None) -> object:
    """Remember the database's token for the request starting now: the one a layer in
    front of the app already read for it (``environ[ENVIRON_TOKEN]``, also before any
    query), else a fresh read."""
    token = (environ or {}).get(ENVIRON_TOKEN)
    if token is None:
        token = watcher.token()
    _REQUEST_TOKEN.set(token)
    return token


def end_request_token() -> None:
    """Forget the request's token (the request is over)."""
    _REQUEST_TOKEN.set(None)


def request_token() -> object | None:
    """The token read before the current request's first query, or None.

    Something derived from the database by this request may be reused by a later
    request that sees the same token: nothing was committed in between, and the
    request's reads all saw at least what that token stands for (SQLite starts a
    request's snapshot at its first query, after the token was read; PostgreSQL reads
    the latest committed data at each statement)."""
    return _REQUEST_TOKEN.get()


_WATCHERS = BoundedCache(MAX_WATCHERS, on_evict=lambda watcher: watcher.close())
_WATCHERS_LOCK = threading.Lock()


def _build(url: URL) -> ChangeWatcher:
    backend = url.get_backend_name()
    if backend == "sqlite":
        path = url.database or ""
        if not path or path == ":memory:" or path.startswith("file:"):
            return NullWatcher()
        return SQLiteWatcher(os.path.abspath(path))
    if backend == "postgresql" and url.get_driver_name() in {"psycopg", ""}:
        # Imported here, by name: psycopg costs ~5 % of start-up on SQLite, where it is
        # never used (the module imports nothing of this one: no cycle).
        pg_watcher = first_use("meetbot.freshness.pg_watcher")
        return pg_watcher.PostgresWatcher(pg_watcher.postgres_conninfo(url))
    return NullWatcher()


def watcher_for(url: URL) -> ChangeWatcher:
    """The process's watcher of the database at ``url`` (made on first use).

    Pass the engine's URL (``db.engine.url``): a relative SQLite path in the
    configured string means the instance folder to Flask-SQLAlchemy."""
    key = url.render_as_string(hide_password=False)
    with _WATCHERS_LOCK:
        watcher = _WATCHERS.get(key)
        if watcher is None:
            watcher = _build(url)
            _WATCHERS.put(key, watcher)
        return watcher
