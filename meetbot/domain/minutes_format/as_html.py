"""Minutes as an HTML fragment (``<section>``) with every piece of text escaped."""

from __future__ import annotations

import html
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

_URL_IN_TEXT_RE = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


def render(doc: MinutesDoc) -> str:
    """An HTML fragment (``<section>``) with every piece of text escaped."""
    out = ['<section class="minutes">', f"<h2>{_h(doc.page_title)}</h2>"]
    details = f"Meeting started at {_h(doc.when(doc.start))}."
    if doc.end is not None:
        details += f" Meeting ended at {_h(doc.when(doc.end))}."
    if doc.chairs:
        details += " Chairs: " + ", ".join(_h(c) for c in doc.chairs) + "."
    out.append(f'<p class="details">{details}</p>')
    out += _summary(doc)
    out += _actions(doc)
    out.append(f"<h3>{doc.people_heading}</h3>")
    out.append("<ol>")
    for a in doc.people():
        count = f" ({a.lines})" if a.lines is not None else ""
        out.append(f"<li>{_h(a.name)}{count}</li>")
    if not doc.attendees:
        out.append("<li>(none)</li>")
    out.append("</ol>")
    if doc.regrets:
        out.append("<h3>Regrets</h3>")
        out.append("<ul>" + "".join(f"<li>{_h(r)}</li>" for r in doc.regrets) + "</ul>")
    out.append("</section>")
    return "\n".join(out) + "\n"


def _h(text: str) -> str:
    return html.escape(one_line(text), quote=True)


def _h_suffix(action: ActionEntry) -> str:
    suffix = action_suffix(action)
    return f" {_h(suffix)}" if suffix else ""


def _link_html(text: str) -> str:
    """Escape text, turning http(s) URLs into nofollow links."""
    text = one_line(text)
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


def _item_html(doc: MinutesDoc, entry: MinutesEntry) -> str:
    body = _link_html(entry.text) if entry.kind == "link" else _h(entry.text)
    if entry.kind == "topic":
        body = f"<strong>{body}</strong>"
    elif entry.kind != "info":
        body = f'<span class="kind kind-{_h(entry.kind)}">{label(entry.kind)}:</span> {body}'
    meta = [p for p in (entry.author and _h(entry.author), doc.item_time(entry)) if p]
    return f'{body} <span class="meta">({", ".join(meta)})</span>' if meta else body


def _summary(doc: MinutesDoc) -> list[str]:
    out = ["<h3>Meeting summary</h3>", "<ol>"]
    for topic, entries in doc.topic_groups():
        out.append("<li>" + (_item_html(doc, topic) if topic else ""))
        if entries:
            out.append('<ol type="a">')
            out += [f"<li>{_item_html(doc, e)}</li>" for e in entries]
            out.append("</ol>")
        out.append("</li>")
    if not doc.items:
        out.append("<li>(none)</li>")
    out.append("</ol>")
    return out


def _actions(doc: MinutesDoc) -> list[str]:
    """The "Action items" list, and "Action items, by person" when someone owns one."""
    out = ["<h3>Action items</h3>", "<ol>"]
    for a in doc.actions:
        owners = ", ".join(_h(o) for o in a.owners)
        owner_html = f' <span class="owners">({owners})</span>' if owners else ""
        out.append(f"<li>{_h(a.text)}{_h_suffix(a)}{owner_html}</li>")
    if not doc.actions:
        out.append("<li>(none)</li>")
    out.append("</ol>")
    ordered, unassigned = doc.actions_by_person()
    if ordered:
        out.append("<h3>Action items, by person</h3>")
        out.append("<ol>")
        for name, items in ordered:
            out.append(f"<li>{_h(name)}<ol>")
            out += [f"<li>{_h(a.text)}{_h_suffix(a)}</li>" for a in items]
            out.append("</ol></li>")
        if unassigned:
            out.append("<li><b>UNASSIGNED</b><ol>")
            out += [f"<li>{_h(a.text)}{_h_suffix(a)}</li>" for a in unassigned]
            out.append("</ol></li>")
        out.append("</ol>")
    return out
