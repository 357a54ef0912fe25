"""Caps on the lists that grow with membership or with a meeting: members per group,
attendance entries per meeting and minute items per meeting.

Every way a membership or an attendance entry is made checks here, in the service and
inside its transaction, so a refusal changes nothing: joining, sign-up, invitations,
approved join requests, an organizer's add (form and API), people created by an
attendance paste, CSV or check-in, action owners of an imported log, and restore
(``services.backup``). People merges move rows, never add them. The numbers are the
config keys ``MEETBOT_MAX_MEMBERS_PER_GROUP`` (5,000) and
``MEETBOT_MAX_ATTENDANCE_PER_MEETING`` (2,000): far above any real working group,
low enough that one meeting page or one roster stays cheap.

Minute items per meeting (``MEETBOT_MAX_MINUTE_ITEMS_PER_MEETING``, 2,000) are checked
by every writer of a meeting's minutes: ``minutes.add_item`` (form, quick entry, API),
``actions.create_action`` in a meeting, the log import (plan: the log alone, dry run
too; write: with the items already there), the live chat bot (``chat.store``: past
the cap the line is kept in the log, no item is added, the bot says so once) and
restore.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import Attendance, Membership, MinuteItem
from meetbot.services.errors import ValidationError

DEFAULT_MEMBERS = 5000
DEFAULT_ATTENDANCE = 2000
DEFAULT_MINUTE_ITEMS = 2000


def max_members() -> int:
    """The most members one group may have."""
    return int(current_app.config.get("MEETBOT_MAX_MEMBERS_PER_GROUP", DEFAULT_MEMBERS))


def max_attendance() -> int:
    """The most attendance entries (present and regrets) one meeting may have."""
    return int(current_app.config.get("MEETBOT_MAX_ATTENDANCE_PER_MEETING", DEFAULT_ATTENDANCE))


def max_minute_items() -> int:
    """The most minute items one meeting may have."""
    return int(current_app.config.get("MEETBOT_MAX_MINUTE_ITEMS_PER_MEETING", DEFAULT_MINUTE_ITEMS))


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


def minute_items_message() -> str:
    return f"A meeting's minutes can have at most {max_minute_items():,} items; nothing was added."


def minute_item_count(meeting_id: int | None) -> int:
    """Minute items of the meeting already written (pending ones are not flushed)."""
    if meeting_id is None:
        return 0
    with db.session.no_autoflush:
        return (
            db.session.scalar(
                select(func.count())
                .select_from(MinuteItem)
                .where(MinuteItem.meeting_id == meeting_id)
            )
            or 0
        )


def check_minute_room(meeting_id: int | None, adding: int = 1, field: str = "text") -> None:
    """Refuse (ValidationError naming ``field``) adding ``adding`` minute items to a
    meeting that would then have more than the cap. Call before adding them."""
    if adding > 0 and minute_item_count(meeting_id) + adding > max_minute_items():
        message = minute_items_message()
        raise ValidationError(message, {field: message})
