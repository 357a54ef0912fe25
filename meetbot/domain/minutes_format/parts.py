"""The pieces of a minutes document and the text helpers every format shares."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from datetime import UTC, date, datetime

LABELS = {
    "topic": "TOPIC",
    "info": "INFO",
    "idea": "IDEA",
    "agreed": "AGREED",
    "accepted": "ACCEPTED",
    "rejected": "REJECTED",
    "help": "HELP",
    "link": "LINK",
    "action": "ACTION",
}


@dataclass(frozen=True)
class MinutesEntry:
    """One minutes item. ``time`` is an aware datetime (UTC) or None."""

    kind: str
    text: str
    author: str | None = None
    time: datetime | None = None


@dataclass(frozen=True)
class ActionEntry:
    """An action item: owners are display names; status open|done|dropped."""

    text: str
    owners: tuple[str, ...] = ()
    due: date | None = None
    status: str = "open"


@dataclass(frozen=True)
class AttendeeEntry:
    """Someone present; ``lines`` is the chat line count when known."""

    name: str
    lines: int | None = None


@dataclass(frozen=True)
class MinutesEmail:
    """Subject and plain-text body of an e-mail."""

    subject: str
    body: str


def as_utc(dt: datetime) -> datetime:
    """An aware UTC datetime (a naive one is taken to be UTC)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def one_line(text: str) -> str:
    return " ".join(str(text).split())


class Wrapper(textwrap.TextWrapper):
    # MeetBot's TextWrapper splits on whitespace only (never inside words or URLs).
    wordsep_re = re.compile(r"(\s+)")


def wrap(item: str, indent: int = 0) -> str:
    return Wrapper(
        width=72,
        initial_indent=" " * indent,
        subsequent_indent=" " * (indent + 2),
        break_long_words=False,
        break_on_hyphens=False,
    ).fill(item)


def label(kind: str) -> str:
    """The item kind as MeetBot prints it (``AGREED``)."""
    return LABELS.get(kind, kind.upper())


def action_suffix(action: ActionEntry) -> str:
    """`` (due 2024-05-01; done)``: the due date and a status other than open."""
    bits = []
    if action.due:
        bits.append(f"due {action.due.isoformat()}")
    if action.status and action.status != "open":
        bits.append(action.status)
    return f" ({'; '.join(bits)})" if bits else ""
