"""Attendance figures of each counted meeting of a scope (a group, one of its series or
work streams): present, regrets, first-timers, organizations, quorum.

A meeting *counts* when it is not cancelled and is held or has someone recorded
present. Everything is aggregated in SQL with a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, case, distinct, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from meetbot.extensions import db
from meetbot.models import (
    Attendance,
    AttendanceKind,
    Group,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Person,
    WorkStream,
)
from meetbot.models.meetings import series_work_streams

PRESENT = AttendanceKind.PRESENT
REGRETS = AttendanceKind.REGRETS
HELD = MeetingStatus.HELD
_NOT_CANCELLED = Meeting.status != MeetingStatus.CANCELLED


@dataclass(frozen=True)
class MeetingStat:
    """Attendance figures of one counted meeting."""

    meeting_id: int
    start: datetime
    timezone: str
    title: str
    series_id: int | None
    status: str
    present: int
    regrets: int
    first_time: int
    organizations: int
    quorum_met: bool | None  # None when the group has no quorum rule

    @property
    def returning(self) -> int:
        return self.present - self.first_time


def meeting_scope(
    group: Group, series: MeetingSeries | None, stream: WorkStream | None, m=Meeting
) -> list:
    """WHERE conditions of the scope on ``m`` (Meeting or an alias of it)."""
    if stream is not None and series is None:
        # The group's series tagged with the stream (their ids read first, a few rows), or
        # the group's one-off meetings of the stream; a series' meetings always carry the
        # series' group_id. A literal id list, with the group condition inside the one-off
        # branch only, lets both databases read the meetings through the series and work
        # stream indexes (SQLite: multi-index OR; PostgreSQL: BitmapOr) instead of every
        # meeting of the group (SQLite, 50k rows in the large bench group, ~45 ms) or of
        # the table (PostgreSQL with an IN (subquery) inside the OR, ~30 ms).
        tagged = list(
            db.session.scalars(
                select(series_work_streams.c.series_id)
                .join(MeetingSeries, MeetingSeries.id == series_work_streams.c.series_id)
                .where(
                    series_work_streams.c.work_stream_id == stream.id,
                    MeetingSeries.group_id == group.id,
                )
            )
        )
        return [
            or_(
                m.series_id.in_(tagged),
                and_(
                    m.group_id == group.id,
                    m.series_id.is_(None),
                    m.work_stream_id == stream.id,
                ),
            )
        ]
    conditions = [m.group_id == group.id]
    if series is not None:
        conditions.append(m.series_id == series.id)
    if stream is not None:
        tagged = select(series_work_streams.c.series_id).where(
            series_work_streams.c.work_stream_id == stream.id
        )
        conditions.append(
            or_(
                and_(m.series_id.is_not(None), m.series_id.in_(tagged)),
                and_(m.series_id.is_(None), m.work_stream_id == stream.id),
            )
        )
    return conditions


# Statuses of meetings that count when someone was present (not held, not cancelled).
_UNMARKED = [
    m.value for m in MeetingStatus if m not in (MeetingStatus.HELD, MeetingStatus.CANCELLED)
]


def _counted_branches(scope: list) -> tuple[Select, Select]:
    """The counted meetings of ``scope`` as two SELECTs of (id, start_dt): the held
    ones, and the unmarked ones where someone was present. One WHERE with ``held OR
    EXISTS (presence)`` makes PostgreSQL hash every present row of the attendance table
    (~60 ms, twice per page) and SQLite sort the group's whole history; split, each
    branch is a range of the (group_id, status, start_dt) index, and the EXISTS only
    runs for unmarked meetings."""
    someone_present = exists().where(
        Attendance.meeting_id == Meeting.id, Attendance.kind == PRESENT
    )
    held = select(Meeting.id, Meeting.start_dt).where(*scope, Meeting.status == MeetingStatus.HELD)
    unmarked = select(Meeting.id, Meeting.start_dt).where(
        *scope, Meeting.status.in_(_UNMARKED), someone_present
    )
    return held, unmarked


def counted_count(scope: list) -> int:
    """How many counted meetings ``scope`` holds (two index counts)."""
    held, unmarked = _counted_branches(scope)
    return db.session.scalar(
        select(
            select(func.count()).select_from(held.subquery()).scalar_subquery()
            + select(func.count()).select_from(unmarked.subquery()).scalar_subquery()
        )
    )


def latest_counted_ids(scope: list, limit: int, offset: int = 0) -> list[int]:
    """Ids of the counted meetings of ``scope``, newest first, from ``offset``: each
    branch reads at most ``offset + limit`` rows in index order."""
    newest = (Meeting.start_dt.desc(), Meeting.id.desc())
    held, unmarked = (
        branch.order_by(*newest).limit(offset + limit).subquery()
        for branch in _counted_branches(scope)
    )
    rows = union_all(select(held), select(unmarked)).subquery()
    return list(
        db.session.scalars(
            select(rows.c.id)
            .order_by(rows.c.start_dt.desc(), rows.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def _first_timers(
    group: Group, series: MeetingSeries | None, stream: WorkStream | None, scope: list
):
    """Subquery (meeting_id, first_time) for the meetings ``scope`` selects: people present
    with no earlier counted meeting in the scope of (group, series, stream). An EXISTS per
    attendee (served by the attendance-of-a-person index) instead of a minimum over the
    whole history; the same figures as the grouped minimum in meeting_stats."""
    earlier = aliased(Meeting)
    before = aliased(Attendance)
    seen_before = exists().where(
        before.person_id == Attendance.person_id,
        before.kind == PRESENT,
        before.meeting_id == earlier.id,
        earlier.start_dt < Meeting.start_dt,
        earlier.status != MeetingStatus.CANCELLED,
        *meeting_scope(group, series, stream, earlier),
    )
    return (
        select(Attendance.meeting_id.label("meeting_id"), func.count().label("first_time"))
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .where(*scope, Attendance.kind == PRESENT, ~seen_before)
        .group_by(Attendance.meeting_id)
        .subquery()
    )


def meeting_stats(
    group: Group,
    *,
    series: MeetingSeries | None = None,
    stream: WorkStream | None = None,
    meeting_ids: Sequence[int] | None = None,
) -> list[MeetingStat]:
    """Figures of every counted meeting in scope, oldest first (one query).

    With ``meeting_ids`` only those meetings of the scope are computed, at a cost
    bounded by them rather than by the scope's whole history (first-time figures still
    look at the whole scope)."""
    scope = meeting_scope(group, series, stream)
    bounded = meeting_ids is not None
    if bounded:
        scope = [*scope, Meeting.id.in_(list(meeting_ids) or [-1])]
    counts = _counts(scope)
    firsts = _first_timers(group, series, stream, scope) if bounded else _first_timers_all(scope)
    present = func.coalesce(counts.c.present, 0)
    rows = db.session.execute(
        select(
            Meeting.id,
            Meeting.start_dt,
            Meeting.timezone,
            func.coalesce(Meeting.title, MeetingSeries.title, literal("Meeting")),
            Meeting.series_id,
            Meeting.status,
            present,
            func.coalesce(counts.c.regrets, 0),
            func.coalesce(firsts.c.first_time, 0),
            func.coalesce(counts.c.orgs, 0),
        )
        .outerjoin(MeetingSeries, MeetingSeries.id == Meeting.series_id)
        .outerjoin(counts, counts.c.meeting_id == Meeting.id)
        .outerjoin(firsts, firsts.c.meeting_id == Meeting.id)
        .where(*scope, _NOT_CANCELLED, or_(Meeting.status == HELD, present > 0))
        .order_by(Meeting.start_dt, Meeting.id)
    ).all()
    return [_stat(r, group.quorum) for r in rows]


def _counts(scope: list):
    """Subquery (meeting_id, present, regrets, orgs) of the meetings ``scope`` selects."""
    return (
        select(
            Attendance.meeting_id.label("meeting_id"),
            func.sum(case((Attendance.kind == PRESENT, 1), else_=0)).label("present"),
            func.sum(case((Attendance.kind == REGRETS, 1), else_=0)).label("regrets"),
            func.count(
                distinct(case((Attendance.kind == PRESENT, Person.organization), else_=None))
            ).label("orgs"),
        )
        .join(Person, Person.id == Attendance.person_id)
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .where(*scope)
        .group_by(Attendance.meeting_id)
        .subquery()
    )


def _first_timers_all(scope: list):
    """Subquery (meeting_id, first_time) over the whole scope: each person's first
    counted meeting in scope, by a grouped minimum."""
    first_seen = (
        select(Attendance.person_id.label("person_id"), func.min(Meeting.start_dt).label("first"))
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .where(*scope, _NOT_CANCELLED, Attendance.kind == PRESENT)
        .group_by(Attendance.person_id)
        .subquery()
    )
    return (
        select(Attendance.meeting_id.label("meeting_id"), func.count().label("first_time"))
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .join(
            first_seen,
            and_(
                first_seen.c.person_id == Attendance.person_id,
                first_seen.c.first == Meeting.start_dt,
            ),
        )
        .where(*scope, Attendance.kind == PRESENT)
        .group_by(Attendance.meeting_id)
        .subquery()
    )


def _stat(r, quorum: int | None) -> MeetingStat:
    return MeetingStat(
        meeting_id=r[0],
        start=r[1],
        timezone=r[2],
        title=r[3],
        series_id=r[4],
        status=r[5],
        present=int(r[6]),
        regrets=int(r[7]),
        first_time=int(r[8]),
        organizations=int(r[9]),
        quorum_met=(int(r[6]) >= quorum) if quorum else None,
    )
