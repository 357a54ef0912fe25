"""Minutes of a meeting: ordered items (topics, decisions, links...) edited by chairs.

Every change is guarded by the meeting's optimistic lock: the caller passes the
``Meeting.lock_version`` its form was built from; if the meeting changed since, the
change is refused with ``Conflict`` and nothing is written. A successful change bumps
``lock_version`` (the meeting row is touched, SQLAlchemy's ``version_id_col`` adds one
and makes the UPDATE conditional on the old value, so two concurrent saves cannot both
pass the check).

This module also builds the ``MinutesDoc`` behind every export (text, Markdown, HTML,
e-mail).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from meetbot.domain.minutes_format import (
    ActionEntry,
    AttendeeEntry,
    MinutesDoc,
    MinutesEmail,
    MinutesEntry,
)
from meetbot.extensions import db
from meetbot.models import (
    ActionItem,
    ActionStatus,
    Attendance,
    AttendanceKind,
    Meeting,
    MinuteItem,
    MinuteKind,
    Person,
    WorkStream,
    utcnow,
)
from meetbot.services import audit
from meetbot.services.db import unit_of_work
from meetbot.services.errors import Conflict, NotFound, ValidationError, field_error

__all__ = [
    "MAX_TEXT",
    "KIND_LABELS",
    "add_item",
    "build_email",
    "build_minutes_doc",
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
    MinuteKind.TOPIC.value: "Topic",
    MinuteKind.INFO.value: "Info",
    MinuteKind.IDEA.value: "Idea",
    MinuteKind.AGREED.value: "Decision (agreed)",
    MinuteKind.ACCEPTED.value: "Accepted",
    MinuteKind.REJECTED.value: "Rejected",
    MinuteKind.LINK.value: "Link",
    MinuteKind.HELP.value: "Help wanted",
    MinuteKind.ACTION.value: "Action",
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
    return (kind or MinuteKind.INFO.value), text


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


def check_version(meeting: Meeting, version: int | None) -> None:
    """Refuse a change made from a stale copy of the meeting (Conflict, 409)."""
    if version is None:
        raise ValidationError(
            "The form did not say which version of the minutes it edits; reload the page.",
            {"version": "missing"},
        )
    if int(version) != meeting.lock_version:
        raise Conflict(
            "Someone else changed this meeting's minutes while you were editing "
            f"(you edited version {int(version)}, it is now version {meeting.lock_version}). "
            "Your change was NOT saved: reload the page to see theirs, then apply yours again.",
            {"version": "stale"},
        )


def touch(meeting: Meeting) -> None:
    """Mark the meeting row changed so its lock_version goes up on flush."""
    meeting.updated_dt = utcnow()
    flag_modified(meeting, "updated_dt")


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        # Another transaction bumped lock_version between our check and our write.
        raise Conflict(
            "Someone else changed this meeting's minutes at the same moment; "
            "your change was NOT saved. Reload the page and try again.",
            {"version": "stale"},
        ) from None


def _next_position(meeting: Meeting) -> int:
    current = db.session.scalar(
        select(func.max(MinuteItem.position)).where(MinuteItem.meeting_id == meeting.id)
    )
    return (current or 0) + 1


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
) -> MinuteItem:
    """Append an item to the minutes. An ``action`` item also opens an ActionItem
    (unassigned, in this meeting) so it is tracked until done."""
    kind = _clean_kind(kind)
    text = _clean_text(text)
    with unit_of_work():
        check_version(meeting, version)
        stream_id = _clean_stream(meeting, work_stream_id)
        item = MinuteItem(
            meeting=meeting,
            kind=kind,
            text=text,
            author=actor,
            work_stream_id=stream_id,
            said_dt=said_dt or utcnow(),
            position=_next_position(meeting),
        )
        db.session.add(item)
        touch(meeting)
        _flush_or_conflict()
        if kind == MinuteKind.ACTION.value:
            from meetbot.services.actions import open_action_in_session

            open_action_in_session(
                actor,
                meeting.group,
                text=text,
                owners=[],
                meeting=meeting,
                work_stream_id=stream_id,
            )
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
        _flush_or_conflict()
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
        _flush_or_conflict()
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
            _flush_or_conflict()
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
        _flush_or_conflict()
        audit.record(actor, meeting.group, "minutes", meeting.id, "reordered")


# ---------------------------------------------------------------- exports


def _person_name(person: Person | None) -> str | None:
    return person.display_name if person is not None else None


def _meeting_actions(meeting: Meeting) -> list[ActionItem]:
    return list(
        db.session.scalars(
            select(ActionItem)
            .where(ActionItem.opened_in_id == meeting.id)
            .options(selectinload(ActionItem.owners))
            .order_by(ActionItem.id)
        )
    )


def _action_entry(item: ActionItem) -> ActionEntry:
    return ActionEntry(
        text=item.text,
        owners=tuple(o.display_name for o in item.owners),
        due=item.due_date,
        status=item.status,
    )


def build_minutes_doc(meeting: Meeting, *, url: str | None = None) -> MinutesDoc:
    """Everything the exports show for one meeting.

    Items keep the nick written in an imported log as their author (MeetBot's
    "(nick, time)"), else the author's display name. Actions are the ActionItems
    opened in this meeting; attendees the Attendance rows (lines said when known).
    """
    items = tuple(
        MinutesEntry(
            kind=it.kind,
            text=it.text,
            author=it.author_nick or _person_name(it.author),
            time=it.said_dt,
        )
        for it in list_items(meeting)
    )
    rows = list(
        db.session.scalars(
            select(Attendance)
            .where(Attendance.meeting_id == meeting.id)
            .options(selectinload(Attendance.person))
            .order_by(Attendance.id)
        )
    )
    attendees = tuple(
        AttendeeEntry(r.person.display_name, r.lines_said)
        for r in rows
        if r.kind == AttendanceKind.PRESENT.value
    )
    regrets = tuple(r.person.display_name for r in rows if r.kind == AttendanceKind.REGRETS.value)
    chairs = tuple(p.display_name for p in meeting.series.chairs) if meeting.series else ()
    return MinutesDoc(
        title=meeting.effective_title,
        group=meeting.group.name,
        start=meeting.start_dt,
        end=meeting.end_dt,
        timezone=meeting.timezone,
        chairs=chairs,
        items=items,
        actions=tuple(_action_entry(a) for a in _meeting_actions(meeting)),
        attendees=attendees,
        regrets=regrets,
        url=url,
        location=meeting.effective_location or None,
    )


_AGENDA_LINE_RE = re.compile(r"^\s*(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+)(?P<text>.+?)\s*$")


def agenda_topics(agenda: str) -> list[str]:
    """The topics of a Markdown agenda: its headings and list entries (in order);
    a paragraph-only agenda gives its non-empty lines."""
    lines = [ln for ln in (agenda or "").splitlines() if ln.strip()]
    marked = [m.group("text") for ln in lines if (m := _AGENDA_LINE_RE.match(ln))]
    return marked or [ln.strip() for ln in lines]


def build_email(meeting: Meeting, kind: str, *, url: str | None = None) -> MinutesEmail:
    """A mailing-list ready e-mail: ``agenda`` (before the meeting: agenda topics and
    every open action item of the group) or ``summary`` (after: the text minutes)."""
    if kind not in ("agenda", "summary"):
        raise field_error("kind", "Choose kind=agenda or kind=summary.")
    doc = build_minutes_doc(meeting, url=url)
    if kind == "agenda":
        from meetbot.services.actions import review_items

        topics = agenda_topics(meeting.agenda) or [
            e.text for e in doc.items if e.kind == MinuteKind.TOPIC.value
        ]
        doc.items = tuple(MinutesEntry(kind="topic", text=t) for t in topics)
        doc.actions = tuple(
            _action_entry(a) for a in review_items(meeting) if a.status == ActionStatus.OPEN.value
        )
    return doc.to_email(kind)  # type: ignore[arg-type]
