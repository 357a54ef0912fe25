"""Pages of lists.

Views page lists without touching the session: a read service builds the query
(``Query``) and ``fetch_page`` runs it (``?page=&per_page=`` lists). Lists paged by a
cursor (``?limit=&cursor=``: occurrences, a meeting's attendance, the members part of
the attendance statistics) give ``page_of`` their entries sorted by a key of strings;
the cursor is the key of the last entry of the page before.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, func, select

from meetbot.extensions import db

# What a read service hands a view to page: a SELECT it has built.
Query = Select

T = TypeVar("T")
Key = tuple[str, ...]

DEFAULT_LIMIT = 500  # entries per page of a cursor-paged list when the client names none
MAX_LIMIT = 2000  # the most a client may ask for in one page


def page_of(
    entries: Sequence[tuple[Key, T]], after: Key | None, limit: int
) -> tuple[list[T], Key | None]:
    """The ``limit`` values after ``after`` of entries sorted by key, and the key to
    continue after (None on the last page)."""
    first = 0 if after is None else bisect_right(entries, after, key=lambda e: e[0])
    chunk = entries[first : first + limit + 1]
    more = len(chunk) > limit
    chunk = chunk[:limit]
    return [value for _, value in chunk], (chunk[-1][0] if more else None)


def padded(number: int) -> str:
    """An id as key text that sorts as the number does."""
    return f"{number:012d}"


NAME_KEY_CHARS = 40


def name_key(name: str) -> str:
    """A name's part of a page key: its first NAME_KEY_CHARS characters, so a cursor of
    the longest name stays within the cursor's length limit (the id after it keeps keys
    unique; names alike in those characters sort by id)."""
    return name[:NAME_KEY_CHARS]


def is_query(value: object) -> bool:
    """True if ``value`` is a query to run (not an already loaded list)."""
    return isinstance(value, Select)


def fetch_page(query: Query, page: int, per_page: int) -> tuple[list[Any], int]:
    """The rows of page ``page`` (1-based) of ``query`` and the query's total row count."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return items, total or 0
