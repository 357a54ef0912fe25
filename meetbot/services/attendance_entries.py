"""Attendance entries: how presence is recorded, by every source.

The use cases live beside this module: attendance_reads (lists, the roster),
attendance_roster (ticking the roster, self check-in, removal), attendance_import
(pasted lists and call CSVs), attendance_links (the chairs' check-in links) and
attendance_regrets. This module holds what they share: the ``Changes`` they report,
recording one presence, and finishing an action (hold, flush, audit, webhook).

Every entry is one (meeting, person) row (unique), with its kind (present or regrets),
its source (roster, paste, csv, self, link, ...), who recorded it and when. Every
function of these modules that writes is one transaction: it either records everything it was
asked to or nothing, and adds one audit entry when something changed. Recording the
same thing twice changes nothing (no new rows, no audit entry).

Rules decided here (docs/attendance.md explains them for users):

* **Presence wins over regrets.** Recording someone as present who had sent regrets
  turns the entry into presence (they came after all); recording regrets for someone
  already present is refused.
* **An existing presence keeps its source.** A paste or CSV that names someone already
  recorded (by the roster, a check-in, a log...) leaves that entry as it is; a CSV
  only fills in the minutes spent in the call when it knows them.
* **The roster owns only roster entries.** Saving the roster adds ticked members and
  removes the presence of unticked members *only if it came from the roster*; entries
  from any other source are kept (the roster shows them ticked and locked, and the
  attendance list has a "remove" button for each entry).
* **Recording presence holds the meeting.** Presence recorded at or after a scheduled
  meeting's start marks it ``held``. Removing entries never un-holds it. Cancelled
  meetings take no attendance.
* **Chairs' imports make members.** People created or matched by a paste, a CSV or the
  check-in link who are not yet members of the group become members (role member), so
  the next roster and the attendance rates include them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from meetbot.extensions import db
from meetbot.models import (
    Attendance,
    AttendanceKind,
    AttendanceSource,
    Meeting,
    MeetingStatus,
    Membership,
    Person,
    Role,
    utcnow,
)
from meetbot.services import audit, webhooks
from meetbot.services.errors import ServiceError, ValidationError

PRESENT = AttendanceKind.PRESENT
REGRETS = AttendanceKind.REGRETS


def entries_by_person(meeting: Meeting) -> dict[int, Attendance]:
    """The meeting's entries by person id (one query)."""
    return {
        a.person_id: a
        for a in db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))
    }


def check_open(meeting: Meeting) -> None:
    """Refuse attendance for a cancelled meeting."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError("This meeting is cancelled; it takes no attendance.")


def _hold_if_started(meeting: Meeting, now: datetime) -> bool:
    """Mark a scheduled meeting held once presence is recorded after its start."""
    if meeting.status != MeetingStatus.SCHEDULED or now < meeting.start_dt:
        return False
    # One conditional UPDATE, outside the optimistic lock: when many people check in
    # at once, the ones that read "scheduled" concurrently must not fail on the
    # meeting's version column (StaleDataError) for a change another one already
    # made; and recording presence is no edit of the agenda or minutes, so it must not
    # make a chair's open minutes form stale either.
    result = db.session.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.status == MeetingStatus.SCHEDULED)
        .values(status=MeetingStatus.HELD)
        .execution_options(synchronize_session="evaluate")
    )
    return result.rowcount == 1


def ensure_members(meeting: Meeting, people: Iterable[Person]) -> int:
    """Add people who are not yet members of the meeting's group as members."""
    ids = {p.id for p in people}
    if not ids:
        return 0
    existing = set(
        db.session.scalars(
            select(Membership.person_id).where(
                Membership.group_id == meeting.group_id, Membership.person_id.in_(ids)
            )
        )
    )
    added = 0
    for person in people:
        if person.id not in existing:
            db.session.add(
                Membership(group_id=meeting.group_id, person_id=person.id, role=Role.MEMBER)
            )
            existing.add(person.id)
            added += 1
    return added


@dataclass
class Changes:
    """What one action changed (all zero: nothing did)."""

    added: list[int] = field(default_factory=list)  # person ids newly present
    upgraded: list[int] = field(default_factory=list)  # regrets turned into presence
    updated: list[int] = field(default_factory=list)  # duration filled in
    removed: list[int] = field(default_factory=list)
    created_people: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # lines not recorded, with why
    held: bool = False

    @property
    def changed(self) -> bool:
        return bool(
            self.added or self.upgraded or self.updated or self.removed or self.created_people
        )

    def summary(self) -> str:
        parts = []
        if self.added:
            parts.append(f"{len(self.added)} recorded present")
        if self.upgraded:
            parts.append(f"{len(self.upgraded)} changed from regrets to present")
        if self.updated:
            parts.append(f"{len(self.updated)} durations filled in")
        if self.removed:
            parts.append(f"{len(self.removed)} removed")
        if self.created_people:
            parts.append(f"{len(self.created_people)} new people added to the group")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        return ", ".join(parts) if parts else "nothing changed"


def record_present(
    meeting: Meeting,
    existing: dict[int, Attendance],
    person_id: int,
    *,
    source: str,
    actor: Person | None,
    now: datetime,
    changes: Changes,
    duration: int | None = None,
) -> None:
    entry = existing.get(person_id)
    if entry is None:
        entry = Attendance(
            meeting_id=meeting.id,
            person_id=person_id,
            kind=PRESENT,
            source=source,
            recorded_by_id=actor.id if actor is not None else None,
            recorded_dt=now,
            duration_minutes=duration,
        )
        db.session.add(entry)
        existing[person_id] = entry
        changes.added.append(person_id)
    elif entry.kind == REGRETS:
        entry.kind = PRESENT
        entry.source = source
        entry.recorded_by_id = actor.id if actor is not None else None
        entry.recorded_dt = now
        entry.duration_minutes = duration
        changes.upgraded.append(person_id)
    elif duration is not None and entry.duration_minutes != duration:
        entry.duration_minutes = duration
        changes.updated.append(person_id)


def finish(
    actor: Person | None, meeting: Meeting, action: str, changes: Changes, now: datetime
) -> Changes:
    if changes.added or changes.upgraded:
        changes.held = _hold_if_started(meeting, now)
    try:
        db.session.flush()
    except IntegrityError:
        # Someone recorded the same person at the same moment; nothing of this is kept.
        raise ServiceError(
            "Someone else recorded attendance for this meeting at the same moment; "
            "nothing was saved. Please try again."
        ) from None
    except StaleDataError:
        raise ServiceError(
            "The meeting changed while attendance was being saved; nothing was saved. "
            "Please try again."
        ) from None
    if changes.changed:
        audit.record(
            actor,
            meeting.group,
            "attendance",
            meeting.id,
            action,
            added=changes.added,
            upgraded=changes.upgraded,
            updated=changes.updated,
            removed=changes.removed,
            created_people=changes.created_people,
            held=changes.held,
        )
        webhooks.emit_attendance(meeting, changes.added, changes.upgraded)
    return changes


def record_from_log_in_session(
    actor: Person | None,
    meeting: Meeting,
    lines_by_person: Mapping[int, int],
    *,
    now: datetime | None = None,
) -> Changes:
    """Record the people who spoke in an imported chat log as present (source ``log``)
    with the lines each said, INSIDE the caller's transaction (services.log_import
    keeps a whole import one transaction, so this neither commits nor rolls back).

    The rules of every other source apply: one entry per person; presence wins over
    regrets (the entry becomes a ``log`` presence); an existing presence keeps its
    source. The lines said are written on new entries, on entries that came from a
    log (a corrected log updates them) and on entries that have no count yet. Like
    every recording of presence after the start, it holds a scheduled meeting. One
    audit entry (``recorded_from_log``) and the ``attendance.recorded`` webhook when
    something changed.
    """
    now = now or utcnow()
    existing = entries_by_person(meeting)
    changes = Changes()
    for person_id, lines in lines_by_person.items():
        record_present(
            meeting,
            existing,
            person_id,
            source=AttendanceSource.LOG,
            actor=actor,
            now=now,
            changes=changes,
        )
        entry = existing[person_id]
        fresh = person_id in changes.added or person_id in changes.upgraded
        owned = entry.lines_said is None or entry.source == AttendanceSource.LOG
        if (fresh or owned) and entry.lines_said != lines:
            entry.lines_said = lines
            if not fresh:
                changes.updated.append(person_id)
    return finish(actor, meeting, "recorded_from_log", changes, now)
