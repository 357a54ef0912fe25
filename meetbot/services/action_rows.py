"""Action items as plain rows for the pages that list them (issue 19).

The meeting and work stream pages list up to fifty items each with their owners,
work stream and opening meeting. Built as ORM objects (with four ``selectinload``
round trips) that cost more than the SQL; here one statement reads the items with
their stream and opener as Core tuples and one more their owners, into frozen rows
that can be kept across requests (``freshness.cached_while_unchanged``). The rows
have the attributes the templates' ``summary`` macro reads, so the same macros
render an ``ActionItem`` or an ``ActionRow``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import aliased

from meetbot.extensions import db
from meetbot.models import ActionItem, Meeting, MeetingSeries, MinuteItem, Person, WorkStream
from meetbot.models.actions import action_item_owners


class OwnerRef(NamedTuple):
    id: int
    display_name: str


class StreamRef(NamedTuple):
    id: int
    name: str
    slug: str


class MeetingRef(NamedTuple):
    id: int
    start_dt: datetime
    timezone: str


@dataclass(frozen=True, slots=True)
class ActionRow:
    """One action item as the lists show it (see the module)."""

    id: int
    group_id: int
    text: str
    due_date: date | None
    status: str
    needs_owner_review: bool
    created_dt: datetime
    closed_dt: datetime | None
    closed_in_id: int | None
    opened_in_id: int | None
    work_stream: StreamRef | None
    opened_in: MeetingRef | None
    owners: tuple[OwnerRef, ...]


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """A decision (an agreed or accepted minute item) with its meeting, for lists."""

    id: int
    text: str
    meeting_id: int
    meeting_title: str
    meeting_start: datetime


@cache
def _opener() -> Any:
    """The opening meeting's alias, made at first use: aliasing a mapped class
    configures every mapper (~65 ms), which importing the app need not pay (issue 19)."""
    return aliased(Meeting)


@cache
def _columns() -> tuple[Any, ...]:
    opener = _opener()
    return (
        ActionItem.id,
        ActionItem.group_id,
        ActionItem.text,
        ActionItem.due_date,
        ActionItem.status,
        ActionItem.needs_owner_review,
        ActionItem.created_dt,
        ActionItem.closed_dt,
        ActionItem.closed_in_id,
        ActionItem.opened_in_id,
        WorkStream.id,
        WorkStream.name,
        WorkStream.slug,
        opener.start_dt,
        opener.timezone,
    )


def action_rows(
    where: Sequence[Any], order: Sequence[Any], limit: int | None = None, offset: int = 0
) -> list:
    """The items matching ``where`` in ``order`` (at most ``limit``, from ``offset``), as
    ActionRows: two statements whatever the number of items."""
    opener = _opener()
    query = (
        select(*_columns())
        .outerjoin(WorkStream, WorkStream.id == ActionItem.work_stream_id)
        .outerjoin(opener, opener.id == ActionItem.opened_in_id)
        .where(*where)
        .order_by(*order)
    )
    if limit is not None:
        query = query.limit(limit).offset(offset)
    found = db.session.execute(query).all()
    owners = owners_of([row[0] for row in found])
    return [_row(values, owners.get(values[0], ())) for values in found]


def _row(values: Sequence[Any], owners: Sequence[OwnerRef]) -> ActionRow:
    (item_id, group_id, text, due, status, review, created, closed, closed_in, opened_in) = values[
        :10
    ]
    stream_id, stream_name, stream_slug, opener_start, opener_zone = values[10:]
    return ActionRow(
        id=item_id,
        group_id=group_id,
        text=text,
        due_date=due,
        status=str(status),
        needs_owner_review=bool(review),
        created_dt=created,
        closed_dt=closed,
        closed_in_id=closed_in,
        opened_in_id=opened_in,
        work_stream=StreamRef(stream_id, stream_name, stream_slug) if stream_id else None,
        opened_in=MeetingRef(opened_in, opener_start, opener_zone) if opener_start else None,
        owners=tuple(owners),
    )


def owners_of(item_ids: Sequence[int]) -> dict[int, list[OwnerRef]]:
    """{item id: its owners by name} (one statement)."""
    owners: dict[int, list[OwnerRef]] = defaultdict(list)
    if not item_ids:
        return owners
    rows = db.session.execute(
        select(action_item_owners.c.action_item_id, Person.id, Person.display_name)
        .join(Person, Person.id == action_item_owners.c.person_id)
        .where(action_item_owners.c.action_item_id.in_(list(item_ids)))
        .order_by(Person.display_name, Person.id)
    )
    for item_id, person_id, name in rows:
        owners[item_id].append(OwnerRef(person_id, name))
    return owners


def decision_rows(where: Any, limit: int) -> list[DecisionRow]:
    """The latest ``limit`` decisions matching ``where``, newest meeting first (the
    meeting's title falls back to its series' title, as Meeting.effective_title)."""
    from_minutes = select(
        MinuteItem.id,
        MinuteItem.text,
        Meeting.id,
        Meeting.title,
        MeetingSeries.title,
        Meeting.start_dt,
    )
    query = (
        from_minutes.join(Meeting, Meeting.id == MinuteItem.meeting_id)
        .outerjoin(MeetingSeries, MeetingSeries.id == Meeting.series_id)
        .where(where)
        .order_by(Meeting.start_dt.desc(), MinuteItem.position)
        .limit(limit)
    )
    return [
        DecisionRow(item_id, text, meeting_id, title or series_title or "Meeting", start)
        for item_id, text, meeting_id, title, series_title, start in db.session.execute(query)
    ]
