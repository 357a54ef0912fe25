"""Writing a planned MeetBot log import into one meeting, inside the caller's
transaction: minutes items, action items (owners checked and made members),
attendance and the audit entry. ``services.log_import`` holds the rules and the
transactions; ``import_log_in_session`` is also the chat bot's ``#endmeeting``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from meetbot.domain.text import single_line
from meetbot.extensions import db
from meetbot.models import (
    ActionItem,
    Meeting,
    Membership,
    MinuteItem,
    MinuteKind,
    Person,
    PersonHandle,
    Role,
)
from meetbot.services import attendance_entries, audit
from meetbot.services.actions import member_ids, open_action_in_session
from meetbot.services.errors import ValidationError
from meetbot.services.list_caps import check_member_room, max_minute_items
from meetbot.services.log_plan import ImportPlan, PlannedAction, plan_import, said_at
from meetbot.services.minute_rows import check_version, flush_or_conflict, touch

__all__ = [
    "APPEND",
    "CREATE",
    "PENDING",
    "EXISTING_CHOICES",
    "REFUSE",
    "REPLACE",
    "ImportResult",
    "check_existing",
    "import_log_in_session",
]


#: What to do when the meeting already has minutes imported from a different log.
REFUSE, REPLACE, APPEND = "refuse", "replace", "append"
EXISTING_CHOICES = (REFUSE, REPLACE, APPEND)
#: What to do with a nick present that is nobody's handle: make a new person (the
#: import, whose preview the chair confirmed), or leave it out and report it in
#: ``ImportResult.pending_nicks`` for the chair to choose later (the chat bot).
CREATE, PENDING = "create", "pending"


@dataclass
class ImportResult:
    """What an import did."""

    meeting: Meeting
    already_imported: bool = False
    items_added: int = 0
    actions_added: int = 0
    flagged_actions: int = 0
    attendance_added: int = 0
    people_created: list[str] = field(default_factory=list)
    # (nick, lines said) of nicks nobody has, left for the chair (``unknown=PENDING``)
    pending_nicks: list[tuple[str, int]] = field(default_factory=list)
    meeting_created: bool = False
    items_removed: int = 0
    warnings: list[str] = field(default_factory=list)


def check_existing(meeting: Meeting, sha256: str, existing: str = REFUSE) -> None:
    """Refuse to import a log into a meeting that already has minutes imported from a
    different log, unless the chair chose ``replace`` or ``append`` (ValidationError
    on the field ``existing``)."""
    if existing not in EXISTING_CHOICES:
        raise ValidationError(
            f"Choose one of {', '.join(EXISTING_CHOICES)} for a meeting with imported minutes.",
            {"existing": f"must be one of: {', '.join(EXISTING_CHOICES)}"},
        )
    if existing != REFUSE or meeting.imported_log_sha256 in (None, sha256):
        return
    raise ValidationError(
        "This meeting already has minutes imported from a different log; nothing was "
        "imported. Choose to replace them with this log, or to append this log to them.",
        {"existing": "the meeting has minutes from a different log: choose replace or append"},
    )


def _remove_log_items(meeting: Meeting) -> int:
    """Delete the minutes items an earlier log import wrote (they carry its nick)."""
    removed = db.session.execute(
        delete(MinuteItem).where(
            MinuteItem.meeting_id == meeting.id, MinuteItem.author_nick.is_not(None)
        )
    )
    return removed.rowcount or 0


def _resolve_people(
    actor: Person | None, plan: ImportPlan, result: ImportResult, unknown: str = CREATE
) -> dict[str, Person]:
    """token -> Person for everyone present, creating people for unknown nicks (or,
    with ``unknown=PENDING``, listing them in ``result.pending_nicks``)."""
    by_token: dict[str, Person] = {}
    ids = [a.person_id for a in plan.attendees if a.person_id is not None]
    existing = {
        p.id: p
        for p in db.session.scalars(
            select(Person).where(Person.id.in_(ids)).options(selectinload(Person.handles))
        )
    }
    created_by_handle: dict[str, Person] = {}
    for a in plan.attendees:
        if a.person_id is not None:
            by_token[a.token] = existing[a.person_id]
            continue
        key = a.nick.casefold()
        if unknown == PENDING:
            _add_pending(result.pending_nicks, a.nick, a.lines)
            continue
        person = created_by_handle.get(key)
        if person is None:
            # Nicks differing only in case are one handle: one person.
            person = Person(display_name=single_line(a.nick)[:200] or "?")
            person.handles.append(PersonHandle(handle=key[:100], kind="irc"))
            db.session.add(person)
            created_by_handle[key] = person
            result.people_created.append(a.nick)
        by_token[a.token] = person
    db.session.flush()
    for person in created_by_handle.values():
        audit.record(actor, None, "person", person.id, "created", source="log")
    return by_token


def _add_pending(pending: list[tuple[str, int]], nick: str, lines: int) -> None:
    """Nicks differing only in case are one handle: their lines add up."""
    for i, (known, count) in enumerate(pending):
        if known.casefold() == nick.casefold():
            pending[i] = (known, count + lines)
            return
    pending.append((nick, lines))


def _owners_for(
    planned: PlannedAction,
    overrides: Mapping[int, Sequence[str]] | None,
    by_token: Mapping[str, Person],
) -> list[Person]:
    tokens = list(planned.owner_tokens)
    overridden: set[str] = set()
    if overrides is not None and planned.index in overrides:
        tokens = list(overrides[planned.index])
        overridden = set(tokens)
    owners: list[Person] = []
    for token in tokens:
        person = by_token.get(token)
        if person is None and token.startswith("n:") and token not in overridden:
            continue  # a nick left for the chair: no owner yet (``unknown=PENDING``)
        if person is None and token.startswith("p:"):
            try:
                person = db.session.get(Person, int(token[2:]))
            except ValueError:
                person = None
        if person is None:
            raise ValidationError(
                f"Owner {token!r} of action {planned.index + 1} is not a known person.",
                {"owners": f"action {planned.index + 1}: {token!r} is not a person"},
            )
        if person not in owners:
            owners.append(person)
    return owners


def _member_owners(
    meeting: Meeting,
    planned: list[tuple[PlannedAction, list[Person]]],
    present: set[int],
) -> list[tuple[PlannedAction, list[Person]]]:
    """Owners must be members of the group (no item in a stranger's feed).

    MeetBot's rule already makes owners people present in the log; those who are not
    members yet become members here, as people checked in or pasted into attendance
    do. An owner the chair chose (owner overrides) who is neither a member nor present
    is an error, as it is in the API. One query for the whole log.
    """

    members = member_ids(meeting.group, {p.id for _, owners in planned for p in owners})
    kept, joining = [], {}
    for action, owners in planned:
        strangers = [p for p in owners if p.id not in members and p.id not in present]
        if strangers:
            raise ValidationError(
                f"Owner {strangers[0].id} of action {action.index + 1} is not a member of "
                "this group and was not present.",
                {"owners": f"action {action.index + 1}: owners must be group members"},
            )
        joining.update((p.id, p) for p in owners if p.id not in members)
        kept.append((action, owners))
    check_member_room(meeting.group_id, adding=len(joining), field="owners")
    for person in joining.values():
        db.session.add(Membership(group=meeting.group, person=person, role=Role.MEMBER))
    return kept


def import_log_in_session(
    actor: Person | None,
    meeting: Meeting,
    text: str,
    *,
    bots: frozenset[str] | None,
    owner_overrides: Mapping[int, Sequence[str]] | None,
    version: int | None,
    result: ImportResult | None = None,
    existing: str = REFUSE,
    unknown: str = CREATE,
    drop_past_cap: bool = False,
) -> ImportResult:
    """Import ``text`` into ``meeting`` INSIDE the caller's transaction (arguments as
    for ``services.log_import.import_log``; ``result`` is filled in when given).
    Minute items past the meeting's cap refuse the import, or with ``drop_past_cap``
    (the chat bot, whose log must stay complete) are left out with a warning."""
    if version is not None:
        check_version(meeting, version)
    day = meeting.start_dt.astimezone(UTC).date()
    plan = plan_import(text, default_date=day, bots=bots, cap_items=not drop_past_cap)
    result = result or ImportResult(meeting=meeting)
    result.meeting = meeting
    result.warnings = list(plan.warnings)
    if meeting.imported_log_sha256 == plan.sha256:
        result.already_imported = True
        return result
    check_existing(meeting, plan.sha256, existing)
    if existing == REPLACE and meeting.imported_log_sha256 is not None:
        result.items_removed = _remove_log_items(meeting)

    by_token = _resolve_people(actor, plan, result, unknown)
    _write_items(meeting, plan, by_token, day, result, drop_past_cap)
    _open_actions(actor, meeting, plan, by_token, owner_overrides, result)

    meeting.imported_log_sha256 = plan.sha256
    touch(meeting)
    flush_or_conflict()  # a stale meeting is a Conflict before anything else is written

    _record_attendance(actor, meeting, plan, by_token, result)
    audit.record(
        actor,
        meeting.group,
        "meeting",
        meeting.id,
        "log_imported",
        sha256=plan.sha256,
        items=result.items_added,
        actions=result.actions_added,
        attendance=result.attendance_added,
        people_created=result.people_created,
        mode=existing,
        items_removed=result.items_removed,
    )
    return result


def _write_items(
    meeting: Meeting,
    plan: ImportPlan,
    by_token: Mapping[str, Person],
    day: date,
    result: ImportResult,
    drop_past_cap: bool = False,
) -> None:
    """Minutes: skip items already there (same kind, text, nick and time). At most the
    meeting's cap of items (``services.list_caps``): the first one past it refuses the
    import (its line in the field ``line``) or, ``drop_past_cap``, ends the writing."""
    existing_items = list(
        db.session.scalars(select(MinuteItem).where(MinuteItem.meeting_id == meeting.id))
    )
    seen = {(i.kind, i.text, i.author_nick, i.said_dt) for i in existing_items}
    position = max((i.position for i in existing_items), default=0)
    room = max_minute_items() - len(existing_items)
    nick_person = {a.nick: by_token.get(a.token) for a in plan.attendees}
    for log_item in plan.items:
        said = said_at(log_item.time, day)
        text_ = log_item.text
        if log_item.kind == MinuteKind.ACTION and not text_.strip():
            continue
        key = (log_item.kind, text_, log_item.nick, said)
        if key in seen:
            continue
        if result.items_added >= room:
            _past_cap(log_item.line, drop_past_cap, result)
            return
        seen.add(key)
        position += 1
        db.session.add(
            MinuteItem(
                meeting=meeting,
                kind=log_item.kind,
                text=text_,
                author=nick_person.get(log_item.nick),
                author_nick=log_item.nick[:100],
                said_dt=said,
                position=position,
            )
        )
        result.items_added += 1


def _past_cap(line: int, drop: bool, result: ImportResult) -> None:
    message = (
        f"line {line}: the meeting's minutes hold {max_minute_items():,} items, "
        "the most a meeting may have"
    )
    if not drop:
        raise ValidationError(
            f"Nothing was imported: {message}.", {"log": message, "line": str(line)}
        )
    result.warnings.append(f"{message}; the items from here on were not added")


def _open_actions(
    actor: Person | None,
    meeting: Meeting,
    plan: ImportPlan,
    by_token: Mapping[str, Person],
    owner_overrides: Mapping[int, Sequence[str]] | None,
    result: ImportResult,
) -> None:
    """Action items: one per distinct #action text not yet opened in this meeting."""
    have_actions = set(
        db.session.scalars(select(ActionItem.text).where(ActionItem.opened_in_id == meeting.id))
    )
    planned_owners = _member_owners(
        meeting,
        [(p, _owners_for(p, owner_overrides, by_token)) for p in plan.actions],
        {by_token[a.token].id for a in plan.attendees if a.token in by_token},
    )
    for planned, owners in planned_owners:
        if planned.text in have_actions:
            continue
        have_actions.add(planned.text)
        open_action_in_session(
            actor,
            meeting.group,
            text=planned.text,
            owners=owners,
            meeting=meeting,
            needs_owner_review=not owners,
        )
        result.actions_added += 1
        result.flagged_actions += 0 if owners else 1


def _record_attendance(
    actor: Person | None,
    meeting: Meeting,
    plan: ImportPlan,
    by_token: Mapping[str, Person],
    result: ImportResult,
) -> None:
    """Attendance: one entry per person (nicks of one person add up), recorded by the
    attendance service's rules in this same transaction."""
    lines_by_person: dict[int, int] = {}
    for a in plan.attendees:
        person = by_token.get(a.token)
        if person is None:
            continue  # a nick left for the chair
        lines_by_person[person.id] = lines_by_person.get(person.id, 0) + a.lines
    changes = attendance_entries.record_from_log_in_session(actor, meeting, lines_by_person)
    result.attendance_added = len(changes.added)
