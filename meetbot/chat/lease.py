"""The channel lock: one bot process answers in a channel at a time.

A lease row per channel names its holder until ``expires_dt``; the holder renews it
(every third of the lease), another process takes it only once it has expired. Two
processes racing for a free or expired lease: the conditional UPDATE (or the primary
key on INSERT) lets exactly one win, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError

from meetbot.extensions import db
from meetbot.models import ChatLease
from meetbot.services.db import unit_of_work

__all__ = ["DEFAULT_TTL", "hold", "release"]

DEFAULT_TTL = timedelta(seconds=30)


def hold(
    channel_id: int, holder: str, ttl: timedelta = DEFAULT_TTL, now: datetime | None = None
) -> bool:
    """Take or renew the lease of a channel for ``holder``; False when another
    process holds it and it has not expired."""
    now = now or datetime.now(UTC)
    with unit_of_work():
        taken = db.session.execute(
            update(ChatLease)
            .where(
                ChatLease.channel_id == channel_id,
                or_(ChatLease.holder == holder, ChatLease.expires_dt < now),
            )
            .values(holder=holder, expires_dt=now + ttl)
        )
        if taken.rowcount == 1:
            return True
        if db.session.get(ChatLease, channel_id) is not None:
            return False
        try:
            with db.session.begin_nested():
                db.session.add(
                    ChatLease(channel_id=channel_id, holder=holder, expires_dt=now + ttl)
                )
        except IntegrityError:
            return False  # another process inserted it first
    return True


def release(channel_id: int, holder: str) -> None:
    """Give the channel up (a clean stop): the other process takes over at once."""
    with unit_of_work():
        db.session.execute(
            delete(ChatLease).where(ChatLease.channel_id == channel_id, ChatLease.holder == holder)
        )
