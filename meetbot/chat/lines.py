"""Stored chat lines as a MeetBot log: one line's layout, a meeting's whole log, and
who a nick is (by handle)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from meetbot.extensions import db
from meetbot.models import ChatLine, Person, PersonHandle

__all__ = ["meeting_log_text", "person_for_nick", "render_line"]


def render_line(said: datetime, nick: str, text: str, is_action: bool) -> str:
    """A stored line as a MeetBot log line (what the log download shows and what
    ``#endmeeting`` imports)."""
    stamp = said.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = " ".join(text.splitlines())
    return f"{stamp} * {nick} {body}" if is_action else f"{stamp} <{nick}> {body}"


def meeting_log_text(meeting_id: int) -> str:
    """The meeting's stored lines as a MeetBot log (the download and the import)."""
    rows = db.session.execute(
        select(ChatLine.said_dt, ChatLine.nick, ChatLine.text, ChatLine.is_action)
        .where(ChatLine.meeting_id == meeting_id)
        .order_by(ChatLine.id)
    )
    return "".join(render_line(*row) + "\n" for row in rows)


def person_for_nick(nick: str) -> Person | None:
    return db.session.scalar(
        select(Person).join(PersonHandle).where(PersonHandle.handle == nick.casefold())
    )
