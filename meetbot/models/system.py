"""Cross-cutting records: the audit log, webhooks and their deliveries, the feed cache."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetbot.extensions import db
from meetbot.models.groups import Group
from meetbot.models.people import Person
from meetbot.models.types import UTCDateTime, utcnow


class AuditEntry(db.Model):
    """Who changed what and when (series, meetings, attendance, action items...)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(50))  # "series", "meeting", "attendance", ...
    entity_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(50))  # "created", "cancelled", ...
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[Person | None] = relationship()

    __table_args__ = (Index("ix_audit_log_group_created", "group_id", "created_dt"),)


class Webhook(db.Model):
    """An outgoing webhook of a group: events POSTed to ``url``, HMAC-signed with ``secret``."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))
    # Space-separated event names, e.g. "meeting.created action_item.closed"; "*" = all.
    events: Mapped[str] = mapped_column(String(500), default="*")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group] = relationship()


class WebhookDelivery(db.Model):
    """One event to one webhook: kept as the delivery log, retried with backoff."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|delivered|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    response_code: Mapped[int | None] = mapped_column(Integer)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    webhook: Mapped[Webhook] = relationship()

    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_dt"),)


class FeedCache(db.Model):
    """Rendered feed bytes keyed by feed and revision, shared by every app server, with
    their ``layout`` (``meetbot.domain.ical.layout``; NULL for a feed without one)."""

    __tablename__ = "feed_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    revision: Mapped[str] = mapped_column(String(100))
    etag: Mapped[str] = mapped_column(String(100))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    layout: Mapped[bytes | None] = mapped_column(LargeBinary)
    last_modified_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("key"),)


# PostgreSQL keeps a feed's bytes and layout uncompressed (out of line, no pglz): both
# are rewritten on every render and read whole. Compressing the 1.6 MB of the largest
# bench feed cost ~12 ms of each write (issue 19), for a quarter of the disk. Set by
# create_all and by migration e5b9c3a7d1f2.
FEED_CACHE_STORAGE = (
    "ALTER TABLE feed_cache ALTER COLUMN body SET STORAGE EXTERNAL, "
    "ALTER COLUMN layout SET STORAGE EXTERNAL"
)
event.listen(
    FeedCache.__table__, "after_create", DDL(FEED_CACHE_STORAGE).execute_if(dialect="postgresql")
)
