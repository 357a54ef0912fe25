"""Render meeting minutes as plain text (MeetBot's layout), Markdown, HTML and
e-mail.

The plain-text layout follows MeetBot's ``writers.Text``: a title between
``=`` rules, "Meeting started ..." line, then sections separated by three
blank lines, each headed by its name underlined with dashes and a blank line:
"Meeting summary" (topics at the margin, other items indented two spaces
under their topic, a blank line before each new topic, every entry wrapped
at 72 columns with a two-space hanging indent, ``INFO`` items without a
label, others as ``AGREED: text  (nick, HH:MM:SS)``), "Meeting ended ...",
"Action items", "Action items, by person" (only when some action has an
owner; owners sorted case-insensitively; an ``UNASSIGNED`` group) and
"People present (lines said)" (most lines first).

Deviations from MeetBot: owners come from the data (not from searching the
text for nicks), and "Action items" prefixes "owner: " only when no owner's
name already appears in the text; action items show due date and a non-open
status; the
``UNASSIGNED`` group appears when there is at least one unassigned item
(MeetBot needs two, an off-by-one); attendees without a line count (taken
from a roster) are listed without "(n)"; a "Regrets" section is added;
item times are shown in UTC like MeetBot's default configuration, and the
start line also gives the meeting's local time in its own zone.
"""

from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "ActionEntry",
    "AttendeeEntry",
    "MinutesDoc",
    "MinutesEmail",
    "MinutesEntry",
]

_LABELS = {
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
_SAFE_URL_RE = re.compile(r"^(?:https?://|mailto:)[^\s<>\"']+$", re.IGNORECASE)
_URL_IN_TEXT_RE = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


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


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class _Wrapper(textwrap.TextWrapper):
    # MeetBot's TextWrapper splits on whitespace only (never inside words or URLs).
    wordsep_re = re.compile(r"(\s+)")


def _wrap(item: str, indent: int = 0) -> str:
    return _Wrapper(
        width=72,
        initial_indent=" " * indent,
        subsequent_indent=" " * (indent + 2),
        break_long_words=False,
        break_on_hyphens=False,
    ).fill(item)


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

    # ------------------------------------------------------------ helpers
    @property
    def page_title(self) -> str:
        """ "Group: Title" (MeetBot's "#channel: meeting topic")."""
        title = _one_line(self.title)
        return f"{_one_line(self.group)}: {title}" if self.group else title

    def _zone(self) -> ZoneInfo | None:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return None

    @staticmethod
    def _utc(dt: datetime) -> datetime:
        return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)

    def _when(self, dt: datetime) -> str:
        """'2024-05-07 14:00 UTC (16:00 Europe/Berlin)'."""
        utc = self._utc(dt)
        text = f"{utc:%Y-%m-%d %H:%M} UTC"
        zone = self._zone()
        if zone is not None and self.timezone not in ("UTC", "Etc/UTC"):
            local = utc.astimezone(zone)
            day = "" if local.date() == utc.date() else f"{local:%Y-%m-%d} "
            text += f" ({day}{local:%H:%M} {self.timezone})"
        return text

    def _item_time(self, entry: MinutesEntry) -> str | None:
        return None if entry.time is None else f"{self._utc(entry.time):%H:%M:%S}"

    def _item_plain(self, entry: MinutesEntry) -> str:
        text = _one_line(entry.text)
        label = _LABELS.get(entry.kind, entry.kind.upper())
        body = text if entry.kind in ("topic", "info") else f"{label}: {text}"
        meta = [p for p in (entry.author and _one_line(entry.author), self._item_time(entry)) if p]
        return f"{body}  ({', '.join(meta)})" if meta else body

    @staticmethod
    def _action_suffix(action: ActionEntry) -> str:
        bits = []
        if action.due:
            bits.append(f"due {action.due.isoformat()}")
        if action.status and action.status != "open":
            bits.append(action.status)
        return f" ({'; '.join(bits)})" if bits else ""

    def _by_person(self) -> tuple[list[tuple[str, list[ActionEntry]]], list[ActionEntry]]:
        owners: dict[str, list[ActionEntry]] = {}
        unassigned: list[ActionEntry] = []
        for action in self.actions:
            names = [o for o in dict.fromkeys(_one_line(o) for o in action.owners) if o]
            if not names:
                unassigned.append(action)
            for name in names:
                owners.setdefault(name, []).append(action)
        ordered = sorted(owners.items(), key=lambda kv: (kv[0].casefold(), kv[0]))
        return ordered, unassigned

    @property
    def _people_heading(self) -> str:
        """MeetBot's "People present (lines said)" only when some count is known (a
        chat log); a roster or a call export has none, so no empty promise."""
        if any(a.lines is not None for a in self.attendees):
            return "People present (lines said)"
        return "People present"

    def _people(self) -> list[AttendeeEntry]:
        return sorted(
            self.attendees,
            key=lambda a: (a.lines is None, -(a.lines or 0), a.name.casefold()),
        )

    def _topic_groups(self) -> list[tuple[MinutesEntry | None, list[MinutesEntry]]]:
        groups: list[tuple[MinutesEntry | None, list[MinutesEntry]]] = []
        for entry in self.items:
            if entry.kind == "topic":
                groups.append((entry, []))
            else:
                if not groups:
                    groups.append((None, []))
                groups[-1][1].append(entry)
        return groups

    # ------------------------------------------------------------ text
    def to_text(self) -> str:
        """Plain text in MeetBot's ``.txt`` minutes layout."""

        def heading(name: str) -> str:
            return f"{name}\n{'-' * len(name)}\n"

        title = self.page_title
        rule = "=" * len(title)
        started = f"Meeting started at {self._when(self.start)}."
        if self.chairs:
            started += f"  Chairs: {', '.join(_one_line(c) for c in self.chairs)}."
        if self.url:
            started += f"  The full minutes are available at {self.url} ."
        blocks = [f"{rule}\n{title}\n{rule}\n\n\n" + _Wrapper(width=72).fill(started)]

        summary = [heading("Meeting summary")]
        have_topic = False
        for entry in self.items:
            item = "* " + self._item_plain(entry)
            if entry.kind == "topic":
                if have_topic:
                    summary.append("")
                summary.append(_wrap(item, 0))
                have_topic = True
            else:
                summary.append(_wrap(item, 2 if have_topic else 0))
        if not self.items:
            summary.append("* (none)")
        blocks.append("\n".join(summary))

        if self.end is not None:
            blocks.append(f"Meeting ended at {self._when(self.end)}.")

        actions = [heading("Action items")]
        for action in self.actions:
            owners = ", ".join(_one_line(o) for o in action.owners)
            text = _one_line(action.text) + self._action_suffix(action)
            if owners and not any(o.casefold() in text.casefold() for o in action.owners):
                text = f"{owners}: {text}"
            actions.append(_wrap(f"* {text}", 0))
        if not self.actions:
            actions.append("* (none)")
        blocks.append("\n".join(actions))

        ordered, unassigned = self._by_person()
        if ordered:
            person = [heading("Action items, by person")]
            for name, items in ordered:
                person.append(f"* {name}")
                for action in items:
                    text = _one_line(action.text) + self._action_suffix(action)
                    person.append(_wrap(f"* {text}", 2))
            if unassigned:
                person.append("* **UNASSIGNED**")
                for action in unassigned:
                    text = _one_line(action.text) + self._action_suffix(action)
                    person.append(_wrap(f"* {text}", 2))
            blocks.append("\n".join(person))

        people = [heading(self._people_heading)]
        for a in self._people():
            name = _one_line(a.name)
            people.append(f"* {name} ({a.lines})" if a.lines is not None else f"* {name}")
        if not self.attendees:
            people.append("* (none)")
        blocks.append("\n".join(people))

        if self.regrets:
            blocks.append(
                "\n".join([heading("Regrets")] + [f"* {_one_line(r)}" for r in self.regrets])
            )
        return "\n\n\n\n".join(blocks) + "\n"

    # ------------------------------------------------------------ markdown
    @staticmethod
    def _md(text: str) -> str:
        """Escape Markdown syntax so user text shows literally, and nothing more: the
        characters that start inline markup anywhere, and a block marker ("#", "-",
        "+", ">", "1.") only at the start, so a file read as text has no stray
        backslashes ("use cases (due 2026-12-15)", not "use cases\\(due ...\\)")."""
        text = _one_line(text)
        text = re.sub(r"([\\`*_\[\]<>|~&])", r"\\\1", text)
        text = re.sub(r"^([#+=-])", r"\\\1", text)
        return re.sub(r"^(\d+)([.)])", r"\1\\\2", text)

    def _item_md(self, entry: MinutesEntry) -> str:
        label = _LABELS.get(entry.kind, entry.kind.upper())
        body = self._md(entry.text)
        if entry.kind not in ("topic", "info"):
            body = f"**{label}:** {body}"
        meta = [p for p in (entry.author and self._md(entry.author), self._item_time(entry)) if p]
        return f"{body} ({', '.join(meta)})" if meta else body

    def _md_suffix(self, action: ActionEntry) -> str:
        suffix = self._action_suffix(action)
        return f" {self._md(suffix)}" if suffix else ""

    def _h_suffix(self, action: ActionEntry) -> str:
        suffix = self._action_suffix(action)
        return f" {self._h(suffix)}" if suffix else ""

    def to_markdown(self) -> str:
        """CommonMark minutes with all user text escaped."""
        out = [f"# {self._md(self.page_title)}", ""]
        out.append(f"Meeting started at {self._md(self._when(self.start))}.")
        if self.end is not None:
            out.append(f"Meeting ended at {self._md(self._when(self.end))}.")
        if self.chairs:
            out.append("Chairs: " + ", ".join(self._md(c) for c in self.chairs) + ".")
        if self.url and _SAFE_URL_RE.match(self.url):
            out.append(f"Full minutes: <{self.url}>")
        out += ["", "## Meeting summary", ""]
        for topic, entries in self._topic_groups():
            if topic is not None:
                out.append(f"1. {self._item_md(topic)}")
            for entry in entries:
                prefix = "    - " if topic is not None else "- "
                out.append(prefix + self._item_md(entry))
        if not self.items:
            out.append("(none)")
        out += ["", "## Action items", ""]
        for action in self.actions:
            owners = ", ".join(self._md(o) for o in action.owners)
            line = self._md(action.text) + self._md_suffix(action)
            out.append(f"- {line}" + (f" — {owners}" if owners else ""))
        if not self.actions:
            out.append("(none)")
        ordered, unassigned = self._by_person()
        if ordered:
            out += ["", "## Action items, by person", ""]
            for name, items in ordered:
                out.append(f"- {self._md(name)}")
                out += [f"    - {self._md(a.text)}{self._md_suffix(a)}" for a in items]
            if unassigned:
                out.append("- **UNASSIGNED**")
                out += [f"    - {self._md(a.text)}{self._md_suffix(a)}" for a in unassigned]
        out += ["", f"## {self._people_heading}", ""]
        for a in self._people():
            out.append(f"- {self._md(a.name)}" + (f" ({a.lines})" if a.lines is not None else ""))
        if not self.attendees:
            out.append("(none)")
        if self.regrets:
            out += ["", "## Regrets", ""] + [f"- {self._md(r)}" for r in self.regrets]
        return "\n".join(out) + "\n"

    # ------------------------------------------------------------ html
    @staticmethod
    def _h(text: str) -> str:
        return html.escape(_one_line(text), quote=True)

    def _link_html(self, text: str) -> str:
        """Escape text, turning http(s) URLs into nofollow links."""
        text = _one_line(text)
        out: list[str] = []
        pos = 0
        for m in _URL_IN_TEXT_RE.finditer(text):
            url = m.group(0).rstrip(".,;:!?)")
            out.append(html.escape(text[pos : m.start()], quote=True))
            esc = html.escape(url, quote=True)
            out.append(f'<a href="{esc}" rel="nofollow noopener">{esc}</a>')
            pos = m.start() + len(url)
        out.append(html.escape(text[pos:], quote=True))
        return "".join(out)

    def _item_html(self, entry: MinutesEntry) -> str:
        label = _LABELS.get(entry.kind, entry.kind.upper())
        body = self._link_html(entry.text) if entry.kind == "link" else self._h(entry.text)
        if entry.kind == "topic":
            body = f"<strong>{body}</strong>"
        elif entry.kind != "info":
            body = f'<span class="kind kind-{self._h(entry.kind)}">{label}:</span> {body}'
        meta = [p for p in (entry.author and self._h(entry.author), self._item_time(entry)) if p]
        return f'{body} <span class="meta">({", ".join(meta)})</span>' if meta else body

    def to_html(self) -> str:
        """An HTML fragment (``<section>``) with every piece of text escaped."""
        h = self._h
        out = ['<section class="minutes">', f"<h2>{h(self.page_title)}</h2>"]
        details = f"Meeting started at {h(self._when(self.start))}."
        if self.end is not None:
            details += f" Meeting ended at {h(self._when(self.end))}."
        if self.chairs:
            details += " Chairs: " + ", ".join(h(c) for c in self.chairs) + "."
        out.append(f'<p class="details">{details}</p>')
        out.append("<h3>Meeting summary</h3>")
        out.append("<ol>")
        for topic, entries in self._topic_groups():
            out.append("<li>" + (self._item_html(topic) if topic else ""))
            if entries:
                out.append('<ol type="a">')
                out += [f"<li>{self._item_html(e)}</li>" for e in entries]
                out.append("</ol>")
            out.append("</li>")
        if not self.items:
            out.append("<li>(none)</li>")
        out.append("</ol>")
        out.append("<h3>Action items</h3>")
        out.append("<ol>")
        for a in self.actions:
            owners = ", ".join(h(o) for o in a.owners)
            owner_html = f' <span class="owners">({owners})</span>' if owners else ""
            out.append(f"<li>{h(a.text)}{self._h_suffix(a)}{owner_html}</li>")
        if not self.actions:
            out.append("<li>(none)</li>")
        out.append("</ol>")
        ordered, unassigned = self._by_person()
        if ordered:
            out.append("<h3>Action items, by person</h3>")
            out.append("<ol>")
            for name, items in ordered:
                out.append(f"<li>{h(name)}<ol>")
                out += [f"<li>{h(a.text)}{self._h_suffix(a)}</li>" for a in items]
                out.append("</ol></li>")
            if unassigned:
                out.append("<li><b>UNASSIGNED</b><ol>")
                out += [f"<li>{h(a.text)}{self._h_suffix(a)}</li>" for a in unassigned]
                out.append("</ol></li>")
            out.append("</ol>")
        out.append(f"<h3>{self._people_heading}</h3>")
        out.append("<ol>")
        for a in self._people():
            count = f" ({a.lines})" if a.lines is not None else ""
            out.append(f"<li>{h(a.name)}{count}</li>")
        if not self.attendees:
            out.append("<li>(none)</li>")
        out.append("</ol>")
        if self.regrets:
            out.append("<h3>Regrets</h3>")
            out.append("<ul>" + "".join(f"<li>{h(r)}</li>" for r in self.regrets) + "</ul>")
        out.append("</section>")
        return "\n".join(out) + "\n"

    # ------------------------------------------------------------ e-mail
    def to_email(self, kind: Literal["agenda", "summary"] = "summary") -> MinutesEmail:
        """Plain-text e-mail: the agenda (before the meeting: when, where,
        topics, open action items) or the summary (after: the text minutes)."""
        prefix = f"[{_one_line(self.group)}] " if self.group else ""
        title = _one_line(self.title)
        start = self._utc(self.start)
        if kind == "agenda":
            subject = f"{prefix}Agenda: {title}, {self._when(start)}"
            lines = [f"{title}", "", f"When: {self._when(start)}"]
            if self.location:
                lines.append(f"Where: {_one_line(self.location)}")
            if self.chairs:
                lines.append(f"Chairs: {', '.join(_one_line(c) for c in self.chairs)}")
            if self.url:
                lines.append(f"Details: {self.url}")
            lines += ["", "Agenda", "------"]
            topics = [e for e in self.items if e.kind == "topic"] or list(self.items)
            lines += [_wrap(f"{n}. {_one_line(e.text)}", 0) for n, e in enumerate(topics, 1)]
            if not topics:
                lines.append("(no agenda yet)")
            open_actions = [a for a in self.actions if a.status == "open"]
            lines += ["", "Open action items", "-----------------"]
            for a in open_actions:
                owners = ", ".join(_one_line(o) for o in a.owners) or "unassigned"
                lines.append(_wrap(f"* {_one_line(a.text)} ({owners}){self._due(a)}", 0))
            if not open_actions:
                lines.append("(none)")
            return MinutesEmail(subject=subject, body="\n".join(lines) + "\n")
        if kind == "summary":
            subject = f"{prefix}Minutes: {title}, {start:%Y-%m-%d}"
            return MinutesEmail(subject=subject, body=self.to_text())
        raise ValueError(f"unknown e-mail kind {kind!r}; expected 'agenda' or 'summary'")

    @staticmethod
    def _due(action: ActionEntry) -> str:
        return f", due {action.due.isoformat()}" if action.due else ""
