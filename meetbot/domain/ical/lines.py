"""VEVENTs serialized line by line, each distinct property line by icalendar once.

A feed's events repeat most of their lines: every exception and every DST-pinned
occurrence of a slot carries the slot's UID, title, location, categories and status,
and the history rows of a series share its title, location and categories. A
:class:`LineCache` keeps the bytes of each property line it has serialized, keyed by
the property's name and value; an :class:`EventLines` is a VEVENT made of such
lines. So icalendar builds and serializes the series' first VEVENT in full, and each
further one only in the lines that differ (DTSTART, DTEND, RECURRENCE-ID, SEQUENCE,
DTSTAMP, a changed SUMMARY or DESCRIPTION, ...): the rest is spliced from the cache.

Every line is made as ``Event.add`` then ``Event.to_ical`` would make it: icalendar
writes the first line of each shape in full (the property's value type from its types
factory, ``Contentline.from_parts``, its folding), and the later lines of a shape
whose first line matched its template are that template filled in (``templates``:
the TZID prefix of a zone's date-times, icalendar's own escaping of a text, its
folding of the lines of 75 octets or more). The lines are put in icalendar's
canonical property order (``canonsort_keys``). So the bytes are those of the
icalendar ``Event`` with the same properties (tests/domain/test_ical_lines.py and
test_ical_templates.py compare them).
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from functools import lru_cache

from icalendar import Event, vRecur
from icalendar.caselessdict import canonsort_keys

from meetbot.domain.ical.templates import clear_templates
from meetbot.domain.ical.templates import line as _serialize

_BEGIN = b"BEGIN:VEVENT\r\n"
_END = b"END:VEVENT\r\n"


def _value_key(value: object) -> Hashable | None:
    """A key that determines the line's bytes for this value (a tuple), or None (not
    cached); a plain str is its own key (``LineCache.named_line``).

    Aware datetimes that are equal instants in different zones compare equal, so a
    datetime is keyed by its wall time, its zone's name and its fold."""
    if isinstance(value, datetime):
        zone = value.tzinfo
        return ("dt", value.replace(tzinfo=None), getattr(zone, "key", str(zone)), value.fold)
    if isinstance(value, bool):
        return None
    if isinstance(value, str | int):
        return (type(value).__name__, value)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return ("list", tuple(value))
    if isinstance(value, vRecur):
        return ("rrule", tuple((k, tuple(v)) for k, v in sorted(value.items())))
    return None


# Properties whose few values recur across many series (a status, a sequence number,
# a work stream's categories, a rule): their lines are kept for the whole process
# (:data:`SHARED_MAX` of them at most; ``clear_shared_lines`` forgets them), the rest
# only while one fragment is built (they are mostly one event's own).
SHARED = frozenset({"STATUS", "SEQUENCE", "DTSTAMP", "LAST-MODIFIED", "CATEGORIES", "RRULE"})
SHARED_MAX = 4096
_SHARED_LINES: dict[tuple[str, Hashable], bytes] = {}


def clear_shared_lines() -> None:
    """Forget the shared lines and the line templates (a cold render starts without
    them)."""
    _SHARED_LINES.clear()
    clear_templates()


class LineCache:
    """Serialized property lines (with their CRLF) by (NAME, value key)."""

    def __init__(self) -> None:
        self._lines: dict[tuple[str, Hashable], bytes] = {}

    def line(self, name: str, value: object) -> bytes:
        """The bytes of property ``name`` with ``value``, as ``Event.add`` would store it
        and ``Event.to_ical`` write it."""
        return self.named_line(name.upper(), value)

    def named_line(self, name: str, value: object) -> bytes:
        """:meth:`line` of an upper-case ``name``."""
        if type(value) is str:  # the most frequent: keyed by itself (never equal to a key)
            key: tuple[str, Hashable] = (name, value)
        elif type(value) is datetime and name not in SHARED:
            return _serialize(name, value)  # an instant of its own (DTSTART, ...): a template
        else:
            value_key = _value_key(value)
            if value_key is None:
                return _serialize(name, value)
            key = (name, value_key)
        lines = _SHARED_LINES if name in SHARED else self._lines
        line = lines.get(key)
        if line is None:
            line = _serialize(name, value)
            if lines is _SHARED_LINES and len(lines) >= SHARED_MAX:
                lines.clear()
            lines[key] = line
        return line


@lru_cache(maxsize=256)
def _canonical_order(names: tuple[str, ...]) -> list[str]:
    """``names`` in the order icalendar writes a VEVENT's properties (the events of a
    feed add their properties in a handful of orders)."""
    return canonsort_keys(names, Event.canonical_order)


class EventLines:
    """A VEVENT as property lines: the subset of ``icalendar.Event`` the feed uses
    (``add``, ``in``, ``to_ical``), its lines from a shared :class:`LineCache`."""

    def __init__(self, cache: LineCache | None = None) -> None:
        self._cache = cache if cache is not None else LineCache()
        self._props: dict[str, list[bytes]] = {}

    def add(self, name: str, value: object) -> None:
        """Add a property (a repeated name adds another line, as in icalendar)."""
        name = name.upper()
        self._props.setdefault(name, []).append(self._cache.named_line(name, value))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.upper() in self._props

    def to_ical(self) -> bytes:
        """The component's bytes, properties in icalendar's canonical order."""
        lines = [_BEGIN]
        for name in _canonical_order(tuple(self._props)):
            lines.extend(self._props[name])
        lines.append(_END)
        return b"".join(lines)
