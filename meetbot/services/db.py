"""The transaction helper every service uses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import inspect
from sqlalchemy.orm import scoped_session

from meetbot.extensions import db


@contextmanager
def unit_of_work() -> Iterator[scoped_session]:
    """Run a block as one transaction: commit at the end, roll back on any error.

    Every write a user asks for happens inside exactly one of these, so a failure
    half-way leaves nothing half-written.
    """
    try:
        yield db.session
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def increment(obj: object, attribute: str) -> None:
    """Add one to a counter column (revision, sequence) in the UPDATE itself.

    ``row.revision = row.revision + 1`` computed in Python lets two concurrent
    transactions both write the same number, so a feed cache keyed by it could miss the
    second change. Assigning ``Column + 1`` makes the database add one atomically; the
    attribute is reloaded on its next read. New (pending) rows are simply counted up.
    """
    state = inspect(obj)
    if state.persistent:
        column = getattr(type(obj), attribute)
        setattr(obj, attribute, column + 1)
    else:
        setattr(obj, attribute, (getattr(obj, attribute) or 0) + 1)
