"""Each series' rendered events, shared by every app server (the ``feed_fragments`` table).

A row holds one series' serialized iCal components for one year range of the
VTIMEZONEs, valid while its ``digest`` (a hash of everything the events are built
from, computed by the caller) is the series' current one. Storing a series' fragment
deletes its rows of any other digest, so the table holds at most one row per series
and year range in use (a series is in few feeds: its group's, its work streams', its
own and personal feeds, which mostly share one year range); a deleted series' rows go
with it (ON DELETE CASCADE). The table moves no change token (``notify``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    ARRAY,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    delete,
    insert,
    not_,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError

from meetbot.extensions import db
from meetbot.freshness.feed_claims import write_transaction
from meetbot.models import FeedFragment, FeedZone, utcnow

_CHUNK = 500  # ids per IN list (SQLite)


class StoredFragment(NamedTuple):
    """One series' fragment as stored: ``years`` the VTIMEZONEs cover, ``span`` the
    years of the series' own events (None: it has none). A tuple: a thousand of them
    are made for a new worker's first render."""

    series_id: int
    digest: str
    years: tuple[int, int]
    span: tuple[int, int] | None
    meta: dict
    body: bytes


def load_fragments(digests: dict[int, str]) -> list[StoredFragment]:
    """The stored fragments of these series (series id -> current digest) at their
    current digest, any year range, reading only the rows of those digests (a digest
    names its series) and only the columns a render uses: on PostgreSQL one statement
    for all of them, elsewhere one per 500 series (:func:`_matching`)."""
    table = FeedFragment.__table__
    ids = sorted(digests)
    columns = (
        table.c.series_id, table.c.first_year, table.c.last_year, table.c.min_year,
        table.c.max_year, table.c.meta, table.c.body,
    )  # fmt: skip
    found: list[StoredFragment] = []
    for chunk in _matching(ids, digests):
        rows = db.session.execute(select(*columns).where(*chunk)).all()
        for series_id, first, last, low, high, meta, body in rows:
            span = None if low is None else (low, high)
            found.append(
                StoredFragment(
                    series_id, digests[series_id], (first, last), span, meta, bytes(body)
                )
            )
    return found


def _matching(ids: list[int], digests: dict[int, str]) -> Iterator[tuple[object, object]]:
    """WHERE clauses selecting the rows of ``ids`` at their digests, one per statement
    (:func:`_batches`)."""
    table = FeedFragment.__table__
    postgres = db.session.get_bind().dialect.name == "postgresql"
    for chunk in _batches(ids, postgres):
        yield (
            _one_of(table.c.series_id, chunk, Integer, postgres),
            _one_of(table.c.digest, [digests[i] for i in chunk], String, postgres),
        )


def _batches(items: list, postgres: bool) -> Iterator[list]:
    """On PostgreSQL all at once: each list is one array parameter (:func:`_one_of`), so
    a statement's text does not depend on how many series there are and SQLAlchemy and
    psycopg keep it converted (an expanding IN of 500 ids and 500 digests made a text of
    a thousand placeholders that both converted again on every cold worker's first
    render: ~20 ms, issue 19). Elsewhere 500 at a time (SQLite's parameter limit)."""
    if postgres:
        yield items
        return
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _one_of(column: Any, values: list, item_type: type, postgres: bool) -> Any:
    """``column IN values``: ``= ANY(:array)`` on PostgreSQL, an expanding IN elsewhere."""
    if postgres:
        return column == any_(bindparam(None, values, type_=ARRAY(item_type)))
    return column.in_(values)


def store_fragments(fragments: Sequence[StoredFragment]) -> None:
    """Store fragments (replacing the series' rows of other digests and of the same
    year range) in one short write transaction: one DELETE and one INSERT per year range
    (SQLite: per 500 series), not a DELETE per series. A concurrent writer of the same
    fragment wins (same bytes)."""
    if not fragments:
        return
    table = FeedFragment.__table__
    now = utcnow()
    ranges: dict[tuple[int, int], list[StoredFragment]] = {}
    for fragment in fragments:
        ranges.setdefault(fragment.years, []).append(fragment)
    try:
        with write_transaction() as conn:
            postgres = conn.dialect.name == "postgresql"
            for (first, last), stored in ranges.items():
                for chunk in _batches(stored, postgres):
                    # A digest names its series: the rows of these series at a digest
                    # none of them has now are stale, and those of this range replaced.
                    digests = [f.digest for f in chunk]
                    conn.execute(
                        delete(table).where(
                            _one_of(table.c.series_id, [f.series_id for f in chunk],
                                    Integer, postgres),
                            or_(
                                not_(_one_of(table.c.digest, digests, String, postgres)),
                                and_(table.c.first_year == first, table.c.last_year == last),
                            ),
                        )
                    )  # fmt: skip
            conn.execute(insert(table), [_values(f, now) for f in fragments])
    except IntegrityError:
        pass


def _values(fragment: StoredFragment, now: object) -> dict:
    span = fragment.span or (None, None)
    return {
        "series_id": fragment.series_id,
        "digest": fragment.digest,
        "first_year": fragment.years[0],
        "last_year": fragment.years[1],
        "min_year": span[0],
        "max_year": span[1],
        "meta": fragment.meta,
        "body": fragment.body,
        "created_dt": now,
    }


def clear_feed_fragments() -> None:
    """Delete every stored fragment and VTIMEZONE (the bench times a render with
    nothing cached)."""
    with write_transaction() as conn:
        conn.execute(delete(FeedFragment.__table__))
        conn.execute(delete(FeedZone.__table__))


def load_zones(zones: Sequence[str], years: tuple[int, int]) -> dict[str, bytes]:
    """The stored VTIMEZONE bytes of these zones for ``years`` (zone -> bytes)."""
    if not zones:
        return {}
    table = FeedZone.__table__
    rows = db.session.execute(
        select(table.c.zone, table.c.body).where(
            table.c.zone.in_(list(zones)),
            table.c.first_year == years[0],
            table.c.last_year == years[1],
        )
    )
    return {zone: bytes(body) for zone, body in rows}


def store_zones(zones: dict[str, bytes], years: tuple[int, int]) -> None:
    """Store VTIMEZONE bytes for ``years``; a zone's rows of other year ranges older
    than a day go (feeds whose range moved have rendered since)."""
    if not zones:
        return
    table = FeedZone.__table__
    now = utcnow()
    try:
        with write_transaction() as conn:
            conn.execute(
                delete(table).where(
                    table.c.zone.in_(list(zones)),
                    table.c.created_dt < now - timedelta(days=1),
                    or_(table.c.first_year != years[0], table.c.last_year != years[1]),
                )
            )
            conn.execute(
                insert(table),
                [
                    {"zone": z, "first_year": years[0], "last_year": years[1], "body": b,
                     "created_dt": now}
                    for z, b in zones.items()
                ],
            )  # fmt: skip
    except IntegrityError:
        pass
