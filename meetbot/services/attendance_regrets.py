"""Regrets: a member's own apologies before the meeting, or a chair recording them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from meetbot.extensions import db
from meetbot.models import Attendance, AttendanceSource, Meeting, Membership, Person, utcnow
from meetbot.services.attendance_entries import (
    PRESENT,
    REGRETS,
    Changes,
    check_open,
    entries_by_person,
    finish,
)
from meetbot.services.db import unit_of_work
from meetbot.services.errors import ValidationError, field_error


def send_regrets(person: Person, meeting: Meeting, *, now: datetime | None = None) -> Changes:
    """A member's own apologies, accepted until the meeting starts."""
    check_open(meeting)
    now = now or utcnow()
    if now >= meeting.start_dt:
        raise ValidationError(
            "This meeting has already started: regrets can be sent until it starts; "
            "ask a chair to record them now."
        )
    return _regrets(person, meeting, [person.id], now)


def record_regrets(
    actor: Person, meeting: Meeting, person_ids: Iterable[int], *, now: datetime | None = None
) -> Changes:
    """A chair records regrets for members (any time)."""
    check_open(meeting)
    return _regrets(actor, meeting, list(person_ids), now or utcnow())


def _regrets(actor: Person, meeting: Meeting, person_ids: list[int], now: datetime) -> Changes:
    with unit_of_work():
        member_ids = set(
            db.session.scalars(
                select(Membership.person_id).where(
                    Membership.group_id == meeting.group_id, Membership.person_id.in_(person_ids)
                )
            )
        )
        if set(person_ids) - member_ids:
            raise field_error("person_id", "Only members of the group can send regrets.")
        existing = entries_by_person(meeting)
        changes = Changes()
        for person_id in person_ids:
            entry = existing.get(person_id)
            if entry is None:
                db.session.add(
                    Attendance(
                        meeting_id=meeting.id,
                        person_id=person_id,
                        kind=REGRETS,
                        source=AttendanceSource.SELF
                        if actor.id == person_id
                        else AttendanceSource.ROSTER,
                        recorded_by_id=actor.id,
                        recorded_dt=now,
                    )
                )
                changes.added.append(person_id)
            elif entry.kind == PRESENT:
                raise field_error(
                    "person_id",
                    "Already recorded as present; remove that entry first if it is wrong.",
                )
        return finish(actor, meeting, "regrets_recorded", changes, now)
