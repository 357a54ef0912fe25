"""Action items: created in a meeting (or on their own), owned by people, dated, closed
or carried over in later meetings, with their whole history as ActionItemEvent rows.

Open action items are VTODOs in the owners' personal feeds: every change here moves
``item.sequence`` (the VTODO's SEQUENCE) and the group's revision (the feeds' cache
key) by construction (``ActionItem.__freshness__``, meetbot.freshness), and writes an
audit entry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from meetbot.extensions import db
from meetbot.mail import action_mail
from meetbot.models import (
    ActionEventKind,
    ActionItem,
    ActionItemEvent,
    ActionStatus,
    Group,
    Meeting,
    Membership,
    MinuteItem,
    MinuteKind,
    Person,
    WorkStream,
    utcnow,
)
from meetbot.models.actions import action_item_owners
from meetbot.services import audit, webhooks
from meetbot.services.db import unit_of_work
from meetbot.services.errors import NotFound, ValidationError, check_year, field_error

__all__ = [
    "MAX_TEXT",
    "MonthProgress",
    "StreamSummary",
    "carry_over",
    "close_action",
    "create_action",
    "get_action",
    "group_actions",
    "is_overdue",
    "open_action_in_session",
    "person_actions",
    "reopen_action",
    "review_items",
    "stream_summary",
    "update_action",
]

MAX_TEXT = 5_000


def _options():
    return (
        selectinload(ActionItem.owners),
        selectinload(ActionItem.work_stream),
        selectinload(ActionItem.opened_in),
        selectinload(ActionItem.closed_in),
        selectinload(ActionItem.group),
    )


def _summary_options():
    """What a one-line summary of an item shows (owners); its work stream and group are
    many-to-one and already in the session on the pages that list them."""
    return (selectinload(ActionItem.owners),)


def get_action(action_id: int) -> ActionItem:
    """One action item (NotFound if none)."""
    item = db.session.get(ActionItem, action_id)
    if item is None:
        raise NotFound(f"No action item {action_id}.")
    return item


def is_overdue(item: ActionItem, today: date) -> bool:
    """Open and past its due date."""
    return (
        item.status == ActionStatus.OPEN.value
        and item.due_date is not None
        and item.due_date < today
    )


# ---------------------------------------------------------------- validation


def _clean_text(text: str | None) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise field_error("text", "Say what needs doing.")
    if len(text) > MAX_TEXT:
        raise field_error("text", f"At most {MAX_TEXT} characters ({len(text)} given).")
    return text


def member_ids(group: Group, person_ids: Iterable[int]) -> set[int]:
    """Which of ``person_ids`` are members of ``group`` (one query)."""
    ids = set(person_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(Membership.person_id).where(
                Membership.group_id == group.id, Membership.person_id.in_(ids)
            )
        )
    )


def _owners(
    group: Group, owner_ids: Iterable[int | str], *, keep: Iterable[Person] = ()
) -> list[Person]:
    """The people with these ids, all members of ``group``; else a form error on owners.

    ``keep`` are the item's current owners, who may stay although they left the group
    (editing the text must not force a new owner); a new owner must be a member, so an
    item never lands in a stranger's personal feed.
    """
    ids: list[int] = []
    for raw in owner_ids:
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            raise field_error("owners", f"Owner {raw!r} is not a known person.") from None
    ids = sorted(set(ids))
    if not ids:
        return []
    people = list(db.session.scalars(select(Person).where(Person.id.in_(ids))))
    missing = sorted(set(ids) - {p.id for p in people})
    if missing:
        raise field_error("owners", f"Owner {', '.join(map(str, missing))} is not a known person.")
    allowed = member_ids(group, ids) | {p.id for p in keep}
    strangers = [p.id for p in people if p.id not in allowed]
    if strangers:
        raise field_error(
            "owners",
            f"Person {', '.join(map(str, strangers))} is not a member of this group; "
            "owners must be members (add them to the group first).",
        )
    return people


def _stream(group: Group, work_stream_id: int | None) -> WorkStream | None:
    if not work_stream_id:
        return None
    stream = db.session.get(WorkStream, int(work_stream_id))
    if stream is None or stream.group_id != group.id:
        raise field_error("work_stream_id", "That work stream is not one of this group's.")
    return stream


def _check_meeting(group: Group, meeting: Meeting | None) -> None:
    if meeting is not None and meeting.group_id != group.id:
        raise ValidationError("That meeting belongs to another group.", {"meeting": "other group"})


def _changed(item: ActionItem) -> None:
    """Feeds show open items as VTODOs: every change is a new SEQUENCE and revision."""
    item.updated_dt = utcnow()


def _event(
    item: ActionItem,
    kind: ActionEventKind,
    actor: Person | None,
    meeting: Meeting | None,
    note: str = "",
) -> None:
    item.events.append(
        ActionItemEvent(kind=kind.value, actor=actor, meeting=meeting, note=(note or "").strip())
    )
    webhooks.emit_action(item, kind.value)  # opened/closed only; queued in this transaction


# ---------------------------------------------------------------- writing


def open_action_in_session(
    actor: Person | None,
    group: Group,
    *,
    text: str,
    owners: Sequence[Person],
    meeting: Meeting | None = None,
    work_stream_id: int | None = None,
    due_date: date | None = None,
    needs_owner_review: bool = False,
) -> ActionItem:
    """Create an item inside the caller's transaction (no commit): for minutes and
    log imports, which write action items together with other rows. The caller
    guarantees ``owners`` are members of ``group`` (``member_ids``)."""
    check_year(due_date, "due_date")
    item = ActionItem(
        group=group,
        text=_clean_text(text),
        owners=list(owners),
        due_date=due_date,
        work_stream=_stream(group, work_stream_id),
        opened_in=meeting,
        status=ActionStatus.OPEN.value,
        needs_owner_review=needs_owner_review,
        created_by_id=actor.id if actor is not None else None,
        sequence=0,
    )
    db.session.add(item)
    _event(item, ActionEventKind.OPENED, actor, meeting)
    db.session.flush()
    audit.record(
        actor,
        group,
        "action_item",
        item.id,
        "created",
        meeting=meeting.id if meeting else None,
        owners=[p.id for p in owners],
    )
    return item


def create_action(
    actor: Person | None,
    group: Group,
    *,
    text: str,
    owner_ids: Iterable[int | str] = (),
    due_date: date | None = None,
    work_stream_id: int | None = None,
    meeting: Meeting | None = None,
    record_in_minutes: bool = True,
) -> ActionItem:
    """Create an action item. In a meeting it is also written into the minutes
    (an ``action`` item, as MeetBot lists them in the summary) unless told not to."""
    text = _clean_text(text)
    _check_meeting(group, meeting)
    with unit_of_work():
        owners = _owners(group, owner_ids)
        item = open_action_in_session(
            actor,
            group,
            text=text,
            owners=owners,
            meeting=meeting,
            work_stream_id=work_stream_id,
            due_date=due_date,
        )
        action_mail.queue_assigned(actor, item, owners)  # a note to each owner (docs/mail.md)
        if meeting is not None and record_in_minutes:
            from meetbot.services.minutes import _next_position, touch

            db.session.add(
                MinuteItem(
                    meeting=meeting,
                    kind=MinuteKind.ACTION.value,
                    text=text,
                    author=actor,
                    work_stream_id=item.work_stream_id,
                    said_dt=utcnow(),
                    position=_next_position(meeting),
                )
            )
            touch(meeting)
    return item


def update_action(
    actor: Person | None,
    item: ActionItem,
    *,
    text: str,
    owner_ids: Iterable[int | str],
    due_date: date | None,
    work_stream_id: int | None,
    note: str = "",
) -> ActionItem:
    """Change text, owners, due date and work stream (an ``edited`` event)."""
    text = _clean_text(text)
    check_year(due_date, "due_date")
    with unit_of_work():
        owners = _owners(item.group, owner_ids, keep=item.owners)
        stream = _stream(item.group, work_stream_id)
        old_text = item.text
        changed = []
        if text != item.text:
            changed.append("text")
        if {p.id for p in owners} != {p.id for p in item.owners}:
            changed.append("owners")
        if due_date != item.due_date:
            changed.append("due_date")
        if (stream.id if stream else None) != item.work_stream_id:
            changed.append("work_stream")
        if not changed:
            return item
        item.text = text
        added = [p for p in owners if p.id not in {o.id for o in item.owners}]
        item.owners = owners
        item.due_date = due_date
        item.work_stream = stream
        if owners:
            item.needs_owner_review = False
        _event(item, ActionEventKind.EDITED, actor, None, note or "changed " + ", ".join(changed))
        _changed(item)
        if "text" in changed and item.opened_in is not None:
            _sync_minute_text(item.opened_in, old_text, text)
        audit.record(actor, item.group, "action_item", item.id, "edited", fields=changed)
        action_mail.queue_assigned(actor, item, added)
    return item


def _sync_minute_text(meeting: Meeting, old_text: str, new_text: str) -> None:
    """Keep the minutes' ACTION line in step with the item it was written for."""
    from meetbot.services.minutes import touch

    line = db.session.scalar(
        select(MinuteItem)
        .where(
            MinuteItem.meeting_id == meeting.id,
            MinuteItem.kind == MinuteKind.ACTION.value,
            MinuteItem.text == old_text,
        )
        .order_by(MinuteItem.position)
        .limit(1)
    )
    if line is not None:
        line.text = new_text
        touch(meeting)


def close_action(
    actor: Person | None,
    item: ActionItem,
    status: str,
    *,
    meeting: Meeting | None = None,
    note: str = "",
) -> ActionItem:
    """Mark an item ``done`` or ``dropped`` (in ``meeting`` if reviewed there).
    Closing an item that already has that status changes nothing (double clicks)."""
    if status not in (ActionStatus.DONE.value, ActionStatus.DROPPED.value):
        raise field_error("status", "Close an item as done or dropped.")
    _check_meeting(item.group, meeting)
    with unit_of_work():
        if item.status == status:
            return item
        item.status = status
        item.closed_in = meeting
        item.closed_dt = utcnow()
        kind = (
            ActionEventKind.DONE if status == ActionStatus.DONE.value else ActionEventKind.DROPPED
        )
        _event(item, kind, actor, meeting, note)
        _changed(item)
        audit.record(
            actor,
            item.group,
            "action_item",
            item.id,
            status,
            meeting=meeting.id if meeting else None,
        )
    return item


def reopen_action(
    actor: Person | None, item: ActionItem, *, meeting: Meeting | None = None, note: str = ""
) -> ActionItem:
    """Open a done or dropped item again."""
    _check_meeting(item.group, meeting)
    with unit_of_work():
        if item.status == ActionStatus.OPEN.value:
            return item
        item.status = ActionStatus.OPEN.value
        item.closed_in = None
        item.closed_dt = None
        _event(item, ActionEventKind.REOPENED, actor, meeting, note)
        _changed(item)
        audit.record(actor, item.group, "action_item", item.id, "reopened")
    return item


def carry_over(
    actor: Person | None, item: ActionItem, meeting: Meeting, *, note: str = ""
) -> ActionItem:
    """Record that ``meeting`` reviewed the open item and kept it open.
    Once per meeting: a second click changes nothing."""
    _check_meeting(item.group, meeting)
    if item.status != ActionStatus.OPEN.value:
        raise ValidationError(
            "Only open items can be carried over; reopen it first.", {"status": item.status}
        )
    with unit_of_work():
        if carried_over_in(item, meeting):
            return item
        _event(item, ActionEventKind.CARRIED_OVER, actor, meeting, note)
        _changed(item)
        audit.record(actor, item.group, "action_item", item.id, "carried_over", meeting=meeting.id)
    return item


def carried_over_in(item: ActionItem, meeting: Meeting) -> bool:
    """True if ``meeting`` already carried the item over."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    ActionItemEvent.action_item_id == item.id,
                    ActionItemEvent.meeting_id == meeting.id,
                    ActionItemEvent.kind == ActionEventKind.CARRIED_OVER.value,
                )
            )
        )
    )


# ---------------------------------------------------------------- reading


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
    still_open = in_group & (ActionItem.status == ActionStatus.OPEN.value) & opened_before
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


def review_open_count(meeting: Meeting, *, scope: str = "group") -> int:
    """How many open items ``meeting`` has to review (one COUNT query)."""
    common, still_open, _ = _review_conditions(meeting, scope)
    return db.session.scalar(
        select(func.count()).select_from(ActionItem).where(*common, still_open)
    )


def carried_over_ids(meeting: Meeting, items: Sequence[ActionItem]) -> set[int]:
    """Ids among ``items`` that ``meeting`` carried over (one query)."""
    if not items:
        return set()
    return set(
        db.session.scalars(
            select(ActionItemEvent.action_item_id).where(
                ActionItemEvent.meeting_id == meeting.id,
                ActionItemEvent.kind == ActionEventKind.CARRIED_OVER.value,
                ActionItemEvent.action_item_id.in_([i.id for i in items]),
            )
        )
    )


def _status_filter(query, status: str | None):
    if status in (None, "", "all"):
        return query
    if status not in {s.value for s in ActionStatus}:
        raise field_error("status", "Filter by open, done, dropped or all.")
    return query.where(ActionItem.status == status)


def _ordered(query):
    # Open first, then by due date (undated last), then oldest first.
    return query.order_by(
        (ActionItem.status != ActionStatus.OPEN.value),
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
    query = query.where(ActionItem.group_id == group.id)
    if opened_in is not None:
        query = query.where(ActionItem.opened_in_id == opened_in.id)
    if work_stream is not None:
        query = query.where(ActionItem.work_stream_id == work_stream.id)
    if owner_id is not None:
        query = query.where(
            ActionItem.id.in_(
                select(action_item_owners.c.action_item_id).where(
                    action_item_owners.c.person_id == owner_id
                )
            )
        )
    if unassigned:
        query = query.where(~ActionItem.owners.any())
    return query


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


@dataclass(frozen=True)
class MonthProgress:
    """Items opened and closed (done or dropped) in one calendar month (UTC)."""

    month: str  # "2017-11"
    opened: int
    closed: int


@dataclass
class StreamSummary:
    """A work stream's action items, decisions and progress over time."""

    open_items: list[ActionItem]
    closed_items: list[ActionItem]
    decisions: list[MinuteItem]
    progress: list[MonthProgress]
    # Totals: the lists above hold at most ``STREAM_LIST_LIMIT`` rows each.
    open_count: int = 0
    closed_count: int = 0
    decision_count: int = 0

    @property
    def max_count(self) -> int:
        return max([1] + [max(p.opened, p.closed) for p in self.progress])


PROGRESS_MONTHS = 24  # the progress chart shows at most the latest two years


def _month(dt: datetime) -> str:
    return f"{dt.year:04d}-{dt.month:02d}"


def _utc_month(column: Any) -> Any:
    """SQL for the "YYYY-MM" month (UTC) of a UTCDateTime column, on either backend.
    SQLite stores naive UTC text; PostgreSQL a timestamptz, taken to UTC first so the
    session's time zone does not matter."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    out = []
    while True:
        key = f"{year:04d}-{month:02d}"
        out.append(key)
        if key >= last:
            return out
        month += 1
        if month == 13:
            year, month = year + 1, 1


def progress_by_month(
    items: Sequence[ActionItem] | Sequence[tuple[datetime | None, datetime | None, str]],
    *,
    max_months: int = PROGRESS_MONTHS,
) -> list[MonthProgress]:
    """Opened and closed counts per month from the first item's month to the last
    event's month (at most the last ``max_months`` months). ``items`` are action items
    or ``(created_dt, closed_dt, status)`` rows."""
    rows = [
        (i.created_dt, i.closed_dt, i.status) if isinstance(i, ActionItem) else tuple(i)
        for i in items
    ]
    opened = Counter(_month(created) for created, _, _ in rows if created)
    closed = Counter(
        _month(closed_dt)
        for _, closed_dt, status in rows
        if closed_dt and status != ActionStatus.OPEN.value
    )
    return _progress(opened, closed, max_months)


def _progress(
    opened: Mapping[str, int], closed: Mapping[str, int], max_months: int
) -> list[MonthProgress]:
    """MonthProgress rows from counts per "YYYY-MM" month (see progress_by_month)."""
    keys = sorted(set(opened) | set(closed))
    if not keys:
        return []
    months = _months_between(keys[0], keys[-1])[-max_months:]
    return [MonthProgress(m, opened.get(m, 0), closed.get(m, 0)) for m in months]


STREAM_LIST_LIMIT = 50


def stream_summary(stream: WorkStream, *, limit: int = STREAM_LIST_LIMIT) -> StreamSummary:
    """Open and closed items of the stream, decisions tagged with it, and progress.

    Lists are bounded (open items by due date, the latest closed items and decisions,
    ``limit`` each) with their totals, so a stream with years of history stays fast;
    progress is computed from three columns, not whole rows.
    """
    in_stream = ActionItem.work_stream_id == stream.id
    is_open = ActionItem.status == ActionStatus.OPEN.value
    open_items = list(
        db.session.scalars(
            select(ActionItem)
            .where(in_stream, is_open)
            .options(*_summary_options())
            .order_by(ActionItem.due_date.is_(None), ActionItem.due_date, ActionItem.id)
            .limit(limit)
        )
    )
    closed_items = list(
        db.session.scalars(
            select(ActionItem)
            .where(in_stream, ~is_open)
            .options(*_summary_options())
            .order_by(ActionItem.closed_dt.desc(), ActionItem.id.desc())
            .limit(limit)
        )
    )
    is_decision = and_(
        MinuteItem.work_stream_id == stream.id,
        MinuteItem.kind.in_([MinuteKind.AGREED.value, MinuteKind.ACCEPTED.value]),
    )
    decisions = list(
        db.session.scalars(
            select(MinuteItem)
            .join(Meeting, Meeting.id == MinuteItem.meeting_id)
            .where(is_decision)
            # The meeting's title falls back to its series' title: load both (no N+1).
            .options(selectinload(MinuteItem.meeting).selectinload(Meeting.series))
            .order_by(Meeting.start_dt.desc(), MinuteItem.position)
            .limit(limit)
        )
    )
    # Progress and totals are counted per month in SQL (two small grouped results):
    # fetching and converting every item's timestamps grew with the stream's history.
    opened_month = _utc_month(ActionItem.created_dt)
    opened_rows = db.session.execute(
        select(opened_month, is_open, func.count()).where(in_stream).group_by(opened_month, is_open)
    ).all()
    closed_month = _utc_month(ActionItem.closed_dt)
    closed_rows = db.session.execute(
        select(closed_month, func.count())
        .where(in_stream, ~is_open, ActionItem.closed_dt.is_not(None))
        .group_by(closed_month)
    ).all()
    opened: Counter[str] = Counter()
    open_count = closed_count = 0
    for month, still_open, count in opened_rows:
        opened[month] += count
        if still_open:
            open_count += count
        else:
            closed_count += count
    return StreamSummary(
        open_items=open_items,
        closed_items=closed_items,
        decisions=decisions,
        progress=_progress(opened, dict(closed_rows), PROGRESS_MONTHS),
        open_count=open_count,
        closed_count=closed_count,
        decision_count=db.session.scalar(select(func.count(MinuteItem.id)).where(is_decision)) or 0,
    )
