"""Minutes of a meeting: ordered items (topics, decisions, links...) edited by chairs.

Every change is guarded by the meeting's optimistic lock: the caller passes the
``Meeting.lock_version`` its form was built from; if the meeting changed since, the
change is refused with ``Conflict`` and nothing is written. A successful change bumps
``lock_version`` (the meeting row is touched, SQLAlchemy's ``version_id_col`` adds one
and makes the UPDATE conditional on the old value, so two concurrent saves cannot both
pass the check).

The lock guard is in minute_rows.py, the exports in minutes_export.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from meetbot.extensions import db
from meetbot.mail import action_mail
from meetbot.models import (
    Meeting,
    MinuteItem,
    MinuteKind,
    Person,
    WorkStream,
    utcnow,
)
from meetbot.services import audit
from meetbot.services.actions import open_action_in_session
from meetbot.services.db import unit_of_work
from meetbot.services.errors import NotFound, field_error
from meetbot.services.list_caps import check_minute_room
from meetbot.services.minute_rows import check_version, flush_or_conflict, next_position, touch

__all__ = [
    "MAX_TEXT",
    "KIND_LABELS",
    "add_item",
    "check_version",
    "delete_item",
    "get_item",
    "list_items",
    "move_item",
    "parse_quick_entry",
    "reorder_items",
    "update_item",
]

MAX_TEXT = 10_000

#: Human labels for the kinds, in the order pickers show them.
KIND_LABELS: dict[str, str] = {
    MinuteKind.TOPIC: "Topic",
    MinuteKind.INFO: "Info",
    MinuteKind.IDEA: "Idea",
    MinuteKind.AGREED: "Decision (agreed)",
    MinuteKind.ACCEPTED: "Accepted",
    MinuteKind.REJECTED: "Rejected",
    MinuteKind.LINK: "Link",
    MinuteKind.HELP: "Help wanted",
    MinuteKind.ACTION: "Action",
}

# MeetBot's command words, so a chair can type "#agreed ship it" in the quick entry.
_QUICK_ALIASES = {
    "topic": "topic",
    "info": "info",
    "idea": "idea",
    "agreed": "agreed",
    "agree": "agreed",
    "decision": "agreed",
    "accepted": "accepted",
    "accept": "accepted",
    "rejected": "rejected",
    "reject": "rejected",
    "link": "link",
    "help": "help",
    "halp": "help",
    "action": "action",
}
_QUICK_RE = re.compile(r"^\s*#(\w+)[ \t]*(.*)$", re.DOTALL)


def parse_quick_entry(kind: str | None, text: str) -> tuple[str, str]:
    """The kind and text of a quick entry: a leading MeetBot command (``#agreed ...``)
    in the text wins over the chosen kind; unknown ``#words`` are left as text."""
    m = _QUICK_RE.match(text or "")
    if m and m.group(1).lower() in _QUICK_ALIASES:
        return _QUICK_ALIASES[m.group(1).lower()], m.group(2)
    return (kind or MinuteKind.INFO), text


# ---------------------------------------------------------------- reading


def list_items(meeting: Meeting) -> list[MinuteItem]:
    """The meeting's minutes in order."""
    return list(
        db.session.scalars(
            select(MinuteItem)
            .where(MinuteItem.meeting_id == meeting.id)
            .options(selectinload(MinuteItem.author), selectinload(MinuteItem.work_stream))
            .order_by(MinuteItem.position, MinuteItem.id)
        )
    )


def get_item(meeting: Meeting, item_id: int) -> MinuteItem:
    """One item of this meeting (NotFound for an item of another meeting)."""
    item = db.session.get(MinuteItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        raise NotFound(f"No minutes item {item_id} in this meeting.")
    return item


# ---------------------------------------------------------------- checks


def _clean_text(text: str | None) -> str:
    # Keep line breaks (multi-line notes), normalise them, trim the ends only.
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise field_error("text", "Write something for this item.")
    if len(text) > MAX_TEXT:
        raise field_error("text", f"At most {MAX_TEXT} characters per item ({len(text)} given).")
    return text


def _clean_kind(kind: str | None) -> str:
    if kind not in {k.value for k in MinuteKind}:
        raise field_error("kind", f"Unknown kind {kind!r}; choose one of the list.")
    return kind  # type: ignore[return-value]


def _clean_stream(meeting: Meeting, work_stream_id: int | None) -> int | None:
    if not work_stream_id:
        return None
    stream = db.session.get(WorkStream, int(work_stream_id))
    if stream is None or stream.group_id != meeting.group_id:
        raise field_error("work_stream_id", "That work stream is not one of this group's.")
    return stream.id


# ---------------------------------------------------------------- writing


def add_item(
    actor: Person | None,
    meeting: Meeting,
    *,
    kind: str,
    text: str,
    version: int | None,
    work_stream_id: int | None = None,
    said_dt: datetime | None = None,
    owners: Sequence[Person] = (),
    due_date: date | None = None,
    needs_owner_review: bool = False,
) -> MinuteItem:
    """Append an item to the minutes. An ``action`` item also opens an ActionItem
    (in this meeting, with ``owners``, who must be members, and ``due_date``) so it is
    tracked until done."""
    kind = _clean_kind(kind)
    text = _clean_text(text)
    with unit_of_work():
        check_version(meeting, version)
        check_minute_room(meeting.id)
        stream_id = _clean_stream(meeting, work_stream_id)
        item = MinuteItem(
            meeting=meeting,
            kind=kind,
            text=text,
            author=actor,
            work_stream_id=stream_id,
            said_dt=said_dt or utcnow(),
            position=next_position(meeting),
        )
        db.session.add(item)
        touch(meeting)
        flush_or_conflict()
        if kind == MinuteKind.ACTION:
            action = open_action_in_session(
                actor,
                meeting.group,
                text=text,
                owners=list(owners),
                meeting=meeting,
                work_stream_id=stream_id,
                due_date=due_date,
                needs_owner_review=needs_owner_review,
            )
            if owners:
                action_mail.queue_assigned(actor, action, list(owners))  # as create_action
        audit.record(actor, meeting.group, "minute_item", item.id, "created", kind=kind)
    return item


def update_item(
    actor: Person | None,
    item: MinuteItem,
    *,
    kind: str,
    text: str,
    version: int | None,
    work_stream_id: int | None = None,
) -> MinuteItem:
    """Change an item's kind, text and work stream."""
    kind = _clean_kind(kind)
    text = _clean_text(text)
    meeting = item.meeting
    with unit_of_work():
        check_version(meeting, version)
        item.kind = kind
        item.text = text
        item.work_stream_id = _clean_stream(meeting, work_stream_id)
        touch(meeting)
        flush_or_conflict()
        audit.record(actor, meeting.group, "minute_item", item.id, "updated", kind=kind)
    return item


def delete_item(actor: Person | None, item: MinuteItem, *, version: int | None) -> None:
    """Remove an item (an ActionItem opened from it stays: close or drop it there)."""
    meeting = item.meeting
    with unit_of_work():
        check_version(meeting, version)
        item_id, kind = item.id, item.kind
        db.session.delete(item)
        touch(meeting)
        flush_or_conflict()
        audit.record(actor, meeting.group, "minute_item", item_id, "deleted", kind=kind)


def _renumber(items: Sequence[MinuteItem]) -> None:
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position


def move_item(
    actor: Person | None, item: MinuteItem, direction: str, *, version: int | None
) -> None:
    """Move an item one place ``up`` or ``down`` (no-op at either end)."""
    if direction not in ("up", "down"):
        raise field_error("direction", "Move up or down.")
    meeting = item.meeting
    with unit_of_work():
        check_version(meeting, version)
        items = list_items(meeting)
        index = next(i for i, it in enumerate(items) if it.id == item.id)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(items):
            items[index], items[other] = items[other], items[index]
            _renumber(items)
            touch(meeting)
            flush_or_conflict()
            audit.record(actor, meeting.group, "minute_item", item.id, "moved", direction=direction)


def reorder_items(
    actor: Person | None, meeting: Meeting, ordered_ids: Sequence[int], *, version: int | None
) -> None:
    """Put the items in the given order; the ids must be exactly the meeting's items."""
    with unit_of_work():
        check_version(meeting, version)
        items = list_items(meeting)
        by_id = {it.id: it for it in items}
        ids = [int(i) for i in ordered_ids]
        if sorted(ids) != sorted(by_id) or len(set(ids)) != len(ids):
            raise field_error(
                "order", "The new order must list every item of these minutes exactly once."
            )
        _renumber([by_id[i] for i in ids])
        touch(meeting)
        flush_or_conflict()
        audit.record(actor, meeting.group, "minutes", meeting.id, "reordered")
