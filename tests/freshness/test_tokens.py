"""Change watchers (meetbot/freshness/tokens.py) and the PostgreSQL triggers they rely on."""

from __future__ import annotations

import sqlite3
from select import select as wait_readable

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.engine import make_url

from meetbot import create_app
from meetbot.cli.migrations import bind as bind_migrations
from meetbot.extensions import db
from meetbot.freshness.notify import TRIGGER, UNWATCHED_TABLES
from meetbot.freshness.pg_watcher import PostgresWatcher, postgres_conninfo
from meetbot.freshness.tokens import NullWatcher, SQLiteWatcher, watcher_for
from tests.freshness.helpers import execute_elsewhere, wait_for_change

# --- SQLite -------------------------------------------------------------------


def test_sqlite_token_moves_with_every_commit_and_only_then(tmp_path):
    path = tmp_path / "w.sqlite"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (x INTEGER)")
    watcher = SQLiteWatcher(str(path))
    token = watcher.token()
    writer.execute("SELECT count(*) FROM t").fetchone()
    assert watcher.token() == token  # reads change nothing
    writer.execute("BEGIN")
    writer.execute("INSERT INTO t VALUES (1)")
    assert watcher.token() == token  # not committed yet
    writer.execute("COMMIT")
    moved = watcher.token()
    assert moved != token
    assert watcher.token() == moved
    watcher.close()
    writer.close()


def test_watchers_of_unwatchable_databases_never_repeat_a_token():
    for url in ("sqlite://", "sqlite:///:memory:", "mysql://u@localhost/x"):
        watcher = watcher_for(make_url(url))
        assert isinstance(watcher, NullWatcher)
        assert watcher.token() != watcher.token()


def test_a_vanished_sqlite_file_disables_reuse(tmp_path):
    watcher = SQLiteWatcher(str(tmp_path / "missing.sqlite"))
    assert watcher.token() != watcher.token()


# --- PostgreSQL -------------------------------------------------------------------

ONLY_POSTGRES = pytest.mark.parametrize(
    "db_backend", [pytest.param("postgres", marks=pytest.mark.postgres)]
)


@pytest.fixture
def pg_database(request) -> str:
    request.getfixturevalue("database_url")  # skips or fails when there is no server
    return request.getfixturevalue("pg_url")


@ONLY_POSTGRES
def test_postgres_token_moves_with_commits_elsewhere(db_backend, pg_database):
    watcher = PostgresWatcher(postgres_conninfo(make_url(pg_database)))
    try:
        token = watcher.token()
        execute_elsewhere(pg_database, "SELECT count(*) FROM groups")
        execute_elsewhere(
            pg_database,
            "INSERT INTO feed_cache (key, revision, etag, body, last_modified_dt, created_dt)"
            " VALUES ('k', 'r', 'e', '', now(), now())",
        )  # the unwatched table
        assert watcher.token() == token
        # A statement trigger fires even when no row matches: any write statement counts.
        execute_elsewhere(pg_database, "UPDATE groups SET name = name WHERE false")
        token = wait_for_change(watcher, token)
        execute_elsewhere(pg_database, "TRUNCATE groups CASCADE")
        token = wait_for_change(watcher, token)
        watcher.local_commit()
        assert watcher.token() != token
    finally:
        watcher.close()
        execute_elsewhere(pg_database, "DELETE FROM feed_cache")


@ONLY_POSTGRES
def test_postgres_listener_loss_is_never_mistaken_for_no_change(db_backend, pg_database):
    watcher = PostgresWatcher(postgres_conninfo(make_url(pg_database)))
    try:
        token = watcher.token()
        backend = watcher._pgconn.backend_pid
        execute_elsewhere(pg_database, f"SELECT pg_terminate_backend({backend})")
        # The server sends a farewell message, then closes: wait (bounded) for both.
        socket = watcher._pgconn.socket
        for _ in range(100):
            wait_readable([socket], [], [], 0.05)
            lost = watcher.token()
            if lost != token:
                break
        assert lost != token and watcher._pgconn is None
        # The next call listens again (a new session), and tokens are stable from then on.
        again = watcher.token()
        assert watcher._pgconn is not None and watcher._pgconn.backend_pid != backend
        assert watcher.token() == again and again not in (token, lost)
    finally:
        watcher.close()


def test_unreachable_postgres_gives_fresh_tokens_and_retries_later():
    watcher = PostgresWatcher("host=127.0.0.1 port=1 dbname=x connect_timeout=2")
    first = watcher.token()
    assert watcher._failed_at is not None
    assert watcher.token() != first  # no reconnect attempt within RECONNECT_AFTER_S


def _triggered_tables(conn) -> set[str]:
    return set(
        conn.execute(
            text(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = :name AND NOT t.tgisinternal"
            ),
            {"name": TRIGGER},
        ).scalars()
    )


@ONLY_POSTGRES
def test_create_all_puts_the_trigger_on_every_watched_table(app, db_backend, pg_database):
    with db.engine.connect() as conn:
        triggered = _triggered_tables(conn)
    assert triggered == set(db.metadata.tables) - UNWATCHED_TABLES


@pytest.fixture
def empty_pg_app(request, pg_database):
    url = request.getfixturevalue("pg_server").create_database("meetbot_triggers")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "x"})
    bind_migrations(app)
    with app.app_context():
        yield app
        db.engine.dispose()


@ONLY_POSTGRES
def test_migrations_put_the_trigger_on_every_watched_table(db_backend, empty_pg_app):
    """A migration that adds a table must add its trigger: this fails until it does."""
    upgrade()
    with db.engine.connect() as conn:
        assert _triggered_tables(conn) == set(db.metadata.tables) - UNWATCHED_TABLES
    downgrade(revision="7bd4dde632e7")
    with db.engine.connect() as conn:
        assert _triggered_tables(conn) == set()
        assert (
            conn.execute(
                text("SELECT count(*) FROM pg_proc WHERE proname = 'meetbot_notify_change'")
            ).scalar()
            == 0
        )
