"""The chair's quick entry: one line typed during the call becomes a minutes item,
and an ``#action`` line a tracked action item with its owners and due date.

``#action praman send the draft due:friday``:

* the kind comes from the leading MeetBot command (``minutes.parse_quick_entry``);
* the due date from ``due:`` (``domain.due_dates``), counted from the meeting's day in
  the group's zone; a ``due:`` that is not a date is a form error on ``text`` and
  nothing is saved;
* the owners from the members' handles, e-mails and names (``domain.action_owners``:
  the log import's whole-word rule, then the attendance matcher for the first word).
  A word that could be several people, or only a "did you mean", assigns nobody: the
  item is saved without that owner, flagged "owner to confirm", and ``notes`` say who
  it could be. A chair in a call would rather keep typing than answer a question; a
  wrong owner would mail a stranger to the task.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from meetbot.domain.action_owners import OwnerFinding, find_owners
from meetbot.domain.due_dates import DueDateError, read_due
from meetbot.domain.names import PersonKey
from meetbot.domain.nick_match import OwnerMatchTooCostly
from meetbot.extensions import db
from meetbot.models import Group, Meeting, MinuteItem, MinuteKind, Person, PersonHandle
from meetbot.models.groups import Membership
from meetbot.services.errors import field_error
from meetbot.services.minutes import add_item, parse_quick_entry

__all__ = ["QuickAdded", "add_quick_entry", "meeting_day", "member_keys"]


@dataclass(frozen=True)
class QuickAdded:
    """The item written and what the chair should be told (unsure owners)."""

    item: MinuteItem
    notes: tuple[str, ...] = ()


def meeting_day(meeting: Meeting) -> date:
    """The meeting's date in its group's zone (what ``due:tomorrow`` counts from)."""
    try:
        zone = ZoneInfo(meeting.group.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return meeting.start_dt.astimezone(zone).date()


def member_keys(group: Group) -> list[PersonKey]:
    """What the matchers know of the group's members (2 queries)."""
    rows = db.session.execute(
        select(Person.id, Person.display_name, Person.email)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.group_id == group.id)
    ).all()
    handles: dict[int, list[str]] = {}
    ids = [row[0] for row in rows]
    if ids:
        for person_id, handle in db.session.execute(
            select(PersonHandle.person_id, PersonHandle.handle).where(
                PersonHandle.person_id.in_(ids)
            )
        ):
            handles.setdefault(person_id, []).append(handle)
    return [
        PersonKey(id=pid, display_name=name, email=email, handles=tuple(handles.get(pid, ())))
        for pid, name, email in rows
    ]


def _label(person: PersonKey) -> str:
    """A name and what tells two people of that name apart."""
    other = person.handles[0] if person.handles else person.email
    return f"{person.display_name} ({other})" if other else person.display_name


def _notes(finding: OwnerFinding) -> tuple[str, ...]:
    notes = []
    for word, people in finding.unsure:
        names = " or ".join(_label(p) for p in people)
        notes.append(
            f"“{word}” could be {names}: no owner was set for it; pick the owner on the "
            "action item."
        )
    return tuple(notes)


def add_quick_entry(
    actor: Person | None,
    meeting: Meeting,
    *,
    kind: str | None,
    text: str,
    version: int | None,
    work_stream_id: int | None = None,
) -> QuickAdded:
    """Add what the chair typed (see the module docstring for ``#action`` lines)."""
    kind, text = parse_quick_entry(kind, text)
    if kind != MinuteKind.ACTION:
        item = add_item(
            actor, meeting, kind=kind, text=text, version=version, work_stream_id=work_stream_id
        )
        return QuickAdded(item)
    try:
        read = read_due(text, meeting_day(meeting))
    except DueDateError as exc:
        raise field_error("text", exc.message) from None
    try:
        finding = find_owners(read.text, member_keys(meeting.group))
    except OwnerMatchTooCostly as exc:  # names of repeated punctuation; see nick_match
        raise field_error("text", f"The owners could not be read: {exc}.") from None
    ids = [p.id for p in finding.owners]
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))}
    item = add_item(
        actor,
        meeting,
        kind=kind,
        text=read.text,
        version=version,
        work_stream_id=work_stream_id,
        owners=[people[i] for i in ids if i in people],
        due_date=read.due,
        needs_owner_review=bool(finding.unsure),
    )
    return QuickAdded(item, _notes(finding))
