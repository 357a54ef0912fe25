"""iCalendar (RFC 5545) feeds: pure Python, no Flask, SQLAlchemy or models.

The caller turns its rows into the frozen dataclasses of ``items`` and calls
:func:`build_calendar`, which returns the bytes of a ``text/calendar`` feed.
The same input always gives the same bytes (components and properties are
emitted in a fixed order, DTSTAMP comes from the caller), so :func:`feed_etag`
of the output is a stable ETag.

What a feed contains
--------------------
* One VEVENT per series slot: ``DTSTART;TZID=<zone>`` at the slot's local wall
  time, ``DTEND`` one duration later and the RRULE from
  :func:`meetbot.domain.recurrence.to_rrule` (UNTIL in UTC, as RFC 5545 wants
  when DTSTART has a TZID). A one-off slot (no RRULE) is a plain VEVENT.
* A moved or retitled occurrence: a second VEVENT with the same UID and
  ``RECURRENCE-ID;TZID=<zone>:<original local start>``. It repeats every
  property of the series (an exception does not inherit anything in iCalendar).
* An occurrence that starts at a nonexistent or repeated local time, or spans
  a UTC offset change, also gets such an exception VEVENT with its exact
  instants: clients disagree on those local times (ical.js reads 02:30 in the
  spring gap as 00:30 UTC in Berlin, RFC 5545 as 01:30 UTC) and some add the
  duration in wall-clock time. Pinned within the years the VTIMEZONEs cover.
* One VTIMEZONE per TZID used, generated from the zoneinfo transitions
  (RDATE observances, one RDATE per line; see ``ical.vtimezone``), covering
  the years of the data plus :data:`VTIMEZONE_YEARS_AHEAD` years, so clients
  that trust the VTIMEZONE (ical.js-based ones, Outlook) place old and future
  occurrences correctly.
* Calendar properties: VERSION, PRODID, CALSCALE:GREGORIAN, METHOD:PUBLISH,
  NAME / X-WR-CALNAME, DESCRIPTION / X-WR-CALDESC, X-WR-TIMEZONE (its zone
  always has a VTIMEZONE in the file), REFRESH-INTERVAL;VALUE=DURATION and
  X-PUBLISHED-TTL.
* Text (titles, descriptions, locations, categories) is escaped by
  ``icalendar``; CR, LF and CRLF all become an escaped newline and other
  control characters are dropped, so user text can never start a new property.
  URLs and UIDs containing control characters are rejected (ValueError).

Cancelled occurrences
---------------------
A cancelled occurrence of a series is published as an ``EXDATE`` on the
series' VEVENT (one EXDATE line per date, in the same TZID as DTSTART), not as
an exception VEVENT with ``STATUS:CANCELLED``. EXDATE is core RFC 5545
recurrence-set arithmetic and every major client -- Google Calendar, Outlook
(desktop and web), Apple Calendar and Thunderbird -- removes the occurrence.
A ``STATUS:CANCELLED`` exception is handled inconsistently: some clients hide
it, some show it struck through, and some subscribed-calendar importers ignore
STATUS and show the meeting as if it were happening, which is the one mistake
a participant must never see. A cancelled occurrence that had been moved is
still excluded by its original start. A cancelled one-off slot is left out of
the feed, which removes it from every subscribed client. A stand-alone
:class:`SingleEvent` is written with the status its caller gives (the caller
may also simply leave a cancelled one-off meeting out).

Times in UTC
------------
A slot whose zone is UTC is written in the RFC 5545 UTC form
(``DTSTART:20260105T150000Z``, same for RECURRENCE-ID and EXDATE): it needs no
TZID lookup, so every client reads it the same. Google Calendar (and the
``x-wr-timezone`` library that mimics it) re-read UTC times in the calendar's
X-WR-TIMEZONE, which would move a weekly UTC series by an hour across DST in a
calendar whose zone has DST. So X-WR-TIMEZONE is ``UTC`` instead of the
caller's zone when the feed holds a recurring UTC series, or a UTC-form time
that is in a repeated hour of the caller's zone (see below); otherwise it is
the caller's zone. An explicit instant (one-off start and end, an exception's
DTSTART/DTEND) that falls in a repeated local hour (DST fold) is written in UTC
form: RFC 5545 reads such a local time as the first pass, ical.js as the
second.

Modules: ``items`` (the inputs and constants), ``values`` (checked text, UIDs,
URLs and date-time properties), ``vtimezone`` (VTIMEZONEs from zoneinfo),
``components`` (VEVENTs and VTODOs), ``lines`` (a VEVENT as property lines, each
distinct line serialized by icalendar once and spliced where it repeats),
``fragments`` (serialized components of some events, storable apart from a feed,
and the component cache), ``feed`` (the VCALENDAR, built from events or assembled
from fragments). Import from the package: its names
below are the interface. Only ``items`` is imported with the package; the modules
that use icalendar are imported by the first use of one of their names (module
``__getattr__``), so start-up does not pay for icalendar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meetbot.domain.ical.items import (
    DEFAULT_PRODID,
    EVENT_STATUSES,
    TODO_STATUSES,
    VTIMEZONE_YEARS_AHEAD,
    OccurrenceOverride,
    SeriesEvent,
    SingleEvent,
    TodoItem,
    is_utc_zone,
)
from meetbot.lazy import first_use

if TYPE_CHECKING:
    from meetbot.domain.ical.dst import clear_dst_cache
    from meetbot.domain.ical.feed import (
        assemble_calendar,
        assemble_feed,
        build_calendar,
        feed_etag,
    )
    from meetbot.domain.ical.fragments import Fragment, build_fragment
    from meetbot.domain.ical.layout import OWN, Layout, PreviousFeed, RenderedFeed
    from meetbot.domain.ical.lines import clear_shared_lines
    from meetbot.domain.ical.message import OneOccurrence, build_occurrence
    from meetbot.domain.ical.vtimezone import cover_years, vtimezone_bytes, years_of

# The writers' names and their modules, which import icalendar (and dateutil, ~70 ms):
# loaded by the first use of one of these names (the first feed render or invitation
# mail), not at start-up. ``items`` (the inputs) is plain dataclasses, imported at once.
_AT_FIRST_USE = {
    "assemble_calendar": "feed",
    "assemble_feed": "feed",
    "OWN": "layout",
    "Layout": "layout",
    "PreviousFeed": "layout",
    "RenderedFeed": "layout",
    "build_calendar": "feed",
    "feed_etag": "feed",
    "Fragment": "fragments",
    "build_fragment": "fragments",
    "clear_shared_lines": "lines",
    "clear_dst_cache": "dst",
    "OneOccurrence": "message",
    "build_occurrence": "message",
    "cover_years": "vtimezone",
    "vtimezone_bytes": "vtimezone",
    "years_of": "vtimezone",
}


def load_writers() -> None:
    """Import every writer module now (a serving worker's warm-up)."""
    for home in sorted(set(_AT_FIRST_USE.values())):
        first_use(f"{__name__}.{home}")


def __getattr__(name: str) -> object:
    """A writer's name, from its module imported at first use (PEP 562)."""
    home = _AT_FIRST_USE.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(first_use(f"{__name__}.{home}"), name)
    globals()[name] = value  # later lookups find it without this hook
    return value


__all__ = [
    "DEFAULT_PRODID",
    "EVENT_STATUSES",
    "TODO_STATUSES",
    "VTIMEZONE_YEARS_AHEAD",
    "Fragment",
    "OccurrenceOverride",
    "SeriesEvent",
    "SingleEvent",
    "OneOccurrence",
    "TodoItem",
    "assemble_calendar",
    "assemble_feed",
    "Layout",
    "OWN",
    "PreviousFeed",
    "RenderedFeed",
    "build_calendar",
    "build_fragment",
    "cover_years",
    "build_occurrence",
    "clear_shared_lines",
    "clear_dst_cache",
    "feed_etag",
    "is_utc_zone",
    "vtimezone_bytes",
    "years_of",
]
