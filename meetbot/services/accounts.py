"""Accounts: people who log in, passwords, API tokens and personal feed tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from functools import cache

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from meetbot.domain.text import single_line
from meetbot.extensions import db
from meetbot.lazy import first_use
from meetbot.models import ApiToken, Person, PersonHandle, utcnow
from meetbot.models.people import new_nonce
from meetbot.services import audit, logins
from meetbot.services.checks import check_timezone
from meetbot.services.db import unit_of_work
from meetbot.services.errors import Forbidden, NotFound, field_error

MIN_PASSWORD_LENGTH = 8


@cache
def _dummy_hash() -> str:
    """Checked against when the e-mail is unknown, so both cases cost one hash check
    and timing does not tell which e-mails have accounts. Computed at the first
    unknown log-in, not at import (an scrypt hash: ~80 ms of start-up)."""
    return generate_password_hash(secrets.token_urlsafe(16))


def normalize_email(email: str) -> str:
    """Validate an e-mail address and return it lower-cased; raises ValidationError."""
    # Imported at the first check, not at start-up (~20 ms of create_app(), issue 19).
    validator = first_use("email_validator")
    try:
        result = validator.validate_email(email.strip(), check_deliverability=False)
    except validator.EmailNotValidError as exc:
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
    display_name = single_line(display_name)
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
        person.organization = single_line(organization) or person.organization
        person.timezone = timezone or person.timezone
        person.is_admin = person.is_admin or is_admin
        if password is not None:
            person.password_hash = generate_password_hash(password)
        db.session.flush()
        audit.record(None, None, "person", person.id, "account_created", admin=is_admin)
    return person


def set_password(
    person: Person, password: str, *, keep_login: str | None = None, revoke_tokens: bool = True
) -> int:
    """Set a new password; every login but ``keep_login`` (a session id) ends.

    With ``revoke_tokens`` (the reset path: admins, ``flask set-password``) every API
    token of the person is revoked too. Returns how many tokens were revoked.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise field_error("password", f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    with unit_of_work():
        person.password_hash = generate_password_hash(password)
        logins.end_all(person, keep=keep_login)
        revoked = revoke_all_api_tokens(person) if revoke_tokens else 0
        audit.record(person, None, "person", person.id, "password_changed", tokens_revoked=revoked)
    return revoked


def authenticate(email: str, password: str) -> Person | None:
    """The person whose e-mail and password match, else None (same cost either way)."""
    person = find_person_by_email(email) if email else None
    if person is None or person.password_hash is None:
        check_password_hash(_dummy_hash(), password)
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


def revoke_all_api_tokens(person: Person) -> int:
    """Revoke every live API token of ``person`` (no commit: the caller's transaction)."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.person_id == person.id, ApiToken.revoked_dt.is_(None))
        .values(revoked_dt=utcnow())
    )
    return result.rowcount or 0


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


# --- settings: what a person changes about their own account --------------------------

HANDLE_KINDS = ("irc", "matrix", "slack", "github", "alias")
MAX_HANDLE_LENGTH = 100


def update_profile(
    person: Person, *, display_name: str, organization: str | None, timezone: str | None
) -> Person:
    """Change a person's name, organization and saved time zone (None: the browser's)."""
    display_name = single_line(display_name)
    if not display_name:
        raise field_error("display_name", "A name is required.")
    zone = check_timezone(timezone) if (timezone or "").strip() else None
    with unit_of_work():
        person.display_name = display_name
        person.organization = single_line(organization) or None
        person.timezone = zone
        audit.record(person, None, "person", person.id, "profile_updated")
    return person


def change_password(
    person: Person,
    current: str,
    new: str,
    *,
    keep_login: str | None = None,
    revoke_tokens: bool = False,
) -> int:
    """Change one's own password; the current one must be given and right.

    Every other login of the account ends (``keep_login`` is the one making the change);
    the person chooses whether their API tokens are revoked too (returns how many).
    """
    if person.password_hash is None or not check_password_hash(person.password_hash, current):
        raise field_error("current_password", "That is not your current password.")
    if current == new:
        raise field_error("new_password", "Choose a password different from the current one.")
    return set_password(person, new, keep_login=keep_login, revoke_tokens=revoke_tokens)


def add_person_handle(person: Person, handle: str, kind: str = "irc") -> PersonHandle:
    """Add a chat handle or alias; a handle names one person, so taken ones are refused."""
    if kind not in HANDLE_KINDS:
        raise field_error("kind", f"Choose one of: {', '.join(HANDLE_KINDS)}.")
    normalized = handle.strip().lstrip("@").lower()
    if len(normalized) > MAX_HANDLE_LENGTH:
        raise field_error("handle", f"Use at most {MAX_HANDLE_LENGTH} characters.")
    owner = db.session.scalar(
        select(PersonHandle.person_id).where(PersonHandle.handle == normalized)
    )
    if owner == person.id:
        raise field_error("handle", f"You already have the handle {normalized!r}.")
    if owner is not None:
        raise field_error("handle", f"The handle {normalized!r} belongs to someone else.")
    try:
        with unit_of_work():
            row = add_handle(person, normalized, kind)
            db.session.flush()
            audit.record(person, None, "person", person.id, "handle_added", handle=normalized)
    except IntegrityError:  # taken by a concurrent request between the check and the insert
        raise field_error("handle", f"The handle {normalized!r} belongs to someone else.") from None
    return row


def remove_person_handle(person: Person, handle_id: int) -> None:
    """Remove one of the person's own handles (NotFound for anyone else's)."""
    row = db.session.get(PersonHandle, handle_id)
    if row is None or row.person_id != person.id:
        raise NotFound("No such handle.")
    with unit_of_work():
        audit.record(person, None, "person", person.id, "handle_removed", handle=row.handle)
        db.session.delete(row)


def api_tokens(person: Person) -> list[ApiToken]:
    """The person's API tokens, newest first (revoked ones too, for the record)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.person_id == person.id)
            .order_by(ApiToken.created_dt.desc(), ApiToken.id.desc())
        )
    )


def own_api_token(person: Person, token_id: int) -> ApiToken:
    """One of the person's tokens by id (NotFound for anyone else's)."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.person_id != person.id:
        raise NotFound("No such token.")
    return row


# --- site admins ----------------------------------------------------------------------

TEMPORARY_PASSWORD_BYTES = 12


def search_people(
    query: str = "", *, page: int = 1, per_page: int = 50
) -> tuple[list[Person], int]:
    """People whose name, e-mail or organization contains ``query``; (page, total)."""
    stmt = select(Person)
    query = (query or "").strip().lower()
    if query:
        like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                func.lower(Person.display_name).like(like, escape="\\"),
                Person.email.like(like, escape="\\"),
                func.lower(Person.organization).like(like, escape="\\"),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(
        stmt.order_by(Person.display_name, Person.id).limit(per_page).offset((page - 1) * per_page)
    )
    return list(rows), total


def _require_admin(actor: Person) -> None:
    if not actor.is_admin:
        raise Forbidden("Only site admins may do that.")


def reset_password(actor: Person, person: Person) -> str:
    """Give ``person`` a new random password and return it (shown to the admin once).

    Every login of the person ends and every API token is revoked (whoever knew the
    old password may have made some); they log in with it and change it in Settings.
    """
    _require_admin(actor)
    if person.email is None:
        raise field_error("person", "This person has no e-mail address, so cannot log in.")
    password = secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
    with unit_of_work():
        person.password_hash = generate_password_hash(password)
        logins.end_all(person)
        revoked = revoke_all_api_tokens(person)
        audit.record(
            actor, None, "person", person.id, "password_reset_by_admin", tokens_revoked=revoked
        )
    return password


def set_admin(actor: Person, person: Person, is_admin: bool) -> None:
    """Make ``person`` a site admin or take it away (never from oneself)."""
    _require_admin(actor)
    if person.id == actor.id and not is_admin:
        raise field_error("person", "You cannot remove your own admin rights.")
    with unit_of_work():
        person.is_admin = is_admin
        audit.record(actor, None, "person", person.id, "admin_set", is_admin=is_admin)


def set_account_active(actor: Person, person: Person, active: bool) -> None:
    """Disable or re-enable an account: disabled ones cannot log in, use tokens or feeds."""
    _require_admin(actor)
    if person.id == actor.id and not active:
        raise field_error("person", "You cannot disable your own account.")
    with unit_of_work():
        person.is_active_account = active
        if not active:  # re-enabling does not bring old logins back
            logins.end_all(person)
        audit.record(actor, None, "person", person.id, "account_active_set", active=active)
