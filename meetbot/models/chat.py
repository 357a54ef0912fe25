"""The live chat bot's records: channels mapped to groups, every line said, leases."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetbot.extensions import db
from meetbot.models.groups import Group
from meetbot.models.meetings import Meeting, MeetingSeries
from meetbot.models.types import StrEnumType, UTCDateTime, utcnow


class ChatAuth(StrEnum):
    """How the bot proves its nick on a network."""

    NONE = "none"
    SASL = "sasl"
    NICKSERV = "nickserv"


class ChatNetwork(db.Model):
    """A chat network an organizer configured for a group: where the bot connects and
    as whom. ``server`` is the URL without credentials (``ircs://host:6697``; the
    scheme says TLS), the key ``ChatChannel.network`` uses. ``password`` is a secret:
    stored as given (like a webhook's secret) and never shown back, only "set"."""

    __tablename__ = "chat_networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    server: Mapped[str] = mapped_column(String(200))
    nick: Mapped[str] = mapped_column(String(30))
    auth: Mapped[ChatAuth] = mapped_column(StrEnumType(ChatAuth), default=ChatAuth.NONE)
    password: Mapped[str | None] = mapped_column(String(200))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group] = relationship()

    __table_args__ = (
        UniqueConstraint("group_id", "server"),
        CheckConstraint(
            "auth IN (" + ", ".join(f"'{a.value}'" for a in ChatAuth) + ")", name="auth_valid"
        ),
    )


class ChatChannel(db.Model):
    """A chat channel mapped to a group (and optionally a series).

    ``network`` is the server URL without credentials (``irc://host:6667``). While a
    meeting runs, ``live_meeting_id`` is its meeting and ``start_line_id`` the line
    that started it (a restarted bot replays the lines from there)."""

    __tablename__ = "chat_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(100))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="SET NULL")
    )
    live_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    start_line_id: Mapped[int | None] = mapped_column(Integer)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group] = relationship()
    series: Mapped[MeetingSeries | None] = relationship()
    live_meeting: Mapped[Meeting | None] = relationship()

    __table_args__ = (UniqueConstraint("network", "channel"),)


class ChatLine(db.Model):
    """One line said in a mapped channel, stored as it arrives (the full log)."""

    __tablename__ = "chat_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("chat_channels.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    nick: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    is_action: Mapped[bool] = mapped_column(Boolean, default=False)
    said_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_chat_lines_channel_id_id", "channel_id", "id"),
        Index("ix_chat_lines_meeting_id_id", "meeting_id", "id"),
    )


class ChatLease(db.Model):
    """Which bot process answers in a channel, until ``expires_dt`` (renewed while alive).

    Not watched by the change notifications: renewals change nothing a page shows."""

    __tablename__ = "chat_leases"

    channel_id: Mapped[int] = mapped_column(
        ForeignKey("chat_channels.id", ondelete="CASCADE"), primary_key=True
    )
    holder: Mapped[str] = mapped_column(String(100))
    expires_dt: Mapped[datetime] = mapped_column(UTCDateTime)


class ChatPendingHandle(db.Model):
    """A nick that spoke (or was named) in a chat meeting and is nobody's handle: it
    waits for the chair's choice (a person suggested, a new person, or skip) instead
    of becoming a new person at ``#endmeeting``."""

    __tablename__ = "chat_pending_handles"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    nick: Mapped[str] = mapped_column(String(100))
    lines: Mapped[int] = mapped_column(Integer, default=0)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("meeting_id", "nick"),)
