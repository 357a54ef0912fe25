"""Working groups, their members and roles, and their work streams."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetbot.extensions import db
from meetbot.models.types import StrEnumType, UTCDateTime, utcnow

if TYPE_CHECKING:
    from meetbot.models.meetings import MeetingSeries
    from meetbot.models.people import Person


class Role(StrEnum):
    """A person's role in one group, strongest first."""

    ORGANIZER = "organizer"
    CHAIR = "chair"
    MEMBER = "member"

    @property
    def rank(self) -> int:
        return {"organizer": 3, "chair": 2, "member": 1}[self]


def _in(column: str, values: type[StrEnum]) -> str:
    """SQL for ``column IN (...)`` over an enum's values, for CHECK constraints."""
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class Group(db.Model):
    """A working group: the unit that owns series, streams, members and action items."""

    __tablename__ = "groups"
    # What a change makes stale (meetbot.freshness, docs/architecture.md): any column
    # change moves the revision, the key of every feed cache of the group.
    __freshness__ = {"counter": "revision"}

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    mailing_list: Mapped[str | None] = mapped_column(String(320))
    # Mail to the list (meetbot/mail/group_mail.py): a subject tag such as "[edge]",
    # each kind switchable, and how long before each occurrence the agenda goes out.
    mail_tag: Mapped[str] = mapped_column(String(40), default="", server_default="")
    mail_agenda: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    mail_minutes: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    mail_changes: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    mail_agenda_hours: Mapped[int] = mapped_column(Integer, default=24, server_default="24")
    # Joining from the group page asks the organizers first (services/join_requests.py).
    join_needs_approval: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    website: Mapped[str | None] = mapped_column(String(500))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Governance: people needed for quorum (None: no quorum rule) and the attendance
    # rate (percent over the last N meetings) under which a member is flagged.
    quorum: Mapped[int | None] = mapped_column(Integer)
    attendance_threshold: Mapped[int] = mapped_column(Integer, default=25)
    attendance_window: Mapped[int] = mapped_column(Integer, default=10)
    # Bumped by every change that any feed of this group shows (feed cache key).
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )
    work_streams: Mapped[list[WorkStream]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="WorkStream.name"
    )
    series: Mapped[list[MeetingSeries]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="MeetingSeries.title"
    )

    __table_args__ = (
        CheckConstraint("slug <> '' AND slug = lower(slug)", name="slug_format"),
        CheckConstraint("quorum IS NULL OR quorum > 0", name="quorum_positive"),
        CheckConstraint("attendance_threshold BETWEEN 0 AND 100", name="threshold_percent"),
        CheckConstraint("attendance_window > 0", name="window_positive"),
        CheckConstraint("mail_agenda_hours BETWEEN 1 AND 168", name="agenda_hours_range"),
    )

    def __repr__(self) -> str:
        return f"<Group {self.slug}>"


class Membership(db.Model):
    """A person's role in a group."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(StrEnumType(Role), default=Role.MEMBER)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship(back_populates="memberships")

    __table_args__ = (
        UniqueConstraint("group_id", "person_id"),
        CheckConstraint(_in("role", Role), name="role_valid"),
    )


class WorkStreamStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"


work_stream_leads = Table(
    "work_stream_leads",
    db.Model.metadata,
    Column("work_stream_id", ForeignKey("work_streams.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
)


class WorkStream(db.Model):
    """A strand of a group's work (e.g. "OpenStack gap analysis")."""

    __tablename__ = "work_streams"
    # A stream's name shows in the group's feeds (meetbot.freshness).
    __freshness__ = {"parents": ("group",)}

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[WorkStreamStatus] = mapped_column(
        StrEnumType(WorkStreamStatus), default=WorkStreamStatus.ACTIVE
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    group: Mapped[Group] = relationship(back_populates="work_streams")
    leads: Mapped[list[Person]] = relationship(
        secondary=work_stream_leads, order_by="Person.display_name"
    )

    __table_args__ = (
        UniqueConstraint("group_id", "slug"),
        CheckConstraint("slug <> '' AND slug = lower(slug)", name="slug_format"),
        CheckConstraint(_in("status", WorkStreamStatus), name="status_valid"),
    )
