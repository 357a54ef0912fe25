"""Server-side logins: what a session or "keep me logged in" cookie stands for.

Flask keeps the session in a signed cookie, so signing alone cannot end it: a cookie
captured before logout would stay valid. Each log-in therefore starts a row in
``logins`` and the cookies carry its *session id* ``<person id>:<key>`` (only the
key's SHA-256 is stored). Every request looks the login up (``person_for``); it counts
only while not ended, not expired and the account is active.

- logging out ends that one login (other devices stay logged in);
- changing one's password ends every other login of the account;
- an admin password reset, ``flask set-password`` and disabling the account end all;
- a login lasts at most ``LIFETIME`` (the remember cookie's lifetime too), and a person
  has at most ``MAX_PER_PERSON`` live logins (the oldest ends first).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import joinedload

from meetbot.extensions import db
from meetbot.models import Login, Person, utcnow
from meetbot.services.db import unit_of_work

LIFETIME = timedelta(days=30)
MAX_PER_PERSON = 50


def _hash(key: str) -> str:
    return hashlib.sha256(f"login:{key}".encode()).hexdigest()


def _split(session_id: str | None) -> tuple[int, str] | None:
    person_id, _, key = (session_id or "").partition(":")
    if not person_id.isdigit() or len(person_id) > 12 or not 20 <= len(key) <= 64:
        return None
    return int(person_id), key


def _live(now: datetime):
    return (Login.ended_dt.is_(None), Login.expires_dt > now)


def start(person: Person, now: datetime | None = None) -> str:
    """Start a login of ``person`` and return its session id (for Flask-Login)."""
    now = now or utcnow()
    key = secrets.token_urlsafe(32)
    with unit_of_work():
        # Forget logins that ended or expired a lifetime ago (they prove nothing now).
        db.session.execute(
            delete(Login).where(
                Login.person_id == person.id,
                or_(Login.ended_dt < now - LIFETIME, Login.expires_dt < now - LIFETIME),
            )
        )
        live = list(
            db.session.scalars(
                select(Login.id)
                .where(Login.person_id == person.id, *_live(now))
                .order_by(Login.created_dt.desc(), Login.id.desc())
                .offset(MAX_PER_PERSON - 1)
            )
        )
        if live:
            _end_where(Login.id.in_(live), now)
        db.session.add(
            Login(person=person, key_hash=_hash(key), created_dt=now, expires_dt=now + LIFETIME)
        )
    session_id = f"{person.id}:{key}"
    person.login_session_id = session_id
    return session_id


def person_for(session_id: str | None, now: datetime | None = None) -> Person | None:
    """The person of a live login (not ended or expired, account active), else None."""
    parts = _split(session_id)
    if parts is None:
        return None
    person_id, key = parts
    row = db.session.scalar(
        select(Login).options(joinedload(Login.person)).where(Login.key_hash == _hash(key))
    )
    now = now or utcnow()
    if (
        row is None
        or row.person_id != person_id
        or row.ended_dt is not None
        or row.expires_dt <= now
        or not row.person.is_active_account
    ):
        return None
    row.person.login_session_id = session_id
    return row.person


def _end_where(condition, now: datetime) -> int:
    result = db.session.execute(
        update(Login)
        .where(condition, Login.ended_dt.is_(None))
        .values(ended_dt=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def end(session_id: str | None) -> None:
    """End one login (logout); an unknown or already ended one changes nothing."""
    parts = _split(session_id)
    if parts is None:
        return
    person_id, key = parts
    with unit_of_work():
        _end_where((Login.key_hash == _hash(key)) & (Login.person_id == person_id), utcnow())


def end_all(person: Person, *, keep: str | None = None) -> int:
    """End every login of ``person`` but ``keep`` (a session id); returns how many.

    Call it inside the caller's ``unit_of_work`` (no commit here), so the logins end
    exactly when the password change or the disabling commits.
    """
    condition = Login.person_id == person.id
    parts = _split(keep)
    if parts is not None and parts[0] == person.id:
        condition = condition & (Login.key_hash != _hash(parts[1]))
    return _end_where(condition, utcnow())


def live_count(person: Person) -> int:
    """How many logins of ``person`` are live now (for the settings page and tests)."""
    count = select(func.count()).select_from(Login)
    return db.session.scalar(count.where(Login.person_id == person.id, *_live(utcnow()))) or 0
