"""Each request reads the database's change token before it queries anything.

Services use it (``meetbot.db_changes.request_token``) to reuse what an earlier
request derived from the database when nothing was committed since: see
``services.derived_cache.schedule_fingerprint``. Reading it costs microseconds
(SQLite ``PRAGMA data_version`` / a non-blocking look at PostgreSQL notifications).
"""

from __future__ import annotations

from flask import Flask, current_app, request

from meetbot.db_changes import begin_request_token, end_request_token


def _begin() -> None:
    begin_request_token(current_app.config["SQLALCHEMY_DATABASE_URI"], request.environ)


def _end(_exc: BaseException | None = None) -> None:
    end_request_token()


def init_change_token(app: Flask) -> None:
    """Read the token first thing in every request; forget it when the request ends."""
    # Before every other hook: some of them may query (the session's snapshot must not
    # start before the token is read).
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.teardown_request(_end)
