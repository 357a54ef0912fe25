"""What the meeting page reads of the chat bot: is the meeting live, the items added
after one the page already shows, the full log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select

from meetbot.chat.store import meeting_log_text
from meetbot.extensions import db
from meetbot.models import ChatChannel, ChatLine, Meeting, MinuteItem

__all__ = ["MAX_ITEMS_PER_POLL", "LiveItem", "has_log", "is_live", "items_after", "log_lines"]

#: Items one poll returns at most (the page asks again for the rest at once).
MAX_ITEMS_PER_POLL = 200


@dataclass(frozen=True)
class LiveItem:
    id: int
    kind: str
    text: str
    nick: str | None


def is_live(meeting: Meeting) -> bool:
    """A bot is running this meeting in a channel now."""
    return bool(
        db.session.scalar(select(exists().where(ChatChannel.live_meeting_id == meeting.id)))
    )


def has_log(meeting: Meeting) -> bool:
    return bool(db.session.scalar(select(exists().where(ChatLine.meeting_id == meeting.id))))


def items_after(meeting: Meeting, after: int) -> list[LiveItem]:
    """The meeting's minutes items with an id above ``after``, oldest first."""
    rows = db.session.execute(
        select(MinuteItem.id, MinuteItem.kind, MinuteItem.text, MinuteItem.author_nick)
        .where(MinuteItem.meeting_id == meeting.id, MinuteItem.id > after)
        .order_by(MinuteItem.id)
        .limit(MAX_ITEMS_PER_POLL)
    )
    return [LiveItem(*row) for row in rows]


def log_lines(meeting: Meeting) -> list[tuple[datetime, str, str, bool]]:
    """(said, nick, text, is_action) of every line said in the meeting."""
    rows = db.session.execute(
        select(ChatLine.said_dt, ChatLine.nick, ChatLine.text, ChatLine.is_action)
        .where(ChatLine.meeting_id == meeting.id)
        .order_by(ChatLine.id)
    )
    return [tuple(row) for row in rows]


def log_text(meeting: Meeting) -> str:
    return meeting_log_text(meeting.id)
