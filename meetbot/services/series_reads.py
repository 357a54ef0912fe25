"""Reads of meeting series and their meeting records, as the API lists and shows them."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from meetbot.extensions import db
from meetbot.models import (
    ActionItem,
    Attendance,
    Group,
    Meeting,
    MeetingSeries,
    MinuteItem,
    Person,
    WorkStream,
)
from meetbot.models.meetings import series_work_streams
from meetbot.services.errors import NotFound
from meetbot.services.meeting_item_reads import embedded_actions, embedded_minutes
from meetbot.services.paging import Query


def find_series(series_id: int) -> MeetingSeries:
    """The series (NotFound "No series N." if none)."""
    series = db.session.get(MeetingSeries, series_id)
    if series is None:
        raise NotFound(f"No series {series_id}.")
    return series


def series_query(group: Group) -> Query:
    """A group's series by title, with slots, chairs and streams (and their leads)."""
    return (
        select(MeetingSeries)
        .where(MeetingSeries.group_id == group.id)
        .options(
            selectinload(MeetingSeries.slots),
            selectinload(MeetingSeries.chairs),
            selectinload(MeetingSeries.work_streams).selectinload(WorkStream.leads),
        )
        .order_by(MeetingSeries.title, MeetingSeries.id)
    )


def meetings_query(group: Group) -> Query:
    """A group's meeting records, newest first, with series, slot and group loaded."""
    return (
        select(Meeting)
        .where(Meeting.group_id == group.id)
        .options(
            selectinload(Meeting.series), selectinload(Meeting.slot), selectinload(Meeting.group)
        )
        .order_by(Meeting.start_dt.desc(), Meeting.id.desc())
    )


# A meeting in the API embeds at most this many attendees and as many regrets (by
# name); the counts and GET /meetings/<id>/attendance (paged) give the rest.
EMBEDDED_ATTENDANCE = 100


@dataclass
class MeetingRecords:
    """What is attached to some meetings, by meeting id. ``attendance`` holds at most
    EMBEDDED_ATTENDANCE entries of each kind, ``minutes`` and ``actions`` at most
    meeting_item_reads.EMBEDDED_ITEMS; the ``*_counts`` count them all."""

    attendance: dict[int, list[Attendance]] = field(default_factory=dict)
    attendance_counts: dict[int, dict[str, int]] = field(default_factory=dict)
    minutes: dict[int, list[MinuteItem]] = field(default_factory=dict)
    minute_counts: dict[int, int] = field(default_factory=dict)
    actions: dict[int, list[ActionItem]] = field(default_factory=dict)
    action_counts: dict[int, int] = field(default_factory=dict)


def meeting_records(ids: list[int]) -> MeetingRecords:
    """Attendance, minutes and action items of the meetings ``ids`` (the first of each,
    and their counts) in a fixed number of statements, however many there are.

    An action item opened in one of the meetings and closed in another is in both lists.
    """
    records = MeetingRecords(
        attendance={i: [] for i in ids},
        minutes={i: [] for i in ids},
        minute_counts={i: 0 for i in ids},
        actions={i: [] for i in ids},
        action_counts={i: 0 for i in ids},
    )
    if not ids:
        return records
    _load_attendance(ids, records)
    records.minutes, records.minute_counts = embedded_minutes(ids)
    records.actions, records.action_counts = embedded_actions(ids)
    return records


def _load_attendance(ids: list[int], records: MeetingRecords) -> None:
    """The first EMBEDDED_ATTENDANCE entries of each kind of each meeting, by name, and
    the count of all (two queries however many entries there are)."""
    records.attendance_counts = {i: {} for i in ids}
    for meeting_id, kind, count in db.session.execute(
        select(Attendance.meeting_id, Attendance.kind, func.count())
        .where(Attendance.meeting_id.in_(ids))
        .group_by(Attendance.meeting_id, Attendance.kind)
    ):
        records.attendance_counts[meeting_id][str(kind)] = count
    ranked = (
        select(
            Attendance.id,
            func.row_number()
            .over(
                partition_by=(Attendance.meeting_id, Attendance.kind),
                order_by=(func.lower(Person.display_name), Attendance.person_id),
            )
            .label("place"),
        )
        .join(Person, Person.id == Attendance.person_id)
        .where(Attendance.meeting_id.in_(ids))
        .subquery()
    )
    for row in db.session.scalars(
        select(Attendance)
        .join(ranked, ranked.c.id == Attendance.id)
        .where(ranked.c.place <= EMBEDDED_ATTENDANCE)
        .options(selectinload(Attendance.person), selectinload(Attendance.recorded_by))
        .order_by(Attendance.id)
    ):
        records.attendance[row.meeting_id].append(row)


def _tagged(stream: WorkStream) -> Select:
    return select(series_work_streams.c.series_id).where(
        series_work_streams.c.work_stream_id == stream.id
    )


def list_stream_series(
    group: Group,
    stream: WorkStream,
    *,
    limit: int | None = None,
    offset: int = 0,
    with_slots: bool = False,
) -> list[MeetingSeries]:
    """The group's series tagged with ``stream``, by title (attributes only: chairs and
    work streams are not loaded, slots only ``with_slots``). Reads the tagged rows, not
    every series of the group; with ``limit``, the ``limit`` series from ``offset``."""
    query = (
        select(MeetingSeries)
        .where(MeetingSeries.group_id == group.id, MeetingSeries.id.in_(_tagged(stream)))
        .order_by(MeetingSeries.title, MeetingSeries.id)
    )
    if with_slots:
        query = query.options(selectinload(MeetingSeries.slots))
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(db.session.scalars(query))


def count_stream_series(group: Group, stream: WorkStream) -> int:
    """How many of the group's series are tagged with ``stream``."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(MeetingSeries)
            .where(MeetingSeries.group_id == group.id, MeetingSeries.id.in_(_tagged(stream)))
        )
        or 0
    )
