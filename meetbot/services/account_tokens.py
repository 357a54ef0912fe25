"""The secrets in mailed links (sign-up, password reset, invitation).

A token is 32 random bytes (``secrets.token_urlsafe``), sent only in the link. The
database keeps ``HMAC-SHA256(SECRET_KEY, purpose:token)``: a copy of the table
(a backup, a leak) neither shows a usable link nor lets anyone check a guess without
the app's key. A token works once (``used_dt`` is set in the transaction of what it
does), until it expires, and not after it is revoked.

Each address gets at most ``MAILS_PER_HOUR`` mails of one kind an hour, counted in the
outbox; past that, requests still get the same answer but no mail is queued.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from meetbot.extensions import db
from meetbot.models import AccountToken, Group, OutboxMail, Person, TokenPurpose, utcnow

LIFETIMES = {
    TokenPurpose.SIGNUP: timedelta(hours=24),
    TokenPurpose.RESET: timedelta(hours=1),
    TokenPurpose.INVITE: timedelta(days=14),
}
MAILS_PER_HOUR = 3
MAX_TOKEN_LENGTH = 100  # anything longer in a link is not one of ours


def token_hash(purpose: str, token: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{purpose}:{token}".encode(), hashlib.sha256).hexdigest()


def issue(purpose: TokenPurpose, email: str, **fields) -> tuple[str, AccountToken]:
    """A new token and its row (added to the caller's transaction, no commit)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = AccountToken(
        purpose=purpose,
        token_hash=token_hash(purpose.value, token),
        email=email.lower(),
        created_dt=now,
        expires_dt=now + LIFETIMES[purpose],
        **fields,
    )
    db.session.add(row)
    db.session.flush()
    return token, row


def find_live(
    purpose: TokenPurpose, token: str, now: datetime | None = None
) -> AccountToken | None:
    """The unused, unrevoked, unexpired row of ``token``, else None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == token_hash(purpose.value, token),
            AccountToken.purpose == purpose,
        )
    )
    now = now or utcnow()
    if row is None or row.used_dt is not None or row.revoked_dt is not None:
        return None
    return row if row.expires_dt > now else None


def spend(row: AccountToken) -> bool:
    """Mark ``row`` used with a guarded UPDATE; False if another request spent it first."""
    result = db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.id == row.id,
            AccountToken.used_dt.is_(None),
            AccountToken.revoked_dt.is_(None),
        )
        .values(used_dt=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        return False
    db.session.refresh(row)
    return True


def revoke_live(
    purpose: TokenPurpose,
    *,
    person: Person | None = None,
    email: str = "",
    group: Group | None = None,
) -> None:
    """Revoke every live token of a purpose for a person or address (and group)."""
    condition = (
        AccountToken.person_id == person.id if person is not None else AccountToken.email == email
    )
    if group is not None:
        condition = condition & (AccountToken.group_id == group.id)
    db.session.execute(
        update(AccountToken)
        .where(
            condition,
            AccountToken.purpose == purpose,
            AccountToken.used_dt.is_(None),
            AccountToken.revoked_dt.is_(None),
        )
        .values(revoked_dt=utcnow())
        .execution_options(synchronize_session=False)
    )


def mail_allowed(email: str, kind: str) -> bool:
    """Whether another mail of ``kind`` may go to ``email`` this hour (MAILS_PER_HOUR)."""
    since = utcnow() - timedelta(hours=1)
    sent = db.session.scalar(
        select(func.count())
        .select_from(OutboxMail)
        .where(
            OutboxMail.recipient == email.lower(),
            OutboxMail.kind == kind,
            OutboxMail.created_dt > since,
        )
    )
    return (sent or 0) < MAILS_PER_HOUR


def link(path: str) -> str:
    """An absolute link on this site for a mail."""
    return current_app.config["MEETBOT_BASE_URL"].rstrip("/") + path
