"""Answers that depend on the clock as well as on the database (the conflicts ahead,
the past meetings with minutes), kept while the database is unchanged and until the
first instant the clock alone may change them.

An answer says the last instant it holds (``until``, None: as long as the database is
unchanged). Once the clock is past it the answer is read again and kept under a key
that names that instant, so every later request finds the new one (no read per request
until the next write), and the entry it replaces is left to the cache's bound.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Protocol, TypeVar

from meetbot import freshness


class ClockBound(Protocol):
    @property
    def until(self) -> datetime | None: ...


B = TypeVar("B", bound=ClockBound)


def kept_until(key: Hashable, now: datetime, compute: Callable[[], B]) -> B:
    """``compute()`` (which reads the answer at ``now``) kept under ``key`` while the
    database is unchanged (``freshness.cached_while_unchanged``) and ``now`` is not past
    the answer's ``until``. ``compute`` must return an answer that holds at ``now``."""
    value = freshness.cached_while_unchanged(key, compute)
    while value.until is not None and now > value.until:
        value = freshness.cached_while_unchanged((key, value.until), compute)
    return value
