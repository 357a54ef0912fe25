"""Leaving cleanly: a person downloads their data and deletes their account.

Deleting keeps the governance records whole: the ``people`` row stays (so attendance
counts, quorum history and action items are unchanged) but everything that named or
identified the person goes: name ("Former member"), address, organization, handles,
memberships, logins, API tokens, linked sign-ins and pending links. Nothing can log in
as it, and no import can match it (no address, no handle).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from werkzeug.security import check_password_hash

from meetbot.extensions import db
from meetbot.models import (
    AccountToken,
    ActionItem,
    ApiToken,
    Attendance,
    AuditEntry,
    ExternalIdentity,
    Login,
    Meeting,
    Membership,
    Person,
    PersonHandle,
    Role,
)
from meetbot.models.actions import action_item_owners
from meetbot.models.people import new_nonce
from meetbot.services import audit
from meetbot.services.db import unit_of_work
from meetbot.services.errors import Conflict, field_error
from meetbot.services.members import _organizer_count

FORMER_MEMBER = "Former member"
MAX_EXPORT_ROWS = 10_000  # per list; a person with more gets the newest


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export(person: Person) -> dict[str, Any]:
    """Everything meetbot holds about ``person``, as JSON-ready data."""
    memberships = db.session.execute(
        select(Membership).where(Membership.person_id == person.id)
    ).scalars()
    attendance = db.session.execute(
        select(Attendance, Meeting)
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .where(Attendance.person_id == person.id)
        .order_by(Meeting.start_dt.desc())
        .limit(MAX_EXPORT_ROWS)
    )
    actions = db.session.scalars(
        select(ActionItem)
        .join(action_item_owners, action_item_owners.c.action_item_id == ActionItem.id)
        .where(action_item_owners.c.person_id == person.id)
        .limit(MAX_EXPORT_ROWS)
    )
    activity = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.actor_id == person.id)
        .order_by(AuditEntry.created_dt.desc())
        .limit(MAX_EXPORT_ROWS)
    )
    return {
        "profile": {
            "id": person.id,
            "display_name": person.display_name,
            "email": person.email,
            "organization": person.organization,
            "timezone": person.timezone,
            "created": _iso(person.created_dt),
            "is_admin": person.is_admin,
        },
        "handles": [{"handle": h.handle, "kind": h.kind} for h in person.handles],
        "groups": [{"group": m.group.slug, "role": m.role} for m in memberships],
        "attendance": [
            {"meeting_id": m.id, "title": m.title, "start": _iso(m.start_dt), "kind": a.kind}
            for a, m in attendance
        ],
        "action_items": [{"id": a.id, "text": a.text, "status": a.status} for a in actions],
        "api_tokens": [
            {"name": t.name, "created": _iso(t.created_dt), "revoked": _iso(t.revoked_dt)}
            for t in person.api_tokens
        ],
        "sign_ins": [
            {"provider": i.provider, "issuer": i.issuer, "created": _iso(i.created_dt)}
            for i in db.session.scalars(
                select(ExternalIdentity).where(ExternalIdentity.person_id == person.id)
            )
        ],
        "activity": [
            {"at": _iso(e.created_dt), "entity": e.entity, "action": e.action} for e in activity
        ],
    }


def _last_organizer_of(person: Person) -> list[str]:
    names = []
    for membership in db.session.scalars(
        select(Membership).where(
            Membership.person_id == person.id, Membership.role == Role.ORGANIZER
        )
    ):
        if _organizer_count(membership.group) <= 1:
            names.append(membership.group.name)
    return names


def delete_account(person: Person, *, password: str = "", confirm: str = "") -> None:
    """Delete the account (see the module): the password, or for an account without
    one the word "delete", confirms it. The last organizer of a group names another
    organizer first."""
    if person.password_hash is not None:
        if not check_password_hash(person.password_hash, password or ""):
            raise field_error("password", "That is not your password.")
    elif (confirm or "").strip().lower() != "delete":
        raise field_error("confirm", 'Type "delete" to confirm.')
    groups = _last_organizer_of(person)
    if groups:
        raise Conflict(
            f"You are the last organizer of {', '.join(groups)}: make someone else an "
            "organizer first, so the group is never left without one."
        )
    with unit_of_work():
        pid = person.id
        for table, column in (
            (PersonHandle.__table__, PersonHandle.person_id),
            (Membership.__table__, Membership.person_id),
            (ApiToken.__table__, ApiToken.person_id),
            (Login.__table__, Login.person_id),
            (ExternalIdentity.__table__, ExternalIdentity.person_id),
            (AccountToken.__table__, AccountToken.person_id),
        ):
            db.session.execute(delete(table).where(column == pid))
        db.session.execute(delete(AccountToken).where(AccountToken.email == (person.email or "")))
        person.display_name = FORMER_MEMBER
        person.email = None
        person.organization = None
        person.timezone = None
        person.password_hash = None
        person.is_admin = False
        person.is_active_account = False
        person.feed_nonce = new_nonce()
        audit.record(None, None, "person", pid, "account_deleted")
    db.session.expire(person)
