"""Invitations: an organizer invites people by e-mail to join a group with a role.

The organizer pastes addresses, one per line (``ann@example.org`` or ``Ann Lee
<ann@example.org>``). Each gets a mail with a link (services.account_tokens, valid
14 days, once). Opening it joins the group: someone with an account logs in as that
account first; anyone else (a new address, or a person known from attendance imports
with no login yet) chooses a name and password and their account is made or linked,
never duplicated, since the link proves the address.

An invitation is pending, accepted, revoked or expired; resending replaces the link
(the old one stops working); revoking ends it.
"""

from __future__ import annotations

from email.utils import parseaddr

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from meetbot.extensions import db
from meetbot.mail import outbox
from meetbot.mail.message import address
from meetbot.models import AccountToken, Group, Membership, Person, Role, TokenPurpose, utcnow
from meetbot.services import account_tokens, audit
from meetbot.services.accounts import find_person_by_email, normalize_email
from meetbot.services.db import unit_of_work
from meetbot.services.errors import Forbidden, NotFound, ValidationError, field_error
from meetbot.services.permissions import Permission, may
from meetbot.services.signup import check_name, check_password

MAX_PER_BATCH = 50
MAX_PENDING_PER_GROUP = 500
INVALID = "This invitation is not valid: it was used, revoked or has expired."


def parse_addresses(text: str) -> list[tuple[str, str]]:
    """(name, address) per non-empty line; every bad line is named in one error."""
    people: list[tuple[str, str]] = []
    problems = []
    lines = [(n, line.strip()) for n, line in enumerate((text or "").splitlines(), 1)]
    lines = [(n, line) for n, line in lines if line]
    if not lines:
        raise field_error("addresses", "Paste at least one e-mail address.")
    if len(lines) > MAX_PER_BATCH:
        raise field_error("addresses", f"Invite at most {MAX_PER_BATCH} people at once.")
    seen = set()
    for number, line in lines:
        name, raw = parseaddr(line)
        try:
            email = normalize_email(raw or line)
        except ValidationError:
            problems.append(f"line {number}: {line[:80]!r} is not an e-mail address")
            continue
        if email not in seen:
            seen.add(email)
            people.append((" ".join(name.split())[:200], email))
    if problems:
        raise field_error("addresses", "; ".join(problems) + ".")
    return people


def _check_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise field_error("role", "Choose member, chair or organizer.") from None


def _require_organizer(actor: Person, group: Group) -> None:
    if not may(actor, Permission.EDIT_GROUP, group):
        raise Forbidden("Only the group's organizers may invite people.")


def invite(actor: Person, group: Group, text: str, role: str) -> list[AccountToken]:
    """Invite everyone in ``text`` (people already in the group are skipped)."""
    _require_organizer(actor, group)
    chosen = _check_role(role)
    people = parse_addresses(text)
    with unit_of_work():
        pending = len([i for i in invitations(group) if i.status(utcnow()) == "pending"])
        if pending + len(people) > MAX_PENDING_PER_GROUP:
            raise field_error(
                "addresses", f"A group has at most {MAX_PENDING_PER_GROUP} pending invitations."
            )
        rows = []
        for name, email in people:
            person = find_person_by_email(email)
            if person is not None and _membership(group, person) is not None:
                continue
            rows.append(_send(actor, group, email, name, chosen.value, person))
    return rows


def _send(
    actor: Person, group: Group, email: str, name: str, role: str, person: Person | None
) -> AccountToken:
    account_tokens.revoke_live(TokenPurpose.INVITE, email=email, group=group)
    token, row = account_tokens.issue(
        TokenPurpose.INVITE,
        email,
        display_name=name or (person.display_name if person else ""),
        group_id=group.id,
        role=role,
        created_by_id=actor.id,
        person_id=person.id if person is not None else None,
    )
    outbox.enqueue(
        kind="invitation",
        ref=f"token:{row.id}",
        to=address(row.display_name, email) if row.display_name else email,
        subject=f"{actor.display_name} invites you to {group.name}",
        text=(
            f"Hello{' ' + row.display_name if row.display_name else ''},\n\n"
            f"{actor.display_name} invites you to join {group.name} on meetbot as {role}."
            " Open this link within 14 days to accept:\n\n"
            f"{account_tokens.link('/invitations/' + token)}\n\n"
            "If you do not want to join, ignore this mail.\n"
        ),
        group=group,
    )
    audit.record(actor, group, "invitation", row.id, "invited", email=email, role=role)
    return row


def invitations(group: Group) -> list[AccountToken]:
    """The group's invitations, newest first."""
    return list(
        db.session.scalars(
            select(AccountToken)
            .where(AccountToken.purpose == "invite", AccountToken.group_id == group.id)
            .order_by(AccountToken.created_dt.desc(), AccountToken.id.desc())
        )
    )


def _own(group: Group, invitation_id: int) -> AccountToken:
    row = db.session.get(AccountToken, invitation_id)
    if row is None or row.purpose != "invite" or row.group_id != group.id:
        raise NotFound("No such invitation.")
    return row


def resend(actor: Person, group: Group, invitation_id: int) -> AccountToken:
    """A new link (and mail) for an invitation not accepted yet; the old link ends."""
    _require_organizer(actor, group)
    row = _own(group, invitation_id)
    if row.used_dt is not None:
        raise ValidationError("This invitation was accepted already.")
    with unit_of_work():
        return _send(actor, group, row.email, row.display_name, row.role or "member", row.person)


def revoke(actor: Person, group: Group, invitation_id: int) -> None:
    _require_organizer(actor, group)
    row = _own(group, invitation_id)
    if row.used_dt is not None:
        raise ValidationError("This invitation was accepted already.")
    with unit_of_work():
        row.revoked_dt = row.revoked_dt or utcnow()
        audit.record(actor, group, "invitation", row.id, "invitation_revoked", email=row.email)


def live_invitation(token: str) -> AccountToken:
    row = account_tokens.find_live(TokenPurpose.INVITE, token)
    if row is None or row.group is None:
        raise ValidationError(INVALID)
    return row


def needs_login(row: AccountToken) -> Person | None:
    """The account the invited address has (log in as it to accept), else None."""
    person = find_person_by_email(row.email)
    return person if person is not None and person.password_hash is not None else None


def _membership(group: Group, person: Person) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.person_id == person.id)
    )


def accept(
    token: str,
    *,
    current: Person | None,
    display_name: str = "",
    password: str = "",
) -> tuple[Person, Group]:
    """Use an invitation: join its group with its role (a stronger role is kept).

    With an account for the address, ``current`` must be it. Without one, the name
    and password make the account (or give the known person a login)."""
    row = live_invitation(token)
    person = needs_login(row)
    if person is not None and (current is None or current.id != person.id):
        raise Forbidden(f"Log in as {row.email} to accept this invitation.")
    if person is None and current is not None:
        raise Forbidden(
            f"This invitation is for {row.email}, which has no account yet: log out to"
            " accept it with a new account."
        )
    if person is None:
        name = check_name(display_name or row.display_name)
        check_password(password, email=row.email, name=name)
    with unit_of_work():
        if not account_tokens.spend(row):
            raise ValidationError(INVALID)
        if person is None:
            person = find_person_by_email(row.email)
            if person is None:
                person = Person(email=row.email, display_name=name)
                db.session.add(person)
            person.display_name = name
            person.password_hash = generate_password_hash(password)
            person.is_active_account = True
            db.session.flush()
            audit.record(person, None, "person", person.id, "account_created", via="invitation")
        group, role = row.group, Role(row.role or "member")
        membership = _membership(group, person)
        if membership is None:
            db.session.add(Membership(group=group, person=person, role=role))
        elif Role(membership.role).rank < role.rank:
            membership.role = role
        audit.record(person, group, "invitation", row.id, "invitation_accepted", role=role.value)
    return person, group
