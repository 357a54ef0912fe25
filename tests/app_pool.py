"""One app per worker and configuration, reset before every test (tests/conftest.py ``app``).

Building an app costs ~110 ms of CPU (werkzeug compiles ~225 URL rules); the 1,943
tests used to build one each. A pooled app is built once per worker for each
distinct configuration (the ``app_config`` a module gives it) and before every test
it is put back as it was when built:

- the database: SQLite tables the last test filled are emptied (``database_url``, on a
  raw connection to the one file of this worker, so ``sqlite_sequence`` and ids
  restart as in a new copy of the schema template); PostgreSQL as before
  (``_truncate_all``);
- ``app.config`` (a test may set a key on the app);
- what the app keeps in ``app.extensions``: the derived caches and fingerprint memo
  made on first use are dropped, the feed fast path forgets its entries, hit count
  and clock; the rate limiter is bound to the app again (Flask-Limiter keeps
  ``enabled`` and its storage on the one global object, so another app built since
  would otherwise decide for this one; re-binding gives it fresh, empty storage);
- the database connections stay in the engine's pool (a PostgreSQL one forgets its
  session settings when it goes back: ``RESET ALL``);
- the process's SQLite change watcher stays (``PRAGMA data_version`` only grows on its
  own connection, so a token never repeats across tests).

What the reset does not cover makes the app unpoolable: after every test a
fingerprint of the app (extension keys, request hooks, URL rules, signal receivers,
engine event listeners, the WSGI callable, the SQLite schema version) is compared
with the one taken when it was built, and an app that differs is dropped, so the
next test gets a new one. An app with SSO providers (Authlib clients cache their
providers' metadata) is never pooled. tests/test_app_pool.py proves each reset: a
test leaves the state behind, the next one must not see it.
"""

from __future__ import annotations

import copy
import sqlite3
from collections import OrderedDict
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, appcontext_pushed, g, request_finished, request_started
from sqlalchemy import Engine, event, make_url

from meetbot import create_app
from meetbot.extensions import db, limiter

MAX_APPS = 6  # per worker; least recently used dropped first
# Extension entries made at first use by the app's own code (freshness.derived).
LAZY_EXTENSIONS = ("meetbot_derived_cache", "meetbot_fingerprint_memo")
FAST_PATH_KEY = "meetbot_feed_fast_path"
_ENGINE_EVENTS = (
    "before_cursor_execute",
    "after_cursor_execute",
    "connect",
    "checkout",
    "begin",
    "commit",
    "rollback",
)
_SIGNALS = (request_started, request_finished, appcontext_pushed)


def forget_user(sender: Flask, **extra: Any) -> None:
    """The test keeps one app context open and Flask reuses it for every request, so
    Flask-Login's cached user in ``g`` would leak from one request (and one client)
    to the next. Production requests each get their own context: forget it here."""
    g.pop("_login_user", None)


def _engine_listeners(engine: Engine) -> tuple[int, ...]:
    pool = engine.pool
    counts = [len(getattr(engine.dispatch, name)) for name in _ENGINE_EVENTS[:2]]
    counts += [len(getattr(pool.dispatch, name)) for name in ("connect", "checkout")]
    counts += [len(getattr(engine.dispatch, name)) for name in _ENGINE_EVENTS[4:]]
    return tuple(counts)


def fingerprint(app: Flask) -> tuple:
    """What a test must not change on a pooled app (the reset does not restore it)."""
    with app.app_context():
        engine = db.engine
    return (
        tuple(sorted(k for k in app.extensions if k not in LAZY_EXTENSIONS)),
        tuple((k, tuple(v)) for k, v in sorted(app.before_request_funcs.items(), key=repr)),
        tuple((k, tuple(v)) for k, v in sorted(app.after_request_funcs.items(), key=repr)),
        tuple((k, tuple(v)) for k, v in sorted(app.teardown_request_funcs.items(), key=repr)),
        tuple(sorted(app.view_functions)),
        len(app.url_map._rules),
        tuple(len(list(s.receivers_for(app))) for s in _SIGNALS),
        _engine_listeners(engine),
        app.wsgi_app,
        tuple(sorted(app.jinja_env.globals)),
    )


@dataclass
class PooledApp:
    app: Flask
    config: dict[str, Any]
    sqlite_path: str | None
    schema_version: int | None
    fingerprint: tuple
    fast_path: dict[str, Any] = field(default_factory=dict)


def _sqlite_path(app: Flask) -> str | None:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return url.database


def _schema_version(path: str) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("PRAGMA schema_version").fetchone()[0]


def _reset_sessions(engine: Engine) -> None:
    """A PostgreSQL connection going back to the pool forgets its session settings
    (``SET TIME ZONE`` ...): the next test reuses it. (Reusing connections saves a new
    server process per test: ~5-30 ms of its CPU each, measured noisily.)"""

    @event.listens_for(engine.pool, "reset")
    def _reset_all(dbapi_connection: Any, _record: Any, state: Any) -> None:
        if state.terminate_only:  # the connection is being closed anyway
            return
        dbapi_connection.rollback()
        dbapi_connection.execute("RESET ALL")
        dbapi_connection.commit()


def build(config: dict[str, Any]) -> PooledApp:
    """A new app for ``config`` and the state to reset it to."""
    app = create_app(config)
    request_started.connect(forget_user, app)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            _reset_sessions(db.engine)
    path = _sqlite_path(app)
    fast = app.extensions.get(FAST_PATH_KEY)
    pooled = PooledApp(
        app=app,
        config=copy.deepcopy(dict(app.config)),
        sqlite_path=path,
        schema_version=_schema_version(path) if path else None,
        fingerprint=fingerprint(app),
        fast_path={k: v for k, v in vars(fast).items() if not k.startswith("_")} if fast else {},
    )
    return pooled


def poolable(pooled: PooledApp) -> bool:
    """The app is as built, but for what ``reset`` restores."""
    app = pooled.app
    if app.extensions["meetbot_oidc"][1] is not None:
        return False  # Authlib's clients keep what they fetched from the providers
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and pooled.sqlite_path is None:
        return False  # an in-memory database would keep its rows
    if pooled.sqlite_path and _schema_version(pooled.sqlite_path) != pooled.schema_version:
        return False
    return fingerprint(app) == pooled.fingerprint


def reset(pooled: PooledApp) -> None:
    """Put the app's own state back as it was built (the database is emptied by the caller)."""
    app = pooled.app
    if dict(app.config) != pooled.config:
        app.config.clear()
        app.config.update(copy.deepcopy(pooled.config))
    for key in LAZY_EXTENSIONS:
        app.extensions.pop(key, None)
    fast = app.extensions.get(FAST_PATH_KEY)
    if fast is not None:
        fast.clear()
        vars(fast).update(pooled.fast_path)
    limiter.init_app(app)


def empty_sqlite(path: str, tables: list[str]) -> None:
    """Delete every row the last test left, on a connection of its own (foreign keys
    off, as sqlite3 opens it), and restart AUTOINCREMENT counters."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        probe = " UNION ALL ".join(
            f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables
        )
        filled = [row[0] for row in conn.execute(probe)]
        has_sequence = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"
        ).fetchone()
        if filled or has_sequence:
            conn.execute("BEGIN IMMEDIATE")
            for table in filled:
                conn.execute(f'DELETE FROM "{table}"')
            if has_sequence:
                conn.execute("DELETE FROM sqlite_sequence")
            conn.execute("COMMIT")
    finally:
        conn.close()


class AppPool:
    """The worker's pooled apps by configuration (an LRU of ``MAX_APPS``)."""

    def __init__(self, folder: Path) -> None:
        self._apps: OrderedDict[str, PooledApp] = OrderedDict()
        self._folder = folder
        self._generation = 1  # a new SQLite file after a test changed the schema
        self.built = 0
        self.reused = 0
        self.dropped = 0

    def sqlite_file(self) -> Path:
        """The worker's SQLite database file (the schema template's copy)."""
        return self._folder / f"test-{self._generation}.sqlite"

    @staticmethod
    def key(config: dict[str, Any]) -> str:
        return repr(sorted(config.items(), key=lambda item: item[0]))

    def get(self, config: dict[str, Any]) -> PooledApp:
        """The pooled app for ``config``, reset, or a new one."""
        key = self.key(config)
        pooled = self._apps.get(key)
        if pooled is not None:
            self._apps.move_to_end(key)
            reset(pooled)
            self.reused += 1
            return pooled
        pooled = build(config)
        self.built += 1
        self._apps[key] = pooled
        while len(self._apps) > MAX_APPS:
            _, old = self._apps.popitem(last=False)
            _close(old)
        return pooled

    def release(self, config: dict[str, Any], pooled: PooledApp) -> bool:
        """After the test: keep the app if it may be reused, else drop it (False)."""
        if poolable(pooled):
            return True
        self._apps.pop(self.key(config), None)
        _close(pooled)
        if pooled.sqlite_path and _schema_version(pooled.sqlite_path) != pooled.schema_version:
            # Every app on that file would see the changed schema: start another file.
            for key in [k for k, p in self._apps.items() if p.sqlite_path == pooled.sqlite_path]:
                _close(self._apps.pop(key))
            self._generation += 1
        self.dropped += 1
        return False

    def close(self) -> None:
        while self._apps:
            _close(self._apps.popitem()[1])


def _close(pooled: PooledApp) -> None:
    with pooled.app.app_context():
        db.engine.dispose()


__all__ = ["AppPool", "PooledApp", "empty_sqlite"]
