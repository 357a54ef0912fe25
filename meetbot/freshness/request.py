"""Each request reads the database's change token before it queries anything.

Services reuse what an earlier request derived from the database when nothing was
committed since (``meetbot.freshness.while_unchanged``, ``schedule_fingerprint``).
Reading it costs microseconds (SQLite ``PRAGMA data_version`` / a non-blocking look at
PostgreSQL notifications).
"""

from __future__ import annotations

from flask import Flask, current_app, request

from meetbot.freshness.tokens import ChangeWatcher, begin_request_token, end_request_token

WATCHER_KEY = "meetbot_change_watcher"


def app_watcher(app: Flask) -> ChangeWatcher:
    """The watcher of ``app``'s database (built from its engine's URL at install)."""
    return app.extensions[WATCHER_KEY]


def _begin() -> None:
    begin_request_token(app_watcher(current_app), request.environ)


def _end(_exc: BaseException | None = None) -> None:
    end_request_token()


def init_request_token(app: Flask) -> None:
    """Read the token first thing in every request; forget it when the request ends."""
    # Before every other hook: some of them may query (the session's snapshot must not
    # start before the token is read).
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.teardown_request(_end)
