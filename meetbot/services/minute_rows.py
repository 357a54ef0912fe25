"""The minutes' optimistic lock and item positions, shared by every writer of a
meeting's minutes (minutes.py, actions.py, log_import.py).

A change is made from a copy of ``Meeting.lock_version``: ``check_version`` refuses a
stale one, ``touch`` marks the meeting row changed so the version goes up on flush and
``flush_or_conflict`` turns a concurrent bump into Conflict.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from meetbot.extensions import db
from meetbot.models import Meeting, MinuteItem, utcnow
from meetbot.services.errors import Conflict, ValidationError


def check_version(meeting: Meeting, version: int | None) -> None:
    """Refuse a change made from a stale copy of the meeting (Conflict, 409)."""
    if version is None:
        raise ValidationError(
            "The form did not say which version of the minutes it edits; reload the page.",
            {"version": "missing"},
        )
    if int(version) != meeting.lock_version:
        raise Conflict(
            "Someone else changed this meeting's minutes while you were editing "
            f"(you edited version {int(version)}, it is now version {meeting.lock_version}). "
            "Your change was NOT saved: reload the page to see theirs, then apply yours again.",
            {"version": "stale"},
        )


def touch(meeting: Meeting) -> None:
    """Mark the meeting row changed so its lock_version goes up on flush."""
    meeting.updated_dt = utcnow()
    flag_modified(meeting, "updated_dt")


def flush_or_conflict() -> None:
    """Flush, turning a lost lock_version race into Conflict (nothing is written)."""
    try:
        db.session.flush()
    except StaleDataError:
        # Another transaction bumped lock_version between our check and our write.
        raise Conflict(
            "Someone else changed this meeting's minutes at the same moment; "
            "your change was NOT saved. Reload the page and try again.",
            {"version": "stale"},
        ) from None


def next_position(meeting: Meeting) -> int:
    """The position after the meeting's last minute item."""
    current = db.session.scalar(
        select(func.max(MinuteItem.position)).where(MinuteItem.meeting_id == meeting.id)
    )
    return (current or 0) + 1
