"""The rows a calendar feed shows, loaded in a few queries (no lazy loads while
rendering), and what a personal feed's revision needs to know of a person's items."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Select, Subquery, and_, bindparam, func, or_, select
from sqlalchemy.orm import selectinload

from meetbot.domain.recurrence import Frequency, Slot
from meetbot.extensions import db
from meetbot.models import (
    ActionItem,
    ActionStatus,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Membership,
    SeriesSlot,
    SeriesStatus,
    WorkStream,
)
from meetbot.models.actions import action_item_owners
from meetbot.models.meetings import MeetingTexts, series_chairs, series_work_streams, slot_of
from meetbot.services.occurrence_marks import current_mark


def member_group_ids(person_id: int) -> list[int]:
    """Ids of the groups the person is a member of."""
    return list(
        db.session.scalars(select(Membership.group_id).where(Membership.person_id == person_id))
    )


def chaired_series_ids(person_id: int) -> dict[int, int]:
    """series id -> group id of the series the person chairs."""
    return dict(
        db.session.execute(
            select(MeetingSeries.id, MeetingSeries.group_id)
            .join(series_chairs, series_chairs.c.series_id == MeetingSeries.id)
            .where(series_chairs.c.person_id == person_id)
        ).all()
    )


def _owned_items():
    return select(ActionItem).join(
        action_item_owners, action_item_owners.c.action_item_id == ActionItem.id
    )


def action_state(person_id: int) -> dict[str, object]:
    """What the personal feed's cache key needs to know about the person's items:
    a change of status, text, due date, owner or group moves one of these."""
    owned = action_item_owners.c.person_id == person_id
    joined = select(ActionItem.id).join(
        action_item_owners, action_item_owners.c.action_item_id == ActionItem.id
    )
    row = db.session.execute(
        select(
            func.count(ActionItem.id),
            func.count(ActionItem.id).filter(ActionItem.status == ActionStatus.OPEN),
            func.max(ActionItem.updated_dt),
            func.coalesce(func.sum(ActionItem.sequence), 0),
        ).where(ActionItem.id.in_(joined.where(owned)))
    ).one()
    groups = db.session.scalars(
        select(ActionItem.group_id)
        .distinct()
        .where(
            ActionItem.id.in_(joined.where(owned)),
            ActionItem.status == ActionStatus.OPEN,
        )
    ).all()
    max_updated = row[2].isoformat() if isinstance(row[2], datetime) else str(row[2])
    return {
        "count": row[0],
        "open": row[1],
        "max_updated": max_updated,
        "sequence": row[3],
        "groups": list(groups),
    }


def open_items(person_id: int) -> list[ActionItem]:
    return list(
        db.session.scalars(
            _owned_items()
            .where(
                action_item_owners.c.person_id == person_id,
                ActionItem.status == ActionStatus.OPEN,
            )
            .options(selectinload(ActionItem.group))
            .order_by(ActionItem.id)
        )
    )


class FeedSlot(NamedTuple):
    """A slot of a series as the feed reads it (a plain row; the renderer takes a
    SeriesSlot too). A tuple, so a series' fingerprint holds it as it is."""

    id: int
    key: str
    position: int
    timezone: str
    start_local: datetime
    duration_minutes: int
    frequency: Frequency
    interval: int
    weekday: int | None
    setpos: int | None
    until: date | None
    count: int | None

    def to_domain(self) -> Slot:
        """The pure recurrence slot this row describes (as ``SeriesSlot.to_domain``)."""
        return _domain_slot(self)

    @property
    def mark(self) -> str:
        """The rule mark of this slot's rows that are exactly its occurrences
        (``current_mark``)."""
        return _slot_mark(self)


# A render asks for a slot's pure form and mark several times (the rows' statement,
# matching them, its VEVENT): made once per slot value, forgotten when the render ends
# (feed_render.render_feed).
@lru_cache(maxsize=8192)
def _domain_slot(row: FeedSlot) -> Slot:
    return slot_of(row)


@lru_cache(maxsize=8192)
def _slot_mark(row: FeedSlot) -> str:
    return current_mark(row)


def clear_slot_cache() -> None:
    """Forget the slots' pure forms and marks (at the end of every feed render)."""
    _domain_slot.cache_clear()
    _slot_mark.cache_clear()


@dataclass(frozen=True, slots=True)
class FeedSeries:
    """A series as the feed reads it: plain columns, its slots (by position) and its
    work streams' names (by name); no ORM objects for a thousand series."""

    id: int
    uid_token: str
    status: SeriesStatus
    title: str
    description: str
    location: str
    agenda_url: str | None
    timezone: str
    revision: int
    updated_dt: datetime
    slots: tuple[FeedSlot, ...] = ()
    work_stream_names: tuple[str, ...] = ()
    # Of its meeting rows: count, max id, latest updated_dt, sum of sequences (None:
    # none). Every change the feed shows moves one of them (feed_render's fingerprint).
    meeting_state: tuple | None = None


_SERIES_FIELDS = [f.name for f in fields(FeedSeries)][:-3]  # the columns, not the rest
_SERIES = MeetingSeries.__table__.c
_MEETINGS = Meeting.__table__.c
_SLOTS = SeriesSlot.__table__.c
_STREAMS = WorkStream.__table__.c


def feed_series(*where: object) -> list[FeedSeries]:
    """The series matching ``where`` (by id), read as rows: one statement for the
    series, one for their slots, one for their work streams' names."""
    chosen = select(_SERIES.id).where(*where)
    slots: dict[int, list[FeedSlot]] = defaultdict(list)
    for series_id, *values in db.session.execute(
        select(_SLOTS.series_id, *(_SLOTS[name] for name in FeedSlot._fields))
        .where(_SLOTS.series_id.in_(chosen))
        .order_by(_SLOTS.series_id, _SLOTS.position, _SLOTS.id)
    ):
        slots[series_id].append(FeedSlot(*values))
    names: dict[int, list[str]] = defaultdict(list)
    for series_id, name in db.session.execute(
        select(series_work_streams.c.series_id, _STREAMS.name)
        .join(WorkStream.__table__, _STREAMS.id == series_work_streams.c.work_stream_id)
        .where(series_work_streams.c.series_id.in_(chosen))
        .order_by(series_work_streams.c.series_id, _STREAMS.name)
    ):
        names[series_id].append(name)
    state = _meeting_state(chosen)
    columns = len(_SERIES_FIELDS)
    return [
        FeedSeries(
            *row[:columns],
            tuple(slots.get(row[0], ())),
            tuple(names.get(row[0], ())),
            None if row[columns] is None else tuple(row[columns:]),
        )
        for row in db.session.execute(
            select(*(_SERIES[name] for name in _SERIES_FIELDS), *list(state.c)[1:])
            .outerjoin(state, state.c.series_id == _SERIES.id)
            .where(*where)
            .order_by(_SERIES.id)
        )
    ]


def _meeting_state(chosen: Select) -> Subquery:
    """Per series in ``chosen``, an aggregate of its meeting rows (read with the series)."""
    return (
        select(
            _MEETINGS.series_id,
            func.count(),
            func.max(_MEETINGS.id),
            func.max(_MEETINGS.updated_dt),
            func.coalesce(func.sum(_MEETINGS.sequence), 0),
        )
        .where(_MEETINGS.series_id.in_(chosen))
        .group_by(_MEETINGS.series_id)
        .subquery()
    )


@dataclass(frozen=True, slots=True)
class OneOffRow(MeetingTexts):
    """A one-off meeting as the feed reads it: plain columns and its work stream's
    name (the attribute names are Meeting's; no series)."""

    id: int
    timezone: str
    start_dt: datetime
    end_dt: datetime
    status: MeetingStatus
    title: str | None
    location: str | None
    change_reason: str
    uid_token: str
    sequence: int
    updated_dt: datetime
    work_stream_name: str | None
    series: None = None


_ONE_OFF_COLUMNS = [f.name for f in fields(OneOffRow)][:-2]  # the meeting's own columns


def feed_one_offs(*where: object) -> list[OneOffRow]:
    """The one-off meetings matching ``where`` (by id) with their work stream's name,
    as rows (one statement)."""
    return [
        OneOffRow(*row)
        for row in db.session.execute(
            select(*(_MEETINGS[name] for name in _ONE_OFF_COLUMNS), _STREAMS.name)
            .outerjoin(WorkStream.__table__, _STREAMS.id == _MEETINGS.work_stream_id)
            .where(_MEETINGS.series_id.is_(None), *where)
            .order_by(_MEETINGS.id)
        )
    ]


@dataclass(frozen=True, slots=True)
class FeedRow(MeetingTexts):
    """A meeting row of a series as the feed reads it: plain columns (no ORM identity,
    state or relationships to build for tens of thousands of history rows) and its
    series. The attribute names are Meeting's, so the renderer takes either."""

    id: int
    slot_id: int | None
    original_start_local: datetime | None
    timezone: str
    start_dt: datetime
    end_dt: datetime
    status: MeetingStatus
    title: str | None
    location: str | None
    change_reason: str
    uid_token: str
    sequence: int
    updated_dt: datetime
    rule_mark: str | None
    series: FeedSeries
    work_stream: None = None  # a series' rows take the series' work streams


# Its series' id, then the row's own columns (not ``series`` and ``work_stream``), as
# table columns: a Core statement, no ORM compile or loading for thousands of rows.
_ROW_COLUMNS = tuple(
    _MEETINGS[name] for name in ("series_id", *[f.name for f in fields(FeedRow)][:-2])
)


def rows_by_series(series_list: Sequence[FeedSeries]) -> dict[int, list[FeedRow]]:
    """The meeting rows of these series that can show in a feed, as plain rows (one
    query), in id order: every row of an ended series (its history is published), and
    of the others only the rows that differ from their rule (:data:`_ROWS`): a held
    meeting where the rule put it, as the title and place the series gives, is not
    read at all, so a render reads what the feed shows, not the history."""
    by_id = {s.id: s for s in series_list}
    rows: dict[int, list[FeedRow]] = defaultdict(list)
    if by_id:
        running = [s for s in series_list if s.status != SeriesStatus.ENDED]
        found = db.session.execute(
            _ROWS,
            {
                "ended": [s.id for s in series_list if s.status == SeriesStatus.ENDED],
                "running": [s.id for s in running],
                "marks": [slot.mark for series in running for slot in series.slots],
            },
        )
        for series_id, *values in found:
            rows[series_id].append(FeedRow(*values, series=by_id[series_id]))
    return rows


# The statement of rows_by_series, built once (its lists are expanding parameters): the
# rows of the ended series, and those of the running ones that are not exactly their
# slot's occurrence (no current rule mark, see ``domain.rule_marks``) or change what it
# shows (cancelled, retitled, relocated, with a reason).
_ROWS = (
    select(*_ROW_COLUMNS)
    .where(
        or_(
            _MEETINGS.series_id.in_(bindparam("ended", expanding=True)),
            and_(
                _MEETINGS.series_id.in_(bindparam("running", expanding=True)),
                or_(
                    _MEETINGS.rule_mark.is_(None),
                    _MEETINGS.rule_mark.not_in(bindparam("marks", expanding=True)),
                    _MEETINGS.status == MeetingStatus.CANCELLED,
                    _MEETINGS.title.is_not(None),
                    _MEETINGS.location.is_not(None),
                    _MEETINGS.change_reason != "",
                ),
            ),
        )
    )
    .order_by(_MEETINGS.id)
)
