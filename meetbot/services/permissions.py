"""Who may do what to which group: the one check every route and API call uses."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import exists, select

from meetbot.extensions import db
from meetbot.models import Group, Meeting, MeetingSeries, Membership, Person, Role
from meetbot.models.meetings import series_chairs


class Permission(StrEnum):
    EDIT_GROUP = "edit_group"  # group settings, work streams, members, webhooks
    MANAGE_SERIES = "manage_series"  # create/edit series, cancel/move occurrences
    CHAIR = "chair"  # attendance, agenda, minutes, action items of a meeting
    PARTICIPATE = "participate"  # check in, see members-only details
    VIEW_AUDIT = "view_audit"


# The weakest group role that grants each permission.
_REQUIRED_ROLE = {
    Permission.EDIT_GROUP: Role.ORGANIZER,
    Permission.MANAGE_SERIES: Role.ORGANIZER,
    Permission.VIEW_AUDIT: Role.ORGANIZER,
    Permission.CHAIR: Role.CHAIR,
    Permission.PARTICIPATE: Role.MEMBER,
}


def role_in(person: Person | None, group: Group) -> Role | None:
    """The person's role in the group, or None."""
    if person is None or person.id is None:
        return None
    value = db.session.scalar(
        select(Membership.role).where(
            Membership.group_id == group.id, Membership.person_id == person.id
        )
    )
    return Role(value) if value else None


def is_series_chair(person: Person, series: MeetingSeries) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    series_chairs.c.series_id == series.id,
                    series_chairs.c.person_id == person.id,
                )
            )
        )
    )


def may(
    person: Person | None,
    permission: Permission,
    group: Group,
    *,
    series: MeetingSeries | None = None,
    meeting: Meeting | None = None,
) -> bool:
    """True if ``person`` holds ``permission`` on ``group``.

    Site admins may do everything. Chairing a meeting is allowed to the group's
    organizers and chairs and to the chairs named on the meeting's series.
    """
    if person is None or not getattr(person, "is_authenticated", False):
        return False
    if person.is_admin:
        return True
    role = role_in(person, group)
    if role is not None and role.rank >= _REQUIRED_ROLE[permission].rank:
        return True
    if permission is Permission.CHAIR:
        series = series or (meeting.series if meeting is not None else None)
        if series is not None and series.group_id == group.id:
            return is_series_chair(person, series)
    return False
