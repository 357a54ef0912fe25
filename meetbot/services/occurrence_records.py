"""Creating the meeting record of an occurrence: on an API request (with its audit entry),
for a chair opening it, and for a member's check-in or regrets."""

from __future__ import annotations

from datetime import datetime

from meetbot.extensions import db
from meetbot.models import Meeting, MeetingSeries, Person, utcnow
from meetbot.services import attendance_regrets, attendance_roster, audit
from meetbot.services import meetings as meeting_service
from meetbot.services.db import unit_of_work


def materialize_recorded(
    actor: Person, series: MeetingSeries, slot_key: str, original_start_local: datetime
) -> tuple[Meeting, bool]:
    """The meeting record of one occurrence, created if needed, with an audit entry
    when created; and whether it existed before."""
    slot = next((s for s in series.slots if s.key == slot_key), None)
    existed = slot is not None and (
        meeting_service.find_occurrence(slot, original_start_local) is not None
    )
    with unit_of_work():
        meeting = meeting_service.materialize_occurrence(series, slot_key, original_start_local)
        if not existed:
            db.session.flush()
            audit.record(actor, series.group, "meeting", meeting.id, "created", via="api")
    return meeting, existed


def open_occurrence(
    series: MeetingSeries, slot_key: str, original_start_local: datetime
) -> Meeting:
    """The meeting record of one occurrence, created (and committed) if needed."""
    with unit_of_work():
        return meeting_service.materialize_occurrence(series, slot_key, original_start_local)


def check_in_to_occurrence(
    person: Person, series: MeetingSeries, slot_key: str, original_start_local: datetime
) -> Meeting:
    """``person`` checks in to an occurrence, creating its meeting record.

    One transaction: a refused check-in (outside the window) must not leave a meeting
    row behind, or any member could create rows for every occurrence.
    """
    with unit_of_work():
        meeting = meeting_service.materialize_occurrence(series, slot_key, original_start_local)
        attendance_roster.check_in_self(person, meeting)
    return meeting


def send_regrets_to_occurrence(
    person: Person,
    series: MeetingSeries,
    slot_key: str,
    original_start_local: datetime,
    *,
    now: datetime | None = None,
) -> Meeting:
    """``person`` sends regrets for an occurrence, creating its meeting record if nobody
    has opened it yet (no chair needed).

    One transaction, as for check-in: regrets refused (the occurrence has started or is
    over, it is cancelled, the person is no member) leave no meeting row behind.
    """
    with unit_of_work():
        meeting = meeting_service.materialize_occurrence(series, slot_key, original_start_local)
        attendance_regrets.send_regrets(person, meeting, now=now or utcnow())
    return meeting
