"""Attendance reads: a meeting's entries, the previous meeting, the roster rows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from meetbot.extensions import db
from meetbot.models import (
    Attendance,
    Group,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Membership,
    Person,
    Role,
)
from meetbot.services.attendance_entries import PRESENT, entries_by_person
from meetbot.services.errors import NotFound


def entries(meeting: Meeting) -> list[Attendance]:
    """Every attendance entry of a meeting with its person and recorder loaded (2-3
    queries however many entries), present first, then by name."""
    rows = list(
        db.session.scalars(
            select(Attendance)
            .join(Person, Person.id == Attendance.person_id)
            .where(Attendance.meeting_id == meeting.id)
            .options(
                selectinload(Attendance.person).selectinload(Person.handles),
                selectinload(Attendance.recorded_by),
            )
            .order_by(Attendance.kind, Person.display_name, Person.id)
        )
    )
    return rows


def previous_meeting(meeting: Meeting) -> Meeting | None:
    """The latest earlier meeting of the same series (or, for a one-off, of the same
    group) that is held or has someone recorded present."""
    query = select(Meeting).where(
        Meeting.start_dt < meeting.start_dt,
        Meeting.status != MeetingStatus.CANCELLED,
        Meeting.id != meeting.id,
        (Meeting.status == MeetingStatus.HELD)
        | Meeting.id.in_(select(Attendance.meeting_id).where(Attendance.kind == PRESENT)),
    )
    if meeting.series_id is not None:
        query = query.where(Meeting.series_id == meeting.series_id)
    else:
        query = query.where(Meeting.group_id == meeting.group_id)
    return db.session.scalar(query.order_by(Meeting.start_dt.desc()).limit(1))


def present_person_ids(meeting: Meeting | None) -> set[int]:
    """Ids of the people recorded present at ``meeting`` (empty for None)."""
    if meeting is None:
        return set()
    return set(
        db.session.scalars(
            select(Attendance.person_id).where(
                Attendance.meeting_id == meeting.id, Attendance.kind == PRESENT
            )
        )
    )


@dataclass(frozen=True)
class RosterRow:
    """One member on the roster, with their current entry (if any)."""

    person: Person
    role: Role
    entry: Attendance | None
    came_last_time: bool

    @property
    def present(self) -> bool:
        return self.entry is not None and self.entry.kind == PRESENT

    @property
    def locked(self) -> bool:
        """Present through another source: the roster shows but does not own it."""
        return self.present and self.entry is not None and self.entry.source != "roster"


def roster(meeting: Meeting) -> list[RosterRow]:
    """The group's members with their entries, for the roster form (3 queries)."""
    members = db.session.execute(
        select(Person, Membership.role)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.group_id == meeting.group_id)
        .options(selectinload(Person.handles))
        .order_by(Person.display_name, Person.id)
    ).all()
    by_person = entries_by_person(meeting)
    last = present_person_ids(previous_meeting(meeting))
    return [
        RosterRow(person=p, role=Role(r), entry=by_person.get(p.id), came_last_time=p.id in last)
        for p, r in members
    ]


def get_entry(meeting: Meeting, entry_id: int) -> Attendance:
    """One entry of this meeting, or NotFound."""
    entry = db.session.get(Attendance, entry_id)
    if entry is None or entry.meeting_id != meeting.id:
        raise NotFound("There is no such attendance entry for this meeting.")
    return entry


def find_meeting(meeting_id: int) -> Meeting | None:
    """The meeting with this id, or None (for pages that answer a missing meeting their
    own way, like the upload-too-large page)."""
    return db.session.get(Meeting, meeting_id)


def report_series(group: Group, series_id: int) -> MeetingSeries:
    """A series of ``group`` for its attendance report, or NotFound."""
    series = db.session.get(MeetingSeries, series_id)
    if series is None or series.group_id != group.id:
        raise NotFound("No such series in this group.")
    return series
