"""A meeting's attendance as the meeting page lists it: plain rows, kept under the
change token (issue 19). The page showed ORM entries with their person, handles and
recorder loaded (three round trips and a few hundred objects for a big meeting) on
every view; one statement reads what it shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import aliased

from meetbot import freshness
from meetbot.extensions import db
from meetbot.models import Attendance, Meeting, Person


class PersonRef(NamedTuple):
    id: int
    display_name: str
    organization: str | None


class RecorderRef(NamedTuple):
    id: int
    display_name: str


@dataclass(frozen=True, slots=True)
class EntryLine:
    """One attendance entry with the attributes the meeting page reads."""

    id: int
    person_id: int
    kind: str
    source: str
    recorded_dt: datetime
    duration_minutes: int | None
    person: PersonRef
    recorded_by: RecorderRef | None


@cache
def _recorder() -> Any:
    """The recorder's alias, made at first use: aliasing a mapped class configures
    every mapper (~65 ms), which importing the app need not pay (issue 19)."""
    return aliased(Person)


def entry_lines(meeting: Meeting) -> list[EntryLine]:
    """The meeting's entries, present first, then by name (as attendance_reads.entries),
    read once per database change."""
    return freshness.cached_while_unchanged(
        ("attendance_lines", meeting.id), lambda: _entry_lines(meeting.id)
    )


def _entry_lines(meeting_id: int) -> list[EntryLine]:
    recorder = _recorder()
    rows = db.session.execute(
        select(
            Attendance.id,
            Attendance.person_id,
            Attendance.kind,
            Attendance.source,
            Attendance.recorded_dt,
            Attendance.duration_minutes,
            Person.display_name,
            Person.organization,
            recorder.id,
            recorder.display_name,
        )
        .join(Person, Person.id == Attendance.person_id)
        .outerjoin(recorder, recorder.id == Attendance.recorded_by_id)
        .where(Attendance.meeting_id == meeting_id)
        .order_by(Attendance.kind, Person.display_name, Person.id)
    )
    return [
        EntryLine(
            id=entry_id,
            person_id=person_id,
            kind=str(kind),
            source=str(source),
            recorded_dt=recorded,
            duration_minutes=minutes,
            person=PersonRef(person_id, name, organization),
            recorded_by=RecorderRef(recorder_id, recorder_name) if recorder_id else None,
        )
        for (
            entry_id,
            person_id,
            kind,
            source,
            recorded,
            minutes,
            name,
            organization,
            recorder_id,
            recorder_name,
        ) in rows
    ]
