"""Engine settings per backend; SQLite in particular must be told to behave."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy import Engine, event

# A POST, PATCH, ... (or a CLI command) takes SQLite's write lock at BEGIN, so two
# writers queue on the busy timeout instead of one failing with "database is locked"
# when both try to upgrade a read lock. Page and feed reads keep deferred BEGINs and
# run in parallel under WAL.
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Execution option of a connection that writes even inside a GET (the feed caches'
# own short write transactions): it takes the write lock at BEGIN too.
WRITE_TRANSACTION = "meetbot_write_transaction"
# Connection.info key: the transaction under way took the write lock at BEGIN.
WRITE_LOCKED = "meetbot_write_locked"


def configure_engine_events(engine: Engine) -> None:
    """Turn on foreign keys, WAL and a busy timeout for SQLite; nothing for PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event emit BEGIN itself (pysqlite's own is too late).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        reading = (
            has_request_context()
            and request.method in _READ_METHODS
            and not conn.get_execution_options().get(WRITE_TRANSACTION)
        )
        conn.info[WRITE_LOCKED] = not reading
        conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")
