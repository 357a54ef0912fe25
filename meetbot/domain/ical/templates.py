"""Property lines from a template icalendar wrote: icalendar's work made rare (issue 19).

Building an icalendar property and its content line costs ~20 us a line, most of it
for what every line of one *shape* shares: a DTSTART in Europe/Berlin is always
``DTSTART;TZID=Europe/Berlin:`` + the wall time's digits, a SUMMARY is always
``SUMMARY:`` + the escaped text. So icalendar writes the first line of each shape in
full, and that line is checked to be exactly the template's (prefix + digits + suffix
for a date-time, name + ``:`` + icalendar's own escaping for a text or URI): later
lines of a shape that passed are the template filled in; a shape that did not pass
(another value type, parameters, a zone icalendar names from the date) always goes
through icalendar.

- **Date-times** (DTSTART, DTEND, RECURRENCE-ID, EXDATE, DTSTAMP, ...): the shape is
  (property, zone) for an aware datetime in UTC or in a keyed ``ZoneInfo`` (icalendar
  names those by the zone alone); the digits are written as ``vDatetime`` does.
- **Text and URI without parameters** (UID, SUMMARY, DESCRIPTION, LOCATION, URL,
  STATUS): the shape is the property; the value escaped by icalendar's ``_escape_char``
  (TEXT) or as is (URI).
- **Folding**: icalendar's ``_foldline`` folds a content line where a character would
  bring it to 75 octets, so a line of fewer than 75 octets is never folded: only longer
  ones go through it (tests/domain/test_ical_templates.py compares every shortcut with
  icalendar's full path over random values).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Event, vText, vUri
from icalendar.parser import Contentline
from icalendar.parser.string import _escape_char, _foldline

_TYPES = Event.types_factory
_FOLD_AT = 75  # octets: icalendar folds a line that reaches it
_CRLF = b"\r\n"

# (NAME, tzinfo) -> (prefix, suffix) of its date-time lines, or None (full path).
_DATETIME: dict[tuple[str, object], tuple[str, str] | None] = {}
# NAME -> how its text lines are made, or None (full path).
_TEXT: dict[str, Callable[[str, str], str] | None] = {}


def clear_templates() -> None:
    """Forget the templates (each shape is checked again against icalendar)."""
    _DATETIME.clear()
    _TEXT.clear()


def full_content(name: str, value: object) -> str:
    """The unfolded content line icalendar makes for ``value`` (as ``Event.add``
    stores it and ``Event.to_ical`` writes it)."""
    prop = value if isinstance(value, _TYPES.all_types) else _TYPES.for_property(name)(value)
    return Contentline.from_parts(name, prop.params, prop, sorted=True)


def full_line(name: str, value: object) -> bytes:
    """The property line (folded, with its CRLF) made by icalendar alone."""
    return full_content(name, value).to_ical() + _CRLF


def fold(content: str) -> bytes:
    """The content line folded as icalendar's ``_foldline`` folds it, with its CRLF."""
    data = content.encode("utf-8")
    if len(data) < _FOLD_AT:
        return data + _CRLF
    return _foldline(content).encode("utf-8") + _CRLF


def line(name: str, value: object) -> bytes:
    """The bytes of property ``name`` (upper case) with ``value``: from its shape's
    template when icalendar's first line of that shape matched it, else by icalendar."""
    kind = type(value)
    if kind is str:
        return _text_line(name, value)  # type: ignore[arg-type]
    if kind is datetime:
        return _datetime_line(name, value)  # type: ignore[arg-type]
    return full_line(name, value)


def digits(value: datetime) -> str:
    """The wall time as icalendar's ``vDatetime`` writes it."""
    return "%04d%02d%02dT%02d%02d%02d" % (  # noqa: UP031 (twice as fast as an f-string)
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
    )


def _datetime_line(name: str, value: datetime) -> bytes:
    zone = value.tzinfo
    if not (zone is UTC or (type(zone) is ZoneInfo and isinstance(zone.key, str))):
        return full_line(name, value)
    shape = (name, zone)
    try:
        template = _DATETIME[shape]
    except KeyError:
        content = full_content(name, value)
        _DATETIME[shape] = _split_datetime(content, digits(value))
        return fold(content)
    if template is None:
        return full_line(name, value)
    return fold(template[0] + digits(value) + template[1])


def _split_datetime(content: str, wall: str) -> tuple[str, str] | None:
    """(prefix, suffix) if ``content`` is prefix + ``wall`` + suffix, the prefix ending
    the parameters (``:``) and the suffix empty or the UTC ``Z``; else None."""
    at = content.rfind(wall)
    if at < 0:
        return None
    prefix, suffix = content[:at], content[at + len(wall) :]
    if not prefix.endswith(":") or suffix not in ("", "Z") or prefix + wall + suffix != content:
        return None
    return prefix, suffix


def _escaped(name: str, value: str) -> str:
    return f"{name}:{_escape_char(value)}"


def _verbatim(name: str, value: str) -> str:
    return f"{name}:{value}"


_MAKERS: dict[type, Callable[[str, str], str]] = {vText: _escaped, vUri: _verbatim}


def _text_line(name: str, value: str) -> bytes:
    try:
        make = _TEXT[name]
    except KeyError:
        content = full_content(name, value)
        make = _MAKERS.get(_TYPES.for_property(name))
        _TEXT[name] = make if make is not None and make(name, value) == content else None
        return fold(content)
    if make is None or (make is _verbatim and ("\r" in value or "\n" in value)):
        return full_line(name, value)  # icalendar refuses a URI with CR or LF
    return fold(make(name, value))
