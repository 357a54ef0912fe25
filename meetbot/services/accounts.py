"""Accounts: people who log in, passwords, API tokens and personal feed tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from meetbot.extensions import db
from meetbot.models import ApiToken, Person, PersonHandle, utcnow
from meetbot.services import audit
from meetbot.services.db import unit_of_work
from meetbot.services.errors import field_error

MIN_PASSWORD_LENGTH = 8
# Checked against when the e-mail is unknown, so both cases cost one hash check and
# timing does not tell which e-mails have accounts.
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))


def normalize_email(email: str) -> str:
    """Validate an e-mail address and return it lower-cased; raises ValidationError."""
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise field_error("email", f"Not a valid e-mail address: {exc}") from None
    return result.normalized.lower()


def find_person_by_email(email: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.email == email.strip().lower()))


def create_user(
    email: str,
    display_name: str,
    password: str | None = None,
    *,
    is_admin: bool = False,
    organization: str | None = None,
    timezone: str | None = None,
) -> Person:
    """Create an account (or give an existing person without login a password)."""
    email = normalize_email(email)
    display_name = display_name.strip()
    if not display_name:
        raise field_error("name", "A name is required.")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise field_error("password", f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    with unit_of_work():
        person = find_person_by_email(email)
        if person is not None and person.password_hash is not None:
            raise field_error("email", f"An account for {email} already exists.")
        if person is None:
            person = Person(email=email, display_name=display_name)
            db.session.add(person)
        person.display_name = display_name
        person.organization = organization or person.organization
        person.timezone = timezone or person.timezone
        person.is_admin = person.is_admin or is_admin
        if password is not None:
            person.password_hash = generate_password_hash(password)
        db.session.flush()
        audit.record(None, None, "person", person.id, "account_created", admin=is_admin)
    return person


def set_password(person: Person, password: str) -> None:
    """Set a new password (the reset path for admins and the person)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise field_error("password", f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    with unit_of_work():
        person.password_hash = generate_password_hash(password)
        audit.record(person, None, "person", person.id, "password_changed")


def authenticate(email: str, password: str) -> Person | None:
    """The person whose e-mail and password match, else None (same cost either way)."""
    person = find_person_by_email(email) if email else None
    if person is None or person.password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(person.password_hash, password) or not person.is_active:
        return None
    return person


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(person: Person, name: str = "") -> str:
    """Make a new API token for ``person`` and return it; only its hash is stored."""
    token = "mbt_" + secrets.token_urlsafe(32)
    with unit_of_work():
        db.session.add(
            ApiToken(person=person, name=name.strip()[:100], token_hash=_token_hash(token))
        )
        audit.record(person, None, "api_token", None, "created", name=name)
    return token


def person_for_api_token(token: str) -> Person | None:
    """The owner of a valid, unrevoked API token, else None.

    The lookup is by SHA-256 of the token, so the secret itself is never compared
    byte by byte against stored data.
    """
    if not token:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.is_revoked or not row.person.is_active:
        return None
    return row.person


def revoke_api_token(token_row: ApiToken, actor: Person) -> None:
    with unit_of_work():
        token_row.revoked_dt = utcnow()
        audit.record(actor, None, "api_token", token_row.id, "revoked")


def feed_token(person: Person, secret_key: str) -> str:
    """The secret in a person's personal feed URL: ``<id>-<HMAC>``.

    The HMAC covers the person's feed nonce, so rotating the nonce (revoke) makes every
    earlier URL invalid, and nothing stored in the database reveals a valid URL.
    """
    mac = hmac.new(
        secret_key.encode(), f"feed:{person.id}:{person.feed_nonce}".encode(), hashlib.sha256
    ).digest()
    return f"{person.id}-{base64.urlsafe_b64encode(mac[:24]).decode().rstrip('=')}"


_FEED_TOKEN_RE = re.compile(r"^(\d{1,12})-([A-Za-z0-9_-]{16,64})$")


def person_for_feed_token(token: str, secret_key: str) -> Person | None:
    """The person a feed token belongs to, compared in constant time; None if invalid."""
    match = _FEED_TOKEN_RE.match(token or "")
    if not match:
        return None
    person = db.session.get(Person, int(match.group(1)))
    if person is None:
        return None
    expected = feed_token(person, secret_key)
    return person if hmac.compare_digest(expected.encode(), token.encode()) else None


def revoke_feed_token(person: Person) -> None:
    """Invalidate the person's current feed URL and issue a new one."""
    from meetbot.models.people import new_nonce

    with unit_of_work():
        person.feed_nonce = new_nonce()
        audit.record(person, None, "person", person.id, "feed_token_revoked")


def add_handle(person: Person, handle: str, kind: str = "irc") -> PersonHandle:
    """Attach a chat handle or alias to a person (no commit; callers own the transaction)."""
    normalized = handle.strip().lstrip("@").lower()
    if not normalized:
        raise field_error("handle", "A handle cannot be empty.")
    row = PersonHandle(person=person, handle=normalized, kind=kind)
    db.session.add(row)
    return row
