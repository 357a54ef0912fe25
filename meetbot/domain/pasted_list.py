"""Parse an attendee list pasted by a chair.

``parse_pasted_list``: one identity per line, or several on a line separated
by commas or semicolons (commas inside ``<...>``, ``(...)`` or quotes do not
split).  Each entry is read by ``names.split_identity`` (``Name``,
``email``, ``@handle``, ``nick``, ``Name <email>``, ``Name (nick)``,
``Name (Org)``).  List bullets ("- ", "* ", "1. "), a leading label
("Attendees:", "Present:") and entries ending in ":" are ignored, and so are
blank entries and entries with no letter or digit.  Because commas separate
entries, "Smith, Alice" in a pasted list is two entries; quote it
(``"Smith, Alice"``) to mean one person.  Duplicates collapse into the first
occurrence (same email, same handle, or same normalised name without
conflicting emails), filling in parts it lacked.
"""

from __future__ import annotations

import re

from meetbot.domain.names import split_identity
from meetbot.domain.participant_dedup import IdentityCollector
from meetbot.domain.participants import (
    MAX_ENTRY_CHARS,
    MAX_PASTE_BYTES,
    MAX_PASTE_IDENTITIES,
    ParsedIdentity,
    ParticipantsError,
    has_content,
)

# "Attendees:" on its own line, or "Present: alice, bob".
_LABEL_RE = re.compile(
    r"^\s*(?:attendees|attendance|present|people present|participants|roll call|chairs?)"
    r"(?:\s*\(\d+\))?\s*:\s*",
    re.IGNORECASE,
)

_BULLET_RE = re.compile(r"^\s*(?:[-*\u2022\u2023\u25e6\u2043]\s+|\d{1,4}[.)]\s+|\[[ xX]?\]\s+)")


def _split_entries(line: str) -> list[str]:
    """Split on , and ; outside <>, () and double quotes."""
    parts: list[str] = []
    buf: list[str] = []
    depth_angle = depth_paren = 0
    in_quote = False
    for ch in line:
        if ch == '"':
            in_quote = not in_quote
        elif not in_quote:
            if ch == "<":
                depth_angle += 1
            elif ch == ">" and depth_angle:
                depth_angle -= 1
            elif ch == "(":
                depth_paren += 1
            elif ch == ")" and depth_paren:
                depth_paren -= 1
            elif ch in ",;" and not depth_angle and not depth_paren:
                parts.append("".join(buf))
                buf = []
                continue
        buf.append(ch)
    parts.append("".join(buf))
    return parts


def parse_pasted_list(
    text: str,
    *,
    max_lines: int = MAX_PASTE_IDENTITIES,
    max_bytes: int = MAX_PASTE_BYTES,
) -> list[ParsedIdentity]:
    """Read a pasted attendee list into distinct identities, in order.

    Raises ``ParticipantsError`` when the text is larger than ``max_bytes``
    (UTF-8), holds more than ``max_lines`` distinct identities, or an entry is
    absurdly long.
    """
    if not isinstance(text, str):
        raise ParticipantsError("the attendee list must be text")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise ParticipantsError(
            f"the attendee list is too large ({size:,} bytes; the limit is {max_bytes:,})"
        )
    collector = IdentityCollector()
    for number, line in enumerate(text.split("\n"), start=1):
        line = _LABEL_RE.sub("", line)
        for entry in _split_entries(line):
            raw = " ".join(entry.split())
            raw = _BULLET_RE.sub("", raw).strip()
            if not raw or not has_content(raw) or raw.endswith(":"):
                continue  # blank, punctuation only, or a label such as "Regrets:"
            if len(raw) > MAX_ENTRY_CHARS:
                raise ParticipantsError(
                    f"line {number}: entry is too long ({len(raw)} characters; "
                    f"the limit is {MAX_ENTRY_CHARS})"
                )
            parts = split_identity(raw)
            if not (parts.name or parts.email or parts.handle):
                continue
            ident = ParsedIdentity(
                name=parts.name,
                email=parts.email,
                handle=parts.handle,
                raw=raw,
                line=number,
                org=parts.org,
            )
            if collector.add(ident) and len(collector.items) > max_lines:
                raise ParticipantsError(
                    f"too many people in the list (more than {max_lines:,}); split it up"
                )
    return collector.items
