"""Lists of action items: what a meeting reviews, a group's filtered list, a person's
items and the owners to filter by. Reads only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, selectinload

from meetbot import freshness
from meetbot.extensions import db
from meetbot.models import (
    ActionEventKind,
    ActionItem,
    ActionItemEvent,
    ActionStatus,
    Group,
    Meeting,
    Person,
    WorkStream,
)
from meetbot.models.actions import action_item_owners
from meetbot.services.action_rows import ActionRow, action_rows
from meetbot.services.errors import field_error


def _options():
    return (
        selectinload(ActionItem.owners),
        selectinload(ActionItem.work_stream),
        selectinload(ActionItem.opened_in),
        selectinload(ActionItem.closed_in),
        selectinload(ActionItem.group),
    )


def _review_conditions(meeting: Meeting, scope: str) -> tuple[list, object, object]:
    """(common conditions, still-open condition, closed-here condition) of a review; the
    last two each hold the group condition."""
    # The opening meeting's start as a correlated scalar subquery (one primary-key
    # lookup per item), not opened_in.has(...): PostgreSQL runs that EXISTS inside the OR
    # as a hashed subplan over every meeting that started before this one (~45 ms).
    opener_start = (
        select(Meeting.start_dt).where(Meeting.id == ActionItem.opened_in_id).scalar_subquery()
    )
    opened_before = or_(ActionItem.opened_in_id.is_(None), opener_start < meeting.start_dt)
    common = [or_(ActionItem.opened_in_id.is_(None), ActionItem.opened_in_id != meeting.id)]
    in_group = ActionItem.group_id == meeting.group_id
    if scope == "series" and meeting.series_id is not None:
        common.append(ActionItem.opened_in.has(Meeting.series_id == meeting.series_id))
    still_open = in_group & (ActionItem.status == ActionStatus.OPEN) & opened_before
    return common, still_open, in_group & _closed_in(meeting)


def _closed_in(meeting: Meeting):
    """The items ``meeting`` closed, as ``id IN (ids by the closed_in_id index)``. Beside
    an indexed group condition, or with SQLite statistics that saw no closed_in_id yet,
    a plain ``closed_in_id = ?`` makes SQLite walk all of the group's items (or the
    whole table) instead."""
    closer = aliased(ActionItem)
    return ActionItem.id.in_(select(closer.id).where(closer.closed_in_id == meeting.id))


def review_items(
    meeting: Meeting, *, scope: str = "group", limit: int | None = None
) -> list[ActionItem]:
    """What ``meeting`` should review: every item of the group (``scope="series"``:
    opened in a meeting of the same series) that is open and was opened before this
    meeting, plus the items this meeting closed (so the chair sees what was done).
    Oldest first. With ``limit`` only the oldest ``limit`` open items are loaded (the
    items this meeting closed are always all there); see review_open_count()."""
    common, still_open, closed_here = _review_conditions(meeting, scope)
    order = (ActionItem.created_dt, ActionItem.id)
    if limit is None:
        query = select(ActionItem).where(*common, or_(still_open, closed_here))
        return list(db.session.scalars(query.options(*_options()).order_by(*order)))
    open_items = db.session.scalars(
        select(ActionItem)
        .where(*common, still_open)
        .options(*_options())
        .order_by(*order)
        .limit(limit)
    ).all()
    # Few rows, found by their ids: the group is checked here so that no condition on
    # group_id tempts the planner away from the closed_in_id index (see _closed_in).
    closed_items = [
        item
        for item in db.session.scalars(
            select(ActionItem).where(*common, _closed_in(meeting)).options(*_options())
        )
        if item.group_id == meeting.group_id
    ]
    merged = {item.id: item for item in [*open_items, *closed_items]}
    return sorted(merged.values(), key=lambda i: (i.created_dt, i.id))


@dataclass(frozen=True)
class Review:
    """What a meeting's review panel shows, as plain rows (see review())."""

    items: list[ActionRow]
    open_total: int | None  # every open item to review; None when all are listed
    carried: frozenset[int]  # ids among ``items`` this meeting carried over


def review(meeting: Meeting, *, scope: str = "group", limit: int | None = None) -> Review:
    """review_items() as rows with the open total (None without ``limit``) and the
    carried-over ids, kept while the database is unchanged: the COUNT over a big
    group's open items runs once per change, not on every view of every meeting."""
    key = ("review", meeting.id, scope, limit)
    return freshness.cached_while_unchanged(key, lambda: _review(meeting, scope, limit))


def _review(meeting: Meeting, scope: str, limit: int | None) -> Review:
    common, still_open, closed_here = _review_conditions(meeting, scope)
    order = (ActionItem.created_dt, ActionItem.id)
    if limit is None:
        ids = list(
            db.session.scalars(select(ActionItem.id).where(*common, or_(still_open, closed_here)))
        )
    else:
        ids = list(
            db.session.scalars(
                select(ActionItem.id).where(*common, still_open).order_by(*order).limit(limit)
            )
        )
        # The group is checked here, not in SQL: see review_items().
        ids += [
            item_id
            for item_id, group_id in db.session.execute(
                select(ActionItem.id, ActionItem.group_id).where(*common, _closed_in(meeting))
            )
            if group_id == meeting.group_id
        ]
    items = action_rows([ActionItem.id.in_(set(ids))], order) if ids else []
    total = None if limit is None else review_open_count(meeting, scope=scope)
    return Review(items, total, frozenset(carried_over_ids(meeting, items)))


def review_open_count(meeting: Meeting, *, scope: str = "group") -> int:
    """How many open items ``meeting`` has to review (one COUNT query)."""
    common, still_open, _ = _review_conditions(meeting, scope)
    return db.session.scalar(
        select(func.count()).select_from(ActionItem).where(*common, still_open)
    )


def carried_over_ids(meeting: Meeting, items: Sequence[ActionItem | ActionRow]) -> set[int]:
    """Ids among ``items`` that ``meeting`` carried over (one query)."""
    if not items:
        return set()
    return set(
        db.session.scalars(
            select(ActionItemEvent.action_item_id).where(
                ActionItemEvent.meeting_id == meeting.id,
                ActionItemEvent.kind == ActionEventKind.CARRIED_OVER,
                ActionItemEvent.action_item_id.in_([i.id for i in items]),
            )
        )
    )


def _status_filter(query, status: str | None):
    return query.where(*_status_conditions(status))


def _status_conditions(status: str | None) -> list:
    if status in (None, "", "all"):
        return []
    if status not in {s.value for s in ActionStatus}:
        raise field_error("status", "Filter by open, done, dropped or all.")
    return [ActionItem.status == status]


def _ordered(query):
    return query.order_by(*_list_order())


def _list_order() -> tuple:
    # Open first, then by due date (undated last), then oldest first.
    return (
        (ActionItem.status != ActionStatus.OPEN),
        ActionItem.due_date.is_(None),
        ActionItem.due_date,
        ActionItem.id,
    )


def person_actions(person: Person, *, status: str | None = "open") -> list[ActionItem]:
    """The person's action items across every group."""
    query = (
        select(ActionItem)
        .join(action_item_owners, action_item_owners.c.action_item_id == ActionItem.id)
        .where(action_item_owners.c.person_id == person.id)
        .options(*_options())
    )
    return list(db.session.scalars(_ordered(_status_filter(query, status))))


def group_actions(
    group: Group,
    *,
    status: str | None = "open",
    work_stream: WorkStream | None = None,
    owner_id: int | None = None,
    unassigned: bool = False,
    opened_in: Meeting | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[ActionItem]:
    """The group's action items, filtered by status, work stream, owner and the
    meeting that opened them; with ``limit``, one page of them (from ``offset``)."""
    query = _group_query(
        select(ActionItem).options(*_options()),
        group,
        work_stream=work_stream,
        owner_id=owner_id,
        unassigned=unassigned,
        opened_in=opened_in,
    )
    query = _ordered(_status_filter(query, status))
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(db.session.scalars(query))


def count_group_actions(
    group: Group,
    *,
    status: str | None = "open",
    work_stream: WorkStream | None = None,
    owner_id: int | None = None,
    unassigned: bool = False,
) -> int:
    """How many items group_actions() returns with the same filters (one COUNT)."""
    query = _group_query(
        select(func.count()).select_from(ActionItem),
        group,
        work_stream=work_stream,
        owner_id=owner_id,
        unassigned=unassigned,
        opened_in=None,
    )
    return db.session.scalar(_status_filter(query, status))


def _group_query(
    query,
    group: Group,
    *,
    work_stream: WorkStream | None,
    owner_id: int | None,
    unassigned: bool,
    opened_in: Meeting | None,
):
    conditions = _group_conditions(group, work_stream, owner_id, unassigned)
    if opened_in is not None:
        conditions.append(ActionItem.opened_in_id == opened_in.id)
    return query.where(*conditions)


def _group_conditions(
    group: Group, work_stream: WorkStream | None, owner_id: int | None, unassigned: bool
) -> list:
    conditions = [ActionItem.group_id == group.id]
    if work_stream is not None:
        conditions.append(ActionItem.work_stream_id == work_stream.id)
    if owner_id is not None:
        conditions.append(
            ActionItem.id.in_(
                select(action_item_owners.c.action_item_id).where(
                    action_item_owners.c.person_id == owner_id
                )
            )
        )
    if unassigned:
        conditions.append(~ActionItem.owners.any())
    return conditions


@dataclass(frozen=True)
class GroupActionFilter:
    """The group action item list's filters (``status`` open, done, dropped or all)."""

    status: str = "open"
    work_stream: WorkStream | None = None
    owner_id: int | None = None
    unassigned: bool = False

    def key(self) -> tuple:
        stream = self.work_stream.id if self.work_stream is not None else None
        return (self.status, stream, self.owner_id, self.unassigned)


def group_action_count(group: Group, filters: GroupActionFilter) -> int:
    """count_group_actions() kept while the database is unchanged: a COUNT over a big
    group's thousands of open items costs ~5 ms on every view otherwise."""
    return freshness.cached_while_unchanged(
        ("group_action_count", group.id, *filters.key()),
        lambda: count_group_actions(
            group,
            status=filters.status,
            work_stream=filters.work_stream,
            owner_id=filters.owner_id,
            unassigned=filters.unassigned,
        ),
    )


def group_action_rows(
    group: Group, filters: GroupActionFilter, *, limit: int, offset: int = 0
) -> tuple[ActionRow, ...]:
    """One page of group_actions() as rows (two statements), kept while the database is
    unchanged."""
    conditions = _group_conditions(group, filters.work_stream, filters.owner_id, filters.unassigned)
    conditions += _status_conditions(filters.status)
    return freshness.cached_while_unchanged(
        ("group_action_rows", group.id, *filters.key(), limit, offset),
        lambda: tuple(action_rows(conditions, _list_order(), limit, offset)),
    )


def owner_choices(group: Group) -> tuple[tuple[int, str], ...]:
    """group_owners() kept while the database is unchanged (thousands of rows)."""
    return freshness.cached_while_unchanged(
        ("group_owners", group.id), lambda: tuple(group_owners(group))
    )


def group_owners(group: Group) -> list[tuple[int, str]]:
    """(id, display name) of everyone who owns at least one of the group's items, by name
    (for the owner filter). Two columns, not Person rows: a large group has thousands of
    owners, and building that many ORM objects cost more than the query."""
    return [
        (person_id, name)
        for person_id, name in db.session.execute(
            select(Person.id, Person.display_name)
            .where(
                Person.id.in_(
                    select(action_item_owners.c.person_id)
                    .join(ActionItem, ActionItem.id == action_item_owners.c.action_item_id)
                    .where(ActionItem.group_id == group.id)
                )
            )
            .order_by(Person.display_name, Person.id)
        )
    ]
