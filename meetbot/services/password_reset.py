"""Password reset by mail: a link valid for an hour, once; it ends every login.

``request_reset`` answers the same for any address (no enumeration); only an active
account with a password gets a mail. Using the link sets the new password, ends every
login of the account (services.logins) and revokes its other reset links.
"""

from __future__ import annotations

from werkzeug.security import generate_password_hash

from meetbot.mail import outbox
from meetbot.mail.message import address
from meetbot.models import Person, TokenPurpose
from meetbot.services import account_tokens, audit, logins
from meetbot.services.accounts import find_person_by_email, normalize_email
from meetbot.services.db import unit_of_work
from meetbot.services.errors import Forbidden, ValidationError
from meetbot.services.signup import check_password, passwords_enabled

INVALID = "This link is not valid: it was used already or has expired. Ask for a new one."


def request_reset(email: str) -> None:
    """Mail a reset link to the account of ``email``, if there is one (no answer says)."""
    if not passwords_enabled():
        raise Forbidden("Passwords do not log in on this site: use single sign-on.")
    email = normalize_email(email or "")
    person = find_person_by_email(email)
    if person is None or not person.can_login:
        return
    with unit_of_work():
        if not account_tokens.mail_allowed(email, "password_reset"):
            return
        token, row = account_tokens.issue(TokenPurpose.RESET, email, person_id=person.id)
        outbox.enqueue(
            kind="password_reset",
            ref=f"token:{row.id}",
            to=address(person.display_name, email),
            subject="Set a new meetbot password",
            text=(
                f"Hello {person.display_name},\n\nsomeone (probably you) asked to set a new"
                " password for your meetbot account. Open this link within an hour:\n\n"
                f"{account_tokens.link('/password-reset/' + token)}\n\n"
                "If it was not you, ignore this mail: your password stays as it is.\n"
            ),
        )
        audit.record(None, None, "person", person.id, "password_reset_requested")


def person_for_link(token: str) -> Person:
    """The account a live reset link is for (ValidationError when it is not live)."""
    row = account_tokens.find_live(TokenPurpose.RESET, token)
    if row is None or row.person is None or not row.person.is_active_account:
        raise ValidationError(INVALID)
    return row.person


def reset_password(token: str, new_password: str) -> Person:
    """Use a reset link: set the password and end every login of the account."""
    person = person_for_link(token)
    check_password(new_password, email=person.email or "", name=person.display_name)
    row = account_tokens.find_live(TokenPurpose.RESET, token)
    with unit_of_work():
        if row is None or not account_tokens.spend(row):
            raise ValidationError(INVALID)
        person.password_hash = generate_password_hash(new_password)
        ended = logins.end_all(person)
        account_tokens.revoke_live(TokenPurpose.RESET, person=person)
        audit.record(
            person, None, "person", person.id, "password_reset_by_mail", logins_ended=ended
        )
    return person
