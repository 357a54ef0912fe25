"""Minutes as CommonMark, with all user text escaped."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from meetbot.domain.minutes_format.parts import (
    ActionEntry,
    MinutesEntry,
    action_suffix,
    label,
    one_line,
)

if TYPE_CHECKING:
    from meetbot.domain.minutes_format.document import MinutesDoc

_SAFE_URL_RE = re.compile(r"^(?:https?://|mailto:)[^\s<>\"']+$", re.IGNORECASE)


def render(doc: MinutesDoc) -> str:
    """CommonMark minutes with all user text escaped."""
    out = [f"# {_md(doc.page_title)}", ""]
    out.append(f"Meeting started at {_md(doc.when(doc.start))}.")
    if doc.end is not None:
        out.append(f"Meeting ended at {_md(doc.when(doc.end))}.")
    if doc.chairs:
        out.append("Chairs: " + ", ".join(_md(c) for c in doc.chairs) + ".")
    if doc.url and _SAFE_URL_RE.match(doc.url):
        out.append(f"Full minutes: <{doc.url}>")
    out += ["", "## Meeting summary", ""]
    for topic, entries in doc.topic_groups():
        if topic is not None:
            out.append(f"1. {_item_md(doc, topic)}")
        for entry in entries:
            prefix = "    - " if topic is not None else "- "
            out.append(prefix + _item_md(doc, entry))
    if not doc.items:
        out.append("(none)")
    out += _actions(doc)
    out += ["", f"## {doc.people_heading}", ""]
    for a in doc.people():
        out.append(f"- {_md(a.name)}" + (f" ({a.lines})" if a.lines is not None else ""))
    if not doc.attendees:
        out.append("(none)")
    if doc.regrets:
        out += ["", "## Regrets", ""] + [f"- {_md(r)}" for r in doc.regrets]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    """Escape Markdown syntax so user text shows literally, and nothing more: the
    characters that start inline markup anywhere, and a block marker ("#", "-",
    "+", ">", "1.") only at the start, so a file read as text has no stray
    backslashes ("use cases (due 2026-12-15)", not "use cases\\(due ...\\)")."""
    text = one_line(text)
    text = re.sub(r"([\\`*_\[\]<>|~&])", r"\\\1", text)
    text = re.sub(r"^([#+=-])", r"\\\1", text)
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", text)


def _md_suffix(action: ActionEntry) -> str:
    suffix = action_suffix(action)
    return f" {_md(suffix)}" if suffix else ""


def _item_md(doc: MinutesDoc, entry: MinutesEntry) -> str:
    body = _md(entry.text)
    if entry.kind not in ("topic", "info"):
        body = f"**{label(entry.kind)}:** {body}"
    meta = [p for p in (entry.author and _md(entry.author), doc.item_time(entry)) if p]
    return f"{body} ({', '.join(meta)})" if meta else body


def _actions(doc: MinutesDoc) -> list[str]:
    """The "Action items" section, and "Action items, by person" when someone owns one."""
    out = ["", "## Action items", ""]
    for action in doc.actions:
        owners = ", ".join(_md(o) for o in action.owners)
        line = _md(action.text) + _md_suffix(action)
        out.append(f"- {line}" + (f" — {owners}" if owners else ""))
    if not doc.actions:
        out.append("(none)")
    ordered, unassigned = doc.actions_by_person()
    if ordered:
        out += ["", "## Action items, by person", ""]
        for name, items in ordered:
            out.append(f"- {_md(name)}")
            out += [f"    - {_md(a.text)}{_md_suffix(a)}" for a in items]
        if unassigned:
            out.append("- **UNASSIGNED**")
            out += [f"    - {_md(a.text)}{_md_suffix(a)}" for a in unassigned]
    return out
