"""Call participants that are not people: phones, rooms, note-taking bots.

A video-call export or a pasted list often holds "iPhone", "Beth's iPad",
"Conference Room B", "Edge WG Otter.ai" or "Fireflies.ai Notetaker".  They are
not members and must not be counted.  ``not_a_person`` says why a participant
is left out (or None for a person).

A rule is a phrase of one or more words; it matches when its words appear,
in order and side by side, among the words of the normalised name
(``names.normalize_name``: "Otter.ai" reads "otter ai").  A site adds its own
phrases with ``MEETBOT_NOT_PEOPLE`` (see docs/attendance.md); they are read as
bots/devices ("listed by this site").  An e-mail at a known bot domain
(``fred@fireflies.ai``) is a bot whatever the name says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from meetbot.domain.name_norm import normalize_name

__all__ = ["DEFAULT_RULES", "BOT_EMAIL_DOMAINS", "NotPeople"]

BOT = "note-taking or recording bot"
DEVICE = "a phone or device, not a person"
ROOM = "a meeting room, not a person"
DIAL_IN = "a dial-in number, not a person"
SITE = "on this site's not-a-person list"

DEFAULT_RULES: dict[str, str] = {
    # note-taking / recording bots
    "otter ai": BOT,
    "otter": BOT,
    "otterpilot": BOT,
    "fireflies": BOT,
    "fireflies ai": BOT,
    "read ai": BOT,
    "tldv": BOT,
    "tl dv": BOT,
    "fathom": BOT,
    "notetaker": BOT,
    "note taker": BOT,
    "meetgeek": BOT,
    "sembly": BOT,
    "airgram": BOT,
    "tactiq": BOT,
    "circleback": BOT,
    "avoma": BOT,
    "fellow app": BOT,
    "recorder": BOT,
    "recording bot": BOT,
    "bot": BOT,
    "ai assistant": BOT,
    "ai notetaker": BOT,
    "copilot": BOT,
    # phones and devices
    "iphone": DEVICE,
    "ipad": DEVICE,
    "android": DEVICE,
    "galaxy": DEVICE,
    "pixel": DEVICE,
    "phone": DEVICE,
    "mobile": DEVICE,
    "macbook": DEVICE,
    "laptop": DEVICE,
    "desktop": DEVICE,
    # rooms and room systems
    "room": ROOM,
    "conference room": ROOM,
    "meeting room": ROOM,
    "boardroom": ROOM,
    "zoom room": ROOM,
    "teams room": ROOM,
    "polycom": ROOM,
    "webex room": ROOM,
    "huddle": ROOM,
    # dial-in
    "call in user": DIAL_IN,
    "dial in": DIAL_IN,
    "dial in user": DIAL_IN,
    "telephone user": DIAL_IN,
}

BOT_EMAIL_DOMAINS = frozenset(
    {"otter.ai", "fireflies.ai", "read.ai", "tldv.io", "fathom.video", "meetgeek.ai"}
)

# "+1 555 0100", "0049 30 1234567", "(555) 010-0100": mostly digits.
_PHONE_RE = re.compile(r"^[+(]?[\d\s().\-*#]{6,}$")


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(normalize_name(text).split())


class NotPeople:
    """The default rules plus a site's extra phrases, compiled once."""

    def __init__(self, extra: Iterable[str] = ()) -> None:
        self._rules: dict[tuple[str, ...], str] = {}
        for text, reason in DEFAULT_RULES.items():
            self._rules[_phrase(text)] = reason
        for text in extra:
            phrase = _phrase(text)
            if phrase:
                self._rules.setdefault(phrase, SITE)
        self._longest = max((len(p) for p in self._rules), default=0)

    def reason(self, name: str | None, email: str | None = None) -> str | None:
        """Why this participant is not a person, or None when it may be one."""
        if email and email.rpartition("@")[2].casefold() in BOT_EMAIL_DOMAINS:
            return BOT
        if not name:
            return None
        if _PHONE_RE.match(name.strip()):
            return DIAL_IN
        words = normalize_name(name).split()
        for size in range(min(self._longest, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                found = self._rules.get(tuple(words[start : start + size]))
                if found:
                    return found
        return None
