"""``#endmeeting`` in a channel, inside the line's transaction: the meeting's stored
lines are imported like a log (actions, owners, attendance of the people we know),
the handles nobody has wait for the chair (``chat.handles``), and the minutes go to
the group's list once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from meetbot.chat import handles
from meetbot.chat.lines import meeting_log_text, person_for_nick
from meetbot.extensions import db
from meetbot.mail import group_mail
from meetbot.models import ChatChannel, ChatLine, Meeting, MinuteItem
from meetbot.services import audit
from meetbot.services.errors import ValidationError
from meetbot.services.log_write import APPEND, PENDING, import_log_in_session

__all__ = ["end_meeting"]


def end_meeting(
    channel: ChatChannel, meeting: Meeting, bots: frozenset[str], base_url: str
) -> list[str]:
    """End the channel's running meeting; returns what the bot says."""
    db.session.flush()
    replies: list[str] = []
    try:
        with db.session.begin_nested():
            result = import_log_in_session(
                None,
                meeting,
                meeting_log_text(meeting.id),
                bots=bots,
                owner_overrides=None,
                version=None,
                existing=APPEND,
                unknown=PENDING,
                drop_past_cap=True,  # the log stays complete; the items stop at the cap
            )
            handles.add_pending(meeting, result.pending_nicks)
    except ValidationError as exc:  # past a cap of the log import (lines, size)
        replies.append(f"The minutes items are kept; actions and attendance were not taken: {exc}")
    _authors_for_live_items(meeting)
    last = _last_said(meeting)
    if meeting.series_id is None and last is not None and meeting.end_dt < last:
        meeting.end_dt = last
    audit.record(
        None, meeting.group, "meeting", meeting.id, "chat_meeting_ended", channel=channel.channel
    )
    channel.live_meeting, channel.start_line_id = None, None
    page = f"{base_url}/meetings/{meeting.id}"
    replies.append(
        f"Minutes: {page}/ · minutes text: {page}/minutes.txt · log: {page}/chat-log.txt"
    )
    if group_mail.minutes_mail_wanted(meeting.group):
        db.session.flush()
        if group_mail.queue_minutes_in_session(None, meeting):
            replies.append(f"The minutes are mailed to {meeting.group.mailing_list}.")
    return replies


def _last_said(meeting: Meeting) -> datetime | None:
    return db.session.scalar(
        select(ChatLine.said_dt)
        .where(ChatLine.meeting_id == meeting.id)
        .order_by(ChatLine.id.desc())
        .limit(1)
    )


def _authors_for_live_items(meeting: Meeting) -> None:
    """Items written live before the import linked nicks to people get them too."""
    for item in db.session.scalars(
        select(MinuteItem).where(
            MinuteItem.meeting_id == meeting.id,
            MinuteItem.author_id.is_(None),
            MinuteItem.author_nick.is_not(None),
        )
    ):
        item.author = person_for_nick(item.author_nick)
