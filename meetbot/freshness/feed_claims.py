"""One render at a time per feed, and the feed caches' writes in their own transactions.

A GET reads in a deferred transaction (``db_setup``); upgrading it to a write after
another app server wrote the same row fails on SQLite (``database is locked``), so
every write of the feed caches runs on a connection of its own, in a short
transaction that takes the write lock at BEGIN (:func:`write_transaction`).

Before rendering a stale feed an app server *claims* it (a ``feed_claims`` row per
feed key, in one write transaction that also re-reads the cached revision): the
winner renders, then stores the bytes and drops its claim in one transaction; every
other request sees the claim and serves the previous bytes (marked stale by the
caller), or, when there are none yet, waits for the winner's bytes. A claim that a
crashed renderer left behind expires after :data:`CLAIM_SECONDS`. The same rows and
statements serve SQLite (BEGIN IMMEDIATE serializes the claim) and PostgreSQL (the
primary key serializes concurrent inserts).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from meetbot.db_setup import BINARY_RESULTS, WRITE_LOCKED, WRITE_TRANSACTION
from meetbot.extensions import db
from meetbot.models import FeedCache, FeedClaim, utcnow

CLAIM_SECONDS = 30  # a renderer that has not stored by then is presumed dead
WAIT_SECONDS = 10.0  # a request with no previous bytes waits this long for the renderer
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class StoredFeed:
    """A feed's cache row at the wanted revision, with its bytes."""

    etag: str
    last_modified: datetime
    body: bytes


class _Counter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self) -> None:
        with self._lock:
            self.value += 1


_RENDERS = _Counter()


def count_render() -> None:
    _RENDERS.add()


def render_count() -> int:
    """How many feeds this process has rendered (tests and the bench read it)."""
    return _RENDERS.value


# Set by :func:`rehearsal`: every write transaction is rolled back instead of committed.
_REHEARSING: ContextVar[bool] = ContextVar("meetbot_feed_write_rehearsal", default=False)


@contextmanager
def rehearsal() -> Iterator[None]:
    """Within it, :func:`write_transaction` rolls back what it wrote: the feed caches'
    writes can run (statements compiled, a new connection's server-side caches warmed)
    and leave no row behind (the worker warm-up's)."""
    reset = _REHEARSING.set(True)
    try:
        yield
    finally:
        _REHEARSING.reset(reset)


def _use_session() -> bool:
    """SQLite only: is the session the one writer there can be? (An in-memory database
    has one connection; a session outside a GET took the write lock at BEGIN.)"""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return False
    if engine.url.database in (None, "", ":memory:"):
        return True
    session = db.session()
    return session.in_transaction() and bool(session.connection().info.get(WRITE_LOCKED))


@contextmanager
def write_transaction() -> Iterator[Connection]:
    """A short write transaction on a connection of its own, committed at the end.

    On SQLite, when the session itself already holds the write lock (a CLI command, a
    test, an in-memory database), its transaction is used (a savepoint) and committed.
    Within :func:`rehearsal` the transaction (or savepoint) is rolled back instead.
    """
    rehearsing = _REHEARSING.get()
    if _use_session():
        with db.session.begin_nested() as savepoint:
            yield db.session.connection()
            if rehearsing:
                savepoint.rollback()
        if not rehearsing:
            db.session.commit()
        return
    with db.engine.connect() as conn:
        conn.execution_options(**{WRITE_TRANSACTION: True})
        with conn.begin() as transaction:
            yield conn
            if rehearsing:
                transaction.rollback()


def claim(key: str, revision: str, *, wait: bool) -> str | StoredFeed | None:
    """Claim the render of feed ``key`` at ``revision``.

    Returns a claim token (render, then :func:`store`), the stored feed if another
    server stored that revision meanwhile, or None when another server holds the claim
    (with ``wait``: only after waiting :data:`WAIT_SECONDS` for its bytes, and then the
    caller renders without a claim).
    """
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        outcome = _try_claim(key, revision)
        if outcome is not None or not wait or time.monotonic() >= deadline:
            return outcome
        time.sleep(POLL_SECONDS)


def _try_claim(key: str, revision: str) -> str | StoredFeed | None:
    token = secrets.token_hex(16)
    now = utcnow()
    expires = now + timedelta(seconds=CLAIM_SECONDS)
    claims = FeedClaim.__table__
    try:
        with write_transaction() as conn:
            taken = conn.execute(
                update(claims)
                .where(claims.c.key == key, claims.c.expires_dt < now)
                .values(token=token, expires_dt=expires)
            ).rowcount
            if not taken:
                conn.execute(insert(claims).values(key=key, token=token, expires_dt=expires))
            stored = _stored(conn, key, revision)
            if stored is not None:
                raise _AlreadyStored(stored)  # nothing to render: roll the claim back
    except IntegrityError:  # another server holds the claim
        return None
    except _AlreadyStored as done:
        return done.stored
    return token


class _AlreadyStored(Exception):
    def __init__(self, stored: StoredFeed) -> None:
        self.stored = stored


def _stored(conn: Connection, key: str, revision: str) -> StoredFeed | None:
    """The feed stored for ``key`` at ``revision`` (None: another or none), read on ``conn``."""
    row = conn.execute(
        select(FeedCache.etag, FeedCache.last_modified_dt, FeedCache.body)
        .where(FeedCache.key == key, FeedCache.revision == revision)
        .execution_options(**{BINARY_RESULTS: True})
    ).one_or_none()
    return None if row is None else StoredFeed(row.etag, row.last_modified_dt, bytes(row.body))


def store(
    key: str,
    token: str | None,
    revision: str,
    etag: str,
    body: bytes,
    last_modified: datetime,
    layout: bytes | None = None,
) -> None:
    """Store the rendered feed (and its encoded ``layout``) and drop the claim
    ``token``, in one transaction."""
    table = FeedCache.__table__
    values = {
        "revision": revision,
        "etag": etag,
        "body": body,
        "layout": layout,
        "last_modified_dt": last_modified,
    }
    try:
        with write_transaction() as conn:
            if not conn.execute(update(table).where(table.c.key == key).values(**values)).rowcount:
                conn.execute(insert(table).values(key=key, created_dt=utcnow(), **values))
            _drop(conn, key, token)
    except IntegrityError:  # a renderer without a claim inserted the row first
        release(key, token)


def release(key: str, token: str | None) -> None:
    """Drop the claim ``token`` (a render that failed)."""
    if token is None:
        return
    with write_transaction() as conn:
        _drop(conn, key, token)


def _drop(conn: Connection, key: str, token: str | None) -> None:
    if token is not None:
        claims = FeedClaim.__table__
        conn.execute(delete(claims).where(claims.c.key == key, claims.c.token == token))
