"""Parse attendee lists pasted by a chair and video-call participant exports.

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

``parse_participant_csv``: Zoom, Google Meet and Microsoft Teams exports.
The header row is searched for (Zoom and Teams put meeting summaries above
it), columns may come in any order, the text may be UTF-8 (with or without a
BOM) or UTF-16 (Teams writes UTF-16 with tabs), and the same person joining
several times is one identity: when the export has join and leave times,
its minutes are those the joins cover together (overlapping joins count once,
``call_spans``); otherwise the rows' durations are summed.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace

from meetbot.domain.call_spans import Span, covered_minutes, parse_call_time
from meetbot.domain.names import Identity, normalize_email, normalize_handle, normalize_name
from meetbot.domain.names import split_identity as _split_identity

__all__ = [
    "MAX_CSV_BYTES",
    "MAX_CSV_ROWS",
    "MAX_PASTE_BYTES",
    "MAX_PASTE_IDENTITIES",
    "ParsedIdentity",
    "ParsedParticipant",
    "ParticipantsError",
    "parse_duration_minutes",
    "parse_participant_csv",
    "parse_pasted_list",
]

MAX_PASTE_BYTES = 200_000
MAX_PASTE_IDENTITIES = 2_000
MAX_CSV_BYTES = 5_000_000
MAX_CSV_ROWS = 20_000
MAX_ENTRY_CHARS = 320  # longest acceptable single entry (a long name plus an email)


class ParticipantsError(ValueError):
    """The input can't be read as an attendee list; the message says why."""


@dataclass(frozen=True)
class ParsedIdentity:
    """One person read from a list: the parts found, the raw text and its
    1-based line number."""

    name: str | None
    email: str | None
    handle: str | None
    raw: str
    line: int
    org: str | None = None

    @property
    def display(self) -> str:
        """Best label: name, else handle, else email."""
        return self.name or self.handle or self.email or self.raw

    def identity(self) -> Identity:
        """The parts as a ``names.Identity`` (for ``PeopleIndex.match_identity``)."""
        return Identity(name=self.name, email=self.email, handle=self.handle, org=self.org)


@dataclass(frozen=True)
class ParsedParticipant(ParsedIdentity):
    """A participant row from a call export; ``duration_minutes`` covers all of
    the person's rows (None when no row had a readable duration); ``spans`` are
    the (join, leave) times when every row had them."""

    duration_minutes: float | None = None
    spans: tuple[Span, ...] = ()


# ---------------------------------------------------------------- pasted lists

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


def _has_content(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


class _Collector:
    """Collapses duplicates while keeping first-seen order."""

    def __init__(self) -> None:
        self.items: list[ParsedIdentity] = []
        self._by_email: dict[str, int] = {}
        self._by_handle: dict[str, int] = {}
        self._by_name: dict[str, int] = {}

    def _find(self, ident: ParsedIdentity) -> list[int]:
        """Indices of earlier entries that are the same person, in order."""
        found: set[int] = set()
        if ident.email:
            idx = self._by_email.get(normalize_email(ident.email))
            if idx is not None:
                found.add(idx)
        if ident.handle:
            idx = self._by_handle.get(normalize_handle(ident.handle))
            if idx is not None and self._emails_agree(self.items[idx], ident):
                found.add(idx)
        if ident.name:
            idx = self._by_name.get(normalize_name(ident.name))
            if idx is not None and self._emails_agree(self.items[idx], ident):
                found.add(idx)
        return sorted(found)

    @staticmethod
    def _emails_agree(a: ParsedIdentity, b: ParsedIdentity) -> bool:
        return not (a.email and b.email and normalize_email(a.email) != normalize_email(b.email))

    def _index(self, idx: int) -> None:
        ident = self.items[idx]
        if ident.email:
            self._by_email.setdefault(normalize_email(ident.email), idx)
        if ident.handle:
            self._by_handle.setdefault(normalize_handle(ident.handle), idx)
        if ident.name and normalize_name(ident.name):
            self._by_name.setdefault(normalize_name(ident.name), idx)

    @staticmethod
    def _merge(old: ParsedIdentity, new: ParsedIdentity) -> ParsedIdentity:
        merged = replace(
            old,
            name=old.name or new.name,
            email=old.email or new.email,
            handle=old.handle or new.handle,
            org=old.org or new.org,
        )
        if isinstance(old, ParsedParticipant) and isinstance(new, ParsedParticipant):
            if old.spans and new.spans:
                spans = old.spans + new.spans
                return replace(merged, spans=spans, duration_minutes=covered_minutes(spans))
            durations = [d for d in (old.duration_minutes, new.duration_minutes) if d is not None]
            total = sum(durations) if durations else None
            merged = replace(merged, duration_minutes=total, spans=())
        return merged

    def _reindex(self) -> None:
        self._by_email.clear()
        self._by_handle.clear()
        self._by_name.clear()
        for i in range(len(self.items)):
            self._index(i)

    def add(self, ident: ParsedIdentity) -> bool:
        """Add or merge; True when a new identity was added."""
        found = self._find(ident)
        if not found:
            self.items.append(ident)
            self._index(len(self.items) - 1)
            return True
        first = found[0]
        merged = self._merge(self.items[first], ident)
        # The new entry may link two earlier ones ("Alice Smith" and
        # "alice@example.org" joined by "Alice Smith <alice@example.org>").
        for idx in found[1:]:
            if self._emails_agree(merged, self.items[idx]):
                merged = self._merge(merged, self.items[idx])
            else:
                found.remove(idx)
        self.items[first] = merged
        if len(found) > 1:
            for idx in reversed(found[1:]):
                del self.items[idx]
            self._reindex()
        else:
            self._index(first)
        return False


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
    collector = _Collector()
    for number, line in enumerate(text.split("\n"), start=1):
        line = _LABEL_RE.sub("", line)
        for entry in _split_entries(line):
            raw = " ".join(entry.split())
            raw = _BULLET_RE.sub("", raw).strip()
            if not raw or not _has_content(raw) or raw.endswith(":"):
                continue  # blank, punctuation only, or a label such as "Regrets:"
            if len(raw) > MAX_ENTRY_CHARS:
                raise ParticipantsError(
                    f"line {number}: entry is too long ({len(raw)} characters; "
                    f"the limit is {MAX_ENTRY_CHARS})"
                )
            parts = _split_identity(raw)
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


# ---------------------------------------------------------------- CSV exports


def _norm_header(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").strip().strip('"').casefold().split())


_NAME_HEADERS = {
    "name (original name)",  # Zoom
    "name",
    "full name",  # Teams (old)
    "display name",
    "participant",
    "participant name",
    "user name",
    "username",
    "attendee",
    "attendee name",
}
_FIRST_HEADERS = {"first name", "given name", "firstname"}
_LAST_HEADERS = {"last name", "surname", "family name", "lastname"}
_EMAIL_HEADERS = {
    "email",
    "user email",  # Zoom
    "e-mail",
    "email address",
    "attendee email",
    "participant email",
    "mail",
}
_UPN_HEADERS = {"participant id (upn)", "upn", "user principal name"}  # Teams
_DURATION_HEADERS = {
    "duration",
    "duration (minutes)",  # Zoom
    "duration (mins)",
    "time in call",  # Google Meet
    "in-meeting duration",  # Teams (new)
    "attendance duration",
    "total duration",
    "total duration (minutes)",  # Zoom without per-join rows
    "time in session",
}

_JOIN_HEADERS = {"join time", "first join", "joined", "join"}
_LEAVE_HEADERS = {"leave time", "last leave", "left", "leave"}


@dataclass
class _Columns:
    name: int | None = None
    first: int | None = None
    last: int | None = None
    email: int | None = None
    upn: int | None = None
    duration: int | None = None
    join: int | None = None
    leave: int | None = None
    zoom_name: bool = False

    @property
    def usable(self) -> bool:
        return self.name is not None or self.first is not None or self.email is not None


def _columns(row: list[str]) -> _Columns:
    cols = _Columns()
    for i, cell in enumerate(row):
        h = _norm_header(cell)
        if h in _NAME_HEADERS and cols.name is None:
            cols.name = i
            cols.zoom_name = h == "name (original name)"
        elif h in _FIRST_HEADERS and cols.first is None:
            cols.first = i
        elif h in _LAST_HEADERS and cols.last is None:
            cols.last = i
        elif h in _EMAIL_HEADERS and cols.email is None:
            cols.email = i
        elif h in _UPN_HEADERS and cols.upn is None:
            cols.upn = i
        elif h in _DURATION_HEADERS and cols.duration is None:
            cols.duration = i
        elif h in _JOIN_HEADERS and cols.join is None:
            cols.join = i
        elif h in _LEAVE_HEADERS and cols.leave is None:
            cols.leave = i
    if cols.email is None and cols.upn is not None:
        cols.email, cols.upn = cols.upn, None
    return cols


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    elif len(data) >= 4 and data[1:2] == b"\x00" and data[3:4] == b"\x00":
        encodings = ["utf-16-le"]
    elif len(data) >= 4 and data[0:1] == b"\x00" and data[2:3] == b"\x00":
        encodings = ["utf-16-be"]
    else:
        encodings = ["utf-8"]
    for enc in encodings:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ParticipantsError("the file is not UTF-8 or UTF-16 text; save it as CSV (UTF-8)")


_DURATION_PART_RE = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(h|hr|hrs|hour|hours|m|min|mins|minute|minutes|s|sec|secs|second|seconds)\b",
    re.IGNORECASE,
)


def parse_duration_minutes(text: str) -> float | None:
    """Minutes in a duration cell: ``45`` (minutes), ``1:02:03`` / ``02:03``,
    ``1 hr 2 min``, ``1h 2m 3s``, ``45 min``.  None when unreadable."""
    s = text.strip()
    if not s:
        return None
    if re.fullmatch(r"\d+(?:[.,]\d+)?", s):
        return float(s.replace(",", "."))
    m = re.fullmatch(r"(\d+):(\d{1,2})(?::(\d{1,2}))?", s)
    if m:
        a, b, c = m.group(1), m.group(2), m.group(3)
        if c is None:  # MM:SS
            return int(a) + int(b) / 60
        return int(a) * 60 + int(b) + int(c) / 60
    total = 0.0
    found = False
    for num, unit in _DURATION_PART_RE.findall(s):
        value = float(num.replace(",", "."))
        u = unit.lower()
        if u.startswith("h"):
            total += value * 60
        elif u.startswith("m"):
            total += value
        else:
            total += value / 60
        found = True
    return round(total, 4) if found else None


def _sniff_rows(text: str) -> tuple[list[list[str]], list[int], int, _Columns]:
    """Rows, their first line numbers, header index and columns for the
    delimiter that finds the best header."""
    best: tuple[int, list[list[str]], list[int], int, _Columns] | None = None
    for delimiter in ("\t", ",", ";"):
        if delimiter not in text:
            continue
        rows: list[list[str]] = []
        lines: list[int] = []
        reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=False)
        try:
            previous_end = 0
            for row in reader:
                rows.append(row)
                lines.append(previous_end + 1)  # the physical line the row starts on
                previous_end = reader.line_num
                if len(rows) > MAX_CSV_ROWS:
                    raise ParticipantsError(f"too many rows (more than {MAX_CSV_ROWS:,})")
        except csv.Error as exc:
            raise ParticipantsError(f"the file is not valid CSV: {exc}") from exc
        fallback: tuple[int, _Columns] | None = None
        for i, row in enumerate(rows[:200]):
            cols = _columns(row)
            if not cols.usable:
                continue
            # Prefer a header with a name column: Zoom's meeting summary row
            # has "User Email" (the host's) but no name.
            if cols.name is not None or cols.first is not None:
                fallback = (i, cols)
                break
            if fallback is None:
                fallback = (i, cols)
        if fallback is not None:
            score = sum(
                x is not None
                for x in (
                    fallback[1].name,
                    fallback[1].first,
                    fallback[1].email,
                    fallback[1].duration,
                )
            )
            if best is None or score > best[0]:
                best = (score, rows, lines, fallback[0], fallback[1])
    if best is None:
        first = next((ln for ln in text.splitlines() if ln.strip()), "")
        seen = [c.strip() for c in re.split(r"[\t,;]", first) if c.strip()][:12]
        raise ParticipantsError(
            "no name or email column found; columns seen: "
            + (", ".join(seen) if seen else "(none)")
        )
    return best[1], best[2], best[3], best[4]


def _row_spans(row: list[str], cols: _Columns) -> tuple[Span, ...]:
    """The row's (join, leave) when both cells are readable times, else ()."""
    joined = parse_call_time(_cell(row, cols.join))
    left = parse_call_time(_cell(row, cols.leave))
    return ((joined, left),) if joined and left and left >= joined else ()


def _cell(row: list[str], idx: int | None) -> str:
    if idx is None or idx >= len(row):
        return ""
    return " ".join(row[idx].split())


def parse_participant_csv(
    data: bytes | str, *, max_bytes: int = MAX_CSV_BYTES
) -> list[ParsedParticipant]:
    """Read a Zoom / Google Meet / Teams participant export.

    Returns one ``ParsedParticipant`` per distinct person (by email, else
    normalised name) with summed durations.  Raises ``ParticipantsError`` for
    files that are too large, not text, or have no name/email column.
    """
    if isinstance(data, str):
        size = len(data.encode("utf-8", "surrogatepass"))
        text = data
    elif isinstance(data, bytes | bytearray):
        size = len(data)
        text = ""
    else:
        raise ParticipantsError("the participant file must be bytes or text")
    if size > max_bytes:
        raise ParticipantsError(
            f"the file is too large ({size:,} bytes; the limit is {max_bytes:,})"
        )
    if not isinstance(data, str):
        text = _decode(bytes(data))
    text = text.lstrip("\ufeff").replace("\x00", "")
    if not text.strip():
        raise ParticipantsError("the file is empty")

    rows, row_lines, header_idx, cols = _sniff_rows(text)
    header = [_norm_header(c) for c in rows[header_idx]]
    collector = _Collector()
    seen_data = False
    for idx in range(header_idx + 1, len(rows)):
        row, line = rows[idx], row_lines[idx]
        if not any(c.strip() for c in row):
            if seen_data:
                break  # a blank row ends the participants section (Teams)
            continue
        if [_norm_header(c) for c in row] == header:
            continue  # a repeated header (several exports pasted together)
        name = _cell(row, cols.name)
        if cols.zoom_name and name.endswith(")") and " (" in name:
            name = name[: name.rindex(" (")].strip()  # "Shown name (Original name)"
        if not name and (cols.first is not None or cols.last is not None):
            name = " ".join(p for p in (_cell(row, cols.first), _cell(row, cols.last)) if p)
        email = _cell(row, cols.email)
        if "@" not in email:
            # Teams: guests often have an empty Email but a UPN that is an address.
            email = _cell(row, cols.upn)
        if "@" not in email:
            email = ""
        if not name and not email:
            if seen_data and len(row) == 1:
                break  # "3. In-Meeting Activities" or similar section title
            continue
        if len(name) > MAX_ENTRY_CHARS:
            raise ParticipantsError(f"line {line}: name is too long ({len(name)} characters)")
        parts = _split_identity(name) if _has_content(name) else Identity()
        person_name = parts.name or (parts.handle if not parts.email else None)
        if not person_name and not (email or parts.email):
            continue  # nothing usable in the row (control characters, punctuation)
        seen_data = True
        collector.add(
            ParsedParticipant(
                name=person_name,
                email=email or parts.email,
                handle=None,
                raw=" | ".join(c.strip() for c in row if c.strip())[:MAX_ENTRY_CHARS],
                line=line,
                org=parts.org,
                duration_minutes=parse_duration_minutes(_cell(row, cols.duration)),
                spans=_row_spans(row, cols),
            )
        )
    if not collector.items:
        raise ParticipantsError("the file has a header row but no participants")
    return [p for p in collector.items if isinstance(p, ParsedParticipant)]
