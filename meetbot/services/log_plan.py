"""The preview of a MeetBot log import: what importing a log would write (reads only).

``plan_import`` parses the log (``domain.meeting_machine``), links the nicks present
to known people by handle and proposes each ``#action``'s owners by MeetBot's rule
(``domain.nick_match.OwnerIndex``). The chair confirms this plan; writing it is
``services.log_write``, and ``services.log_import`` holds the whole import's rules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import NoReturn

from sqlalchemy import select

from meetbot.domain.meetbot_log import (
    DEFAULT_BOTS,
    LogItem,
    LogParseError,
    OwnerIndex,
    ParsedMeeting,
)
from meetbot.domain.meeting_machine import parse_log
from meetbot.domain.nick_match import OwnerMatchTooCostly
from meetbot.extensions import db
from meetbot.models import Person, PersonHandle
from meetbot.services.errors import ValidationError
from meetbot.services.list_caps import max_minute_items

__all__ = [
    "ImportPlan",
    "PlannedAction",
    "PlannedAttendee",
    "log_sha256",
    "plan_import",
    "said_at",
]


def log_sha256(text: str) -> str:
    """The fingerprint of a log (line endings normalised, so a CRLF copy is the same)."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


@dataclass
class PlannedAttendee:
    """A nick in "people present": who it is (``person_id`` None: a new person)."""

    nick: str
    lines: int
    person_id: int | None
    person_name: str | None

    @property
    def token(self) -> str:
        return f"p:{self.person_id}" if self.person_id is not None else f"n:{self.nick}"


@dataclass
class PlannedAction:
    """An ``#action``: its text and the owners MeetBot's rule proposes (tokens
    ``p:<person id>`` or ``n:<nick>`` for a person the import would create)."""

    index: int
    text: str
    nick: str
    line: int
    owner_tokens: list[str]
    owner_names: list[str]

    @property
    def flagged(self) -> bool:
        return not self.owner_tokens


@dataclass
class ImportPlan:
    """What importing a log would write."""

    sha256: str
    parsed: ParsedMeeting
    items: list[LogItem]
    actions: list[PlannedAction]
    attendees: list[PlannedAttendee]
    start: datetime | None
    end: datetime | None

    @property
    def warnings(self) -> list[str]:
        return self.parsed.warnings

    @property
    def topics(self) -> list[LogItem]:
        return [i for i in self.items if i.kind == "topic"]

    @property
    def new_nicks(self) -> list[str]:
        return [a.nick for a in self.attendees if a.person_id is None]


def said_at(value: datetime | time | None, day: date | None) -> datetime | None:
    """An instant from a log timestamp; naive values are UTC (MeetBot's default), a
    clock time alone is on ``day`` (None without a day)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if day is None:
        return None
    return datetime.combine(day, value, tzinfo=UTC)


def _parse(text: str, default_date: date | None, bots: frozenset[str] | None) -> ParsedMeeting:
    try:
        return parse_log(
            text, bots=bots if bots is not None else DEFAULT_BOTS, default_date=default_date
        )
    except LogParseError as exc:
        _parse_error(exc)


def _parse_error(exc: LogParseError) -> NoReturn:
    fields = {"log": exc.message}
    if exc.line is not None:
        fields["line"] = str(exc.line)
    raise ValidationError(f"This is not a usable meeting log: {exc}.", fields) from None


def _handle_index(nicks: Sequence[str]) -> dict[str, Person]:
    """Known people by lower-cased handle, for the given nicks."""
    keys = sorted({n.casefold() for n in nicks})
    if not keys:
        return {}
    rows = db.session.execute(
        select(PersonHandle.handle, Person)
        .join(Person, Person.id == PersonHandle.person_id)
        .where(PersonHandle.handle.in_(keys))
    )
    return {handle: person for handle, person in rows}


def _owner_handles(
    attendees: Sequence[PlannedAttendee], people: Mapping[int, Person]
) -> dict[str, str]:
    """nick/handle/alias -> owner token, for everyone present (MeetBot: known nicks)."""
    tokens: dict[str, str] = {}
    for a in attendees:
        tokens[a.nick] = a.token
        if a.person_id is not None:
            for h in people[a.person_id].handles:
                tokens.setdefault(h.handle, a.token)
    return tokens


def check_item_cap(items: Sequence[LogItem]) -> None:
    """Refuse a log with more minute items than a meeting may hold (the line of the
    first one past the cap; ``services.list_caps``)."""
    cap = max_minute_items()
    if len(items) > cap:
        _parse_error(
            LogParseError(f"more than {cap:,} minute items in one meeting", line=items[cap].line)
        )


def plan_import(
    text: str,
    *,
    default_date: date | None = None,
    bots: frozenset[str] | None = None,
    cap_items: bool = True,
) -> ImportPlan:
    """Parse ``text`` and propose owners and attendance (reads only).

    Raises ValidationError (fields ``log`` and, when known, ``line``) for a text
    that is not a meeting log (e.g. no ``#startmeeting``) or, with ``cap_items``,
    holds more minute items than a meeting may have."""
    parsed = _parse(text, default_date, bots)
    if cap_items:
        check_item_cap(parsed.items)
    present = parsed.people_present()
    known = _handle_index(list(present))
    attendees = [
        PlannedAttendee(
            nick=nick,
            lines=lines,
            person_id=known[nick.casefold()].id if nick.casefold() in known else None,
            person_name=known[nick.casefold()].display_name if nick.casefold() in known else None,
        )
        for nick, lines in present.items()
    ]
    people = {p.id: p for p in known.values()}
    owner_index = OwnerIndex(_owner_handles(attendees, people))
    names = {a.token: (a.person_name or a.nick) for a in attendees}
    actions = []
    for index, item in enumerate(parsed.actions()):
        try:
            tokens = owner_index.owners(item.text)
        except OwnerMatchTooCostly as exc:
            _parse_error(LogParseError(str(exc), line=item.line))
        actions.append(
            PlannedAction(
                index=index,
                text=item.text,
                nick=item.nick,
                line=item.line,
                owner_tokens=tokens,
                owner_names=[names[t] for t in tokens],
            )
        )
    day = default_date
    return ImportPlan(
        sha256=log_sha256(text),
        parsed=parsed,
        items=list(parsed.items),
        actions=actions,
        attendees=attendees,
        start=said_at(parsed.start, day),
        end=said_at(parsed.end, day),
    )
