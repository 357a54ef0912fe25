"""The rows a calendar feed shows, loaded in a few queries (no lazy loads while
rendering), and what a personal feed's revision needs to know of a person's items."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from meetbot.extensions import db
from meetbot.models import (
    ActionItem,
    ActionStatus,
    Meeting,
    MeetingSeries,
    Membership,
)
from meetbot.models.actions import action_item_owners
from meetbot.models.meetings import series_chairs


def member_group_ids(person_id: int) -> list[int]:
    """Ids of the groups the person is a member of."""
    return list(
        db.session.scalars(select(Membership.group_id).where(Membership.person_id == person_id))
    )


def chaired_series_ids(person_id: int) -> dict[int, int]:
    """series id -> group id of the series the person chairs."""
    return dict(
        db.session.execute(
            select(MeetingSeries.id, MeetingSeries.group_id)
            .join(series_chairs, series_chairs.c.series_id == MeetingSeries.id)
            .where(series_chairs.c.person_id == person_id)
        ).all()
    )


def _owned_items():
    return select(ActionItem).join(
        action_item_owners, action_item_owners.c.action_item_id == ActionItem.id
    )


def action_state(person_id: int) -> dict[str, object]:
    """What the personal feed's cache key needs to know about the person's items:
    a change of status, text, due date, owner or group moves one of these."""
    owned = action_item_owners.c.person_id == person_id
    joined = select(ActionItem.id).join(
        action_item_owners, action_item_owners.c.action_item_id == ActionItem.id
    )
    row = db.session.execute(
        select(
            func.count(ActionItem.id),
            func.count(ActionItem.id).filter(ActionItem.status == ActionStatus.OPEN),
            func.max(ActionItem.updated_dt),
            func.coalesce(func.sum(ActionItem.sequence), 0),
        ).where(ActionItem.id.in_(joined.where(owned)))
    ).one()
    groups = db.session.scalars(
        select(ActionItem.group_id)
        .distinct()
        .where(
            ActionItem.id.in_(joined.where(owned)),
            ActionItem.status == ActionStatus.OPEN,
        )
    ).all()
    max_updated = row[2].isoformat() if isinstance(row[2], datetime) else str(row[2])
    return {
        "count": row[0],
        "open": row[1],
        "max_updated": max_updated,
        "sequence": row[3],
        "groups": list(groups),
    }


def open_items(person_id: int) -> list[ActionItem]:
    return list(
        db.session.scalars(
            _owned_items()
            .where(
                action_item_owners.c.person_id == person_id,
                ActionItem.status == ActionStatus.OPEN,
            )
            .options(selectinload(ActionItem.group))
            .order_by(ActionItem.id)
        )
    )


def feed_series(*where: object) -> list[MeetingSeries]:
    return list(
        db.session.scalars(
            select(MeetingSeries)
            .where(*where)
            .options(
                selectinload(MeetingSeries.slots),
                selectinload(MeetingSeries.work_streams),
                selectinload(MeetingSeries.group),
            )
            .order_by(MeetingSeries.id)
        )
    )


def feed_one_offs(*where: object) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting).where(Meeting.series_id.is_(None), *where).order_by(Meeting.id)
        )
    )


def rows_by_series(series_ids: Sequence[int]) -> dict[int, list[Meeting]]:
    rows: dict[int, list[Meeting]] = defaultdict(list)
    if series_ids:
        for row in db.session.scalars(
            select(Meeting).where(Meeting.series_id.in_(series_ids)).order_by(Meeting.id)
        ):
            rows[row.series_id].append(row)
    return rows
