"""Join and leave times of call exports, and the minutes they really cover.

A participant who joins twice from two devices (laptop and phone) has two rows
whose times overlap; adding the rows' durations counts the overlap twice (two
joins of 10:00-11:00 and 10:19-11:00 made "101 minutes of a 60-minute call").
``covered_minutes`` counts every minute once: the length of the union of the
spans.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

__all__ = ["Span", "covered_minutes", "parse_call_time"]

Span = tuple[datetime, datetime]

# Zoom ("05/07/2024 02:00:03 PM"), Teams ("5/7/24, 2:00:03 PM"), ISO forms.
_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%y, %I:%M:%S %p",
    "%m/%d/%Y, %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%SZ",
    "%d.%m.%Y %H:%M:%S",
)


def parse_call_time(text: str) -> datetime | None:
    """A join/leave cell as a naive datetime (the export's own zone), or None."""
    s = " ".join((text or "").split())
    if not s:
        return None
    for fmt in _FORMATS:
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            continue
    return None


def covered_minutes(spans: Iterable[Span]) -> float:
    """Minutes covered by the union of the spans (overlaps counted once)."""
    total = 0.0
    end_so_far: datetime | None = None
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if end_so_far is None or start >= end_so_far:
            total += (end - start).total_seconds()
            end_so_far = end
        elif end > end_so_far:
            total += (end - end_so_far).total_seconds()
            end_so_far = end
    return round(total / 60, 4)
