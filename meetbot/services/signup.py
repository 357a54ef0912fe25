"""Sign-up: anyone makes an account, proven by a link mailed to their address.

The answer is the same whether or not the address has an account (no enumeration):
a new address gets the verification link, an address with an account gets a "you
already have an account" mail instead. The account exists only once the link is used;
until then the chosen name and password hash wait in the token's row.

Site setting ``MEETBOT_SIGNUP``: ``open`` (default), ``approval`` (the account is made
disabled and a site admin enables it on /admin/people) or ``invite`` (only invitations,
services.invitations, make accounts).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from werkzeug.security import generate_password_hash

from meetbot.domain.passwords import MAX_LENGTH, password_problem
from meetbot.domain.text import single_line
from meetbot.extensions import db
from meetbot.mail import outbox
from meetbot.mail.message import address
from meetbot.models import Group, Person, TokenPurpose, utcnow
from meetbot.services import account_tokens, audit, join_requests
from meetbot.services.accounts import find_person_by_email, normalize_email
from meetbot.services.db import unit_of_work
from meetbot.services.errors import Conflict, Forbidden, ValidationError, field_error

MODES = ("open", "approval", "invite")
MAX_NAME_LENGTH = 200


def mode() -> str:
    value = (current_app.config.get("MEETBOT_SIGNUP") or "open").strip().lower()
    return value if value in MODES else "open"


def passwords_enabled() -> bool:
    """False when only single sign-on logs in (MEETBOT_PASSWORD_LOGIN=0)."""
    return bool(current_app.config.get("MEETBOT_PASSWORD_LOGIN", True))


def check_password(password: str, *, email: str, name: str, field: str = "password") -> None:
    problem = password_problem(password or "", (email, name))
    if problem:
        raise field_error(field, problem)


def check_name(name: str) -> str:
    name = " ".join(single_line(name or "").split())
    if not name:
        raise field_error("display_name", "A name is required.")
    if len(name) > MAX_NAME_LENGTH:
        raise field_error("display_name", f"Use at most {MAX_NAME_LENGTH} characters.")
    return name


def request_signup(
    email: str, display_name: str, password: str, *, group: Group | None = None
) -> None:
    """Mail a verification link (or "you already have an account"); no account yet."""
    if mode() == "invite":
        raise Forbidden("Sign-up is by invitation only on this site.")
    if not passwords_enabled():
        raise Forbidden("Accounts on this site are made by single sign-on: log in with it.")
    email = normalize_email(email or "")
    name = check_name(display_name)
    if len(password or "") > MAX_LENGTH:
        raise field_error("password", f"Use at most {MAX_LENGTH} characters.")
    check_password(password, email=email, name=name)
    with unit_of_work():
        person = find_person_by_email(email)
        if person is not None and person.password_hash is not None:
            _mail_account_exists(person)
            return
        if not account_tokens.mail_allowed(email, "signup"):
            return
        token, row = account_tokens.issue(
            TokenPurpose.SIGNUP,
            email,
            display_name=name,
            password_hash=generate_password_hash(password),
            group_id=group.id if group is not None else None,
        )
        outbox.enqueue(
            kind="signup",
            ref=f"token:{row.id}",
            to=address(name, email),
            subject="Confirm your e-mail address for meetbot",
            text=(
                f"Hello {name},\n\nsomeone (probably you) signed up for meetbot with this"
                " address. To finish, open this link within 24 hours:\n\n"
                f"{account_tokens.link('/signup/verify/' + token)}\n\n"
                "If it was not you, ignore this mail: no account is made without it.\n"
            ),
        )


def _mail_account_exists(person: Person) -> None:
    if not account_tokens.mail_allowed(person.email, "signup_exists"):
        return
    outbox.enqueue(
        kind="signup_exists",
        ref=f"at:{utcnow().isoformat()}",
        to=address(person.display_name, person.email),
        subject="You already have a meetbot account",
        text=(
            f"Hello {person.display_name},\n\nsomeone (probably you) tried to sign up for"
            " meetbot with this address, but you already have an account. Log in at\n\n"
            f"{account_tokens.link('/login')}\n\nor, if you forgot your password, set a new"
            f" one at\n\n{account_tokens.link('/password-reset')}\n"
        ),
    )


@dataclass
class Verified:
    person: Person
    active: bool  # False under approval: a site admin enables the account first
    group: Group | None
    joined: str | None = None  # services.join_requests: joined, already or requested


def verify_signup(token: str) -> Verified:
    """Use a sign-up link: make the account (or give the person known by that address
    from earlier imports a login) and join the group the sign-up came from."""
    row = account_tokens.find_live(TokenPurpose.SIGNUP, token)
    if row is None:
        raise ValidationError("This link is not valid: it was used already or has expired.")
    approval = mode() == "approval"
    with unit_of_work():
        if not account_tokens.spend(row):
            raise ValidationError("This link is not valid: it was used already or has expired.")
        person = find_person_by_email(row.email)
        if person is not None and person.password_hash is not None:
            raise Conflict("An account for this address exists already: please log in.")
        if person is None:
            person = Person(email=row.email, display_name=row.display_name)
            db.session.add(person)
        person.password_hash = row.password_hash
        person.is_active_account = not approval
        db.session.flush()
        audit.record(
            person, None, "person", person.id, "account_created", via="signup", approval=approval
        )
        account_tokens.revoke_live(TokenPurpose.SIGNUP, email=row.email)
        group = row.group
    if group is not None and not approval:
        joined = join_requests.join_or_request(person, group)
        return Verified(person=person, active=True, group=group, joined=joined)
    return Verified(person=person, active=not approval, group=group)
