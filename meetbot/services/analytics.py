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

from sqlalchemy import case, distinct, func, literal, select

from meetbot import freshness
from meetbot.extensions import db
from meetbot.models import (
    Attendance,
    Group,
    Meeting,
    MeetingSeries,
    Membership,
    Person,
    WorkStream,
)
from meetbot.services.attendance_stats import (
    PRESENT,
    REGRETS,
    MeetingStat,
    counted_count,
    latest_counted_ids,
    meeting_scope,
    meeting_stats,
)
from meetbot.services.paging import name_key, padded

CHART_MAX_MEETINGS = 26  # the chart shows the latest half-year of weekly calls


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
    ids = latest_counted_ids(
        meeting_scope(group, series, None), per_page, offset=max(0, page - 1) * per_page
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
        scope = meeting_scope(group, series, stream)
        ids = latest_counted_ids(scope, keep)
        # Always the same statements, whatever the data (tests/perf/test_query_counts.py).
        total = counted_count(scope)
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


def keyed_members(members: list[MemberRate]) -> list[tuple[tuple[str, str], MemberRate]]:
    """The members of a report with their page keys (name, person id), in key order."""
    keyed = ((name_key(m.name), padded(m.person_id)) for m in members)
    return sorted(zip(keyed, members, strict=True), key=lambda e: e[0])
