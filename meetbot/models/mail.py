"""The mail outbox: every e-mail meetbot sends is first a row here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetbot.extensions import db
from meetbot.models.groups import Group
from meetbot.models.types import UTCDateTime, utcnow


class OutboxMail(db.Model):
    """One message to one recipient, written in the transaction of the change behind it.

    ``(kind, ref, recipient)`` is unique: ``ref`` names what the mail is about (an
    occurrence's UID and RECURRENCE-ID, or ``meeting:12``), so queueing the same mail
    twice is a no-op. ``message`` is the whole RFC 5322 message as built at queueing
    time, with its ``message_id``: a re-send after a crash sends the same Message-ID.
    ``next_attempt_dt`` is also the worker's lease: a worker claims a row by moving it
    forward (``outbox.LEASE``), so a crashed worker's claim simply runs out.
    """

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(300))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[str] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(Text)
    # queued | sent | failed | dropped (expired before it could be sent)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A mail about a meeting is pointless once it started: not sent after this instant.
    expires_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[Group | None] = relationship()

    __table_args__ = (
        UniqueConstraint("kind", "ref", "recipient", name="uq_mail_outbox_kind_ref_recipient"),
        Index("ix_mail_outbox_due", "status", "next_attempt_dt"),
        Index("ix_mail_outbox_group", "group_id", "id"),
    )
