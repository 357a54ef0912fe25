"""The roster a chair ticks, a member's own "I'm here", and removing an entry.

The rules are in services.attendance_entries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select

from meetbot.extensions import db
from meetbot.models import Attendance, AttendanceSource, Meeting, Membership, Person, utcnow
from meetbot.services import audit
from meetbot.services.attendance_entries import (
    PRESENT,
    Changes,
    check_open,
    entries_by_person,
    finish,
    record_present,
)
from meetbot.services.attendance_reads import get_entry
from meetbot.services.db import unit_of_work
from meetbot.services.errors import ValidationError, field_error

# Self check-in is open from this long before the start to this long after the end.
CHECKIN_OPENS_BEFORE = timedelta(minutes=15)
CHECKIN_CLOSES_AFTER = timedelta(minutes=15)


def save_roster(
    actor: Person,
    meeting: Meeting,
    present_ids: Iterable[int],
    *,
    shown_ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> Changes:
    """Save the ticked roster: ticked members are present (source roster); members
    who were shown but not ticked lose a presence that came from the roster.

    ``shown_ids`` are the members the form listed (a member added after the page was
    loaded is left alone); None means every member. Presence from other sources and
    regrets of unticked members are kept. Ticked ids must be members of the group.
    """
    check_open(meeting)
    now = now or utcnow()
    present = set(present_ids)
    with unit_of_work():
        member_ids = set(
            db.session.scalars(
                select(Membership.person_id).where(Membership.group_id == meeting.group_id)
            )
        )
        strangers = present - member_ids
        if strangers:
            raise field_error("present", "Only members of the group can be ticked on the roster.")
        shown = member_ids if shown_ids is None else set(shown_ids) & member_ids
        existing = entries_by_person(meeting)
        changes = Changes()
        for person_id in sorted(present):
            record_present(
                meeting,
                existing,
                person_id,
                source=AttendanceSource.ROSTER,
                actor=actor,
                now=now,
                changes=changes,
            )
        for person_id in sorted(shown - present):
            entry = existing.get(person_id)
            if entry is not None and entry.kind == PRESENT and entry.source == "roster":
                db.session.delete(entry)
                changes.removed.append(person_id)
        return finish(actor, meeting, "roster_saved", changes, now)


def checkin_window(meeting: Meeting) -> tuple[datetime, datetime]:
    """When self check-in is open for a meeting: [opens, closes]."""
    return meeting.start_dt - CHECKIN_OPENS_BEFORE, meeting.end_dt + CHECKIN_CLOSES_AFTER


def check_in_self(person: Person, meeting: Meeting, *, now: datetime | None = None) -> Changes:
    """ "I'm here": record ``person`` present (source self) during the check-in window.

    The caller checks that the person may participate (is a member)."""
    check_open(meeting)
    now = now or utcnow()
    opens, closes = checkin_window(meeting)
    if now < opens:
        raise ValidationError(
            f"Check-in opens {int(CHECKIN_OPENS_BEFORE.total_seconds() // 60)} minutes before "
            f"the meeting starts ({opens:%Y-%m-%d %H:%M} UTC)."
        )
    if now > closes:
        raise ValidationError(
            f"Check-in closed {int(CHECKIN_CLOSES_AFTER.total_seconds() // 60)} minutes after "
            f"the meeting ended ({closes:%Y-%m-%d %H:%M} UTC); ask a chair to record you."
        )
    with unit_of_work():
        changes = Changes()
        record_present(
            meeting,
            entries_by_person(meeting),
            person.id,
            source=AttendanceSource.SELF,
            actor=person,
            now=now,
            changes=changes,
        )
        return finish(person, meeting, "checked_in", changes, now)


def remove_entry(actor: Person, meeting: Meeting, entry_id: int) -> Attendance:
    """Delete one entry (a wrong presence or regrets). The meeting stays as it is."""
    with unit_of_work():
        entry = get_entry(meeting, entry_id)
        audit.record(
            actor,
            meeting.group,
            "attendance",
            meeting.id,
            "removed",
            person_id=entry.person_id,
            kind=entry.kind,
            source=entry.source,
        )
        db.session.delete(entry)
    return entry
