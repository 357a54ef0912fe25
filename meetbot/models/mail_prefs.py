"""What mail each person wants: reminders of the series they follow, action item mail."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from meetbot.extensions import db

# Lead times a person may pick for meeting reminders, in minutes (5 minutes to 2 days).
MIN_REMINDER_MINUTES, MAX_REMINDER_MINUTES = 5, 2880


class MailSettings(db.Model):
    """One person's mail choices. No row means the defaults (the column defaults).

    ``reminders``: mail before meetings of the series they follow (opt-in),
    ``reminder_minutes`` ahead. ``follow_member_series``: the series of their groups
    count as followed unless muted on the series page. ``actions``: ``each`` (a note
    when an item is assigned, a reminder the day before it is due and a note when it is
    overdue), ``digest`` (a weekly list of their open items) or ``off``.
    ``link_nonce`` is signed into every unsubscribe link: a new one revokes the old links.
    """

    __tablename__ = "mail_settings"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    reminders: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    reminder_minutes: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    follow_member_series: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    actions: Mapped[str] = mapped_column(String(10), default="each", server_default="each")
    link_nonce: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        CheckConstraint(
            f"reminder_minutes BETWEEN {MIN_REMINDER_MINUTES} AND {MAX_REMINDER_MINUTES}",
            name="reminder_minutes_range",
        ),
        CheckConstraint("actions IN ('each', 'digest', 'off')", name="actions_choice"),
    )


class SeriesFollow(db.Model):
    """A person follows a series (``following``) or mutes one of their groups' series."""

    __tablename__ = "series_follows"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    series_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="CASCADE"), primary_key=True
    )
    following: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")

    __table_args__ = (Index("ix_series_follows_series", "series_id"),)
