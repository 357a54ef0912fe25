"""Pasted lists and call CSVs: parse, preview (match each line against the people we
know) and confirm (record the chosen people, all or nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from meetbot.domain.names import MatchResult, PeopleIndex, PersonKey, normalize_email
from meetbot.domain.not_people import NotPeople
from meetbot.domain.participant_csv import parse_participant_csv
from meetbot.domain.participants import (
    MAX_CSV_BYTES,
    MAX_PASTE_BYTES,
    MAX_PASTE_IDENTITIES,
    ParsedIdentity,
    ParsedParticipant,
    ParticipantsError,
)
from meetbot.domain.pasted_list import parse_pasted_list
from meetbot.domain.text import single_line
from meetbot.extensions import db
from meetbot.models import Attendance, AttendanceSource, Meeting, Person, PersonHandle, utcnow
from meetbot.services.attendance_entries import (
    Changes,
    check_open,
    ensure_members,
    entries_by_person,
    finish,
    record_present,
)
from meetbot.services.db import unit_of_work
from meetbot.services.errors import ServiceError, ValidationError, field_error

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


def new_person(ident: ParsedIdentity, taken_handles: set[str]) -> Person:
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


def resolve_line(
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
    if source not in {AttendanceSource.PASTE, AttendanceSource.CSV}:
        raise ValueError(f"not an import source: {source}")
    check_open(meeting)
    now = now or utcnow()
    with unit_of_work():
        lines = preview(meeting, identities)
        decided = [
            (
                line,
                *resolve_line(line, (resolutions.get(line.index) or "").strip(), create_unmatched),
            )
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
        return finish(actor, meeting, f"{source}_imported", changes, now)


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
            new_people.append((new_person(line.parsed, taken_handles), line.duration))
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
    ensure_members(meeting, people)
    existing = entries_by_person(meeting)
    for person_id, duration in merged.items():
        record_present(
            meeting,
            existing,
            person_id,
            source=source,
            actor=actor,
            now=now,
            changes=changes,
            duration=duration,
        )
