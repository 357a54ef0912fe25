"""The rows a calendar feed shows, loaded in a few queries (no lazy loads while
rendering), and what a personal feed's revision needs to know of a person's items."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from meetbot.extensions import db
from meetbot.models import (
    ActionItem,
    ActionStatus,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Membership,
    SeriesStatus,
)
from meetbot.models.actions import action_item_owners
from meetbot.models.meetings import series_chairs
from meetbot.services.occurrence_marks import current_mark


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


@dataclass(frozen=True, slots=True)
class FeedRow:
    """A meeting row of a series as the feed reads it: plain columns (no ORM identity,
    state or relationships to build for tens of thousands of history rows) and its
    series. The attribute names are Meeting's, so the renderer takes either."""

    id: int
    slot_id: int | None
    original_start_local: datetime | None
    timezone: str
    start_dt: datetime
    end_dt: datetime
    status: MeetingStatus
    title: str | None
    location: str | None
    change_reason: str
    uid_token: str
    sequence: int
    updated_dt: datetime
    rule_mark: str | None
    series: MeetingSeries
    work_stream: None = None  # a series' rows take the series' work streams

    @property
    def effective_title(self) -> str:
        return self.title or self.series.title

    @property
    def effective_location(self) -> str:
        return self.location if self.location is not None else self.series.location


_ROW_COLUMNS = (
    Meeting.series_id,
    Meeting.id,
    Meeting.slot_id,
    Meeting.original_start_local,
    Meeting.timezone,
    Meeting.start_dt,
    Meeting.end_dt,
    Meeting.status,
    Meeting.title,
    Meeting.location,
    Meeting.change_reason,
    Meeting.uid_token,
    Meeting.sequence,
    Meeting.updated_dt,
    Meeting.rule_mark,
)


def rows_by_series(series_list: Sequence[MeetingSeries]) -> dict[int, list[FeedRow]]:
    """The meeting rows of these series that can show in a feed, as plain rows (one
    query), in id order: every row of an ended series (its history is published), and
    of the others only the rows that differ from their rule (:func:`_differs`): a held
    meeting where the rule put it, as the title and place the series gives, is not
    read at all, so a render reads what the feed shows, not the history."""
    by_id = {s.id: s for s in series_list}
    rows: dict[int, list[FeedRow]] = defaultdict(list)
    if by_id:
        ended = [s.id for s in series_list if s.status == SeriesStatus.ENDED]
        running = [s for s in series_list if s.status != SeriesStatus.ENDED]
        found = db.session.execute(
            select(*_ROW_COLUMNS)
            .where(
                or_(
                    Meeting.series_id.in_(ended),
                    and_(Meeting.series_id.in_([s.id for s in running]), _differs(running)),
                )
            )
            .order_by(Meeting.id)
        )
        for series_id, *values in found:
            rows[series_id].append(FeedRow(*values, series=by_id[series_id]))
    return rows


def _differs(series_list: Sequence[MeetingSeries]) -> object:
    """Rows that are not exactly their slot's occurrence (no current rule mark, see
    ``domain.rule_marks``) or change what it shows (cancelled, retitled, relocated,
    with a reason)."""
    marks = [current_mark(slot) for series in series_list for slot in series.slots]
    return or_(
        Meeting.rule_mark.is_(None),
        Meeting.rule_mark.not_in(marks),
        Meeting.status == MeetingStatus.CANCELLED,
        Meeting.title.is_not(None),
        Meeting.location.is_not(None),
        Meeting.change_reason != "",
    )
