"""Minutes: the ordered items written during or after a meeting."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetbot.extensions import db
from meetbot.models.groups import WorkStream, _in
from meetbot.models.meetings import Meeting
from meetbot.models.people import Person
from meetbot.models.types import StrEnumType, UTCDateTime, utcnow


class MinuteKind(StrEnum):
    """MeetBot's item kinds (#topic, #info, #agreed, ...)."""

    TOPIC = "topic"
    INFO = "info"
    AGREED = "agreed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IDEA = "idea"
    HELP = "help"
    LINK = "link"
    ACTION = "action"


class MinuteItem(db.Model):
    """One line of the minutes; ``position`` orders them within the meeting."""

    __tablename__ = "minute_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    kind: Mapped[MinuteKind] = mapped_column(StrEnumType(MinuteKind))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # The nick as written in an imported log, kept even when no person matched.
    author_nick: Mapped[str | None] = mapped_column(String(100))
    work_stream_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_streams.id", ondelete="SET NULL"), index=True
    )
    said_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    position: Mapped[int] = mapped_column(Integer)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship()
    author: Mapped[Person | None] = relationship()
    work_stream: Mapped[WorkStream | None] = relationship()

    __table_args__ = (
        CheckConstraint(_in("kind", MinuteKind), name="kind_valid"),
        Index("ix_minute_items_meeting_position", "meeting_id", "position"),
    )
