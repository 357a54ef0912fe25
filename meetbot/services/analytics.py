"""Attendance analytics: per meeting, per member, per organization.

A meeting *counts* when it is not cancelled and is held or has someone recorded
present. Everything is aggregated in SQL with a fixed number of queries (three for a
group report, one for a series or work stream), whatever the number of meetings or
people.

* present / regrets: entries of that kind;
* first-time: people present whose first counted meeting *in the same scope* (group,
  series or work stream) is this one; returning: the others;
* organizations: distinct ``Person.organization`` values among those present;
* member rate: meetings attended among the last ``group.attendance_window`` counted
  meetings of the group, flagged when below ``group.attendance_threshold`` percent;
* quorum: present >= ``group.quorum`` when the group sets one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, case, distinct, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from meetbot import freshness
from meetbot.extensions import db
from meetbot.models import (
    Attendance,
    AttendanceKind,
    Group,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Membership,
    Person,
    WorkStream,
)
from meetbot.models.meetings import series_work_streams

PRESENT = AttendanceKind.PRESENT.value
REGRETS = AttendanceKind.REGRETS.value
CHART_MAX_MEETINGS = 26  # the chart shows the latest half-year of weekly calls


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


@dataclass(frozen=True, slots=True)
class MemberRate:
    """A member's attendance over the window of recent meetings."""

    person_id: int
    name: str
    organization: str | None
    role: str
    attended: int
    regrets: int
    window: int  # meetings in the window (fewer than the group's N while young)
    flagged: bool

    @property
    def rate(self) -> float:
        """Percent of the window's meetings attended (0 when there are none)."""
        return 100.0 * self.attended / self.window if self.window else 0.0


@dataclass(frozen=True)
class OrganizationStat:
    name: str
    people: int
    meetings: int


@dataclass(frozen=True)
class AttendanceReport:
    """Everything the attendance page and panels show for one scope."""

    group: Group
    meetings: list[MeetingStat]
    members: list[MemberRate]
    organizations: list[OrganizationStat]
    window_meeting_ids: list[int]
    # Counted meetings in scope; None means ``meetings`` holds all of them. A bounded
    # summary (see summary()) holds only the latest ones and sets this.
    meeting_count: int | None = None

    @property
    def held(self) -> int:
        """Number of counted meetings in scope (also when only the latest are loaded)."""
        return len(self.meetings) if self.meeting_count is None else self.meeting_count

    @property
    def chart_meetings(self) -> list[MeetingStat]:
        return self.meetings[-CHART_MAX_MEETINGS:]

    @property
    def flagged(self) -> list[MemberRate]:
        return [m for m in self.members if m.flagged]

    @property
    def average_present(self) -> float:
        recent = self.meetings[-len(self.window_meeting_ids) :] if self.window_meeting_ids else []
        return sum(m.present for m in recent) / len(recent) if recent else 0.0


def _scope(
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
    held = select(Meeting.id, Meeting.start_dt).where(
        *scope, Meeting.status == MeetingStatus.HELD.value
    )
    unmarked = select(Meeting.id, Meeting.start_dt).where(
        *scope, Meeting.status.in_(_UNMARKED), someone_present
    )
    return held, unmarked


def _counted_count(scope: list) -> int:
    """How many counted meetings ``scope`` holds (two index counts)."""
    held, unmarked = _counted_branches(scope)
    return db.session.scalar(
        select(
            select(func.count()).select_from(held.subquery()).scalar_subquery()
            + select(func.count()).select_from(unmarked.subquery()).scalar_subquery()
        )
    )


def _latest_counted_ids(scope: list, limit: int, offset: int = 0) -> list[int]:
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
        earlier.status != MeetingStatus.CANCELLED.value,
        *_scope(group, series, stream, earlier),
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
    scope = _scope(group, series, stream)
    not_cancelled = Meeting.status != MeetingStatus.CANCELLED.value
    bounded = meeting_ids is not None
    if bounded:
        scope = [*scope, Meeting.id.in_(list(meeting_ids) or [-1])]
    counts = (
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
    # Each person's first counted meeting in scope.
    first_seen = (
        None
        if bounded
        else (
            select(
                Attendance.person_id.label("person_id"), func.min(Meeting.start_dt).label("first")
            )
            .join(Meeting, Meeting.id == Attendance.meeting_id)
            .where(*scope, not_cancelled, Attendance.kind == PRESENT)
            .group_by(Attendance.person_id)
            .subquery()
        )
    )
    firsts = (
        _first_timers(group, series, stream, scope)
        if bounded
        else select(Attendance.meeting_id.label("meeting_id"), func.count().label("first_time"))
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
        .where(*scope, not_cancelled, or_(Meeting.status == MeetingStatus.HELD.value, present > 0))
        .order_by(Meeting.start_dt, Meeting.id)
    ).all()
    quorum = group.quorum
    return [
        MeetingStat(
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
        for r in rows
    ]


def member_rates(group: Group, window_ids: Sequence[int]) -> list[MemberRate]:
    """Every member's attendance over the meetings ``window_ids`` (one query)."""
    ids = list(window_ids) or [-1]
    # Aggregate the window's rows first (a few hundred, by the meeting index), then
    # join them to the members: joining every member to their attendance instead
    # reads each member's whole history (~160 ms for 2,000 members on SQLite).
    in_window = (
        select(
            Attendance.person_id.label("person_id"),
            func.sum(case((Attendance.kind == PRESENT, 1), else_=0)).label("present"),
            func.sum(case((Attendance.kind == REGRETS, 1), else_=0)).label("regrets"),
        )
        .where(Attendance.meeting_id.in_(ids))
        .group_by(Attendance.person_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Person.id,
            Person.display_name,
            Person.organization,
            Membership.role,
            func.coalesce(in_window.c.present, 0),
            func.coalesce(in_window.c.regrets, 0),
        )
        .join(Membership, Membership.person_id == Person.id)
        .outerjoin(in_window, in_window.c.person_id == Person.id)
        .where(Membership.group_id == group.id)
        .order_by(Person.display_name, Person.id)
    ).all()
    window = len(window_ids)
    # A foundation-wide group has thousands of members: keep the loop lean (the role
    # column is constrained to Role values by the database, so it is used as it is).
    threshold = group.attendance_threshold
    return [
        MemberRate(
            pid,
            name,
            org,
            role,
            attended,
            regrets,
            window,
            bool(window) and 100.0 * attended / window < threshold,
        )
        for pid, name, org, role, attended, regrets in rows
    ]


def organization_stats(window_ids: Sequence[int]) -> list[OrganizationStat]:
    """Organizations present at the meetings ``window_ids``: distinct people and
    meetings, most meetings first (one query)."""
    if not window_ids:
        return []
    org = func.coalesce(Person.organization, literal(""))
    rows = db.session.execute(
        select(
            org,
            func.count(distinct(Attendance.person_id)),
            func.count(distinct(Attendance.meeting_id)),
        )
        .join(Person, Person.id == Attendance.person_id)
        .where(Attendance.meeting_id.in_(list(window_ids)), Attendance.kind == PRESENT)
        .group_by(org)
    ).all()
    stats = [
        OrganizationStat(name=r[0] or "(no organization)", people=r[1], meetings=r[2]) for r in rows
    ]
    stats.sort(key=lambda s: (-s.meetings, -s.people, s.name.casefold()))
    return stats


def report(
    group: Group,
    *,
    series: MeetingSeries | None = None,
    stream: WorkStream | None = None,
    with_members: bool = True,
) -> AttendanceReport:
    """The attendance report of a group, or of one of its series or work streams.

    Member rates and organizations always use the group's window of the latest counted
    meetings *in the same scope*."""
    meetings = meeting_stats(group, series=series, stream=stream)
    window_ids = [m.meeting_id for m in meetings[-group.attendance_window :]]
    members = member_rates(group, window_ids) if with_members else []
    orgs = organization_stats(window_ids) if with_members else []
    return AttendanceReport(
        group=group,
        meetings=meetings,
        members=members,
        organizations=orgs,
        window_meeting_ids=window_ids,
    )


def meetings_page(
    group: Group,
    *,
    series: MeetingSeries | None = None,
    page: int = 1,
    per_page: int = 50,
) -> list[MeetingStat]:
    """One page of the counted meetings in scope, newest first (their number is
    ``summary(...).held``).

    One query plus :func:`meeting_stats` of the page's meetings: the cost follows the
    page, not the history (a large group holds tens of thousands of meetings)."""
    ids = _latest_counted_ids(
        _scope(group, series, None), per_page, offset=max(0, page - 1) * per_page
    )
    stats = meeting_stats(group, series=series, meeting_ids=ids) if ids else []
    return list(reversed(stats))


def summary(
    group: Group,
    *,
    series: MeetingSeries | None = None,
    stream: WorkStream | None = None,
    with_members: bool = True,
    latest: int | None = None,
) -> AttendanceReport:
    """The report of the latest counted meetings only (for panels), in a fixed number
    of queries whose cost does not grow with the history.

    ``meetings`` holds the latest ``latest`` counted meetings (default: enough for the
    chart and the group's window) and ``meeting_count`` the number of all of them;
    member rates and organizations are the same as in :func:`report`."""
    keep = latest or max(group.attendance_window, CHART_MAX_MEETINGS)

    def compute() -> tuple:
        scope = _scope(group, series, stream)
        ids = _latest_counted_ids(scope, keep)
        # Always the same statements, whatever the data (tests/perf/test_query_counts.py).
        total = _counted_count(scope)
        meetings = meeting_stats(group, series=series, stream=stream, meeting_ids=ids)
        window_ids = [m.meeting_id for m in meetings[-group.attendance_window :]]
        members = member_rates(group, window_ids) if with_members else []
        orgs = organization_stats(window_ids) if with_members else []
        return meetings, members, orgs, window_ids, total

    # Plain figures only, reused by later requests while nothing is committed: the
    # panels of busy pages then cost nothing on a quiet database.
    key = (
        "attendance-summary",
        group.id,
        series.id if series is not None else None,
        stream.id if stream is not None else None,
        with_members,
        keep,
    )
    meetings, members, orgs, window_ids, total = freshness.while_unchanged(key, compute)
    return AttendanceReport(
        group=group,
        meetings=list(meetings),
        members=list(members),
        organizations=list(orgs),
        window_meeting_ids=list(window_ids),
        meeting_count=total,
    )


# ----------------------------------------------------------------- CSV export

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = [
    "meeting_id",
    "meeting_start_utc",
    "meeting_title",
    "person_id",
    "name",
    "email",
    "organization",
    "kind",
    "source",
    "duration_minutes",
    "recorded_by",
    "recorded_utc",
]


def neutralise(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula: text starting with
    = + - @ (or a tab / carriage return) gets a leading single quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def export_csv(group: Group, *, include_email: bool = True) -> str:
    """Every attendance entry of the group's meetings, one row each (one query)."""
    recorder = db.aliased(Person)
    rows = db.session.execute(
        select(
            Meeting.id,
            Meeting.start_dt,
            func.coalesce(Meeting.title, MeetingSeries.title, literal("Meeting")),
            Person.id,
            Person.display_name,
            Person.email,
            Person.organization,
            Attendance.kind,
            Attendance.source,
            Attendance.duration_minutes,
            recorder.display_name,
            Attendance.recorded_dt,
        )
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .join(Person, Person.id == Attendance.person_id)
        .outerjoin(MeetingSeries, MeetingSeries.id == Meeting.series_id)
        .outerjoin(recorder, recorder.id == Attendance.recorded_by_id)
        .where(Meeting.group_id == group.id)
        .order_by(Meeting.start_dt, Meeting.id, Person.display_name, Person.id)
    ).all()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        values = list(r)
        values[1] = values[1].strftime("%Y-%m-%dT%H:%M:%SZ")
        values[11] = values[11].strftime("%Y-%m-%dT%H:%M:%SZ") if values[11] else ""
        if not include_email:
            values[5] = ""
        writer.writerow([neutralise(v) for v in values])
    return out.getvalue()
