"""The PostgreSQL change watcher: ``LISTEN`` on a private libpq connection.

Its own module so that psycopg is imported only when a PostgreSQL database is
watched (``tokens._build`` loads it by name); see tokens.py for what a token is.
"""

from __future__ import annotations

import itertools
import os
import threading
import time

from psycopg import pq
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import URL

from meetbot.freshness.notify import CHANNEL

# After a failed PostgreSQL connection, try again at most this often (seconds), so a
# database outage does not add a connection attempt to every feed request.
RECONNECT_AFTER_S = 5.0
# A broken listener answers a token its other answers never equal (negative; its
# generations are positive).
_UNIQUE = itertools.count(1)


class PostgresWatcher:
    """``LISTEN`` on a private libpq connection; the token counts notifications."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self._lock = threading.Lock()
        self._pgconn = None
        self._pid = 0
        self._generation = 0
        self._failed_at: float | None = None

    def _connect(self) -> None:
        pgconn = pq.PGconn.connect(self.conninfo.encode())
        if pgconn.status != pq.ConnStatus.OK:
            message = pgconn.get_error_message()
            pgconn.finish()
            raise ConnectionError(message)
        result = pgconn.exec_(f"LISTEN {CHANNEL}".encode())
        if result.status != pq.ExecStatus.COMMAND_OK:
            message = pgconn.get_error_message()
            pgconn.finish()
            raise ConnectionError(message)
        self._pgconn = pgconn
        self._ok = pq.ConnStatus.OK
        self._pid = os.getpid()
        # Whatever happened before we listened is unknown: start a new generation.
        self._generation += 1

    def token(self) -> object:
        with self._lock:
            if self._pgconn is None or self._pid != os.getpid():
                self._pgconn = None  # a forked child must not use its parent's socket
                now = time.monotonic()
                if self._failed_at is not None and now - self._failed_at < RECONNECT_AFTER_S:
                    return -next(_UNIQUE)
                try:
                    self._connect()
                except Exception:
                    self._failed_at = now
                    return -next(_UNIQUE)
                self._failed_at = None
            try:
                self._pgconn.consume_input()  # reads what arrived; never blocks
                while self._pgconn.notifies() is not None:
                    self._generation += 1
                if self._pgconn.status != self._ok:  # e.g. terminated by the server
                    raise ConnectionError("listener connection lost")
            except Exception:  # the server went away: reconnect on the next call
                self._drop()
                return -next(_UNIQUE)
            return self._generation

    def local_commit(self) -> None:
        with self._lock:
            self._generation += 1

    def _drop(self) -> None:
        if self._pgconn is not None and self._pid == os.getpid():
            self._pgconn.finish()
        self._pgconn = None

    def close(self) -> None:
        with self._lock:
            self._drop()


def postgres_conninfo(url: URL) -> str:
    """A libpq connection string for a SQLAlchemy PostgreSQL URL."""
    params: dict[str, object] = {
        key: value if isinstance(value, str) else value[-1] for key, value in url.query.items()
    }
    for key, value in (
        ("host", url.host),
        ("port", url.port),
        ("user", url.username),
        ("password", url.password),
        ("dbname", url.database),
    ):
        if value is not None:
            params[key] = value
    return make_conninfo("", **params)
