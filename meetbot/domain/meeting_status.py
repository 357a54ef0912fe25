"""A meeting's status as people see it at an instant, and which locations are call links.

Pure: the stored status (scheduled, cancelled, held) stays what the database holds;
"in progress" is derived from the clock, from the start until the end.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

IN_PROGRESS = "in_progress"
CANCELLED = "cancelled"


def live_status(status: str, start: datetime, end: datetime, now: datetime) -> str:
    """``status``, or ``in_progress`` while [start, end) holds ``now`` (not if cancelled)."""
    if status != CANCELLED and start <= now < end:
        return IN_PROGRESS
    return status


def join_url(location: str | None) -> str | None:
    """The location if it is a call link a Join button may open: an absolute http(s)
    URL with a host and no spaces; else None (a room name, ``javascript:``, text)."""
    text = (location or "").strip()
    if not text or any(c.isspace() for c in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return text
