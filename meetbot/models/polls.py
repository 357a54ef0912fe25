"""Availability polls: candidate weekly slots (or alternating pairs) that members and
guests answer yes / if need be / no for the recurring slot (docs/slot-finder.md)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetbot.extensions import db
from meetbot.models.groups import Group
from meetbot.models.meetings import MeetingSeries
from meetbot.models.people import Person
from meetbot.models.types import StrEnumType, UTCDateTime, utcnow


class PollStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class AvailabilityPoll(db.Model):
    """A poll of a group; its link carries ``token`` (anyone with it may answer)."""

    __tablename__ = "availability_polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    weeks: Mapped[int] = mapped_column(Integer)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[PollStatus] = mapped_column(StrEnumType(PollStatus, 10), default=PollStatus.OPEN)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="SET NULL"), index=True
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Closed into an existing series: the notice its members got (shown on the series
    # page). NULL when the poll created its series or is open.
    change_note: Mapped[str | None] = mapped_column(Text)

    group: Mapped[Group] = relationship()
    series: Mapped[MeetingSeries | None] = relationship()
    options: Mapped[list[PollOption]] = relationship(
        back_populates="poll", cascade="all, delete-orphan", order_by="PollOption.position"
    )
    answers: Mapped[list[PollAnswer]] = relationship(
        back_populates="poll", cascade="all, delete-orphan", order_by="PollAnswer.id"
    )

    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status_valid"),
        CheckConstraint("weeks >= 1 AND weeks <= 104", name="weeks_valid"),
    )


class PollOption(db.Model):
    """A candidate: slot A (weekday, minute of day in the poll's zone), with B for a pair."""

    __tablename__ = "poll_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(
        ForeignKey("availability_polls.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    weekday_a: Mapped[int] = mapped_column(Integer)
    minute_a: Mapped[int] = mapped_column(Integer)
    weekday_b: Mapped[int | None] = mapped_column(Integer)
    minute_b: Mapped[int | None] = mapped_column(Integer)

    poll: Mapped[AvailabilityPoll] = relationship(back_populates="options")

    __table_args__ = (
        UniqueConstraint("poll_id", "position"),
        CheckConstraint(
            "weekday_a BETWEEN 0 AND 6 AND minute_a BETWEEN 0 AND 1439", name="a_valid"
        ),
        CheckConstraint(
            "(weekday_b IS NULL AND minute_b IS NULL) OR "
            "(weekday_b BETWEEN 0 AND 6 AND minute_b BETWEEN 0 AND 1439)",
            name="b_valid",
        ),
    )


class PollAnswer(db.Model):
    """One answerer's choices, one letter per option in order: y(es), m(aybe), n(o).

    A member's answer is theirs (person_id); a guest's can be changed only with the
    secret handed out when it was made (its SHA-256 is stored), so nobody can
    overwrite someone else's answer.
    """

    __tablename__ = "poll_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(
        ForeignKey("availability_polls.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))
    choices: Mapped[str] = mapped_column(String(40))
    secret_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    poll: Mapped[AvailabilityPoll] = relationship(back_populates="answers")
    person: Mapped[Person | None] = relationship()

    __table_args__ = (
        UniqueConstraint("poll_id", "person_id"),
        CheckConstraint("length(name) > 0", name="name_nonempty"),
    )
