"""Every line said in a mapped channel, stored as it arrives, run through MeetBot's
commands (``domain.meeting_machine``): the live meeting's minutes build up as the
chair types, and at ``#endmeeting`` the meeting's lines are imported like a log
(``services.log_write.import_log_in_session``), which adds the action items and
attendance, so a live meeting and the same log imported give the same result.

Each line is one transaction: the line, the meeting it starts, the item it adds or
the item ``#undo`` removes. A restarted bot (or the one that takes a channel over)
rebuilds a running meeting's state by replaying its stored lines.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, select

from meetbot.chat.ending import end_meeting
from meetbot.chat.lines import meeting_log_text, person_for_nick, render_line
from meetbot.domain.chat_line import LineClock, split_line
from meetbot.domain.meetbot_log import (
    DEFAULT_BOTS,
    LogItem,
    LogParseError,
)
from meetbot.domain.meeting_machine import MeetingMachine
from meetbot.domain.text import single_line
from meetbot.extensions import db
from meetbot.models import ChatChannel, ChatLine, Meeting, MinuteItem
from meetbot.services import chat_settings
from meetbot.services.db import unit_of_work
from meetbot.services.list_caps import max_minute_items, minute_item_count
from meetbot.services.log_attach import meeting_for_start_in_session
from meetbot.services.minute_rows import next_position
from meetbot.services.minutes import touch

__all__ = [
    "MAX_LINE_CHARS",
    "ChatStore",
    "LineOutcome",
    "map_channel",
    "meeting_log_text",
    "render_line",
]

#: One stored line, in characters (an IRC line is at most 512 bytes).
MAX_LINE_CHARS = 2_000


@dataclass
class LineOutcome:
    """What a line did: what to say in the channel, the topic to set."""

    line_id: int
    replies: list[str] = field(default_factory=list)
    topic: str | None = None
    meeting_id: int | None = None
    started: bool = False
    ended: bool = False


def map_channel(network: str, channel: str, group_slug: str, series_id: int | None = None) -> int:
    """The operator's mapping of ``channel`` on ``network`` to a group (made or
    re-pointed): ``services.chat_settings.map_channel_by_slug``."""
    return chat_settings.map_channel_by_slug(network, channel, group_slug, series_id)


class ChatStore:
    """Stores lines and keeps each channel's running meeting (one per bot process)."""

    def __init__(self, bot_nick: str, base_url: str) -> None:
        self.bots = DEFAULT_BOTS | {bot_nick.casefold()}
        self.base_url = base_url.rstrip("/")
        self._machines: dict[int, MeetingMachine] = {}
        self._told_full: set[int] = set()  # meetings whose channel heard "minutes full"

    def add_bot(self, nick: str) -> None:
        """The bot's nick on a network (it may get ``meetbot_``): its lines are not
        the meeting's."""
        if nick.casefold() not in self.bots:
            self.bots = self.bots | {nick.casefold()}
            self._machines.clear()

    def forget(self, channel_id: int) -> None:
        """Drop the cached state (another process may have written since)."""
        self._machines.pop(channel_id, None)

    def record(
        self,
        channel_id: int,
        nick: str,
        text: str,
        *,
        is_action: bool = False,
        said: datetime | None = None,
    ) -> LineOutcome:
        """Store one line and apply it to the channel's meeting, in one transaction."""
        said = (said or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        with unit_of_work():
            channel = db.session.get(ChatChannel, channel_id)
            line = ChatLine(
                channel_id=channel_id,
                nick=single_line(nick)[:100] or "?",
                text=text[:MAX_LINE_CHARS],
                is_action=is_action,
                said_dt=said,
                meeting_id=channel.live_meeting_id,
            )
            db.session.add(line)
            db.session.flush()
            outcome = LineOutcome(line.id, meeting_id=channel.live_meeting_id)
            machine = self._machine(channel, line.id)
            parsed = split_line(
                render_line(said, line.nick, line.text, is_action), line.id, LineClock(None)
            )
            if parsed is None:
                return outcome
            try:
                step = machine.feed(parsed)
            except LogParseError as exc:
                outcome.replies.append(f"Not recorded: {exc.message}.")
                return outcome
            outcome.replies, outcome.topic = list(step.replies), step.topic
            if step.started:
                self._start(channel, line, machine, outcome)
            meeting = channel.live_meeting
            if meeting is None:
                return outcome
            if step.added is not None and step.added.text.strip():
                self._add_within_cap(meeting, step.added, outcome)
            if step.removed is not None:
                _remove_item(meeting, step.removed)
            if step.ended:
                self._end(channel, meeting, outcome)
            else:
                touch(meeting)
        return outcome

    def close_meeting(self, channel_id: int) -> LineOutcome | None:
        """End the channel's running meeting without an ``#endmeeting`` (a chair who
        forgot it): as a log without one is imported. None when none runs."""
        with unit_of_work():
            channel = db.session.get(ChatChannel, channel_id)
            if channel is None or channel.live_meeting is None:
                return None
            outcome = LineOutcome(0, meeting_id=channel.live_meeting_id)
            self._end(channel, channel.live_meeting, outcome)
        return outcome

    # ------------------------------------------------------------ internals

    def _machine(self, channel: ChatChannel, before_id: int) -> MeetingMachine:
        machine = self._machines.get(channel.id)
        if machine is not None:
            return machine
        machine = MeetingMachine(bots=frozenset(self.bots))
        if channel.start_line_id is not None:
            clock = LineClock(None)
            lines = db.session.scalars(
                select(ChatLine)
                .where(
                    ChatLine.channel_id == channel.id,
                    ChatLine.id >= channel.start_line_id,
                    ChatLine.id < before_id,
                )
                .order_by(ChatLine.id)
            )
            for old in lines:
                parsed = split_line(
                    render_line(old.said_dt, old.nick, old.text, old.is_action), old.id, clock
                )
                if parsed is not None:
                    with suppress(LogParseError):  # refused when said, refused again
                        machine.feed(parsed)
        self._machines[channel.id] = machine
        return machine

    def _add_within_cap(self, meeting: Meeting, item: LogItem, outcome: LineOutcome) -> None:
        """Add the item, unless the minutes hold the cap of items (``services.list_caps``):
        then the line stays in the log only and the bot says so, once per meeting."""
        if minute_item_count(meeting.id) < max_minute_items():
            _add_item(meeting, item)
            return
        if meeting.id not in self._told_full:
            self._told_full.add(meeting.id)
            outcome.replies.append(
                f"The minutes are full ({max_minute_items():,} items, the most a meeting may "
                "have): new items are kept in the log only."
            )

    def _end(self, channel: ChatChannel, meeting: Meeting, outcome: LineOutcome) -> None:
        outcome.replies.extend(end_meeting(channel, meeting, frozenset(self.bots), self.base_url))
        self.forget(channel.id)
        outcome.ended = True

    def _start(
        self,
        channel: ChatChannel,
        line: ChatLine,
        machine: MeetingMachine,
        outcome: LineOutcome,
    ) -> None:
        meeting, _created = meeting_for_start_in_session(
            None,
            channel.group,
            line.said_dt,
            name=machine.name,
            series_id=channel.series_id,
            source="chat",
        )
        channel.live_meeting, channel.start_line_id = meeting, line.id
        line.meeting_id = meeting.id
        outcome.started, outcome.meeting_id = True, meeting.id
        outcome.replies.append(f"Minutes: {self.base_url}/meetings/{meeting.id}/")


def said_of(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None


def _add_item(meeting: Meeting, item: LogItem) -> None:
    db.session.add(
        MinuteItem(
            meeting=meeting,
            kind=item.kind,
            text=item.text,
            author=person_for_nick(item.nick),
            author_nick=item.nick[:100],
            said_dt=said_of(item.time),
            position=next_position(meeting),
        )
    )


def _remove_item(meeting: Meeting, item: LogItem) -> None:
    """Delete the minutes item ``#undo`` took back (the last one like it)."""
    item_id = db.session.scalar(
        select(MinuteItem.id)
        .where(
            MinuteItem.meeting_id == meeting.id,
            MinuteItem.kind == item.kind,
            MinuteItem.text == item.text,
            MinuteItem.author_nick == item.nick[:100],
            MinuteItem.said_dt == said_of(item.time),
        )
        .order_by(MinuteItem.position.desc())
        .limit(1)
    )
    if item_id is not None:
        db.session.execute(delete(MinuteItem).where(MinuteItem.id == item_id))
