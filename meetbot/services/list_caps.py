"""Caps on the lists that grow with membership: members per group and attendance
entries per meeting.

Every way a membership or an attendance entry is made checks here, in the service and
inside its transaction, so a refusal changes nothing: joining, sign-up, invitations,
approved join requests, an organizer's add (form and API), people created by an
attendance paste, CSV or check-in, action owners of an imported log, and restore
(``services.backup``). People merges move rows, never add them. The numbers are the
config keys ``MEETBOT_MAX_MEMBERS_PER_GROUP`` (5,000) and
``MEETBOT_MAX_ATTENDANCE_PER_MEETING`` (2,000): far above any real working group,
low enough that one meeting page or one roster stays cheap.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import Attendance, Membership
from meetbot.services.errors import ValidationError

DEFAULT_MEMBERS = 5000
DEFAULT_ATTENDANCE = 2000


def max_members() -> int:
    """The most members one group may have."""
    return int(current_app.config.get("MEETBOT_MAX_MEMBERS_PER_GROUP", DEFAULT_MEMBERS))


def max_attendance() -> int:
    """The most attendance entries (present and regrets) one meeting may have."""
    return int(current_app.config.get("MEETBOT_MAX_ATTENDANCE_PER_MEETING", DEFAULT_ATTENDANCE))


def members_message() -> str:
    return (
        f"A group can have at most {max_members():,} members; "
        "remove people who have left before adding more."
    )


def attendance_message() -> str:
    return (
        f"A meeting can have at most {max_attendance():,} attendance entries; nothing was recorded."
    )


def member_count(group_id: int) -> int:
    """Members of the group already written (pending objects of this session are not
    flushed first: callers add their own count)."""
    with db.session.no_autoflush:
        return (
            db.session.scalar(
                select(func.count()).select_from(Membership).where(Membership.group_id == group_id)
            )
            or 0
        )


def check_member_room(group_id: int, adding: int = 1, field: str = "members") -> None:
    """Refuse (ValidationError naming ``field``) adding ``adding`` members to a group
    that would then have more than the cap. Call before adding them."""
    if adding > 0 and member_count(group_id) + adding > max_members():
        message = members_message()
        raise ValidationError(message, {field: message})


def check_attendance_room(meeting_id: int, field: str = "attendance") -> None:
    """Refuse (ValidationError naming ``field``) when the meeting now has more entries
    than the cap. Call after flushing the new entries; the caller's transaction then
    rolls them back."""
    count = db.session.scalar(
        select(func.count()).select_from(Attendance).where(Attendance.meeting_id == meeting_id)
    )
    if (count or 0) > max_attendance():
        message = attendance_message()
        raise ValidationError(message, {field: message})
