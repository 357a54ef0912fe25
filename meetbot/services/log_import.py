"""Import a MeetBot-style chat log into a meeting: minutes, action items, attendance.

``plan_import`` reads a log and says what an import would write (the preview the
chair confirms); ``import_log`` writes it into one meeting in one transaction;
``import_log_for_group`` first finds (or creates) the meeting the log belongs to.

Rules:

* Items map 1:1 to MinuteItem kinds, in order, with the nick and time from the log.
* Each ``#action`` is also an ActionItem opened in the meeting. Its owners are the
  people present whose handle (or alias, or the nick they used) appears in the text
  as a whole word (MeetBot's rule; ``domain.nick_match.OwnerIndex`` matches all nicks
  in one pass over each action's text); an action with no such person has no owner
  and is flagged ``needs_owner_review``.
* Attendance: everyone who spoke (bots excluded) plus ``#nick`` / ``#chair`` names,
  linked to people by handle, source ``log`` with the lines said. A nick nobody has
  yet becomes a new Person with that handle (the result lists them).
* Importing the same log again changes nothing (``Meeting.imported_log_sha256``);
  a different log (say, a corrected one) adds only what is not there yet: items are
  matched by kind, text, nick and time; actions by text; attendance by person.
* Times in logs without a zone are UTC (MeetBot's default); clock-only logs take
  their date from the meeting (or the date given).

Attendance goes through ``services.attendance_entries.record_from_log_in_session`` (the
rules of every attendance source: one entry per person, presence wins over regrets,
an existing presence keeps its source), inside the import's one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NoReturn

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from meetbot.domain.meetbot_log import (
    DEFAULT_BOTS,
    LogItem,
    LogParseError,
    OwnerIndex,
    ParsedMeeting,
)
from meetbot.domain.meeting_attach import occurrence_for_start, search_window
from meetbot.domain.meeting_machine import parse_log
from meetbot.domain.nick_match import OwnerMatchTooCostly
from meetbot.domain.text import single_line
from meetbot.extensions import db
from meetbot.models import (
    ActionItem,
    Group,
    Meeting,
    Membership,
    MinuteItem,
    MinuteKind,
    Person,
    PersonHandle,
    Role,
)
from meetbot.services import attendance_entries, audit
from meetbot.services.db import unit_of_work
from meetbot.services.errors import ValidationError

__all__ = [
    "APPEND",
    "EXISTING_CHOICES",
    "REFUSE",
    "REPLACE",
    "ImportPlan",
    "ImportResult",
    "PlannedAction",
    "PlannedAttendee",
    "import_log",
    "check_existing",
    "import_log_for_group",
    "log_sha256",
    "meeting_for_start_in_session",
    "plan_import",
    "said_at",
]


#: What to do when the meeting already has minutes imported from a different log.
REFUSE, REPLACE, APPEND = "refuse", "replace", "append"
EXISTING_CHOICES = (REFUSE, REPLACE, APPEND)


def log_sha256(text: str) -> str:
    """The fingerprint of a log (line endings normalised, so a CRLF copy is the same)."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


@dataclass
class PlannedAttendee:
    """A nick in "people present": who it is (``person_id`` None: a new person)."""

    nick: str
    lines: int
    person_id: int | None
    person_name: str | None

    @property
    def token(self) -> str:
        return f"p:{self.person_id}" if self.person_id is not None else f"n:{self.nick}"


@dataclass
class PlannedAction:
    """An ``#action``: its text and the owners MeetBot's rule proposes (tokens
    ``p:<person id>`` or ``n:<nick>`` for a person the import would create)."""

    index: int
    text: str
    nick: str
    line: int
    owner_tokens: list[str]
    owner_names: list[str]

    @property
    def flagged(self) -> bool:
        return not self.owner_tokens


@dataclass
class ImportPlan:
    """What importing a log would write."""

    sha256: str
    parsed: ParsedMeeting
    items: list[LogItem]
    actions: list[PlannedAction]
    attendees: list[PlannedAttendee]
    start: datetime | None
    end: datetime | None

    @property
    def warnings(self) -> list[str]:
        return self.parsed.warnings

    @property
    def topics(self) -> list[LogItem]:
        return [i for i in self.items if i.kind == "topic"]

    @property
    def new_nicks(self) -> list[str]:
        return [a.nick for a in self.attendees if a.person_id is None]


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
    meeting_created: bool = False
    items_removed: int = 0
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- helpers


def said_at(value: datetime | time | None, day: date | None) -> datetime | None:
    """An instant from a log timestamp; naive values are UTC (MeetBot's default), a
    clock time alone is on ``day`` (None without a day)."""
    return _as_utc(value, day)


def _as_utc(value: datetime | time | None, day: date | None) -> datetime | None:
    """An instant from a log timestamp; naive values are UTC (MeetBot's default)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if day is None:
        return None
    return datetime.combine(day, value, tzinfo=UTC)


def _parse(text: str, default_date: date | None, bots: frozenset[str] | None) -> ParsedMeeting:
    try:
        return parse_log(
            text, bots=bots if bots is not None else DEFAULT_BOTS, default_date=default_date
        )
    except LogParseError as exc:
        _parse_error(exc)


def _parse_error(exc: LogParseError) -> NoReturn:
    fields = {"log": exc.message}
    if exc.line is not None:
        fields["line"] = str(exc.line)
    raise ValidationError(f"This is not a usable meeting log: {exc}.", fields) from None


def _handle_index(nicks: Sequence[str]) -> dict[str, Person]:
    """Known people by lower-cased handle, for the given nicks."""
    keys = sorted({n.casefold() for n in nicks})
    if not keys:
        return {}
    rows = db.session.execute(
        select(PersonHandle.handle, Person)
        .join(Person, Person.id == PersonHandle.person_id)
        .where(PersonHandle.handle.in_(keys))
    )
    return {handle: person for handle, person in rows}


def _owner_handles(
    attendees: Sequence[PlannedAttendee], people: Mapping[int, Person]
) -> dict[str, str]:
    """nick/handle/alias -> owner token, for everyone present (MeetBot: known nicks)."""
    tokens: dict[str, str] = {}
    for a in attendees:
        tokens[a.nick] = a.token
        if a.person_id is not None:
            for h in people[a.person_id].handles:
                tokens.setdefault(h.handle, a.token)
    return tokens


def plan_import(
    text: str, *, default_date: date | None = None, bots: frozenset[str] | None = None
) -> ImportPlan:
    """Parse ``text`` and propose owners and attendance (reads only).

    Raises ValidationError (fields ``log`` and, when known, ``line``) for a text
    that is not a meeting log (e.g. no ``#startmeeting``)."""
    parsed = _parse(text, default_date, bots)
    present = parsed.people_present()
    known = _handle_index(list(present))
    attendees = [
        PlannedAttendee(
            nick=nick,
            lines=lines,
            person_id=known[nick.casefold()].id if nick.casefold() in known else None,
            person_name=known[nick.casefold()].display_name if nick.casefold() in known else None,
        )
        for nick, lines in present.items()
    ]
    people = {p.id: p for p in known.values()}
    owner_index = OwnerIndex(_owner_handles(attendees, people))
    names = {a.token: (a.person_name or a.nick) for a in attendees}
    actions = []
    for index, item in enumerate(parsed.actions()):
        try:
            tokens = owner_index.owners(item.text)
        except OwnerMatchTooCostly as exc:
            _parse_error(LogParseError(str(exc), line=item.line))
        actions.append(
            PlannedAction(
                index=index,
                text=item.text,
                nick=item.nick,
                line=item.line,
                owner_tokens=tokens,
                owner_names=[names[t] for t in tokens],
            )
        )
    day = default_date
    return ImportPlan(
        sha256=log_sha256(text),
        parsed=parsed,
        items=list(parsed.items),
        actions=actions,
        attendees=attendees,
        start=_as_utc(parsed.start, day),
        end=_as_utc(parsed.end, day),
    )


# ---------------------------------------------------------------- writing


def _resolve_people(
    actor: Person | None, plan: ImportPlan, result: ImportResult
) -> dict[str, Person]:
    """token -> Person for everyone present, creating people for unknown nicks."""
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


def _owners_for(
    planned: PlannedAction,
    overrides: Mapping[int, Sequence[str]] | None,
    by_token: Mapping[str, Person],
) -> list[Person]:
    tokens = list(planned.owner_tokens)
    if overrides is not None and planned.index in overrides:
        tokens = list(overrides[planned.index])
    owners: list[Person] = []
    for token in tokens:
        person = by_token.get(token)
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
    from meetbot.services.actions import member_ids

    members = member_ids(meeting.group, {p.id for _, owners in planned for p in owners})
    kept = []
    for action, owners in planned:
        strangers = [p for p in owners if p.id not in members and p.id not in present]
        if strangers:
            raise ValidationError(
                f"Owner {strangers[0].id} of action {action.index + 1} is not a member of "
                "this group and was not present.",
                {"owners": f"action {action.index + 1}: owners must be group members"},
            )
        for person in owners:
            if person.id not in members:
                db.session.add(
                    Membership(group=meeting.group, person=person, role=Role.MEMBER.value)
                )
                members.add(person.id)
        kept.append((action, owners))
    return kept


def import_log(
    actor: Person | None,
    meeting: Meeting,
    text: str,
    *,
    bots: frozenset[str] | None = None,
    owner_overrides: Mapping[int, Sequence[str]] | None = None,
    version: int | None = None,
    existing: str = REFUSE,
) -> ImportResult:
    """Import ``text`` into ``meeting`` in one transaction.

    ``owner_overrides`` maps an action's index (in log order) to the owner tokens
    the chair confirmed in the preview (``p:<id>``, ``n:<nick>``); ``version`` is the
    meeting's lock_version the preview was made from (None skips the check, for the
    command line). ``existing`` says what to do when the meeting already has minutes
    imported from a *different* log (see ``check_existing``): ``refuse`` (the
    default), ``replace`` (the previous log's minutes items are deleted first) or
    ``append``. The same log again changes nothing whatever ``existing`` says.
    """
    with unit_of_work():
        result = _import_in_session(
            actor,
            meeting,
            text,
            bots=bots,
            owner_overrides=owner_overrides,
            version=version,
            existing=existing,
        )
    return result


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


def _import_in_session(
    actor: Person | None,
    meeting: Meeting,
    text: str,
    *,
    bots: frozenset[str] | None,
    owner_overrides: Mapping[int, Sequence[str]] | None,
    version: int | None,
    result: ImportResult | None = None,
    existing: str = REFUSE,
) -> ImportResult:
    from meetbot.services.actions import open_action_in_session
    from meetbot.services.minutes import _flush_or_conflict, check_version, touch

    if version is not None:
        check_version(meeting, version)
    day = meeting.start_dt.astimezone(UTC).date()
    plan = plan_import(text, default_date=day, bots=bots)
    result = result or ImportResult(meeting=meeting)
    result.meeting = meeting
    result.warnings = list(plan.warnings)
    if meeting.imported_log_sha256 == plan.sha256:
        result.already_imported = True
        return result
    check_existing(meeting, plan.sha256, existing)
    if existing == REPLACE and meeting.imported_log_sha256 is not None:
        result.items_removed = _remove_log_items(meeting)

    by_token = _resolve_people(actor, plan, result)

    # Minutes: skip items already there (same kind, text, nick and time).
    existing_items = list(
        db.session.scalars(select(MinuteItem).where(MinuteItem.meeting_id == meeting.id))
    )
    seen = {(i.kind, i.text, i.author_nick, i.said_dt) for i in existing_items}
    position = max((i.position for i in existing_items), default=0)
    nick_person = {a.nick: by_token[a.token] for a in plan.attendees}
    for log_item in plan.items:
        said = _as_utc(log_item.time, day)
        text_ = log_item.text
        if log_item.kind == MinuteKind.ACTION.value and not text_.strip():
            continue
        key = (log_item.kind, text_, log_item.nick, said)
        if key in seen:
            continue
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

    # Action items: one per distinct #action text not yet opened in this meeting.
    have_actions = set(
        db.session.scalars(select(ActionItem.text).where(ActionItem.opened_in_id == meeting.id))
    )
    planned_owners = _member_owners(
        meeting,
        [(p, _owners_for(p, owner_overrides, by_token)) for p in plan.actions],
        {by_token[a.token].id for a in plan.attendees},
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

    meeting.imported_log_sha256 = plan.sha256
    touch(meeting)
    _flush_or_conflict()  # a stale meeting is a Conflict before anything else is written

    # Attendance: one entry per person (nicks of one person add up), recorded by the
    # attendance service's rules in this same transaction.
    lines_by_person: dict[int, int] = {}
    for a in plan.attendees:
        person = by_token[a.token]
        lines_by_person[person.id] = lines_by_person.get(person.id, 0) + a.lines
    changes = attendance_entries.record_from_log_in_session(actor, meeting, lines_by_person)
    result.attendance_added = len(changes.added)

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


def _occurrence_for(
    group: Group, started: datetime, series_id: int | None = None
) -> tuple[int | None, str | None, datetime | None, int | None]:
    """(series_id, slot_key, original_start_local, meeting_id) of the group's occurrence
    a meeting started at ``started`` belongs to (``domain.meeting_attach``, the one
    rule); Nones when it belongs to none. ``series_id`` narrows it to one series (a
    chat channel mapped to a series)."""
    from meetbot.services.occurrences import group_occurrences

    lo, hi = search_window(started)
    occurrences = group_occurrences(group, lo, hi, "import.invalid")
    if series_id is not None:
        occurrences = [o for o in occurrences if o.series_id == series_id]
    best = occurrence_for_start(occurrences, started)
    if best is None:
        return None, None, None, None
    return best.series_id, best.slot_key, best.original_start_local, best.meeting_id


def meeting_for_start_in_session(
    actor: Person | None,
    group: Group,
    started: datetime,
    *,
    name: str | None,
    end: datetime | None = None,
    series_id: int | None = None,
    source: str = "log",
) -> tuple[Meeting, bool]:
    """(meeting, created): the group's meeting a ``#startmeeting`` at ``started``
    belongs to, the log import's and the chat bot's one rule. That is the occurrence
    whose scheduled time holds the start (``domain.meeting_attach``), created on
    demand; otherwise a new one-off meeting from ``started`` to ``end`` (an hour when
    ``end`` is not after ``started``). Runs inside the caller's transaction."""
    from meetbot.models import MeetingSeries
    from meetbot.services.meetings import materialize_occurrence

    found_series, slot_key, original, meeting_id = _occurrence_for(group, started, series_id)
    if meeting_id is not None:
        return db.session.get(Meeting, meeting_id), False
    if found_series is not None:
        series = db.session.get(MeetingSeries, found_series)
        return materialize_occurrence(series, slot_key, original), True
    meeting = Meeting(
        group=group,
        start_dt=started,
        end_dt=end if end and end > started else started + timedelta(hours=1),
        timezone=group.timezone,
        title=single_line(name or "Meeting")[:200] or "Meeting",
    )
    db.session.add(meeting)
    db.session.flush()
    audit.record(actor, group, "meeting", meeting.id, "created", source=source)
    return meeting, True


def import_log_for_group(
    actor: Person | None,
    group: Group,
    day: date,
    text: str,
    *,
    bots: frozenset[str] | None = None,
    existing: str = REFUSE,
) -> ImportResult:
    """Import ``text`` into the group's meeting the log's ``#startmeeting`` belongs to.

    That is the occurrence (of any of the group's series, or a one-off meeting) whose
    scheduled time holds the start (``domain.meeting_attach``: from 15 minutes before
    its start to 15 minutes after its end), created on demand; otherwise a one-off
    meeting spanning the log. ``day`` dates a log that has clock times only (and
    places one without any time at 00:00 UTC). ``existing`` as for ``import_log``.
    All in one transaction."""
    plan = plan_import(text, default_date=day, bots=bots)
    anchor = plan.start or datetime.combine(day, time(0), tzinfo=UTC)
    with unit_of_work():
        result = ImportResult(meeting=None)  # type: ignore[arg-type]
        meeting, result.meeting_created = meeting_for_start_in_session(
            actor, group, anchor, name=plan.parsed.name, end=plan.end
        )
        _import_in_session(
            actor,
            meeting,
            text,
            bots=bots,
            owner_overrides=None,
            version=None,
            result=result,
            existing=existing,
        )
    return result
