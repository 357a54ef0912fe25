"""Who attended a meeting, who sent regrets, and how we know."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetbot.extensions import db
from meetbot.models.groups import _in
from meetbot.models.meetings import Meeting
from meetbot.models.people import Person
from meetbot.models.types import StrEnumType, UTCDateTime, utcnow


class AttendanceKind(StrEnum):
    PRESENT = "present"
    REGRETS = "regrets"  # apologies sent: absent, but not silently


class AttendanceSource(StrEnum):
    ROSTER = "roster"
    PASTE = "paste"
    CSV = "csv"
    SELF = "self"  # "I'm here" by a logged-in member
    LINK = "link"  # the chair's check-in link, for people without accounts
    LOG = "log"  # a MeetBot chat log
    API = "api"
    DEMO = "demo"


class Attendance(db.Model):
    """One person's presence (or regrets) at one meeting: unique per pair."""

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[AttendanceKind] = mapped_column(
        StrEnumType(AttendanceKind), default=AttendanceKind.PRESENT
    )
    source: Mapped[AttendanceSource] = mapped_column(StrEnumType(AttendanceSource))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    recorded_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # From a video-call export (minutes in the call) or a chat log (lines said).
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    lines_said: Mapped[int | None] = mapped_column(Integer)

    meeting: Mapped[Meeting] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    recorded_by: Mapped[Person | None] = relationship(foreign_keys=[recorded_by_id])

    __table_args__ = (
        UniqueConstraint("meeting_id", "person_id"),
        # A person's attendance (it also serves every lookup by person_id alone). With
        # kind and meeting_id in the index, "was this person present at an earlier
        # meeting in scope" (first-time attendees, services/analytics.py) reads index
        # entries and meeting rows only, not attendance rows (~2x fewer random reads).
        Index("ix_attendance_person_kind_meeting", "person_id", "kind", "meeting_id"),
        CheckConstraint(_in("kind", AttendanceKind), name="kind_valid"),
        CheckConstraint(_in("source", AttendanceSource), name="source_valid"),
    )
