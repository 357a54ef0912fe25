"""One page of a list query: its rows and how many rows the whole query has.

Views page lists without touching the session: a read service builds the query
(``Query``) and ``fetch_page`` runs it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from meetbot.extensions import db

# What a read service hands a view to page: a SELECT it has built.
Query = Select


def is_query(value: object) -> bool:
    """True if ``value`` is a query to run (not an already loaded list)."""
    return isinstance(value, Select)


def fetch_page(query: Query, page: int, per_page: int) -> tuple[list[Any], int]:
    """The rows of page ``page`` (1-based) of ``query`` and the query's total row count."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return items, total or 0
