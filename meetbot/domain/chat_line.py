"""One line of an IRC chat log: who said what, when (``split_line``). Lines are
``<nick> text`` or ``* nick text`` (/me) after an optional ``HH:MM[:SS]`` timestamp
(bracketed or not, optionally dated and zoned), or weechat's tab-separated lines;
IRC formatting codes are stripped; joins, parts and other client noise are not lines
said. ``LineClock`` dates clock-only timestamps and rolls them over midnight. The
log parser (``domain.meeting_machine.parse_log``) and the live chat bot read lines
through here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

__all__ = ["ChatLine", "LineClock", "split_line"]

# mIRC formatting: bold, colour (with optional fg,bg), hex colour, reset, reverse,
# italic, strike, monospace, underline.
_FORMATTING_RE = re.compile(
    r"\x03(?:\d{1,2}(?:,\d{1,2})?)?|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?|[\x02\x0f\x16\x1d\x1e\x11\x1f\x01]"
)

_TS = (
    r"(?:(?P<date>\d{4}-\d{2}-\d{2})[ T])?"
    r"(?P<time>\d{1,2}:\d{2}(?::\d{2})?)"
    r"(?:[.,]\d+)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?"
)
_TS_PREFIX_RE = re.compile(r"^\s*(?:\[\s*" + _TS + r"\s*\]|" + _TS.replace("?P<", "?P<b") + r")\s+")
_MSG_RE = re.compile(r"^<\s*[~&@%+]*\s*(?P<nick>[^>\s]+)\s*>\s?(?P<text>.*)$")
_ACTION_RE = re.compile(r"^\*\s+(?P<nick>[^\s*][^\s]*)\s*(?P<text>.*)$")
# weechat: "YYYY-MM-DD HH:MM:SS<TAB>prefix<TAB>message"
_WEECHAT_RE = re.compile(
    r"^(?P<ts>\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}:\d{2})\t(?P<prefix>[^\t]*)\t(?P<text>.*)$"
)
_WEECHAT_NOISE = {"-->", "<--", "--", "=!=", "-!-", ""}
# /me lines that are really client noise ("* alice has quit (Ping timeout)").
_ACTION_NOISE_RE = re.compile(
    r"^(?:has (?:joined|left|quit|parted)\b|is now known as\b|sets mode\b|"
    r"(?:has )?changed the topic\b|was kicked\b|quit\b|left\b|joined\b|"
    r"now talking\b|topic\b|mode\b)",
    re.IGNORECASE,
)
_MODE_CHARS = "~&@%+"


@dataclass
class ChatLine:
    """One line said: by ``nick`` (``is_action`` for /me), 1-based ``number``."""

    number: int
    nick: str
    text: str
    time: datetime | time | None
    is_action: bool


def _strip_mode(nick: str) -> str:
    return nick.lstrip(_MODE_CHARS)


class LineClock:
    """Turns parsed timestamps into datetimes, rolling over midnight."""

    def __init__(self, default_date: date | None) -> None:
        self.current_date = default_date
        self.last: time | None = None

    def stamp(
        self, date_s: str | None, time_s: str | None, tz_s: str | None
    ) -> datetime | time | None:
        if time_s is None:
            return None
        parts = [int(p) for p in time_s.split(":")]
        hour, minute = parts[0], parts[1]
        second = parts[2] if len(parts) > 2 else 0
        if hour > 23 or minute > 59 or second > 59:
            return None
        t = time(hour, minute, second)
        tzinfo = _parse_tz(tz_s)
        if date_s is not None:
            try:
                d = date.fromisoformat(date_s)
            except ValueError:
                return t
            self.current_date, self.last = d, t
            return datetime.combine(d, t, tzinfo=tzinfo)
        if self.current_date is None:
            return t
        # A clock time earlier than the previous line's means we passed midnight.
        if self.last is not None and t < self.last:
            self.current_date += timedelta(days=1)
        self.last = t
        return datetime.combine(self.current_date, t, tzinfo=tzinfo)


def _parse_tz(tz_s: str | None) -> timezone | None:
    if not tz_s:
        return None
    if tz_s == "Z":
        return UTC
    sign = 1 if tz_s[0] == "+" else -1
    digits = tz_s[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def split_line(raw: str, number: int, clock: LineClock) -> ChatLine | None:
    """Recognise one log line; None for noise (joins, parts, server lines)."""
    line = _FORMATTING_RE.sub("", raw).rstrip("\r\n")
    wm = _WEECHAT_RE.match(line)
    if wm:
        d, t = wm.group("ts").split(" ")
        stamp = clock.stamp(d, t, None)
        prefix = wm.group("prefix").strip()
        text = wm.group("text").strip()
        if prefix in _WEECHAT_NOISE:
            return None
        if prefix == "*":
            nick, _, rest = text.partition(" ")
            if not nick or _ACTION_NOISE_RE.match(rest):
                return None
            return ChatLine(number, _strip_mode(nick), rest.strip(), stamp, True)
        nick = _strip_mode(prefix)
        return ChatLine(number, nick, text, stamp, False) if nick else None

    stamp: datetime | time | None = None
    tm = _TS_PREFIX_RE.match(line)
    if tm:
        g = tm.groupdict()
        stamp = clock.stamp(g["date"] or g["bdate"], g["time"] or g["btime"], g["tz"] or g["btz"])
        body = line[tm.end() :]
    else:
        body = line.strip()
    body = body.strip()
    mm = _MSG_RE.match(body)
    if mm:
        nick = _strip_mode(mm.group("nick").strip())
        if not nick:
            return None
        return ChatLine(number, nick, mm.group("text").strip(), stamp, False)
    am = _ACTION_RE.match(body)
    if am:
        rest = am.group("text").strip()
        if _ACTION_NOISE_RE.match(rest):
            return None
        nick = _strip_mode(am.group("nick"))
        return ChatLine(number, nick, rest, stamp, True) if nick else None
    return None
