"""The ``MinutesDoc`` behind every export of a meeting's minutes (text, Markdown,
HTML) and the mailing-list e-mails (agenda before the meeting, summary after)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import selectinload

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
    MinuteKind,
    Person,
)
from meetbot.services.action_lists import review_items
from meetbot.services.errors import field_error
from meetbot.services.minutes import list_items


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
        if r.kind == AttendanceKind.PRESENT
    )
    regrets = tuple(r.person.display_name for r in rows if r.kind == AttendanceKind.REGRETS)
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
        topics = agenda_topics(meeting.agenda) or [
            e.text for e in doc.items if e.kind == MinuteKind.TOPIC
        ]
        doc.items = tuple(MinutesEntry(kind="topic", text=t) for t in topics)
        doc.actions = tuple(
            _action_entry(a) for a in review_items(meeting) if a.status == ActionStatus.OPEN
        )
    return doc.to_email(kind)  # type: ignore[arg-type]
