"""Helpers of the change-token tests: a commit by another client of the database, and
waiting (bounded, on the listener's socket, not on the clock) until a watcher saw it."""

from __future__ import annotations

import sqlite3
from select import select as wait_readable

import psycopg
from sqlalchemy.engine import make_url

from meetbot.freshness.pg_watcher import PostgresWatcher, postgres_conninfo
from meetbot.freshness.tokens import watcher_for


def execute_elsewhere(database_url: str, sql: str) -> None:
    """Run ``sql`` and commit it on a connection of its own (another app server, psql...)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(url.database) as conn:
            conn.execute(sql)
        return
    with psycopg.connect(postgres_conninfo(url), autocommit=True) as conn:
        conn.execute(sql)


def wait_for_change(watcher: PostgresWatcher, token: object) -> object:
    """The watcher's first token other than ``token``; fails after about 5 s."""
    for _ in range(100):
        now = watcher.token()
        if now != token:
            return now
        wait_readable([watcher._pgconn.socket], [], [], 0.05)
    raise AssertionError("no change notification within 5 s")


def wait_until_seen(database_url: str, token: object) -> None:
    """Return once this process's watcher of ``database_url`` has moved past ``token``
    (at once on SQLite, whose token reads the database itself)."""
    watcher = watcher_for(make_url(database_url))
    if isinstance(watcher, PostgresWatcher):
        wait_for_change(watcher, token)
    assert watcher.token() != token
