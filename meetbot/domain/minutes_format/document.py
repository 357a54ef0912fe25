"""The minutes document: what the minutes show, and the views of it every format uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from meetbot.domain.minutes_format import as_email, as_html, as_markdown, as_text
from meetbot.domain.minutes_format.parts import (
    ActionEntry,
    AttendeeEntry,
    MinutesEmail,
    MinutesEntry,
    as_utc,
    one_line,
)


@dataclass
class MinutesDoc:
    """Everything the minutes show.  ``start``/``end`` are aware UTC datetimes;
    ``timezone`` is the meeting's IANA zone (shown next to UTC)."""

    title: str
    group: str | None
    start: datetime
    end: datetime | None = None
    timezone: str = "UTC"
    chairs: tuple[str, ...] = ()
    items: tuple[MinutesEntry, ...] = ()
    actions: tuple[ActionEntry, ...] = ()
    attendees: tuple[AttendeeEntry, ...] = ()
    regrets: tuple[str, ...] = ()
    url: str | None = None
    location: str | None = None

    # ------------------------------------------------------------ formats
    def to_text(self) -> str:
        """Plain text in MeetBot's ``.txt`` minutes layout."""
        return as_text.render(self)

    def to_markdown(self) -> str:
        """CommonMark minutes with all user text escaped."""
        return as_markdown.render(self)

    def to_html(self) -> str:
        """An HTML fragment (``<section>``) with every piece of text escaped."""
        return as_html.render(self)

    def to_email(self, kind: Literal["agenda", "summary"] = "summary") -> MinutesEmail:
        """Plain-text e-mail: the agenda (before the meeting: when, where,
        topics, open action items) or the summary (after: the text minutes)."""
        return as_email.render(self, kind)

    # ------------------------------------------------------------ views
    @property
    def page_title(self) -> str:
        """ "Group: Title" (MeetBot's "#channel: meeting topic")."""
        title = one_line(self.title)
        return f"{one_line(self.group)}: {title}" if self.group else title

    def _zone(self) -> ZoneInfo | None:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return None

    def when(self, dt: datetime) -> str:
        """'2024-05-07 14:00 UTC (16:00 Europe/Berlin)'."""
        utc = as_utc(dt)
        text = f"{utc:%Y-%m-%d %H:%M} UTC"
        zone = self._zone()
        if zone is not None and self.timezone not in ("UTC", "Etc/UTC"):
            local = utc.astimezone(zone)
            day = "" if local.date() == utc.date() else f"{local:%Y-%m-%d} "
            text += f" ({day}{local:%H:%M} {self.timezone})"
        return text

    @staticmethod
    def item_time(entry: MinutesEntry) -> str | None:
        """The item's time of day in UTC (``14:03:07``), or None."""
        return None if entry.time is None else f"{as_utc(entry.time):%H:%M:%S}"

    def actions_by_person(
        self,
    ) -> tuple[list[tuple[str, list[ActionEntry]]], list[ActionEntry]]:
        """The action items under each owner (owners sorted), and the unassigned ones."""
        owners: dict[str, list[ActionEntry]] = {}
        unassigned: list[ActionEntry] = []
        for action in self.actions:
            names = [o for o in dict.fromkeys(one_line(o) for o in action.owners) if o]
            if not names:
                unassigned.append(action)
            for name in names:
                owners.setdefault(name, []).append(action)
        ordered = sorted(owners.items(), key=lambda kv: (kv[0].casefold(), kv[0]))
        return ordered, unassigned

    @property
    def people_heading(self) -> str:
        """MeetBot's "People present (lines said)" only when some count is known (a
        chat log); a roster or a call export has none, so no empty promise."""
        if any(a.lines is not None for a in self.attendees):
            return "People present (lines said)"
        return "People present"

    def people(self) -> list[AttendeeEntry]:
        """The attendees, most lines said first; those without a count last."""
        return sorted(
            self.attendees,
            key=lambda a: (a.lines is None, -(a.lines or 0), a.name.casefold()),
        )

    def topic_groups(self) -> list[tuple[MinutesEntry | None, list[MinutesEntry]]]:
        """Each topic with the items under it (items before the first topic: None)."""
        groups: list[tuple[MinutesEntry | None, list[MinutesEntry]]] = []
        for entry in self.items:
            if entry.kind == "topic":
                groups.append((entry, []))
            else:
                if not groups:
                    groups.append((None, []))
                groups[-1][1].append(entry)
        return groups
