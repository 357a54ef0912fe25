"""A person's home, "My meetings": the next meetings of their groups (with what they
said about each), their open action items and whether any are overdue. Reads only.

The number of SQL statements does not grow with the number of groups, series, meetings
or action items: one expansion over all the person's groups (a fixed number of
queries), one query for their own attendance entries, two for their action items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from meetbot.domain.meeting_status import live_status
from meetbot.extensions import db
from meetbot.models import (
    ActionItem,
    ActionStatus,
    Attendance,
    Group,
    Membership,
    Person,
)
from meetbot.models.actions import action_item_owners
from meetbot.services.actions import is_overdue
from meetbot.services.occurrences import OccurrenceView, occurrences_of_groups

HOME_DAYS = 60  # how far ahead the home looks for meetings
HOME_MEETINGS = 10  # meetings listed
HOME_ACTIONS = 20  # open action items listed (the rest: "My action items")


@dataclass(frozen=True)
class HomeMeeting:
    """One of the next meetings, as the person sees it."""

    occurrence: OccurrenceView
    group: Group
    status: str  # live_status: scheduled | in_progress | held | cancelled
    mine: Attendance | None  # the person's own entry (present or regrets), if any
    regrets_open: bool  # the person may still send regrets


@dataclass
class Home:
    groups: list[Group] = field(default_factory=list)
    meetings: list[HomeMeeting] = field(default_factory=list)
    actions: list[ActionItem] = field(default_factory=list)
    open_actions: int = 0  # all the person's open items (``actions`` shows the first)
    overdue: set[int] = field(default_factory=set)  # ids of overdue items shown


def my_groups(person: Person) -> list[Group]:
    """The groups the person belongs to, by name."""
    return list(
        db.session.scalars(
            select(Group)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.person_id == person.id)
            .order_by(Group.name, Group.id)
        )
    )


def next_meetings(
    person: Person, groups: list[Group], now: datetime, domain: str, *, limit: int = HOME_MEETINGS
) -> list[HomeMeeting]:
    """The next ``limit`` meetings of ``groups`` (running ones first), HOME_DAYS ahead."""
    if not groups:
        return []
    by_id = {g.id: g for g in groups}
    found = occurrences_of_groups(list(by_id), now, now + timedelta(days=HOME_DAYS), domain)
    found = found[:limit]
    mine = _own_entries(person, [o.meeting_id for o in found if o.meeting_id is not None])
    result = []
    for o in found:
        entry = mine.get(o.meeting_id) if o.meeting_id is not None else None
        result.append(
            HomeMeeting(
                occurrence=o,
                group=by_id[o.group_id],
                status=live_status(o.status, o.start, o.end, now),
                mine=entry,
                regrets_open=entry is None and not o.is_cancelled and now < o.start,
            )
        )
    return result


def _own_entries(person: Person, meeting_ids: list[int]) -> dict[int, Attendance]:
    if not meeting_ids:
        return {}
    rows = db.session.scalars(
        select(Attendance).where(
            Attendance.person_id == person.id, Attendance.meeting_id.in_(meeting_ids)
        )
    )
    return {a.meeting_id: a for a in rows}


def open_actions(person: Person, *, limit: int = HOME_ACTIONS) -> tuple[list[ActionItem], int]:
    """The person's first ``limit`` open items (overdue and soonest due first) and how
    many are open in all."""
    mine = (
        select(ActionItem.id)
        .join(action_item_owners, action_item_owners.c.action_item_id == ActionItem.id)
        .where(
            action_item_owners.c.person_id == person.id,
            ActionItem.status == ActionStatus.OPEN,
        )
    )
    total = db.session.scalar(select(func.count()).select_from(mine.subquery())) or 0
    items = db.session.scalars(
        select(ActionItem)
        .where(ActionItem.id.in_(mine))
        .options(
            selectinload(ActionItem.owners),
            selectinload(ActionItem.group),
            selectinload(ActionItem.work_stream),
        )
        .order_by(ActionItem.due_date.is_(None), ActionItem.due_date, ActionItem.id)
        .limit(limit)
    )
    return list(items), total


def my_home(person: Person, now: datetime, domain: str) -> Home:
    """Everything the home page shows."""
    groups = my_groups(person)
    actions, total = open_actions(person)
    today = now.date()
    return Home(
        groups=groups,
        meetings=next_meetings(person, groups, now, domain),
        actions=actions,
        open_actions=total,
        overdue={a.id for a in actions if is_overdue(a, today)},
    )
