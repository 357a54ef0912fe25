"""Meeting series, their time slots, and single meetings (occurrences)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetbot.domain.recurrence import Frequency, Rule, Slot
from meetbot.extensions import db
from meetbot.models.groups import Group, WorkStream, _in
from meetbot.models.types import StrEnumType, UTCDateTime, utcnow

if TYPE_CHECKING:
    from meetbot.models.people import Person


def new_uid_token() -> str:
    return uuid.uuid4().hex


class LocationKind(StrEnum):
    VIDEO = "video"
    CHAT = "chat"
    ROOM = "room"
    OTHER = "other"


class SeriesStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"


series_chairs = Table(
    "series_chairs",
    db.Model.metadata,
    Column("series_id", ForeignKey("meeting_series.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
)

series_work_streams = Table(
    "series_work_streams",
    db.Model.metadata,
    Column("series_id", ForeignKey("meeting_series.id", ondelete="CASCADE"), primary_key=True),
    Column("work_stream_id", ForeignKey("work_streams.id", ondelete="CASCADE"), primary_key=True),
)


class MeetingSeries(db.Model):
    """A recurring meeting of a group, with one or more time slots."""

    __tablename__ = "meeting_series"
    # A change moves the revision (the SEQUENCE of its events) and the group's
    # (meetbot.freshness); its meetings count through their own declaration.
    __freshness__ = {
        "counter": "revision",
        "parents": ("group",),
        "relations": ("chairs", "work_streams", "slots"),
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # The series' own zone, shown beside viewer-local times; each slot has its own too.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    location_kind: Mapped[LocationKind] = mapped_column(
        StrEnumType(LocationKind), default=LocationKind.VIDEO
    )
    location: Mapped[str] = mapped_column(String(500), default="")
    agenda_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[SeriesStatus] = mapped_column(
        StrEnumType(SeriesStatus), default=SeriesStatus.ACTIVE
    )
    # Stable forever: the iCal UIDs are built from it, never from the title or id alone.
    uid_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid_token)
    # Where an imported series came from (e.g. "irc-meetings:barbican"), so a re-import
    # updates the same rows instead of adding new ones.
    external_id: Mapped[str | None] = mapped_column(String(200))
    # iCal SEQUENCE of the master events; bumped on every change to the series.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    group: Mapped[Group] = relationship(back_populates="series")
    slots: Mapped[list[SeriesSlot]] = relationship(
        back_populates="series", cascade="all, delete-orphan", order_by="SeriesSlot.position"
    )
    chairs: Mapped[list[Person]] = relationship(
        secondary=series_chairs, order_by="Person.display_name"
    )
    work_streams: Mapped[list[WorkStream]] = relationship(
        secondary=series_work_streams, order_by="WorkStream.name"
    )
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="series", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        UniqueConstraint("group_id", "external_id"),
        CheckConstraint(_in("location_kind", LocationKind), name="location_kind_valid"),
        CheckConstraint(_in("status", SeriesStatus), name="status_valid"),
        CheckConstraint("length(title) > 0", name="title_nonempty"),
    )

    def __repr__(self) -> str:
        return f"<MeetingSeries {self.id} {self.title!r}>"


def slot_of(row: SeriesSlot | Any) -> Slot:
    """The pure recurrence slot a slot row describes: a ``SeriesSlot`` or any row with
    its columns (the feed's plain ``FeedSlot``)."""
    return Slot(
        key=row.key,
        timezone=row.timezone,
        start=row.start_local,
        duration=timedelta(minutes=row.duration_minutes),
        rule=Rule(
            frequency=Frequency(row.frequency),
            interval=row.interval,
            weekday=row.weekday,
            setpos=row.setpos,
            until=row.until,
            count=row.count,
        ),
    )


class MeetingTexts:
    """A meeting's title and location, falling back to its series' (a one-off's: the
    defaults): shared by ``Meeting`` and the feed's plain rows, which have the same
    attribute names."""

    __slots__ = ()

    @property
    def effective_title(self) -> str:
        if self.title:
            return self.title
        return self.series.title if self.series else "Meeting"

    @property
    def effective_location(self) -> str:
        if self.location is not None:
            return self.location
        return self.series.location if self.series else ""


class SeriesSlot(db.Model):
    """One recurring time of a series; its columns map 1:1 to an RFC 5545 RRULE.

    ``start_local`` is the naive wall-clock DTSTART in ``timezone``.
    """

    __tablename__ = "series_slots"
    # A slot added, changed or removed changes its series (meetbot.freshness).
    __freshness__ = {"parents": ("series",)}

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="CASCADE"), index=True
    )
    # Stable within the series; part of the iCal UID of this slot's VEVENT.
    key: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    timezone: Mapped[str] = mapped_column(String(64))
    start_local: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    frequency: Mapped[Frequency] = mapped_column(StrEnumType(Frequency))
    interval: Mapped[int] = mapped_column(Integer, default=1)
    weekday: Mapped[int | None] = mapped_column(Integer)
    setpos: Mapped[int | None] = mapped_column(Integer)
    until: Mapped[date | None] = mapped_column()
    count: Mapped[int | None] = mapped_column(Integer)

    series: Mapped[MeetingSeries] = relationship(back_populates="slots")

    __table_args__ = (
        UniqueConstraint("series_id", "key"),
        CheckConstraint(_in("frequency", Frequency), name="frequency_valid"),
        CheckConstraint("duration_minutes > 0 AND duration_minutes <= 1440", name="duration"),
        CheckConstraint("interval >= 1", name="interval_positive"),
        CheckConstraint("count IS NULL OR count > 0", name="count_positive"),
        CheckConstraint("until IS NULL OR count IS NULL", name="until_or_count"),
        CheckConstraint("weekday IS NULL OR weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("setpos IS NULL OR setpos IN (-1, 1, 2, 3, 4)", name="setpos_range"),
    )

    def to_domain(self) -> Slot:
        """The pure recurrence slot this row describes."""
        return slot_of(self)


class Meeting(MeetingTexts, db.Model):
    """One meeting: an occurrence of a series, or a one-off meeting of a group.

    A row exists for an occurrence only once something is attached to it (attendance,
    agenda, minutes, a cancellation or a move); it is keyed by (slot, original start).
    ``start_dt``/``end_dt`` are the effective instants (override or the rule's own).
    """

    __tablename__ = "meetings"
    # What the feeds show of a meeting (meetbot.freshness): a change to these moves
    # the series' and the group's revisions; a row that only holds attendance, an
    # agenda or minutes (``in_feeds`` false) changes nothing when added or removed.
    # ``sequence`` (the iCal SEQUENCE of this occurrence) is content, set by services.
    __freshness__ = {
        "parents": ("series", "group"),
        "watch": (
            "start_dt",
            "end_dt",
            "timezone",
            "status",
            "title",
            "location",
            "is_moved",
            "change_reason",
            "work_stream_id",
        ),
        "visible": "in_feeds",
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="CASCADE")
    )
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("series_slots.id", ondelete="CASCADE"))
    original_start_local: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    start_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    end_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[MeetingStatus] = mapped_column(
        StrEnumType(MeetingStatus), default=MeetingStatus.SCHEDULED
    )
    # A one-off meeting can be tagged with a work stream (occurrences use the series' tags).
    work_stream_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_streams.id", ondelete="SET NULL"), index=True
    )
    # Overrides of the series' values for this occurrence (None: as the series says).
    title: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(500))
    is_moved: Mapped[bool] = mapped_column(default=False)
    # The slot's rule mark when this row is exactly an occurrence of its slot's rule
    # (original start generated, start and end the rule's), else None: kept by
    # services.occurrence_marks on every write, read by the feed render, which then
    # skips the rows that show nothing the rule does not (domain.rule_marks).
    rule_mark: Mapped[str | None] = mapped_column(String(16))
    # Shown to participants when the occurrence is cancelled, moved or retitled.
    change_reason: Mapped[str] = mapped_column(Text, default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    # Stable iCal UID of a one-off meeting (occurrences use their series' UID).
    uid_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid_token)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Optimistic lock for the agenda and minutes: a stale edit is refused, not merged.
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    # Self check-in link for people without accounts: only the hash is kept.
    checkin_token_hash: Mapped[str | None] = mapped_column(String(64))
    checkin_open_until_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SHA-256 of the last imported chat log (importing the same log again is a no-op).
    imported_log_sha256: Mapped[str | None] = mapped_column(String(64))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    group: Mapped[Group] = relationship()
    series: Mapped[MeetingSeries | None] = relationship(back_populates="meetings")
    slot: Mapped[SeriesSlot | None] = relationship()
    work_stream: Mapped[WorkStream | None] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}

    def in_feeds(self) -> bool:
        """Whether the feeds show this row: a one-off meeting, or an occurrence that
        differs from what its rule generates (cancelled, held, moved, retitled,
        relocated, with a reason)."""
        return (
            (self.series is None and self.series_id is None)
            or self.status != MeetingStatus.SCHEDULED
            or bool(self.is_moved)
            or self.title is not None
            or self.location is not None
            or bool(self.change_reason)
        )

    __table_args__ = (
        UniqueConstraint("slot_id", "original_start_local"),
        CheckConstraint(_in("status", MeetingStatus), name="status_valid"),
        CheckConstraint("end_dt > start_dt", name="ends_after_start"),
        CheckConstraint(
            "(series_id IS NULL AND slot_id IS NULL AND original_start_local IS NULL)"
            " OR (series_id IS NOT NULL AND slot_id IS NOT NULL"
            " AND original_start_local IS NOT NULL)",
            name="occurrence_key_complete",
        ),
        Index("ix_meetings_group_start", "group_id", "start_dt"),
        # A series' meetings by start; its trailing columns let the feed's per-series
        # aggregate (count, max id, latest updated_dt, sum of sequences:
        # services/feed_rows.py) read this index alone instead of every row.
        Index("ix_meetings_series_start", "series_id", "start_dt", "updated_dt", "sequence", "id"),
        # A group's held meetings: counted from this index alone, and the latest read in
        # order (attendance panels and report) instead of sorting the whole history.
        Index("ix_meetings_group_status_start", "group_id", "status", "start_dt"),
    )

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.start_dt:%Y-%m-%d %H:%M}Z {self.status}>"
