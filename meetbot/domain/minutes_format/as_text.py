"""Minutes as plain text, in MeetBot's ``.txt`` layout (see the package docstring)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from meetbot.domain.minutes_format.parts import (
    ActionEntry,
    MinutesEntry,
    Wrapper,
    action_suffix,
    label,
    one_line,
    wrap,
)

if TYPE_CHECKING:
    from meetbot.domain.minutes_format.document import MinutesDoc


def render(doc: MinutesDoc) -> str:
    """Plain text in MeetBot's ``.txt`` minutes layout."""
    blocks = [_header(doc), _summary(doc)]
    if doc.end is not None:
        blocks.append(f"Meeting ended at {doc.when(doc.end)}.")
    blocks.append(_actions(doc))
    by_person = _actions_by_person(doc)
    if by_person:
        blocks.append(by_person)
    blocks.append(_people(doc))
    if doc.regrets:
        blocks.append("\n".join([_heading("Regrets")] + [f"* {one_line(r)}" for r in doc.regrets]))
    return "\n\n\n\n".join(blocks) + "\n"


def item_plain(doc: MinutesDoc, entry: MinutesEntry) -> str:
    """``AGREED: text  (nick, 14:03:07)``; topics and info items without a label."""
    text = one_line(entry.text)
    body = text if entry.kind in ("topic", "info") else f"{label(entry.kind)}: {text}"
    meta = [p for p in (entry.author and one_line(entry.author), doc.item_time(entry)) if p]
    return f"{body}  ({', '.join(meta)})" if meta else body


def _heading(name: str) -> str:
    return f"{name}\n{'-' * len(name)}\n"


def _header(doc: MinutesDoc) -> str:
    title = doc.page_title
    rule = "=" * len(title)
    started = f"Meeting started at {doc.when(doc.start)}."
    if doc.chairs:
        started += f"  Chairs: {', '.join(one_line(c) for c in doc.chairs)}."
    if doc.url:
        started += f"  The full minutes are available at {doc.url} ."
    return f"{rule}\n{title}\n{rule}\n\n\n" + Wrapper(width=72).fill(started)


def _summary(doc: MinutesDoc) -> str:
    """Topics at the margin, other items indented under their topic."""
    summary = [_heading("Meeting summary")]
    have_topic = False
    for entry in doc.items:
        item = "* " + item_plain(doc, entry)
        if entry.kind == "topic":
            if have_topic:
                summary.append("")
            summary.append(wrap(item, 0))
            have_topic = True
        else:
            summary.append(wrap(item, 2 if have_topic else 0))
    if not doc.items:
        summary.append("* (none)")
    return "\n".join(summary)


def _actions(doc: MinutesDoc) -> str:
    """Each action item, prefixed "owner: " when no owner's name is in its text."""
    actions = [_heading("Action items")]
    for action in doc.actions:
        owners = ", ".join(one_line(o) for o in action.owners)
        text = one_line(action.text) + action_suffix(action)
        if owners and not any(o.casefold() in text.casefold() for o in action.owners):
            text = f"{owners}: {text}"
        actions.append(wrap(f"* {text}", 0))
    if not doc.actions:
        actions.append("* (none)")
    return "\n".join(actions)


def _actions_by_person(doc: MinutesDoc) -> str | None:
    """The action items under each owner, then UNASSIGNED; None when nobody owns one."""
    ordered, unassigned = doc.actions_by_person()
    if not ordered:
        return None
    person = [_heading("Action items, by person")]
    for name, items in ordered:
        person.append(f"* {name}")
        person.extend(_owned(action) for action in items)
    if unassigned:
        person.append("* **UNASSIGNED**")
        person.extend(_owned(action) for action in unassigned)
    return "\n".join(person)


def _owned(action: ActionEntry) -> str:
    return wrap(f"* {one_line(action.text) + action_suffix(action)}", 2)


def _people(doc: MinutesDoc) -> str:
    people = [_heading(doc.people_heading)]
    for a in doc.people():
        name = one_line(a.name)
        people.append(f"* {name} ({a.lines})" if a.lines is not None else f"* {name}")
    if not doc.attendees:
        people.append("* (none)")
    return "\n".join(people)
