"""Action items: owned, dated, with a status and a history across meetings."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetbot.extensions import db
from meetbot.models.groups import Group, WorkStream, _in
from meetbot.models.meetings import Meeting
from meetbot.models.people import Person
from meetbot.models.types import StrEnumType, UTCDateTime, utcnow


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class ActionEventKind(StrEnum):
    OPENED = "opened"
    CARRIED_OVER = "carried_over"  # reviewed in a meeting and kept open
    DONE = "done"
    DROPPED = "dropped"
    REOPENED = "reopened"
    EDITED = "edited"


action_item_owners = Table(
    "action_item_owners",
    db.Model.metadata,
    Column("action_item_id", ForeignKey("action_items.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True),
)


def _new_uid() -> str:
    return uuid.uuid4().hex


class ActionItem(db.Model):
    """Something someone agreed to do, tracked until done or dropped."""

    __tablename__ = "action_items"
    # Every change is a new SEQUENCE of the VTODO and moves the group's revision
    # (meetbot.freshness).
    __freshness__ = {"counter": "sequence", "parents": ("group",), "relations": ("owners",)}

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    work_stream_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_streams.id", ondelete="SET NULL"), index=True
    )
    opened_in_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    # Indexed: meeting pages and the API list the items closed in a meeting.
    closed_in_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date | None] = mapped_column()
    status: Mapped[ActionStatus] = mapped_column(
        StrEnumType(ActionStatus), default=ActionStatus.OPEN
    )
    # Flagged when owners were guessed from a log and no known person matched.
    needs_owner_review: Mapped[bool] = mapped_column(default=False)
    uid_token: Mapped[str] = mapped_column(String(32), unique=True, default=_new_uid)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[Group] = relationship()
    work_stream: Mapped[WorkStream | None] = relationship()
    opened_in: Mapped[Meeting | None] = relationship(foreign_keys=[opened_in_id])
    closed_in: Mapped[Meeting | None] = relationship(foreign_keys=[closed_in_id])
    owners: Mapped[list[Person]] = relationship(
        secondary=action_item_owners, order_by="Person.display_name"
    )
    events: Mapped[list[ActionItemEvent]] = relationship(
        back_populates="action_item", cascade="all, delete-orphan", order_by="ActionItemEvent.id"
    )

    __table_args__ = (
        CheckConstraint(_in("status", ActionStatus), name="status_valid"),
        CheckConstraint("length(text) > 0", name="text_nonempty"),
        Index("ix_action_items_group_status", "group_id", "status"),
        # A meeting's review of the group's open items: the oldest first straight from
        # the index (LIMIT stops early), and their count from index entries only
        # (opened_in_id is the meeting whose start says "opened before this one").
        Index(
            "ix_action_items_group_status_created",
            "group_id",
            "status",
            "created_dt",
            "opened_in_id",
        ),
    )


class ActionItemEvent(db.Model):
    """History of an action item: opened, carried over, closed... and in which meeting."""

    __tablename__ = "action_item_events"
    # An event recorded on an item (e.g. carried over) is a change of the item: a new
    # SEQUENCE of its VTODO (meetbot.freshness).
    __freshness__ = {"parents": ("action_item",)}

    id: Mapped[int] = mapped_column(primary_key=True)
    action_item_id: Mapped[int] = mapped_column(
        ForeignKey("action_items.id", ondelete="CASCADE"), index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    kind: Mapped[ActionEventKind] = mapped_column(StrEnumType(ActionEventKind))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    action_item: Mapped[ActionItem] = relationship(back_populates="events")
    meeting: Mapped[Meeting | None] = relationship()
    actor: Mapped[Person | None] = relationship()

    __table_args__ = (CheckConstraint(_in("kind", ActionEventKind), name="kind_valid"),)
