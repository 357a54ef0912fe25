"""The transaction helper every service uses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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
