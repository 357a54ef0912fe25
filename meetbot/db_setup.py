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
# Execution option of a statement whose results PostgreSQL should send in its binary
# format (psycopg's ``binary=True``): a bytea then arrives as its bytes, not as hex text
# twice its size to decode (the feed_cache body: ~12 -> ~5 ms for 1.6 MB). Nothing on
# SQLite, whose results are never text-encoded.
BINARY_RESULTS = "meetbot_binary_results"
# Per SQLite connection (each pooled one): prepared statements kept (Python's default is
# 128) and KiB of database pages cached (SQLite's default is 2,000). The defaults kept
# ~5 MiB of a bench worker's memory in the statements of its cold paths (expansions,
# fingerprints: up to ~100 kB each) and 2 MiB of pages per connection, which any
# commit by another connection empties anyway. The pages' warm statements are ~60,
# and all of them prepare in ~1.3 ms in total (0.4 ms the most for one page), so a
# smaller cache costs a page at most that (issue 19).
DEFAULT_SQLITE_STATEMENTS = 32
DEFAULT_SQLITE_CACHE_KIB = 512


def configure_engine_events(
    engine: Engine,
    *,
    statements: int = DEFAULT_SQLITE_STATEMENTS,
    cache_kib: int = DEFAULT_SQLITE_CACHE_KIB,
) -> None:
    """Turn on foreign keys, WAL and a busy timeout for SQLite; on PostgreSQL, binary
    results for the statements that ask for them (``BINARY_RESULTS``).

    Each SQLite connection keeps up to ``statements`` prepared statements
    (``MEETBOT_SQLITE_STATEMENTS``) and ``cache_kib`` KiB of database pages
    (``MEETBOT_SQLITE_CACHE_KIB``), both in the process's memory (issue 19)."""
    if engine.dialect.name == "postgresql":
        _binary_results(engine)
    if engine.dialect.name != "sqlite":
        return
    if statements < 0 or cache_kib < 0:
        raise ValueError("MEETBOT_SQLITE_STATEMENTS and MEETBOT_SQLITE_CACHE_KIB must be >= 0")

    @event.listens_for(engine, "do_connect")
    def _connect_args(_dialect: Any, _record: Any, _args: list, params: dict) -> None:
        params["cached_statements"] = statements

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
        cursor.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
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


def _binary_results(engine: Engine) -> None:
    """Execute a statement with ``BINARY_RESULTS`` set through psycopg's binary format
    (the statement events, statement counting among them, fire as for any other)."""

    @event.listens_for(engine, "do_execute")
    def _execute(cursor: Any, statement: str, parameters: Any, context: Any) -> bool | None:
        if not context.execution_options.get(BINARY_RESULTS):
            return None
        cursor.execute(statement, parameters, binary=True)
        return True
