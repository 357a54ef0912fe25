"""Parse a video call's participant export.

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
from dataclasses import dataclass

from meetbot.domain.call_spans import Span, parse_call_time
from meetbot.domain.names import Identity, split_identity
from meetbot.domain.participant_dedup import IdentityCollector
from meetbot.domain.participants import (
    MAX_CSV_BYTES,
    MAX_CSV_ROWS,
    MAX_ENTRY_CHARS,
    ParsedParticipant,
    ParticipantsError,
    has_content,
)


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


Rows = list[list[str]]


def _read_rows(text: str, delimiter: str) -> tuple[Rows, list[int]]:
    """The rows with ``delimiter`` and the physical line each row starts on."""
    rows: Rows = []
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
    return rows, lines


def _find_header(rows: Rows) -> tuple[int, _Columns] | None:
    """The header row among the first 200 and its columns, if there is one."""
    fallback: tuple[int, _Columns] | None = None
    for i, row in enumerate(rows[:200]):
        cols = _columns(row)
        if not cols.usable:
            continue
        # Prefer a header with a name column: Zoom's meeting summary row
        # has "User Email" (the host's) but no name.
        if cols.name is not None or cols.first is not None:
            return i, cols
        if fallback is None:
            fallback = (i, cols)
    return fallback


def _score(cols: _Columns) -> int:
    return sum(x is not None for x in (cols.name, cols.first, cols.email, cols.duration))


def _no_header_error(text: str) -> ParticipantsError:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    seen = [c.strip() for c in re.split(r"[\t,;]", first) if c.strip()][:12]
    return ParticipantsError(
        "no name or email column found; columns seen: " + (", ".join(seen) if seen else "(none)")
    )


def _sniff_rows(text: str) -> tuple[Rows, list[int], int, _Columns]:
    """Rows, their first line numbers, header index and columns for the
    delimiter that finds the best header."""
    best: tuple[int, Rows, list[int], int, _Columns] | None = None
    for delimiter in ("\t", ",", ";"):
        if delimiter not in text:
            continue
        rows, lines = _read_rows(text, delimiter)
        found = _find_header(rows)
        if found is not None and (best is None or _score(found[1]) > best[0]):
            best = (_score(found[1]), rows, lines, found[0], found[1])
    if best is None:
        raise _no_header_error(text)
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


def _csv_text(data: bytes | str, max_bytes: int) -> str:
    """The export as text (UTF-8 or UTF-16, BOM and NULs dropped), within the size."""
    if isinstance(data, str):
        size = len(data.encode("utf-8", "surrogatepass"))
    elif isinstance(data, bytes | bytearray):
        size = len(data)
    else:
        raise ParticipantsError("the participant file must be bytes or text")
    if size > max_bytes:
        raise ParticipantsError(
            f"the file is too large ({size:,} bytes; the limit is {max_bytes:,})"
        )
    text = data if isinstance(data, str) else _decode(bytes(data))
    text = text.lstrip("\ufeff").replace("\x00", "")
    if not text.strip():
        raise ParticipantsError("the file is empty")
    return text


def _row_name(row: list[str], cols: _Columns) -> str:
    name = _cell(row, cols.name)
    if cols.zoom_name and name.endswith(")") and " (" in name:
        name = name[: name.rindex(" (")].strip()  # "Shown name (Original name)"
    if not name and (cols.first is not None or cols.last is not None):
        name = " ".join(p for p in (_cell(row, cols.first), _cell(row, cols.last)) if p)
    return name


def _row_email(row: list[str], cols: _Columns) -> str:
    email = _cell(row, cols.email)
    if "@" not in email:
        # Teams: guests often have an empty Email but a UPN that is an address.
        email = _cell(row, cols.upn)
    return email if "@" in email else ""


def _participant(
    row: list[str], line: int, cols: _Columns, name: str, email: str
) -> ParsedParticipant | None:
    """The participant of a row with a name or an e-mail, or None when nothing in it
    is usable (control characters, punctuation)."""
    if len(name) > MAX_ENTRY_CHARS:
        raise ParticipantsError(f"line {line}: name is too long ({len(name)} characters)")
    parts = split_identity(name) if has_content(name) else Identity()
    person_name = parts.name or (parts.handle if not parts.email else None)
    if not person_name and not (email or parts.email):
        return None
    return ParsedParticipant(
        name=person_name,
        email=email or parts.email,
        handle=None,
        raw=" | ".join(c.strip() for c in row if c.strip())[:MAX_ENTRY_CHARS],
        line=line,
        org=parts.org,
        duration_minutes=parse_duration_minutes(_cell(row, cols.duration)),
        spans=_row_spans(row, cols),
    )


def parse_participant_csv(
    data: bytes | str, *, max_bytes: int = MAX_CSV_BYTES
) -> list[ParsedParticipant]:
    """Read a Zoom / Google Meet / Teams participant export.

    Returns one ``ParsedParticipant`` per distinct person (by email, else
    normalised name) with summed durations.  Raises ``ParticipantsError`` for
    files that are too large, not text, or have no name/email column.
    """
    rows, row_lines, header_idx, cols = _sniff_rows(_csv_text(data, max_bytes))
    header = [_norm_header(c) for c in rows[header_idx]]
    collector = IdentityCollector()
    seen_data = False
    for idx in range(header_idx + 1, len(rows)):
        row, line = rows[idx], row_lines[idx]
        if not any(c.strip() for c in row):
            if seen_data:
                break  # a blank row ends the participants section (Teams)
            continue
        if [_norm_header(c) for c in row] == header:
            continue  # a repeated header (several exports pasted together)
        name, email = _row_name(row, cols), _row_email(row, cols)
        if not name and not email:
            if seen_data and len(row) == 1:
                break  # "3. In-Meeting Activities" or similar section title
            continue
        participant = _participant(row, line, cols, name, email)
        if participant is None:
            continue  # nothing usable in the row (control characters, punctuation)
        seen_data = True
        collector.add(participant)
    if not collector.items:
        raise ParticipantsError("the file has a header row but no participants")
    return [p for p in collector.items if isinstance(p, ParsedParticipant)]
