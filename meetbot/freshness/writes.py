"""What a write makes stale, marked by construction (no service bumps anything by hand).

Models declare what a change to one of their rows affects, as a plain class attribute
(the models need not import this package)::

    __freshness__ = {
        "counter": "revision",     # this row's counter, bumped when the row changes
        "parents": ("group",),     # relationships whose counters a change bumps too
        "watch": ("title", ...),   # columns that count (default: all but the counter
                                   # and updated_dt)
        "relations": ("chairs",),  # collections that count (default: none)
        "visible": "in_feeds",     # method: does inserting/deleting this row count?
    }

One ``before_flush`` hook on every ORM session reads them: an inserted or deleted row
bumps its parents' counters; an updated row (a watched column or relation changed)
bumps its own counter and its parents'. Parents are followed up their own ``parents``
(a slot bumps its series, which bumps its group). Each counter rises at most once per
transaction, in the UPDATE itself (``counter = counter + 1``: two concurrent
transactions never write the same number). New rows keep their counter's default.

A second, connection-level hook notes that a PostgreSQL transaction wrote (by the
statement's type: INSERT, UPDATE, DELETE, or any textual SQL, which it cannot read),
so this process's watcher moves at the commit instead of waiting for its own
notification. Writes to the feed cache table count for neither hook.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, TextClause, event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import UpdateBase

from meetbot.freshness.notify import UNWATCHED_TABLES
from meetbot.freshness.tokens import ChangeWatcher

_BUMPED = "meetbot_freshness_bumped"
_WROTE = "meetbot_wrote"
_installed = False


def _declaration(obj: object) -> dict[str, Any] | None:
    return getattr(type(obj), "__freshness__", None)


def _counts_as_row(obj: object, decl: dict[str, Any]) -> bool:
    """Whether inserting or deleting ``obj`` changes what its parents show."""
    visible = decl.get("visible")
    return True if visible is None else bool(getattr(obj, visible)())


def _changed(obj: object, decl: dict[str, Any]) -> bool:
    """Whether a watched column or relation of a persistent row changed."""
    state = inspect(obj)
    counter = decl.get("counter")
    watch = decl.get("watch")
    if watch is None:
        watch = [
            a.key for a in state.mapper.column_attrs if a.key != counter and a.key != "updated_dt"
        ]
    names = (*watch, *decl.get("relations", ()))
    return any(state.attrs[name].history.has_changes() for name in names)


def _parents(obj: object, decl: dict[str, Any]) -> Iterator[object]:
    for name in decl.get("parents", ()):
        parent = getattr(obj, name)
        if parent is not None:
            yield parent


def _bump(session: Session, obj: object, done: set) -> None:
    """Bump ``obj``'s counter (once per transaction) and its parents', recursively."""
    decl = _declaration(obj)
    if decl is None:
        return
    state = inspect(obj)
    if state.persistent and obj not in session.deleted:
        key = state.identity_key
        if key in done:
            return
        done.add(key)
        counter = decl.get("counter")
        if counter is not None:
            setattr(obj, counter, getattr(type(obj), counter) + 1)
    elif obj in session.deleted:
        return
    for parent in _parents(obj, decl):
        _bump(session, parent, done)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    done: set = session.info.setdefault(_BUMPED, set())
    for obj in list(session.new) + list(session.deleted):
        decl = _declaration(obj)
        if decl is not None and _counts_as_row(obj, decl):
            for parent in _parents(obj, decl):
                _bump(session, parent, done)
    for obj in list(session.dirty):
        decl = _declaration(obj)
        if decl is not None and _changed(obj, decl):
            _bump(session, obj, done)


def _forget(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_BUMPED, None)


def install_flush_hook() -> None:
    """Listen on every ORM session of the process (once)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_transaction_end", _forget)
    _installed = True


def _writes(statement: object) -> bool:
    if isinstance(statement, UpdateBase):
        table = getattr(statement, "table", None)
        return getattr(table, "name", None) not in UNWATCHED_TABLES
    return isinstance(statement, TextClause | str)


def track_local_writes(engine: Engine, watcher: ChangeWatcher) -> None:
    """A commit of this process that wrote something moves ``watcher`` at once."""

    @event.listens_for(engine, "after_execute")
    def _note_write(conn, statement, *_args: Any) -> None:
        if _writes(statement):
            conn.info[_WROTE] = True

    @event.listens_for(engine, "commit")
    def _on_commit(conn) -> None:
        if conn.info.pop(_WROTE, False):
            watcher.local_commit()

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn) -> None:
        conn.info.pop(_WROTE, None)
