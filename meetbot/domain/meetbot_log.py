"""Parse a MeetBot-style IRC meeting log into minutes items.

This module holds what a parsed log is (``ParsedMeeting``, ``LogItem``), its caps
and MeetBot's owner rule; lines are read by ``meetbot.domain.chat_line``; the
commands themselves are the table in ``meetbot.domain.meeting_machine``, a state
machine fed one line at a time, which the live chat bot (``meetbot.chat``) feeds too:
one set of rules for both paths.

The rules follow Richard Darst's MeetBot (the supybot plugin used by Debian,
OpenStack and Fedora), read from its ``meeting.py``, ``items.py``,
``writers.py``, ``plugin.py`` and ``Manual.txt``:

* A meeting starts at the first ``#startmeeting`` line; its speaker is the
  *owner* and always a chair.  A second ``#startmeeting`` while a meeting runs
  is refused ("Can't start another meeting") and not counted as a line.
* Every line said during the meeting (commands included, the
  ``#startmeeting`` and ``#endmeeting`` lines included) counts towards
  "People present (lines said)".
* Commands are ``#word rest`` at the very start of the line (MeetBot's
  ``command_RE = #([\\w]+)[ \\t]*(.*)`` with ``re.match``); the command name is
  case-insensitive; unknown commands are ordinary talk.
* Chairs only (MeetBot's ``isChair``: the owner or a nick added by
  ``#chair``, compared exactly): ``#endmeeting``, ``#topic``, ``#agreed`` /
  ``#agree``, ``#accepted`` / ``#accept``, ``#rejected`` / ``#reject``,
  ``#chair``, ``#unchair``, ``#undo``, ``#meetingtopic``.  A non-chair's use is
  ignored silently by MeetBot; we ignore it too and record a warning.
* Anyone: ``#info``, ``#idea``, ``#action``, ``#help`` / ``#halp``,
  ``#link``, ``#nick``, ``#meetingname`` (the manual says chairs only, but
  MeetBot's code never checks; we follow the code).
* ``#chair`` / ``#nick`` take nicks separated by commas and/or spaces and make
  them known with 0 lines; ``#unchair`` takes space-separated nicks and can't
  remove the owner.
* ``#undo`` (chairs) removes the last minutes item, whatever its kind.
* A line that *starts* with ``http://``, ``https://``, ``irc://``,
  ``ftp://``, ``mailto://`` or ``ssh://`` (MeetBot's
  ``line.split('//')[0] in UrlProtocols``) becomes a link item; URLs in the
  middle of a line do not.
* ``/me`` action lines (``* nick text``) count as lines said but never run
  commands (MeetBot prefixes them with ``ACTION``).
* Action owners: every known nick (speakers, ``#nick`` and ``#chair`` nicks)
  that appears in the action text as a whole word, case-insensitively
  (MeetBot's ``makeNickRE``: ``\\b`` + nick + ``\\b``, ``re.IGNORECASE``).

Deliberate deviations (each documented where it happens):

* ``#link`` finds its URL anywhere in the text (OpenStack's fix), not only as
  the first word.
* ``#startmeeting`` is recognised case-insensitively like every other
  command (the plugin compares ``payload[:13] == '#startmeeting'``).
* Nick word boundaries use ``(?<!\\w)``/``(?!\\w)`` instead of ``\\b`` so that
  nicks ending in ``]`` or ``|`` (``alice[m]``, ``bob|away``) still match.
* IRC formatting codes (bold, colours, ...) are stripped before parsing.
* Items left with empty text (``#info`` with nothing after it) are dropped at
  the end (after ``#undo`` was applied with MeetBot's semantics) with a warning.
* Lines of configured bots (``bots``) are ignored completely.
* With no ``#endmeeting`` the meeting runs to the end of the log (warning).
* ``name`` is the ``#meetingname`` text (else the ``#startmeeting`` text) as
  written; MeetBot lower-cases and underscores it only for file names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import cached_property
from typing import TypeVar

from meetbot.domain.nick_match import OwnerIndex, OwnerMatchTooCostly

__all__ = [
    "DEFAULT_BOTS",
    "ITEM_KINDS",
    "MAX_ACTIONS",
    "MAX_LOG_CHARS",
    "MAX_LOG_LINES",
    "MAX_NICKS",
    "MAX_NICK_CHARS",
    "URL_PROTOCOLS",
    "Caps",
    "LogItem",
    "LogParseError",
    "OwnerIndex",
    "ParsedMeeting",
    "action_owners",
    "find_url",
    "log_lines",
    "nick_pattern",
    "split_nicks",
]

T = TypeVar("T")

#: Nicks of meeting bots (compared case-insensitively); their lines are ignored.
DEFAULT_BOTS: frozenset[str] = frozenset(
    {
        "meetbot",  # Debian / upstream MeetBot
        "meetbot_",
        "openstack",  # OpenStack's MeetBot instance
        "openstackgerrit",
        "opendevmeet",  # OpenDev's MeetBot after the Limnoria move
        "opendevreview",
        "zodbot",  # Fedora
        "meetingology",  # Ubuntu
        "ubottu",
        "ubotu",
        "collabot",  # OpenDaylight / LF
        "lfbot",
        "limnoria",
        "supybot",
        "chanserv",
        "nickserv",
    }
)

#: Kinds of items a log can produce, in MeetBot's vocabulary.
ITEM_KINDS: tuple[str, ...] = (
    "topic",
    "info",
    "idea",
    "agreed",
    "accepted",
    "rejected",
    "help",
    "link",
    "action",
)

MAX_LOG_CHARS = 5_000_000
#: Caps a real meeting never reaches (a busy two-hour meeting: ~1,500 lines, ~60
#: nicks, ~40 actions; a whole day of a busy channel: ~10,000 lines). They bound
#: the work one log can ask for; the bench imports 1,000 actions by 1,000 nicks.
MAX_LOG_LINES = 100_000
MAX_ACTIONS = 2_000
MAX_NICKS = 2_000
MAX_NICK_CHARS = 100

# MeetBot's Config.UrlProtocols (matched against ``line.split('//')[0]``).
URL_PROTOCOLS = ("http:", "https:", "irc:", "ftp:", "mailto:", "ssh:")
_URL_RE = re.compile(r"(?:https?|irc|ftp|ssh)://[^\s<>\"]+|mailto:[^\s<>\"]+", re.IGNORECASE)


class LogParseError(ValueError):
    """The text is not a usable meeting log; ``line`` is 1-based or None."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.message = message
        self.line = line


@dataclass(frozen=True)
class LogItem:
    """One minutes item from the log.

    ``time`` is a ``datetime`` when the log (or ``default_date``) gives a
    date, a ``time`` when it gives only a clock time, else None.  ``line`` is
    the 1-based line number in the input.  ``url`` is set for links.
    """

    kind: str
    text: str
    nick: str
    time: datetime | time | None
    line: int
    url: str | None = None


@dataclass
class ParsedMeeting:
    """What MeetBot would have recorded for the first meeting in a log."""

    name: str | None
    owner: str
    start: datetime | time | None
    end: datetime | time | None
    chairs: list[str]
    items: list[LogItem]
    speakers: dict[str, int]
    nicks_declared: list[str]
    warnings: list[str] = field(default_factory=list)
    start_line: int = 0
    end_line: int | None = None
    ended: bool = False

    def people_present(self) -> dict[str, int]:
        """MeetBot's "People present (lines said)": speakers plus declared nicks
        with 0 lines, most lines first (ties by nick, case-insensitively)."""
        counts = dict(self.speakers)
        for nick in self.nicks_declared:
            counts.setdefault(nick, 0)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold(), kv[0])))

    def actions(self) -> list[LogItem]:
        """The action items, in order."""
        return [i for i in self.items if i.kind == "action"]

    @cached_property
    def owner_index(self) -> OwnerIndex[str]:
        """The known nicks (people present), for matching action owners."""
        return OwnerIndex({n: n for n in self.people_present()})

    def action_owner_nicks(self, item: LogItem) -> list[str]:
        """Nicks MeetBot would file ``item`` under in "Action items, by person".

        Raises ``LogParseError`` (at the item's line) when matching is too costly."""
        try:
            return self.owner_index.owners(item.text)
        except OwnerMatchTooCostly as exc:
            raise LogParseError(str(exc), line=item.line) from None


def nick_pattern(nick: str) -> re.Pattern[str]:
    """Whole-word, case-insensitive pattern for ``nick`` (MeetBot's makeNickRE).

    MeetBot uses ``\\b`` on both sides; we use "no word character" lookarounds,
    which is the same for nicks that start and end with a word character and
    also works for nicks like ``alice[m]``.  (``OwnerIndex`` applies the same
    rule to all nicks at once; this pattern is the reference it is tested against.)
    """
    return re.compile(r"(?<!\w)" + re.escape(nick) + r"(?!\w)", re.IGNORECASE)


def action_owners(text: str, handles: Mapping[str, T]) -> list[T]:
    """Values of ``handles`` whose key (a nick) occurs in ``text`` as a whole
    word, case-insensitively, in MeetBot's order (nicks sorted
    case-insensitively); each value appears once.

    For many actions over the same nicks build one ``OwnerIndex`` instead: this
    builds it for one text."""
    return OwnerIndex(handles).owners(text)


class Caps:
    """Counts what a log asks for and raises ``LogParseError`` past a cap."""

    def __init__(self) -> None:
        self.nicks: set[str] = set()
        self.actions = 0

    def nick(self, nick: str, line: int) -> None:
        if nick in self.nicks:
            return
        if len(nick) > MAX_NICK_CHARS:
            raise LogParseError(
                f"the nick {nick[:20]!r}... is longer than {MAX_NICK_CHARS} characters",
                line=line,
            )
        self.nicks.add(nick)
        if len(self.nicks) > MAX_NICKS:
            raise LogParseError(f"more than {MAX_NICKS} different nicks in one meeting", line=line)

    def action(self, line: int) -> None:
        self.actions += 1
        if self.actions > MAX_ACTIONS:
            raise LogParseError(f"more than {MAX_ACTIONS} #action items in one meeting", line=line)


def log_lines(text: str) -> list[str]:
    if not isinstance(text, str):
        raise LogParseError("the log must be text")
    if len(text) > MAX_LOG_CHARS:
        raise LogParseError(f"the log is too large ({len(text)} characters, limit {MAX_LOG_CHARS})")
    lines = text.split("\n")
    if len(lines) > MAX_LOG_LINES:
        raise LogParseError(f"the log has more than {MAX_LOG_LINES} lines", line=MAX_LOG_LINES + 1)
    return lines


def split_nicks(text: str, pattern: str = r"[, ]+") -> list[str]:
    return [n.strip() for n in re.split(pattern, text.strip()) if n.strip()]


def find_url(text: str) -> str | None:
    m = _URL_RE.search(text)
    if not m:
        return None
    # Trailing sentence punctuation is not part of the URL (OpenStack's rule).
    return m.group(0).rstrip(".,;:!?)'\"")
