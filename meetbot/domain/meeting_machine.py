"""MeetBot's commands as a pure state machine fed one chat line at a time.

``MeetingMachine.feed`` takes one line (nick, text, time) and returns a ``Step``: what
the line did to the meeting (started it, added or removed a minutes item, ended it)
and what a live bot should answer in the channel. ``parse_log`` (the log import)
and the live chat bot (``meetbot.chat``) both feed their lines through it, so a
meeting held live and the same log imported afterwards give the same minutes.

The rules are MeetBot's (see ``meetbot.domain.meetbot_log``'s docstring). The
commands are the table ``COMMANDS``: name -> (handler, chairs only, help text).
Live-only deviations from MeetBot, which never change the minutes:

* A non-chair's chair-only command is refused politely (MeetBot ignores it silently).
* ``#lurk`` / ``#unlurk`` (chairs) make the bot stop / start answering in the channel.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from meetbot.domain.chat_line import ChatLine, LineClock, split_line
from meetbot.domain.meetbot_log import (
    DEFAULT_BOTS,
    URL_PROTOCOLS,
    Caps,
    LogItem,
    LogParseError,
    ParsedMeeting,
    find_url,
    log_lines,
    split_nicks,
)

__all__ = ["COMMANDS", "COMMAND_RE", "MeetingMachine", "Step", "parse_log"]

COMMAND_RE = re.compile(r"#(\w+)[ \t]*(.*)", re.DOTALL)

Stamp = datetime | time | None


@dataclass
class Step:
    """What one line did. ``replies`` are what a live bot says (none while lurking)."""

    counted: bool = False  # the line belongs to the meeting (lines said)
    started: bool = False
    ended: bool = False
    added: LogItem | None = None
    removed: LogItem | None = None
    topic: str | None = None  # a chair's #topic: the channel topic to set
    replies: list[str] = field(default_factory=list)
    stop: bool = False  # a second meeting starts: a log import stops reading here
    warning: str | None = None


@dataclass
class _Ctx:
    nick: str
    rest: str
    line: ChatLine
    step: Step


Handler = Callable[["MeetingMachine", _Ctx], None]


class MeetingMachine:
    """The state of one meeting in one channel, as MeetBot keeps it."""

    def __init__(self, *, bots: frozenset[str] = frozenset()) -> None:
        self.bot_set = {b.casefold() for b in bots}
        self.caps = Caps()
        self.owner: str | None = None
        self.start: Stamp = None
        self.end: Stamp = None
        self.start_line = 0
        self.end_line: int | None = None
        self.ended = False
        self.name: str | None = None
        self.meetingname: str | None = None
        self.chairs: list[str] = []  # MeetBot's M.chairs (owner kept separately)
        self.items: list[LogItem] = []
        self.speakers: dict[str, int] = {}
        self.declared: list[str] = []
        self._declared_set: set[str] = set()
        self.warnings: list[str] = []
        self.last_time: Stamp = None
        self.lurking = False

    # ------------------------------------------------------------ state

    @property
    def running(self) -> bool:
        return self.owner is not None and not self.ended

    def is_chair(self, nick: str) -> bool:
        return nick == self.owner or nick in self.chairs

    def all_chairs(self) -> list[str]:
        if self.owner is None:
            return []
        return [self.owner] + [c for c in self.chairs if c != self.owner]

    def _declare(self, nick: str, number: int) -> None:
        self.caps.nick(nick, number)
        if nick not in self._declared_set:
            self._declared_set.add(nick)
            self.declared.append(nick)

    def _warn(self, step: Step, message: str) -> None:
        self.warnings.append(message)
        step.warning = message

    # ------------------------------------------------------------ feeding

    def feed(self, line: ChatLine) -> Step:
        """Apply one chat line. Raises ``LogParseError`` past a cap (nicks, actions)."""
        step = Step()
        if line.nick.casefold() in self.bot_set:
            return step
        match = None if line.is_action else COMMAND_RE.match(line.text)
        command = match.group(1).lower() if match else None
        rest = match.group(2).strip() if match else ""
        if self.ended:
            if command == "startmeeting":
                self._warn(
                    step,
                    f"line {line.number}: another meeting starts after #endmeeting; "
                    "only the first meeting was read",
                )
                step.stop = True
            return step
        if self.owner is None:
            if command != "startmeeting":
                return step  # talk before the meeting
            self.owner, self.start_line, self.start = line.nick, line.number, line.time
            self.name = rest or None
            step.started = True
        elif command == "startmeeting":
            # plugin.py: "Can't start another meeting, one is in progress." (not logged)
            self._warn(
                step, f"line {line.number}: #startmeeting ignored: a meeting is already running"
            )
            self._reply(step, "Can't start another meeting, one is in progress.")
            return step

        self.caps.nick(line.nick, line.number)
        self.speakers[line.nick] = self.speakers.get(line.nick, 0) + 1
        self.last_time = line.time
        step.counted = True
        if command is None:
            if not line.is_action and line.text.split("//")[0] in URL_PROTOCOLS:
                self._add(step, "link", line.text, line, find_url(line.text))
            return step
        entry = COMMANDS.get(command)
        if entry is None:
            return step  # unknown commands are talk
        handler, chair_only, _help = entry
        if chair_only and not self.is_chair(line.nick):
            self._warn(
                step,
                f"line {line.number}: #{command} by {line.nick} ignored: only chairs may use it",
            )
            self._reply(
                step,
                f"Sorry {line.nick}, only chairs can use #{command} "
                f"(chairs: {', '.join(self.all_chairs())}).",
            )
            return step
        handler(self, _Ctx(line.nick, rest, line, step))
        return step

    def _reply(self, step: Step, text: str) -> None:
        if not self.lurking:
            step.replies.append(text)

    def _add(self, step: Step, kind: str, text: str, line: ChatLine, url: str | None) -> None:
        item = LogItem(kind, text, line.nick, line.time, line.number, url)
        self.items.append(item)
        step.added = item

    # ------------------------------------------------------------ result

    def result(self) -> ParsedMeeting:
        """The meeting as MeetBot would record it (raises ``LogParseError`` when no
        meeting started)."""
        if self.owner is None:
            raise LogParseError("no #startmeeting found in the log")
        warnings = list(self.warnings)
        end, end_line = self.end, self.end_line
        if not self.ended:
            end, end_line = self.last_time, None
            warnings.append("no #endmeeting: the meeting runs to the end of the log")
        kept: list[LogItem] = []
        for item in self.items:
            if item.text.strip():
                kept.append(item)
            else:
                warnings.append(f"line {item.line}: empty #{item.kind} dropped")
        return ParsedMeeting(
            name=self.meetingname or self.name,
            owner=self.owner,
            start=self.start,
            end=end,
            chairs=self.all_chairs(),
            items=kept,
            speakers=dict(self.speakers),
            nicks_declared=list(self.declared),
            warnings=warnings,
            start_line=self.start_line,
            end_line=end_line,
            ended=self.ended,
        )


# ---------------------------------------------------------------- the commands


def _item(kind: str) -> Handler:
    def handle(m: MeetingMachine, c: _Ctx) -> None:
        url = find_url(c.rest) if kind == "link" else None
        if kind == "action":
            m.caps.action(c.line.number)
        m._add(c.step, kind, c.rest, c.line, url)
        if kind == "topic" and c.rest:
            c.step.topic = c.rest

    return handle


def _startmeeting(m: MeetingMachine, c: _Ctx) -> None:
    m._reply(
        c.step,
        f"Meeting started. The chair is {m.owner}. Type #commands for the commands; "
        "minutes appear on the meeting page as you go.",
    )


def _endmeeting(m: MeetingMachine, c: _Ctx) -> None:
    m.ended, m.end, m.end_line = True, c.line.time, c.line.number
    c.step.ended = True
    m._reply(c.step, "Meeting ended.")


def _chair(m: MeetingMachine, c: _Ctx) -> None:
    for chair in split_nicks(c.rest):
        m._declare(chair, c.line.number)
        if chair not in m.chairs:
            m.chairs.append(chair)
    m._reply(c.step, "Current chairs: " + " ".join(m.all_chairs()))


def _unchair(m: MeetingMachine, c: _Ctx) -> None:
    for chair in split_nicks(c.rest, r"\s+"):
        if chair in m.chairs:
            m.chairs.remove(chair)
    m._reply(c.step, "Current chairs: " + " ".join(m.all_chairs()))


def _nick(m: MeetingMachine, c: _Ctx) -> None:
    for declared in split_nicks(c.rest):
        m._declare(declared, c.line.number)


def _undo(m: MeetingMachine, c: _Ctx) -> None:
    if m.items:
        removed = m.items.pop()
        c.step.removed = removed
        m._reply(c.step, f"Removing item from minutes: #{removed.kind} {removed.text}".rstrip())


def _meetingname(m: MeetingMachine, c: _Ctx) -> None:
    if c.rest:
        m.meetingname = c.rest
        m._reply(c.step, f"The meeting name has been set to '{c.rest}'")


def _lurk(m: MeetingMachine, c: _Ctx) -> None:
    m.lurking = True


def _unlurk(m: MeetingMachine, c: _Ctx) -> None:
    m.lurking = False
    m._reply(c.step, "I am listening again.")


def _commands(m: MeetingMachine, c: _Ctx) -> None:
    names = sorted(COMMANDS)
    m._reply(c.step, "Available commands: " + " ".join("#" + n for n in names))


def _nothing(m: MeetingMachine, c: _Ctx) -> None:
    """MeetBot commands that do not change the minutes (#meetingtopic, #save)."""


#: name -> (handler, chairs only, what it does). Aliases share a handler.
COMMANDS: dict[str, tuple[Handler, bool, str]] = {
    "startmeeting": (_startmeeting, False, "start a meeting (you become its chair)"),
    "endmeeting": (_endmeeting, True, "end the meeting"),
    "topic": (_item("topic"), True, "start a new topic (sets the channel topic)"),
    "meetingtopic": (_nothing, True, "set the meeting's topic line"),
    "info": (_item("info"), False, "add an information item"),
    "idea": (_item("idea"), False, "add an idea"),
    "agreed": (_item("agreed"), True, "record a decision"),
    "agree": (_item("agreed"), True, "record a decision"),
    "accepted": (_item("accepted"), True, "record an acceptance"),
    "accept": (_item("accepted"), True, "record an acceptance"),
    "rejected": (_item("rejected"), True, "record a rejection"),
    "reject": (_item("rejected"), True, "record a rejection"),
    "help": (_item("help"), False, "record a call for help"),
    "halp": (_item("help"), False, "record a call for help"),
    "link": (_item("link"), False, "add a link"),
    "action": (_item("action"), False, "add an action item (nicks in it own it)"),
    "chair": (_chair, True, "add chairs"),
    "unchair": (_unchair, True, "remove chairs"),
    "undo": (_undo, True, "remove the last item"),
    "nick": (_nick, False, "declare nicks (for action owners)"),
    "meetingname": (_meetingname, False, "name the meeting"),
    "lurk": (_lurk, True, "the bot stops answering"),
    "unlurk": (_unlurk, True, "the bot answers again"),
    "commands": (_commands, False, "list the commands"),
    "save": (_nothing, False, "(minutes are saved as you go)"),
}


def parse_log(
    text: str,
    *,
    bots: frozenset[str] = DEFAULT_BOTS,
    default_date: date | None = None,
) -> ParsedMeeting:
    """Parse a chat log and return what MeetBot would record for its first meeting.

    ``bots`` are nicks whose lines are ignored (case-insensitive).
    ``default_date`` turns clock-only timestamps into datetimes (rolling over
    midnight); dates written in the log take precedence.
    Raises ``LogParseError`` when there is no ``#startmeeting`` or the log is
    past a cap (``MAX_LOG_CHARS``, ``MAX_LOG_LINES``, ``MAX_ACTIONS``,
    ``MAX_NICKS``, ``MAX_NICK_CHARS``).
    """
    lines = log_lines(text)
    clock = LineClock(default_date)
    machine = MeetingMachine(bots=bots)
    for number, raw in enumerate(lines, start=1):
        parsed = split_line(raw, number, clock)
        if parsed is None:
            continue
        if machine.feed(parsed).stop:
            break
    return machine.result()
