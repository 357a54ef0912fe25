"""A chair's check-in link: people without accounts check themselves in with it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from meetbot.domain.names import Identity
from meetbot.domain.participants import ParsedIdentity
from meetbot.extensions import db
from meetbot.models import AttendanceSource, Meeting, Person, PersonHandle, utcnow
from meetbot.services import audit
from meetbot.services.attendance_entries import (
    Changes,
    check_open,
    ensure_members,
    entries_by_person,
    finish,
    record_present,
)
from meetbot.services.attendance_import import new_person, people_index
from meetbot.services.db import unit_of_work
from meetbot.services.errors import NotFound, ServiceError, field_error

# A chair's check-in link is valid this long unless the chair says otherwise.
CHECKIN_LINK_DEFAULT_VALID = timedelta(hours=3)
CHECKIN_LINK_MAX_VALID = timedelta(days=2)


class LinkExpired(ServiceError):
    """The check-in link was right but is no longer open."""

    status = 410
    code = "gone"


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
    check_open(meeting)
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


def checkin_meeting(meeting_id: int, token: str, *, now: datetime | None = None) -> Meeting:
    """The meeting of a check-in link, or NotFound (no such meeting, wrong token) or
    LinkExpired (the link is closed)."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("There is no open check-in at this address.")
    verify_checkin_token(meeting, token, now=now)
    return meeting


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


def _link_person(ident: ParsedIdentity, changes: Changes) -> Person:
    """The person a check-in names (matched, or created and flushed), or a field error
    when the name fits several people or is only close to someone."""
    result = people_index().match_identity(
        Identity(name=ident.name, email=ident.email, handle=ident.handle)
    )
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
        person = new_person(ident, set(db.session.scalars(select(PersonHandle.handle))))
        db.session.flush()
        changes.created_people.append(person.id)
    assert person is not None
    return person


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
    check_open(meeting)
    name, email, handle = _checkin_fields(name, email, handle)
    ident = ParsedIdentity(name=name, email=email or None, handle=handle or None, raw=name, line=1)
    with unit_of_work():
        changes = Changes()
        person = _link_person(ident, changes)
        ensure_members(meeting, [person])
        record_present(
            meeting,
            entries_by_person(meeting),
            person.id,
            source=AttendanceSource.LINK,
            actor=None,
            now=now,
            changes=changes,
        )
        finish(None, meeting, "checked_in_by_link", changes, now)
    return person, changes
