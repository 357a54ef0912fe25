"""Nicks nobody has, after a chat meeting: they wait for the chair's choice.

At ``#endmeeting`` the import links the nicks that are someone's handle; every other
nick that spoke (or was named by ``#nick``/``#chair``) becomes a pending handle of the
meeting instead of a new person. The meeting page shows each with issue 16's people
matching (``services.attendance_import.preview``: sure candidates, or "did you mean"
suggestions; phones, rooms and bots are left out with ``not_people``), and the chair
chooses, as for a pasted list: one of the people suggested, a new person, or skip.

Choosing a person (or a new one) gives that person the handle (the next meeting
matches it), records the nick's lines as attendance (source ``log``), makes them the
author of the nick's minutes items and an owner of the meeting's actions MeetBot's
nick rule gives them (the same rule the import applies), all in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC

from sqlalchemy import delete, select

from meetbot.chat.lines import meeting_log_text
from meetbot.domain.meetbot_log import DEFAULT_BOTS
from meetbot.domain.participants import ParsedIdentity
from meetbot.extensions import db
from meetbot.models import (
    ActionItem,
    AttendanceSource,
    ChatPendingHandle,
    Meeting,
    MinuteItem,
    Person,
    PersonHandle,
)
from meetbot.services import attendance_entries, audit
from meetbot.services.attendance_import import (
    PreviewLine,
    new_person,
    not_people,
    preview,
    resolve_line,
)
from meetbot.services.db import unit_of_work
from meetbot.services.errors import field_error
from meetbot.services.log_plan import plan_import

__all__ = ["PendingHandle", "Resolved", "add_pending", "pending", "resolve"]


@dataclass(frozen=True)
class PendingHandle:
    """A nick waiting for the chair, with how the people matching sees it."""

    id: int
    nick: str
    lines: int
    match: PreviewLine  # status, candidates (sure ones, or "did you mean")


@dataclass
class Resolved:
    linked: list[str] = field(default_factory=list)  # "nick -> person name"
    skipped: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # no usable choice: still pending


def _identity(nick: str, index: int) -> ParsedIdentity:
    return ParsedIdentity(name=None, email=None, handle=nick, raw=nick, line=index + 1)


def add_pending(meeting: Meeting, nicks: Sequence[tuple[str, int]]) -> None:
    """Keep (nick, lines said) for the chair, INSIDE the caller's transaction; nicks
    that are not people (bots, phones, note-takers) are left out."""
    if not nicks:
        return
    rules = not_people()
    have = {
        row.nick.casefold(): row
        for row in db.session.scalars(
            select(ChatPendingHandle).where(ChatPendingHandle.meeting_id == meeting.id)
        )
    }
    for nick, lines in nicks:
        if rules.reason(nick, None) is not None:
            continue
        row = have.get(nick.casefold())
        if row is not None:
            row.lines = lines  # the import counts the whole log again
            continue
        row = ChatPendingHandle(meeting_id=meeting.id, nick=nick[:100], lines=lines)
        db.session.add(row)
        have[nick.casefold()] = row


def _rows(meeting: Meeting) -> list[ChatPendingHandle]:
    return list(
        db.session.scalars(
            select(ChatPendingHandle)
            .where(ChatPendingHandle.meeting_id == meeting.id)
            .order_by(ChatPendingHandle.nick)
        )
    )


def pending(meeting: Meeting) -> list[PendingHandle]:
    """The meeting's pending handles, each matched against the people we know."""
    rows = _rows(meeting)
    if not rows:
        return []
    lines = preview(meeting, [_identity(row.nick, i) for i, row in enumerate(rows)])
    return [
        PendingHandle(row.id, row.nick, row.lines, line)
        for row, line in zip(rows, lines, strict=True)
    ]


def resolve(actor: Person, meeting: Meeting, choices: Mapping[int, str]) -> Resolved:
    """Apply the chair's choices (pending id -> ``person:<id>``, ``new`` or ``skip``;
    ``match`` for a handle someone has since been given). A choice that is not one of
    the handle's people leaves it waiting. All in one transaction."""
    done = Resolved()
    with unit_of_work():
        rows = {row.id: row for row in _rows(meeting)}
        chosen = [(rows[i], c.strip()) for i, c in choices.items() if i in rows and c.strip()]
        if not chosen:
            raise field_error("choices", "Choose who at least one of the handles is.")
        lines = preview(meeting, [_identity(row.nick, i) for i, (row, _c) in enumerate(chosen)])
        taken = set(db.session.scalars(select(PersonHandle.handle)))
        for (row, choice), line in zip(chosen, lines, strict=True):
            what, person_id, _note = resolve_line(line, choice, create_unmatched=False)
            if what == "ask" or (what == "skip" and choice != "skip"):
                done.waiting.append(row.nick)
                continue
            if what == "skip":
                done.skipped.append(row.nick)
            else:
                person = _person(actor, line, person_id, taken)
                _give_handle(person, row.nick, taken)
                _credit(actor, meeting, person, row)
                done.linked.append(f"{row.nick} -> {person.display_name}")
            db.session.execute(delete(ChatPendingHandle).where(ChatPendingHandle.id == row.id))
        audit.record(
            actor, meeting.group, "meeting", meeting.id, "chat_handles_resolved",
            linked=done.linked, skipped=done.skipped,
        )  # fmt: skip
    return done


def _person(actor: Person, line: PreviewLine, person_id: int | None, taken: set[str]) -> Person:
    if person_id is not None:
        return db.session.get_one(Person, person_id)
    person = new_person(line.parsed, taken)
    for handle in person.handles:
        handle.kind = "irc"
    db.session.flush()
    audit.record(actor, None, "person", person.id, "created", source="chat")
    return person


def _give_handle(person: Person, nick: str, taken: set[str]) -> None:
    handle = nick.casefold()[:100]
    if handle not in taken:
        person.handles.append(PersonHandle(handle=handle, kind="irc"))
        taken.add(handle)
    db.session.flush()


def _credit(actor: Person, meeting: Meeting, person: Person, row: ChatPendingHandle) -> None:
    """What the import would have given the nick's person."""
    attendance_entries.ensure_members(meeting, [person])
    entry = attendance_entries.entries_by_person(meeting).get(person.id)
    lines = row.lines
    if entry is not None and entry.source == AttendanceSource.LOG and entry.lines_said:
        lines += entry.lines_said  # another nick of the same person: lines add up
    attendance_entries.record_from_log_in_session(actor, meeting, {person.id: lines})
    for item in db.session.scalars(
        select(MinuteItem).where(
            MinuteItem.meeting_id == meeting.id,
            MinuteItem.author_id.is_(None),
            MinuteItem.author_nick.is_not(None),
        )
    ):
        if (item.author_nick or "").casefold() == row.nick.casefold():
            item.author = person
    _own_actions(meeting, person)


def _own_actions(meeting: Meeting, person: Person) -> None:
    """Owners by MeetBot's nick rule, now that the nick is the person's handle."""
    day = meeting.start_dt.astimezone(UTC).date()
    plan = plan_import(meeting_log_text(meeting.id), default_date=day, bots=DEFAULT_BOTS)
    texts = {a.text for a in plan.actions if f"p:{person.id}" in a.owner_tokens}
    if not texts:
        return
    for action in db.session.scalars(
        select(ActionItem).where(ActionItem.opened_in_id == meeting.id, ActionItem.text.in_(texts))
    ):
        if person not in action.owners:
            action.owners.append(person)
            action.needs_owner_review = False
