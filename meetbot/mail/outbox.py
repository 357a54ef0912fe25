"""The outbox: queue a mail in the writer's transaction; the worker delivers it once.

How a mail travels:

1. A service calls :func:`enqueue` (or :func:`queue` with a built message) inside its
   own ``unit_of_work``. The row exists exactly when the change commits. The row key
   ``(kind, ref, recipient)`` is unique and the insert is ``ON CONFLICT DO NOTHING``,
   so queueing the same mail twice (two workers, a re-run) adds nothing.
2. ``flask --app meetbot send-mail`` (:func:`send_due`) claims one due row at a time
   with ``UPDATE ... SET next_attempt_dt = now + LEASE WHERE id = :id AND status =
   'queued' AND next_attempt_dt <= now``. Only one worker's UPDATE can match (the
   database serialises writes to a row and re-checks the WHERE), so two workers never
   take the same row; a worker that dies simply lets its lease run out.
3. The message is sent (its Message-ID was fixed at queueing time) and the outcome
   recorded: ``sent``; a retry after 1, 2, 4, ... minutes (at most 6 h) on a temporary
   failure (4xx, refused or lost connection, timeout); ``failed`` with the server's
   answer on a permanent one (5xx) or after ``MAX_ATTEMPTS``.

Delivery is at-least-once at the SMTP level: if the worker dies after the server said
"250 accepted" and before the row says ``sent``, the lease runs out and the message is
sent again - with the same Message-ID, which mail stores and list servers use to drop
the duplicate. Between workers it is at most once per lease: a row is only re-taken
after LEASE, far longer than one SMTP transaction (``transport.TIMEOUT_SECONDS``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_string
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from flask import current_app
from sqlalchemy import Select, func, select, update

from meetbot.extensions import db
from meetbot.lazy import first_use
from meetbot.mail import transport
from meetbot.mail.message import Attachment, bare_address, build_message, new_message_id
from meetbot.models import Group, OutboxMail, Person, utcnow
from meetbot.services import audit
from meetbot.services.db import unit_of_work
from meetbot.services.errors import NotFound, ValidationError

QUEUED, SENT, FAILED, DROPPED = "queued", "sent", "failed", "dropped"
MAX_ATTEMPTS = 10
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
LEASE = timedelta(minutes=10)
MAX_MESSAGE_BYTES = 2 * 1024 * 1024  # one queued message, attachments included
# Every mail meetbot writes by itself says so (RFC 3834): no vacation auto-replies.
AUTOMATIC = {"Auto-Submitted": "auto-generated"}


def settings() -> transport.Settings:
    """The transport ``MEETBOT_MAIL_URL`` names (default: the Maildir instance/mail/)."""
    return transport.parse_url(
        current_app.config.get("MEETBOT_MAIL_URL"), Path(current_app.instance_path) / "mail"
    )


def sender() -> str:
    return current_app.config["MEETBOT_MAIL_FROM"]


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed attempt: 1, 2, 4, ... minutes, at most 6 h."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def queue(
    message: EmailMessage,
    *,
    kind: str,
    ref: str,
    group: Group | None = None,
    expires: datetime | None = None,
) -> bool:
    """Add a built message to the outbox (no commit: call it in the writer's transaction).

    Returns False (and adds nothing) when the same (kind, ref, recipient) is queued
    already. The recipient is the message's To address. A message not sent by
    ``expires`` (e.g. a reminder of a meeting that has started) is dropped, not sent.
    """
    raw = message.as_string(policy=SMTP)
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ValidationError(
            f"The message is {len(raw)} bytes; mail is limited to {MAX_MESSAGE_BYTES}."
        )
    recipient = bare_address(str(message["To"])).lower()
    values = {
        "group_id": group.id if group is not None else None,
        "kind": kind,
        "ref": ref[:300],
        "recipient": recipient,
        "subject": str(message["Subject"] or "")[:300],
        "message_id": str(message["Message-ID"]),
        "message": raw,
        "status": QUEUED,
        "attempts": 0,
        "next_attempt_dt": utcnow(),
        "last_error": "",
        "created_dt": utcnow(),
        "expires_dt": expires,
    }
    # The dialect's own INSERT (ON CONFLICT), imported at first use: on SQLite the
    # PostgreSQL dialect (~20 ms) is never needed.
    name = "postgresql" if db.session.get_bind().dialect.name == "postgresql" else "sqlite"
    dialect = first_use(f"sqlalchemy.dialects.{name}")
    statement = (
        dialect.insert(OutboxMail.__table__)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["kind", "ref", "recipient"])
        .returning(OutboxMail.__table__.c.id)
    )
    # RETURNING says whether a row was added (rowcount is not reliable for it here).
    return db.session.execute(statement).scalar() is not None


def enqueue(
    *,
    kind: str,
    ref: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    group: Group | None = None,
    headers: Mapping[str, str] | None = None,
    attachments: Iterable[Attachment] = (),
    reply_to: str | None = None,
    in_reply_to: str | None = None,
    automatic: bool = True,
    expires: datetime | None = None,
) -> bool:
    """Build a message from meetbot's address and queue it: the one call other code needs.

    ``to`` is a header value (``mail.message.address(name, addr)`` for a display name).
    No commit: call it inside the transaction of the change that causes the mail.
    """
    message = build_message(
        sender=sender(),
        to=to,
        subject=subject,
        text=text,
        html=html,
        message_id=new_message_id(current_app.config["MEETBOT_UID_DOMAIN"]),
        date=utcnow(),
        headers={**(AUTOMATIC if automatic else {}), **(headers or {})},
        attachments=attachments,
        reply_to=reply_to,
        in_reply_to=in_reply_to,
        references=[in_reply_to] if in_reply_to else (),
    )
    return queue(message, kind=kind, ref=ref, group=group, expires=expires)


# --- the worker ----------------------------------------------------------------------


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return len(self.sent) + len(self.retrying) + len(self.failed) + len(self.dropped)


def _due_query(now: datetime, limit: int) -> Select:
    return (
        select(OutboxMail.id)
        .where(OutboxMail.status == QUEUED, OutboxMail.next_attempt_dt <= now)
        .order_by(OutboxMail.next_attempt_dt, OutboxMail.id)
        .limit(limit)
    )


def due(now: datetime | None = None, *, limit: int = 100) -> list[OutboxMail]:
    """The rows a worker would send now (for ``send-mail --dry-run``); claims nothing."""
    ids = list(db.session.scalars(_due_query(now or utcnow(), limit)))
    return [db.session.get(OutboxMail, i) for i in ids]


def claim(row_id: int, now: datetime) -> bool:
    """Take a due row for LEASE; False when another worker has it (or it is not due)."""
    with unit_of_work():
        result = db.session.execute(
            update(OutboxMail)
            .where(
                OutboxMail.id == row_id,
                OutboxMail.status == QUEUED,
                OutboxMail.next_attempt_dt <= now,
            )
            .values(next_attempt_dt=now + LEASE)
            .execution_options(synchronize_session=False)
        )
    return result.rowcount == 1


def record_sent(row: OutboxMail, now: datetime) -> None:
    """The server accepted the message (a crash before this commit means a re-send)."""
    with unit_of_work():
        row.status = SENT
        row.attempts += 1
        row.sent_dt = now
        row.next_attempt_dt = None
        row.last_error = ""


def record_dropped(row: OutboxMail) -> None:
    """Too late to be of use (the meeting started): never sent."""
    with unit_of_work():
        row.status = DROPPED
        row.next_attempt_dt = None
        row.last_error = "dropped: the meeting had started before it could be sent"


def record_failure(row: OutboxMail, now: datetime, error: transport.MailError) -> None:
    with unit_of_work():
        row.attempts += 1
        row.last_error = error.answer[:2000]
        if isinstance(error, transport.PermanentFailure) or row.attempts >= MAX_ATTEMPTS:
            row.status = FAILED
            row.next_attempt_dt = None
        else:
            row.next_attempt_dt = now + backoff(row.attempts)


def parsed(row: OutboxMail) -> EmailMessage:
    """The stored message, parsed back (what is sent, byte for byte the same headers)."""
    return message_from_string(row.message, policy=SMTP)  # type: ignore[return-value]


def send_due(now: datetime | None = None, *, limit: int = 100) -> SendReport:
    """Send every due row (oldest first), over one connection; stop at a dead server."""
    now = now or utcnow()
    report = SendReport()
    candidates = list(db.session.scalars(_due_query(now, limit)))
    with transport.connect(settings()) as link:
        for row_id in candidates:
            if not claim(row_id, now):
                continue
            row = db.session.get(OutboxMail, row_id)
            if row is None:
                continue
            if row.expires_dt is not None and row.expires_dt <= now:
                record_dropped(row)
                report.dropped.append(row_id)
                continue
            try:
                link.send(parsed(row))
            except transport.MailError as exc:
                record_failure(row, now, exc)
                (report.failed if row.status == FAILED else report.retrying).append(row_id)
                if exc.code is None:  # no server to talk to: the rest would fail too
                    break
                continue
            record_sent(row, now)
            report.sent.append(row_id)
    return report


# --- the organizers' page ------------------------------------------------------------


def group_outbox_page(group: Group, *, limit: int, offset: int) -> list[OutboxMail]:
    """One page of a group's outbox, newest first."""
    query = (
        select(OutboxMail)
        .where(OutboxMail.group_id == group.id)
        .order_by(OutboxMail.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(db.session.scalars(query))


def counts(group: Group) -> dict[str, int]:
    """How many of the group's mails are queued, sent, failed and dropped."""
    rows = db.session.execute(
        select(OutboxMail.status, func.count())
        .where(OutboxMail.group_id == group.id)
        .group_by(OutboxMail.status)
    )
    found = {status: n for status, n in rows}
    return {s: found.get(s, 0) for s in (QUEUED, SENT, FAILED, DROPPED)}


def get_mail(group: Group, mail_id: int) -> OutboxMail:
    row = db.session.get(OutboxMail, mail_id)
    if row is None or row.group_id != group.id:
        raise NotFound(f"No mail {mail_id} in {group.name}'s outbox.")
    return row


def retry(actor: Person | None, row: OutboxMail) -> None:
    """Queue a failed mail again, due now (the outbox page's retry button)."""
    if row.status != FAILED:
        raise ValidationError("Only a failed mail can be retried.")
    with unit_of_work():
        row.status = QUEUED
        row.attempts = 0
        row.next_attempt_dt = utcnow()
        audit.record(actor, row.group, "mail", row.id, "retried", to=row.recipient)
