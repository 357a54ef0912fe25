"""Minutes as an e-mail: the agenda before the meeting, the text minutes after it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from meetbot.domain.minutes_format import as_text
from meetbot.domain.minutes_format.parts import ActionEntry, MinutesEmail, as_utc, one_line, wrap

if TYPE_CHECKING:
    from meetbot.domain.minutes_format.document import MinutesDoc


def render(doc: MinutesDoc, kind: Literal["agenda", "summary"] = "summary") -> MinutesEmail:
    """Plain-text e-mail: the agenda (before the meeting: when, where,
    topics, open action items) or the summary (after: the text minutes)."""
    prefix = f"[{one_line(doc.group)}] " if doc.group else ""
    title = one_line(doc.title)
    start = as_utc(doc.start)
    if kind == "agenda":
        subject = f"{prefix}Agenda: {title}, {doc.when(start)}"
        return MinutesEmail(subject=subject, body=_agenda_body(doc, title))
    if kind == "summary":
        subject = f"{prefix}Minutes: {title}, {start:%Y-%m-%d}"
        return MinutesEmail(subject=subject, body=as_text.render(doc))
    raise ValueError(f"unknown e-mail kind {kind!r}; expected 'agenda' or 'summary'")


def _agenda_body(doc: MinutesDoc, title: str) -> str:
    """When, where, chairs, the topics and the open action items."""
    lines = [f"{title}", "", f"When: {doc.when(as_utc(doc.start))}"]
    if doc.location:
        lines.append(f"Where: {one_line(doc.location)}")
    if doc.chairs:
        lines.append(f"Chairs: {', '.join(one_line(c) for c in doc.chairs)}")
    if doc.url:
        lines.append(f"Details: {doc.url}")
    lines += ["", "Agenda", "------"]
    topics = [e for e in doc.items if e.kind == "topic"] or list(doc.items)
    lines += [wrap(f"{n}. {one_line(e.text)}", 0) for n, e in enumerate(topics, 1)]
    if not topics:
        lines.append("(no agenda yet)")
    open_actions = [a for a in doc.actions if a.status == "open"]
    lines += ["", "Open action items", "-----------------"]
    for a in open_actions:
        owners = ", ".join(one_line(o) for o in a.owners) or "unassigned"
        lines.append(wrap(f"* {one_line(a.text)} ({owners}){_due(a)}", 0))
    if not open_actions:
        lines.append("(none)")
    return "\n".join(lines) + "\n"


def _due(action: ActionEntry) -> str:
    return f", due {action.due.isoformat()}" if action.due else ""
