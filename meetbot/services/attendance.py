"""Attendance: who was at a meeting, who sent regrets, and how we know.

Every entry is one (meeting, person) row (unique), with its kind (present or regrets),
its source (roster, paste, csv, self, link, ...), who recorded it and when. Every
function here that writes is one transaction: it either records everything it was
asked to or nothing, and adds one audit entry when something changed. Recording the
same thing twice changes nothing (no new rows, no audit entry).

Rules decided here (docs/attendance.md explains them for users):

* **Presence wins over regrets.** Recording someone as present who had sent regrets
  turns the entry into presence (they came after all); recording regrets for someone
  already present is refused.
* **An existing presence keeps its source.** A paste or CSV that names someone already
  recorded (by the roster, a check-in, a log...) leaves that entry as it is; a CSV
  only fills in the minutes spent in the call when it knows them.
* **The roster owns only roster entries.** Saving the roster adds ticked members and
  removes the presence of unticked members *only if it came from the roster*; entries
  from any other source are kept (the roster shows them ticked and locked, and the
  attendance list has a "remove" button for each entry).
* **Recording presence holds the meeting.** Presence recorded at or after a scheduled
  meeting's start marks it ``held``. Removing entries never un-holds it. Cancelled
  meetings take no attendance.
* **Chairs' imports make members.** People created or matched by a paste, a CSV or the
  check-in link who are not yet members of the group become members (role member), so
  the next roster and the attendance rates include them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from meetbot.domain.names import Identity, MatchResult, PeopleIndex, PersonKey, normalize_email
from meetbot.domain.not_people import NotPeople
from meetbot.domain.participants import (
    MAX_CSV_BYTES,
    MAX_PASTE_BYTES,
    MAX_PASTE_IDENTITIES,
    ParsedIdentity,
    ParsedParticipant,
    ParticipantsError,
    parse_participant_csv,
    parse_pasted_list,
)
from meetbot.domain.text import single_line
from meetbot.extensions import db
from meetbot.models import (
    Attendance,
    AttendanceKind,
    AttendanceSource,
    Meeting,
    MeetingStatus,
    Membership,
    Person,
    PersonHandle,
    Role,
    utcnow,
)
from meetbot.services import audit, webhooks
from meetbot.services.db import unit_of_work
from meetbot.services.errors import NotFound, ServiceError, ValidationError, field_error

# Self check-in is open from this long before the start to this long after the end.
CHECKIN_OPENS_BEFORE = timedelta(minutes=15)
CHECKIN_CLOSES_AFTER = timedelta(minutes=15)
# A chair's check-in link is valid this long unless the chair says otherwise.
CHECKIN_LINK_DEFAULT_VALID = timedelta(hours=3)
CHECKIN_LINK_MAX_VALID = timedelta(days=2)

PRESENT = AttendanceKind.PRESENT.value
REGRETS = AttendanceKind.REGRETS.value


class LinkExpired(ServiceError):
    """The check-in link was right but is no longer open."""

    status = 410
    code = "gone"


# ----------------------------------------------------------------- reading


def entries(meeting: Meeting) -> list[Attendance]:
    """Every attendance entry of a meeting with its person and recorder loaded (2-3
    queries however many entries), present first, then by name."""
    rows = list(
        db.session.scalars(
            select(Attendance)
            .join(Person, Person.id == Attendance.person_id)
            .where(Attendance.meeting_id == meeting.id)
            .options(
                selectinload(Attendance.person).selectinload(Person.handles),
                selectinload(Attendance.recorded_by),
            )
            .order_by(Attendance.kind, Person.display_name, Person.id)
        )
    )
    return rows


def _entries_by_person(meeting: Meeting) -> dict[int, Attendance]:
    return {
        a.person_id: a
        for a in db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))
    }


def previous_meeting(meeting: Meeting) -> Meeting | None:
    """The latest earlier meeting of the same series (or, for a one-off, of the same
    group) that is held or has someone recorded present."""
    query = select(Meeting).where(
        Meeting.start_dt < meeting.start_dt,
        Meeting.status != MeetingStatus.CANCELLED.value,
        Meeting.id != meeting.id,
        (Meeting.status == MeetingStatus.HELD.value)
        | Meeting.id.in_(select(Attendance.meeting_id).where(Attendance.kind == PRESENT)),
    )
    if meeting.series_id is not None:
        query = query.where(Meeting.series_id == meeting.series_id)
    else:
        query = query.where(Meeting.group_id == meeting.group_id)
    return db.session.scalar(query.order_by(Meeting.start_dt.desc()).limit(1))


def present_person_ids(meeting: Meeting | None) -> set[int]:
    """Ids of the people recorded present at ``meeting`` (empty for None)."""
    if meeting is None:
        return set()
    return set(
        db.session.scalars(
            select(Attendance.person_id).where(
                Attendance.meeting_id == meeting.id, Attendance.kind == PRESENT
            )
        )
    )


@dataclass(frozen=True)
class RosterRow:
    """One member on the roster, with their current entry (if any)."""

    person: Person
    role: Role
    entry: Attendance | None
    came_last_time: bool

    @property
    def present(self) -> bool:
        return self.entry is not None and self.entry.kind == PRESENT

    @property
    def locked(self) -> bool:
        """Present through another source: the roster shows but does not own it."""
        return self.present and self.entry is not None and self.entry.source != "roster"


def roster(meeting: Meeting) -> list[RosterRow]:
    """The group's members with their entries, for the roster form (3 queries)."""
    members = db.session.execute(
        select(Person, Membership.role)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.group_id == meeting.group_id)
        .options(selectinload(Person.handles))
        .order_by(Person.display_name, Person.id)
    ).all()
    by_person = _entries_by_person(meeting)
    last = present_person_ids(previous_meeting(meeting))
    return [
        RosterRow(person=p, role=Role(r), entry=by_person.get(p.id), came_last_time=p.id in last)
        for p, r in members
    ]


# ----------------------------------------------------------------- helpers


def _check_open(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise ValidationError("This meeting is cancelled; it takes no attendance.")


def _hold_if_started(meeting: Meeting, now: datetime) -> bool:
    """Mark a scheduled meeting held once presence is recorded after its start."""
    if meeting.status != MeetingStatus.SCHEDULED.value or now < meeting.start_dt:
        return False
    # One conditional UPDATE, outside the optimistic lock: when many people check in
    # at once, the ones that read "scheduled" concurrently must not fail on the
    # meeting's version column (StaleDataError) for a change another one already
    # made; and recording presence is no edit of the agenda or minutes, so it must not
    # make a chair's open minutes form stale either.
    result = db.session.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.status == MeetingStatus.SCHEDULED.value)
        .values(status=MeetingStatus.HELD.value)
        .execution_options(synchronize_session="evaluate")
    )
    return result.rowcount == 1


def _ensure_members(meeting: Meeting, people: Iterable[Person]) -> int:
    """Add people who are not yet members of the meeting's group as members."""
    ids = {p.id for p in people}
    if not ids:
        return 0
    existing = set(
        db.session.scalars(
            select(Membership.person_id).where(
                Membership.group_id == meeting.group_id, Membership.person_id.in_(ids)
            )
        )
    )
    added = 0
    for person in people:
        if person.id not in existing:
            db.session.add(
                Membership(group_id=meeting.group_id, person_id=person.id, role=Role.MEMBER.value)
            )
            existing.add(person.id)
            added += 1
    return added


@dataclass
class Changes:
    """What one action changed (all zero: nothing did)."""

    added: list[int] = field(default_factory=list)  # person ids newly present
    upgraded: list[int] = field(default_factory=list)  # regrets turned into presence
    updated: list[int] = field(default_factory=list)  # duration filled in
    removed: list[int] = field(default_factory=list)
    created_people: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # lines not recorded, with why
    held: bool = False

    @property
    def changed(self) -> bool:
        return bool(
            self.added or self.upgraded or self.updated or self.removed or self.created_people
        )

    def summary(self) -> str:
        parts = []
        if self.added:
            parts.append(f"{len(self.added)} recorded present")
        if self.upgraded:
            parts.append(f"{len(self.upgraded)} changed from regrets to present")
        if self.updated:
            parts.append(f"{len(self.updated)} durations filled in")
        if self.removed:
            parts.append(f"{len(self.removed)} removed")
        if self.created_people:
            parts.append(f"{len(self.created_people)} new people added to the group")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        return ", ".join(parts) if parts else "nothing changed"


def _record_present(
    meeting: Meeting,
    existing: dict[int, Attendance],
    person_id: int,
    *,
    source: str,
    actor: Person | None,
    now: datetime,
    changes: Changes,
    duration: int | None = None,
) -> None:
    entry = existing.get(person_id)
    if entry is None:
        entry = Attendance(
            meeting_id=meeting.id,
            person_id=person_id,
            kind=PRESENT,
            source=source,
            recorded_by_id=actor.id if actor is not None else None,
            recorded_dt=now,
            duration_minutes=duration,
        )
        db.session.add(entry)
        existing[person_id] = entry
        changes.added.append(person_id)
    elif entry.kind == REGRETS:
        entry.kind = PRESENT
        entry.source = source
        entry.recorded_by_id = actor.id if actor is not None else None
        entry.recorded_dt = now
        entry.duration_minutes = duration
        changes.upgraded.append(person_id)
    elif duration is not None and entry.duration_minutes != duration:
        entry.duration_minutes = duration
        changes.updated.append(person_id)


def _finish(
    actor: Person | None, meeting: Meeting, action: str, changes: Changes, now: datetime
) -> Changes:
    if changes.added or changes.upgraded:
        changes.held = _hold_if_started(meeting, now)
    try:
        db.session.flush()
    except IntegrityError:
        # Someone recorded the same person at the same moment; nothing of this is kept.
        raise ServiceError(
            "Someone else recorded attendance for this meeting at the same moment; "
            "nothing was saved. Please try again."
        ) from None
    except StaleDataError:
        raise ServiceError(
            "The meeting changed while attendance was being saved; nothing was saved. "
            "Please try again."
        ) from None
    if changes.changed:
        audit.record(
            actor,
            meeting.group,
            "attendance",
            meeting.id,
            action,
            added=changes.added,
            upgraded=changes.upgraded,
            updated=changes.updated,
            removed=changes.removed,
            created_people=changes.created_people,
            held=changes.held,
        )
        webhooks.emit_attendance(meeting, changes.added, changes.upgraded)
    return changes


# ----------------------------------------------------------------- roster


def save_roster(
    actor: Person,
    meeting: Meeting,
    present_ids: Iterable[int],
    *,
    shown_ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> Changes:
    """Save the ticked roster: ticked members are present (source roster); members
    who were shown but not ticked lose a presence that came from the roster.

    ``shown_ids`` are the members the form listed (a member added after the page was
    loaded is left alone); None means every member. Presence from other sources and
    regrets of unticked members are kept. Ticked ids must be members of the group.
    """
    _check_open(meeting)
    now = now or utcnow()
    present = set(present_ids)
    with unit_of_work():
        member_ids = set(
            db.session.scalars(
                select(Membership.person_id).where(Membership.group_id == meeting.group_id)
            )
        )
        strangers = present - member_ids
        if strangers:
            raise field_error("present", "Only members of the group can be ticked on the roster.")
        shown = member_ids if shown_ids is None else set(shown_ids) & member_ids
        existing = _entries_by_person(meeting)
        changes = Changes()
        for person_id in sorted(present):
            _record_present(
                meeting,
                existing,
                person_id,
                source=AttendanceSource.ROSTER.value,
                actor=actor,
                now=now,
                changes=changes,
            )
        for person_id in sorted(shown - present):
            entry = existing.get(person_id)
            if entry is not None and entry.kind == PRESENT and entry.source == "roster":
                db.session.delete(entry)
                changes.removed.append(person_id)
        return _finish(actor, meeting, "roster_saved", changes, now)


# ----------------------------------------------------------------- paste / CSV

MAX_PASTE_LINES = MAX_PASTE_IDENTITIES


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def parse_paste(text: str) -> list[ParsedIdentity]:
    """Read a pasted list, or raise a field error on ``text`` saying what is wrong.

    Limits: 200,000 bytes and 2,000 non-blank lines (or 2,000 distinct people)."""
    text = text or ""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_PASTE_BYTES:
        raise field_error(
            "text",
            f"The list is too large ({size:,} bytes); paste at most {MAX_PASTE_BYTES:,} bytes "
            "at a time. Nothing was saved.",
        )
    lines = sum(1 for line in text.splitlines() if line.strip())
    if lines > MAX_PASTE_LINES:
        raise field_error(
            "text",
            f"The list has {lines:,} lines; paste at most {MAX_PASTE_LINES:,} at a time. "
            "Nothing was saved.",
        )
    try:
        identities = parse_pasted_list(text)
    except ParticipantsError as exc:
        raise field_error("text", f"{_sentence(exc)} Nothing was saved.") from None
    if not identities:
        raise field_error("text", "No names, e-mails or handles found in the list.")
    return identities


def parse_csv(data: bytes) -> list[ParsedParticipant]:
    """Read a call participant export, or raise a field error on ``file`` saying what is
    wrong (too large, not text, no name or e-mail column)."""
    if not data:
        raise field_error("file", "Choose a CSV file exported from the call.")
    if len(data) > MAX_CSV_BYTES:
        raise field_error(
            "file",
            f"The file is too large ({len(data):,} bytes); the limit is {MAX_CSV_BYTES:,} "
            "bytes (5 MB). Nothing was saved.",
        )
    try:
        return parse_participant_csv(data)
    except ParticipantsError as exc:
        raise field_error("file", f"{_sentence(exc)} Nothing was saved.") from None


@dataclass(frozen=True)
class PreviewLine:
    """How one parsed identity would be recorded.

    ``status``: ``matched`` (one sure person), ``ambiguous`` (several sure
    candidates), ``suggested`` (no sure match, "did you mean" ``candidates``),
    ``new`` (nobody comes close) or ``not_person`` (a phone, room or bot:
    ``reason`` says which). Only ``matched`` lines are recorded without a choice.
    """

    index: int
    parsed: ParsedIdentity
    status: str
    person_id: int | None
    candidates: tuple[PersonKey, ...]
    via: str | None
    # The current entry of the matched person at this meeting ("present"/"regrets"/None).
    current_kind: str | None = None
    reason: str | None = None

    @property
    def duration(self) -> int | None:
        if isinstance(self.parsed, ParsedParticipant) and self.parsed.duration_minutes is not None:
            return max(0, round(self.parsed.duration_minutes))
        return None

    @property
    def label(self) -> str:
        return self.parsed.display

    @property
    def person(self) -> PersonKey | None:
        return self.candidates[0] if self.status == "matched" and self.candidates else None

    @property
    def needs_choice(self) -> bool:
        return self.status in ("ambiguous", "suggested", "new")


def people_index() -> PeopleIndex:
    """An index over every person (2 queries): names, e-mails and handles."""
    handles: dict[int, list[str]] = {}
    for person_id, handle in db.session.execute(
        select(PersonHandle.person_id, PersonHandle.handle)
    ):
        handles.setdefault(person_id, []).append(handle)
    keys = [
        PersonKey(id=pid, display_name=name, email=email, handles=tuple(handles.get(pid, ())))
        for pid, name, email in db.session.execute(
            select(Person.id, Person.display_name, Person.email)
        )
    ]
    return PeopleIndex(keys)


def not_people() -> NotPeople:
    """The not-a-person rules: the defaults plus the site's ``MEETBOT_NOT_PEOPLE``."""
    return NotPeople(current_app.config.get("MEETBOT_NOT_PEOPLE", ()))


def _classify(result: MatchResult, reason: str | None) -> tuple[str, tuple[PersonKey, ...]]:
    if result.status == "matched" and result.via == "email":
        return "matched", tuple(result.candidates)  # an e-mail names a person, whatever else
    if reason is not None:
        return "not_person", ()
    if result.status == "new" and result.suggestions:
        return "suggested", tuple(result.suggestions)
    return result.status, tuple(result.candidates)


def preview(meeting: Meeting, identities: Sequence[ParsedIdentity]) -> list[PreviewLine]:
    """Match each parsed identity against the people we know; saves nothing."""
    index = people_index()
    rules = not_people()
    existing = {
        pid: kind
        for pid, kind in db.session.execute(
            select(Attendance.person_id, Attendance.kind).where(Attendance.meeting_id == meeting.id)
        )
    }
    lines = []
    for i, ident in enumerate(identities):
        result = index.match_identity(ident.identity())
        reason = rules.reason(ident.name or ident.handle, ident.email)
        status, candidates = _classify(result, reason)
        person_id = candidates[0].id if status == "matched" else None
        lines.append(
            PreviewLine(
                index=i,
                parsed=ident,
                status=status,
                person_id=person_id,  # type: ignore[arg-type]
                candidates=candidates,
                via=result.via if status in ("matched", "ambiguous") else None,
                current_kind=existing.get(person_id) if person_id is not None else None,
                reason=reason if status == "not_person" else None,
            )
        )
    return lines


# A resolution per line index: "match" (the matched person), "new", "skip",
# or "person:<id>" (one of the line's candidates or suggestions).
Resolution = str


def _new_person(ident: ParsedIdentity, taken_handles: set[str]) -> Person:
    name = single_line(ident.name or ident.handle or (ident.email or "").split("@")[0] or ident.raw)
    person = Person(
        display_name=name[:200] or "Unknown",
        email=normalize_email(ident.email) if ident.email else None,
        organization=single_line(ident.org)[:200] or None,
    )
    handle = (ident.handle or "").strip().lstrip("@").lower()
    if handle and handle not in taken_handles and len(handle) <= 100:
        person.handles.append(PersonHandle(handle=handle, kind="alias"))
        taken_handles.add(handle)
    db.session.add(person)
    return person


def _chosen_id(line: PreviewLine, choice: str) -> int | None:
    """The person a ``person:<id>`` choice names, if it is one of the line's people."""
    if choice.startswith("person:") and choice[7:].isdigit():
        wanted = int(choice[7:])
        if wanted in {c.id for c in line.candidates}:
            return wanted
    return None


def _resolve(
    line: PreviewLine, choice: str, create_unmatched: bool
) -> tuple[str, int | None, str | None]:
    """(what to do, person id, note) for one line: ``record``, ``create``, ``skip``
    (with the note for the chair) or ``ask`` (nobody chose for an unsure line)."""
    label = f"line {line.parsed.line} ({line.label})"
    if choice == "skip":
        return "skip", None, f"{label}: skipped"
    if line.status == "matched":
        if choice.startswith("person:") and choice != f"person:{line.person_id}":
            return "skip", None, f"{label}: the choice no longer fits; skipped"
        return "record", line.person_id, None
    if line.status == "not_person":
        if choice == "new":
            return "create", None, None
        return "skip", None, f"{label}: left out, {line.reason}"
    if choice == "new" or (choice == "" and line.status == "new" and create_unmatched):
        return "create", None, None
    chosen = _chosen_id(line, choice)
    if chosen is not None:
        return "record", chosen, None
    if choice:
        return "skip", None, f"{label}: the choice no longer fits; skipped"
    if line.status == "ambiguous":
        return "ask", None, f"{label}: more than one person fits; not chosen"
    return "ask", None, f"{label}: no sure match; not chosen"


def _ask_error(asked: list[PreviewLine]) -> ValidationError:
    fields = {
        f"choice-{line.index}": "Choose who this is: one of the people suggested, "
        "a new person, or skip the line."
        for line in asked
    }
    n = len(asked)
    return ValidationError(
        f"{n} line{'s' if n != 1 else ''} still wait{'s' if n == 1 else ''} for your choice; "
        "nothing was saved.",
        fields=fields,
    )


def confirm_import(
    actor: Person,
    meeting: Meeting,
    identities: Sequence[ParsedIdentity],
    resolutions: dict[int, Resolution],
    *,
    source: str,
    create_unmatched: bool = False,
    ask: bool = False,
    now: datetime | None = None,
) -> Changes:
    """Record the people of a confirmed preview, all or nothing.

    The identities are matched again (the database may have changed since the
    preview): a line shown as new that now matches someone is recorded as that person
    (never a duplicate); a choice that is no longer a candidate is skipped and
    reported. Only ``matched`` lines are recorded without a choice; a ``new`` line
    (nobody close) is created only when chosen or with ``create_unmatched``; a
    ``not_person`` line is left out unless chosen ``new``. An unsure line nobody
    chose is skipped and reported, or with ``ask`` refuses the whole import
    (ValidationError naming each ``choice-<index>``).
    """
    if source not in {AttendanceSource.PASTE.value, AttendanceSource.CSV.value}:
        raise ValueError(f"not an import source: {source}")
    _check_open(meeting)
    now = now or utcnow()
    with unit_of_work():
        lines = preview(meeting, identities)
        decided = [
            (line, *_resolve(line, (resolutions.get(line.index) or "").strip(), create_unmatched))
            for line in lines
        ]
        asked = [line for line, what, _, _ in decided if what == "ask"]
        if ask and asked:
            raise _ask_error(asked)
        changes = Changes()
        chosen, new_people = _apply_decisions(decided, changes)
        try:
            db.session.flush()
        except IntegrityError:
            raise ServiceError(
                "Someone added one of these people at the same moment; nothing was saved. "
                "Please preview the list again."
            ) from None
        for person, duration in new_people:
            changes.created_people.append(person.id)
            chosen.append((person.id, duration))
        _record_chosen(actor, meeting, chosen, source=source, now=now, changes=changes)
        return _finish(actor, meeting, f"{source}_imported", changes, now)


def _apply_decisions(
    decided: list[tuple[PreviewLine, str, int | None, str | None]], changes: Changes
) -> tuple[list[tuple[int, int | None]], list[tuple[Person, int | None]]]:
    taken_handles = set(db.session.scalars(select(PersonHandle.handle)))
    chosen: list[tuple[int, int | None]] = []  # (person id, duration)
    new_people: list[tuple[Person, int | None]] = []
    for line, what, person_id, note in decided:
        if what == "record" and person_id is not None:
            chosen.append((person_id, line.duration))
        elif what == "create":
            new_people.append((_new_person(line.parsed, taken_handles), line.duration))
        elif note:
            changes.skipped.append(note)
    return chosen, new_people


def _record_chosen(
    actor: Person,
    meeting: Meeting,
    chosen: list[tuple[int, int | None]],
    *,
    source: str,
    now: datetime,
    changes: Changes,
) -> None:
    # The same person chosen on two lines counts once (the longer duration: two
    # lines of one person are two views of the same call, not two calls).
    merged: dict[int, int | None] = {}
    for person_id, duration in chosen:
        if person_id not in merged or merged[person_id] is None:
            merged[person_id] = duration
        elif duration is not None:
            merged[person_id] = max(merged[person_id] or 0, duration)
    people = list(db.session.scalars(select(Person).where(Person.id.in_(merged))))
    _ensure_members(meeting, people)
    existing = _entries_by_person(meeting)
    for person_id, duration in merged.items():
        _record_present(
            meeting,
            existing,
            person_id,
            source=source,
            actor=actor,
            now=now,
            changes=changes,
            duration=duration,
        )


# ----------------------------------------------------------------- chat log


def record_from_log_in_session(
    actor: Person | None,
    meeting: Meeting,
    lines_by_person: Mapping[int, int],
    *,
    now: datetime | None = None,
) -> Changes:
    """Record the people who spoke in an imported chat log as present (source ``log``)
    with the lines each said, INSIDE the caller's transaction (services.log_import
    keeps a whole import one transaction, so this neither commits nor rolls back).

    The rules of every other source apply: one entry per person; presence wins over
    regrets (the entry becomes a ``log`` presence); an existing presence keeps its
    source. The lines said are written on new entries, on entries that came from a
    log (a corrected log updates them) and on entries that have no count yet. Like
    every recording of presence after the start, it holds a scheduled meeting. One
    audit entry (``recorded_from_log``) and the ``attendance.recorded`` webhook when
    something changed.
    """
    now = now or utcnow()
    existing = _entries_by_person(meeting)
    changes = Changes()
    for person_id, lines in lines_by_person.items():
        _record_present(
            meeting,
            existing,
            person_id,
            source=AttendanceSource.LOG.value,
            actor=actor,
            now=now,
            changes=changes,
        )
        entry = existing[person_id]
        fresh = person_id in changes.added or person_id in changes.upgraded
        owned = entry.lines_said is None or entry.source == AttendanceSource.LOG.value
        if (fresh or owned) and entry.lines_said != lines:
            entry.lines_said = lines
            if not fresh:
                changes.updated.append(person_id)
    return _finish(actor, meeting, "recorded_from_log", changes, now)


# ----------------------------------------------------------------- check-in


def checkin_window(meeting: Meeting) -> tuple[datetime, datetime]:
    """When self check-in is open for a meeting: [opens, closes]."""
    return meeting.start_dt - CHECKIN_OPENS_BEFORE, meeting.end_dt + CHECKIN_CLOSES_AFTER


def check_in_self(person: Person, meeting: Meeting, *, now: datetime | None = None) -> Changes:
    """ "I'm here": record ``person`` present (source self) during the check-in window.

    The caller checks that the person may participate (is a member)."""
    _check_open(meeting)
    now = now or utcnow()
    opens, closes = checkin_window(meeting)
    if now < opens:
        raise ValidationError(
            f"Check-in opens {int(CHECKIN_OPENS_BEFORE.total_seconds() // 60)} minutes before "
            f"the meeting starts ({opens:%Y-%m-%d %H:%M} UTC)."
        )
    if now > closes:
        raise ValidationError(
            f"Check-in closed {int(CHECKIN_CLOSES_AFTER.total_seconds() // 60)} minutes after "
            f"the meeting ended ({closes:%Y-%m-%d %H:%M} UTC); ask a chair to record you."
        )
    with unit_of_work():
        changes = Changes()
        _record_present(
            meeting,
            _entries_by_person(meeting),
            person.id,
            source=AttendanceSource.SELF.value,
            actor=person,
            now=now,
            changes=changes,
        )
        return _finish(person, meeting, "checked_in", changes, now)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_checkin_link(
    actor: Person,
    meeting: Meeting,
    *,
    valid_for: timedelta = CHECKIN_LINK_DEFAULT_VALID,
    now: datetime | None = None,
) -> str:
    """Open a check-in link for people without accounts and return its secret token.

    Only the token's SHA-256 is stored; opening a new link replaces the old one."""
    _check_open(meeting)
    if not timedelta(minutes=5) <= valid_for <= CHECKIN_LINK_MAX_VALID:
        raise field_error("valid_for", "A check-in link can be open from 5 minutes to 2 days.")
    now = now or utcnow()
    token = secrets.token_urlsafe(24)
    with unit_of_work():
        meeting.checkin_token_hash = _token_hash(token)
        meeting.checkin_open_until_dt = now + valid_for
        audit.record(
            actor,
            meeting.group,
            "meeting",
            meeting.id,
            "checkin_link_opened",
            until=meeting.checkin_open_until_dt.isoformat(),
        )
    return token


def close_checkin_link(actor: Person, meeting: Meeting) -> None:
    """Close the meeting's check-in link (its token stops working at once)."""
    if meeting.checkin_token_hash is None:
        return
    with unit_of_work():
        meeting.checkin_token_hash = None
        meeting.checkin_open_until_dt = None
        audit.record(actor, meeting.group, "meeting", meeting.id, "checkin_link_closed")


def checkin_link_open(meeting: Meeting, now: datetime | None = None) -> bool:
    """True while the meeting has a check-in link that has not expired."""
    now = now or utcnow()
    return bool(
        meeting.checkin_token_hash
        and meeting.checkin_open_until_dt
        and now <= meeting.checkin_open_until_dt
    )


def verify_checkin_token(meeting: Meeting, token: str, *, now: datetime | None = None) -> None:
    """Raise NotFound for a wrong token (or none open), LinkExpired for an old one."""
    stored = meeting.checkin_token_hash
    if not stored or not hmac.compare_digest(stored, _token_hash(token or "")):
        raise NotFound("There is no open check-in at this address.")
    if not checkin_link_open(meeting, now):
        raise LinkExpired("This check-in link has expired; ask a chair for a new one.")


def _checkin_fields(name: str, email: str, handle: str) -> tuple[str, str, str]:
    """The check-in form's fields, cleaned, or a field error saying what is wrong."""
    name = " ".join((name or "").split())
    email = (email or "").strip()
    handle = (handle or "").strip().lstrip("@")
    if not name:
        raise field_error("name", "Please give your name.")
    if len(name) > 200:
        raise field_error("name", "That name is too long (200 characters at most).")
    if email and ("@" not in email or len(email) > 320 or " " in email):
        raise field_error("email", "That does not look like an e-mail address.")
    if handle and (len(handle) > 100 or " " in handle):
        raise field_error("handle", "A chat handle is one word of at most 100 characters.")
    return name, email, handle


def check_in_with_link(
    meeting: Meeting,
    token: str,
    *,
    name: str,
    email: str = "",
    handle: str = "",
    now: datetime | None = None,
) -> tuple[Person, Changes]:
    """Check in through a chair's link: match the person by e-mail, handle or name, or
    create them (and make them a member); record present (source link).

    A name that fits several people needs an e-mail or handle to tell them apart; a
    name that is only close to someone ("Adrien" for Adrien Lebre) asks for the full
    name or an e-mail instead of creating a new person.
    """
    now = now or utcnow()
    verify_checkin_token(meeting, token, now=now)
    _check_open(meeting)
    name, email, handle = _checkin_fields(name, email, handle)
    ident = ParsedIdentity(name=name, email=email or None, handle=handle or None, raw=name, line=1)
    with unit_of_work():
        result = people_index().match_identity(
            Identity(name=name, email=email or None, handle=handle or None)
        )
        changes = Changes()
        if result.status == "ambiguous":
            raise field_error(
                "email",
                "More than one person has that name here; please add your e-mail or chat "
                "handle so we record the right one.",
            )
        if result.status == "new" and result.suggestions:
            raise field_error(
                "name",
                "Please give your full name (first and last) or your e-mail, so we record "
                "the right person.",
            )
        if result.status == "matched":
            person = db.session.get(Person, result.person.id)  # type: ignore[union-attr]
        else:
            person = _new_person(ident, set(db.session.scalars(select(PersonHandle.handle))))
            db.session.flush()
            changes.created_people.append(person.id)
        assert person is not None
        _ensure_members(meeting, [person])
        _record_present(
            meeting,
            _entries_by_person(meeting),
            person.id,
            source=AttendanceSource.LINK.value,
            actor=None,
            now=now,
            changes=changes,
        )
        _finish(None, meeting, "checked_in_by_link", changes, now)
    return person, changes


# ----------------------------------------------------------------- regrets, removal


def send_regrets(person: Person, meeting: Meeting, *, now: datetime | None = None) -> Changes:
    """A member's own apologies, accepted until the meeting starts."""
    _check_open(meeting)
    now = now or utcnow()
    if now >= meeting.start_dt:
        raise ValidationError(
            "Regrets can be sent until the meeting starts; ask a chair to record them now."
        )
    return _regrets(person, meeting, [person.id], now)


def record_regrets(
    actor: Person, meeting: Meeting, person_ids: Iterable[int], *, now: datetime | None = None
) -> Changes:
    """A chair records regrets for members (any time)."""
    _check_open(meeting)
    return _regrets(actor, meeting, list(person_ids), now or utcnow())


def _regrets(actor: Person, meeting: Meeting, person_ids: list[int], now: datetime) -> Changes:
    with unit_of_work():
        member_ids = set(
            db.session.scalars(
                select(Membership.person_id).where(
                    Membership.group_id == meeting.group_id, Membership.person_id.in_(person_ids)
                )
            )
        )
        if set(person_ids) - member_ids:
            raise field_error("person_id", "Only members of the group can send regrets.")
        existing = _entries_by_person(meeting)
        changes = Changes()
        for person_id in person_ids:
            entry = existing.get(person_id)
            if entry is None:
                db.session.add(
                    Attendance(
                        meeting_id=meeting.id,
                        person_id=person_id,
                        kind=REGRETS,
                        source=AttendanceSource.SELF.value
                        if actor.id == person_id
                        else AttendanceSource.ROSTER.value,
                        recorded_by_id=actor.id,
                        recorded_dt=now,
                    )
                )
                changes.added.append(person_id)
            elif entry.kind == PRESENT:
                raise field_error(
                    "person_id",
                    "Already recorded as present; remove that entry first if it is wrong.",
                )
        return _finish(actor, meeting, "regrets_recorded", changes, now)


def get_entry(meeting: Meeting, entry_id: int) -> Attendance:
    """One entry of this meeting, or NotFound."""
    entry = db.session.get(Attendance, entry_id)
    if entry is None or entry.meeting_id != meeting.id:
        raise NotFound("There is no such attendance entry for this meeting.")
    return entry


def remove_entry(actor: Person, meeting: Meeting, entry_id: int) -> Attendance:
    """Delete one entry (a wrong presence or regrets). The meeting stays as it is."""
    with unit_of_work():
        entry = get_entry(meeting, entry_id)
        audit.record(
            actor,
            meeting.group,
            "attendance",
            meeting.id,
            "removed",
            person_id=entry.person_id,
            kind=entry.kind,
            source=entry.source,
        )
        db.session.delete(entry)
    return entry
