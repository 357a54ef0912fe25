"""Requests to join a group whose organizers approve new members."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetbot.extensions import db
from meetbot.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from meetbot.models.groups import Group
    from meetbot.models.people import Person


class JoinRequest(db.Model):
    """A person asked to join; an organizer approves (membership) or declines (gone)."""

    __tablename__ = "join_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group] = relationship()
    person: Mapped[Person] = relationship()

    __table_args__ = (UniqueConstraint("group_id", "person_id"),)
