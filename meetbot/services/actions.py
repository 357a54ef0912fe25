"""Action items: created in a meeting (or on their own), owned by people, dated, closed
or carried over in later meetings, with their whole history as ActionItemEvent rows.

Reading them (a meeting's review, a group's or person's list) is in action_lists.py,
a work stream's summary and progress in action_progress.py.

Open action items are VTODOs in the owners' personal feeds: every change here moves
``item.sequence`` (the VTODO's SEQUENCE) and the group's revision (the feeds' cache
key) by construction (``ActionItem.__freshness__``, meetbot.freshness), and writes an
audit entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import exists, select

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
from meetbot.services import audit, webhooks
from meetbot.services.db import unit_of_work
from meetbot.services.errors import NotFound, ValidationError, check_year, field_error
from meetbot.services.list_caps import check_minute_room
from meetbot.services.minute_rows import next_position, touch

__all__ = [
    "MAX_TEXT",
    "carry_over",
    "close_action",
    "create_action",
    "get_action",
    "is_overdue",
    "open_action_in_session",
    "reopen_action",
    "update_action",
]

MAX_TEXT = 5_000


def get_action(action_id: int) -> ActionItem:
    """One action item (NotFound if none)."""
    item = db.session.get(ActionItem, action_id)
    if item is None:
        raise NotFound(f"No action item {action_id}.")
    return item


def is_overdue(item: ActionItem, today: date) -> bool:
    """Open and past its due date."""
    return item.status == ActionStatus.OPEN and item.due_date is not None and item.due_date < today


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
        ActionItemEvent(kind=kind, actor=actor, meeting=meeting, note=(note or "").strip())
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
        status=ActionStatus.OPEN,
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
        if meeting is not None and record_in_minutes:
            check_minute_room(meeting.id)
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
            db.session.add(
                MinuteItem(
                    meeting=meeting,
                    kind=MinuteKind.ACTION,
                    text=text,
                    author=actor,
                    work_stream_id=item.work_stream_id,
                    said_dt=utcnow(),
                    position=next_position(meeting),
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
    line = db.session.scalar(
        select(MinuteItem)
        .where(
            MinuteItem.meeting_id == meeting.id,
            MinuteItem.kind == MinuteKind.ACTION,
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
    if status not in (ActionStatus.DONE, ActionStatus.DROPPED):
        raise field_error("status", "Close an item as done or dropped.")
    _check_meeting(item.group, meeting)
    with unit_of_work():
        if item.status == status:
            return item
        item.status = status
        item.closed_in = meeting
        item.closed_dt = utcnow()
        kind = ActionEventKind.DONE if status == ActionStatus.DONE else ActionEventKind.DROPPED
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
        if item.status == ActionStatus.OPEN:
            return item
        item.status = ActionStatus.OPEN
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
    if item.status != ActionStatus.OPEN:
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
                    ActionItemEvent.kind == ActionEventKind.CARRIED_OVER,
                )
            )
        )
    )
