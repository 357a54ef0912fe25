"""What a yaml2ical meeting file holds: its parsed form, keys, frequencies and chairs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from meetbot.domain.recurrence import Slot

DEFAULT_START_DATE = date(2021, 1, 4)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
# frequency -> (weeks between meetings, ISO week residue or None)
WEEKLY_KINDS: dict[str, tuple[int, int | None]] = {
    "weekly": (1, None),
    "biweekly-odd": (2, 1),
    "biweekly-even": (2, 0),
    "quadweekly": (4, 0),
    "quadweekly-week-1": (4, 1),
    "quadweekly-week-2": (4, 2),
    "quadweekly-week-3": (4, 3),
    "quadweekly-alternate": (4, 2),
}
MONTHLY_KINDS: dict[str, tuple[int, int]] = {
    f"{ordinal}-{day.lower()}": (pos, wd)
    for ordinal, pos in _ORDINALS.items()
    for wd, day in enumerate(WEEKDAYS)
}


FREQUENCIES: frozenset[str] = frozenset({*WEEKLY_KINDS, *MONTHLY_KINDS, "adhoc"})
FILE_KEYS = {"project", "meeting_id", "description", "agenda_url", "project_url", "chair"}
FILE_KEYS |= {"schedule", "timezone"}


SCHEDULE_KEYS = {
    "time",
    "day",
    "irc",
    "matrix",
    "frequency",
    "start_date",
    "duration",
    "skip_dates",
    "chair",
    "timezone",
}
TIME_RE = re.compile(r"^([01]?\d|2[0-3])([0-5]\d)$")
_CHAIR_RE = re.compile(r"^(?P<name>.*?)\s*\((?P<handle>[^()]*)\)\s*$")
Chair = tuple[str, str | None]


class IrcMeetingsError(ValueError):
    """A meeting file that cannot be read; names the file, the line and the problem."""

    def __init__(self, message: str, filename: str, line: int | None = None) -> None:
        where = filename if line is None else f"{filename}:{line}"
        super().__init__(f"{where}: {message}")
        self.message = message
        self.filename = filename
        self.line = line


@dataclass(frozen=True)
class ScheduleDefinition:
    """One entry of a file's ``schedule`` list.

    slot: the recurrence (None for adhoc: no fixed date, no occurrences).
    location: "#channel" for irc, the room as written for matrix.
    frequency: the original yaml2ical string. time: "HHMM" as normalised.
    skip_dates: (local date, reason). chairs: this schedule's own ``chair``
    or None (then the file's chairs apply). warnings: human sentences.
    """

    index: int
    line: int
    slot: Slot | None
    day: str
    time: str
    timezone: str
    duration_minutes: int
    location: str
    location_kind: str
    frequency: str
    adhoc: bool
    start_date: date | None
    skip_dates: list[tuple[date, str]] = field(default_factory=list)
    chairs: list[Chair] | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MeetingDefinition:
    """One parsed meeting file.

    meeting_id is None when the file has none (yaml2ical treats it as optional);
    ``filename`` (as passed in) is then the stable identity. timezone is the
    file-level extension or None. extras: other top-level keys, as plain data.
    """

    filename: str
    project: str
    meeting_id: str | None
    description: str
    agenda_url: str | None
    project_url: str | None
    chairs: list[Chair]
    timezone: str | None
    schedules: list[ScheduleDefinition]
    extras: dict[str, object] = field(default_factory=dict)


def parse_chairs(text: str) -> list[Chair]:
    """Parse "Name (nick), Name (nick), Name" into [(name, nick | None), ...].

    Commas inside parentheses do not split; empty parts are dropped; a part
    without parentheses has no handle.
    """
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    chairs: list[Chair] = []
    for raw in parts:
        part = " ".join(raw.split())
        if not part:
            continue
        match = _CHAIR_RE.match(part)
        if match and match["handle"].strip():
            chairs.append(
                (match["name"].strip() or match["handle"].strip(), match["handle"].strip())
            )
        else:
            chairs.append((part, None))
    return chairs
