"""The archive of past meetings with minutes, by year, for a group or one series.

Bounded: the years list has one row per year that has minutes; a year's page holds
ARCHIVE_PAGE_SIZE meetings; the panels show the PANEL_LATEST newest. Each read is a
fixed number of statements, whatever the number of meetings. The panels' reads
(``panel_summary``) are kept while the database is unchanged and until the next meeting
with minutes starts: counting a large group's meetings with minutes costs ~200 ms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exists, func, select

from meetbot.domain.bounds import MAX_YEAR, MIN_YEAR
from meetbot.extensions import db
from meetbot.models import Group, Meeting, MeetingSeries, MinuteItem
from meetbot.services.clock_bound import kept_until

ARCHIVE_PAGE_SIZE = 50  # meetings per page of a year
PANEL_LATEST = 5  # newest meetings with minutes on the group and series pages


@dataclass(frozen=True)
class ArchivedMeeting:
    id: int
    title: str
    start: datetime
    timezone: str
    items: int  # minute items


@dataclass(frozen=True)
class ArchiveSummary:
    """What a group's or series' archive panel shows, as plain rows."""

    years: tuple[tuple[int, int], ...]  # (year, meetings with minutes), newest first
    latest: tuple[ArchivedMeeting, ...]  # the PANEL_LATEST newest
    # The last instant it holds: the first start of a meeting with minutes at or after
    # the instant it was read for (None: none); once past it, it leaves that one out.
    until: datetime | None


def panel_summary(
    group: Group, now: datetime, series: MeetingSeries | None = None
) -> ArchiveSummary:
    """The years and the newest meetings with minutes, read once per change of the
    database and again once ``now`` is past the start of a meeting with minutes that
    had not started when they were read (``clock_bound.kept_until``)."""
    key = ("minutes_archive", group.id, series.id if series else None)
    return kept_until(key, now, lambda: _summary(group, now, series))


def _summary(group: Group, now: datetime, series: MeetingSeries | None) -> ArchiveSummary:
    years = archive_years(group, now, series)
    latest = archived_meetings(group, now, series=series, limit=PANEL_LATEST) if years else []
    scope = [Meeting.group_id == group.id, exists().where(MinuteItem.meeting_id == Meeting.id)]
    if series is not None:
        scope.append(Meeting.series_id == series.id)
    until = db.session.scalar(
        select(func.min(Meeting.start_dt)).where(Meeting.start_dt >= now, *scope)
    )
    return ArchiveSummary(tuple(years), tuple(latest), until)


def _utc_year(column: Any) -> Any:
    """SQL for the year (UTC, as text) of a UTCDateTime column on either backend."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY")
    return func.strftime("%Y", column)


def _scope(group: Group, series: MeetingSeries | None, now: datetime) -> list[Any]:
    """Past meetings of the group (or series) with at least one minute item."""
    conditions = [
        Meeting.group_id == group.id,
        Meeting.start_dt < now,
        exists().where(MinuteItem.meeting_id == Meeting.id),
    ]
    if series is not None:
        conditions.append(Meeting.series_id == series.id)
    return conditions


def archive_years(
    group: Group, now: datetime, series: MeetingSeries | None = None
) -> list[tuple[int, int]]:
    """(year, meetings with minutes) for every year that has some, newest first."""
    year = _utc_year(Meeting.start_dt)
    rows = db.session.execute(
        select(year, func.count(Meeting.id))
        .where(*_scope(group, series, now))
        .group_by(year)
        .order_by(year.desc())
    )
    return [(int(y), n) for y, n in rows]


def archived_meetings(
    group: Group,
    now: datetime,
    *,
    series: MeetingSeries | None = None,
    year: int | None = None,
    limit: int = ARCHIVE_PAGE_SIZE,
    offset: int = 0,
) -> list[ArchivedMeeting]:
    """Past meetings with minutes, newest first (in ``year`` if given)."""
    items = (
        select(func.count(MinuteItem.id))
        .where(MinuteItem.meeting_id == Meeting.id)
        .scalar_subquery()
    )
    query = select(
        Meeting.id,
        func.coalesce(Meeting.title, MeetingSeries.title, "Meeting"),
        Meeting.start_dt,
        Meeting.timezone,
        items,
    ).outerjoin(MeetingSeries, MeetingSeries.id == Meeting.series_id)
    query = query.where(*_scope(group, series, now))
    if year is not None:
        query = query.where(*_year_window(year))
    rows = db.session.execute(
        query.order_by(Meeting.start_dt.desc(), Meeting.id.desc()).limit(limit).offset(offset)
    )
    return [ArchivedMeeting(*row) for row in rows]


def _year_window(year: int) -> list[Any]:
    year = min(max(year, MIN_YEAR), MAX_YEAR)
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    return [Meeting.start_dt >= start, Meeting.start_dt < end]
