"""A meeting's minute items and action items, as the API pages them (``GET
/meetings/<id>/minutes`` and ``/actions``) and embeds their first ones in ``GET
/meetings/<id>`` (``series_reads.meeting_records``).

Pages are read by key in SQL (the rows after the cursor, ``limit`` + 1 of them), so a
page costs the same two statements however long the minutes are. Keys are strings
(``services.paging``): minutes by (position, id), action items by id.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, func, or_, select, union_all
from sqlalchemy.orm import selectinload

from meetbot.extensions import db
from meetbot.models import ActionItem, Meeting, MinuteItem
from meetbot.services.paging import Key, padded

__all__ = [
    "EMBEDDED_ITEMS",
    "action_key",
    "actions_after",
    "check_action_key",
    "check_minute_key",
    "embedded_actions",
    "embedded_minutes",
    "minute_key",
    "minutes_after",
]

# A meeting in the API embeds at most this many minute items (in order) and as many
# action items (by id); minute_count / action_item_count and the paged lists give all.
EMBEDDED_ITEMS = 200


def minute_key(item: MinuteItem) -> Key:
    return (padded(item.position), padded(item.id))


def action_key(action: ActionItem) -> Key:
    return (padded(action.id),)


def _numbers(key: Key) -> tuple[int, ...]:
    """The numbers of a key (ValueError for anything else, as the cursor check wants)."""
    if not all(part.isdigit() and len(part) <= 12 for part in key):
        raise ValueError("not a key")
    return tuple(int(part) for part in key)


def check_minute_key(key: Key) -> None:
    _numbers(key)


def check_action_key(key: Key) -> None:
    _numbers(key)


def minutes_after(meeting: Meeting, after: Key | None, limit: int) -> list[tuple[Key, MinuteItem]]:
    """At most ``limit`` + 1 of the meeting's minute items after the key ``after``, in
    order, with their keys (the extra one tells the pager more follow)."""
    query = select(MinuteItem).where(MinuteItem.meeting_id == meeting.id)
    if after is not None:
        position, item_id = _numbers(after)
        query = query.where(
            or_(
                MinuteItem.position > position,
                and_(MinuteItem.position == position, MinuteItem.id > item_id),
            )
        )
    rows = db.session.scalars(
        query.options(selectinload(MinuteItem.author), selectinload(MinuteItem.work_stream))
        .order_by(MinuteItem.position, MinuteItem.id)
        .limit(limit + 1)
    )
    return [(minute_key(item), item) for item in rows]


def _meeting_actions(ids: list[int]) -> Select:
    """(meeting_id, action_id) of the action items opened or closed in the meetings."""
    return union_all(
        select(ActionItem.opened_in_id.label("meeting_id"), ActionItem.id.label("action_id")).where(
            ActionItem.opened_in_id.in_(ids)
        ),
        select(ActionItem.closed_in_id.label("meeting_id"), ActionItem.id.label("action_id")).where(
            ActionItem.closed_in_id.in_(ids),
            or_(
                ActionItem.opened_in_id.is_(None),
                ActionItem.opened_in_id != ActionItem.closed_in_id,
            ),
        ),
    )


def actions_after(meeting: Meeting, after: Key | None, limit: int) -> list[tuple[Key, ActionItem]]:
    """At most ``limit`` + 1 of the action items opened or closed in the meeting after
    the key ``after``, by id, with their keys."""
    query = select(ActionItem).where(
        or_(ActionItem.opened_in_id == meeting.id, ActionItem.closed_in_id == meeting.id)
    )
    if after is not None:
        query = query.where(ActionItem.id > _numbers(after)[0])
    rows = db.session.scalars(
        query.options(selectinload(ActionItem.owners), selectinload(ActionItem.work_stream))
        .order_by(ActionItem.id)
        .limit(limit + 1)
    )
    return [(action_key(action), action) for action in rows]


def embedded_minutes(
    ids: list[int],
) -> tuple[dict[int, list[MinuteItem]], dict[int, int]]:
    """The first EMBEDDED_ITEMS minute items of each meeting, in order, and the count of
    all (two statements, plus the loads of authors and work streams)."""
    counts = {i: 0 for i in ids}
    for meeting_id, count in db.session.execute(
        select(MinuteItem.meeting_id, func.count())
        .where(MinuteItem.meeting_id.in_(ids))
        .group_by(MinuteItem.meeting_id)
    ):
        counts[meeting_id] = count
    ranked = (
        select(
            MinuteItem.id,
            func.row_number()
            .over(partition_by=MinuteItem.meeting_id, order_by=(MinuteItem.position, MinuteItem.id))
            .label("place"),
        )
        .where(MinuteItem.meeting_id.in_(ids))
        .subquery()
    )
    items: dict[int, list[MinuteItem]] = {i: [] for i in ids}
    for item in db.session.scalars(
        select(MinuteItem)
        .join(ranked, ranked.c.id == MinuteItem.id)
        .where(ranked.c.place <= EMBEDDED_ITEMS)
        .options(selectinload(MinuteItem.author), selectinload(MinuteItem.work_stream))
        .order_by(MinuteItem.position, MinuteItem.id)
    ):
        items[item.meeting_id].append(item)
    return items, counts


def embedded_actions(
    ids: list[int],
) -> tuple[dict[int, list[ActionItem]], dict[int, int]]:
    """The first EMBEDDED_ITEMS action items opened or closed in each meeting, by id, and
    the count of all. An item opened in one of the meetings and closed in another is in
    both lists."""
    pairs = _meeting_actions(ids).subquery()
    counts = {i: 0 for i in ids}
    for meeting_id, count in db.session.execute(
        select(pairs.c.meeting_id, func.count()).group_by(pairs.c.meeting_id)
    ):
        counts[meeting_id] = count
    ranked = select(
        pairs.c.meeting_id,
        pairs.c.action_id,
        func.row_number()
        .over(partition_by=pairs.c.meeting_id, order_by=pairs.c.action_id)
        .label("place"),
    ).subquery()
    actions: dict[int, list[ActionItem]] = {i: [] for i in ids}
    for action, meeting_id in db.session.execute(
        select(ActionItem, ranked.c.meeting_id)
        .join(ranked, ranked.c.action_id == ActionItem.id)
        .where(ranked.c.place <= EMBEDDED_ITEMS)
        .options(selectinload(ActionItem.owners), selectinload(ActionItem.work_stream))
        .order_by(ActionItem.id)
    ):
        actions[meeting_id].append(action)
    return actions, counts
