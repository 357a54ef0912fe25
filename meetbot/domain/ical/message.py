"""One occurrence on its own, for an e-mail attachment (iTIP, RFC 5546)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar

from meetbot.domain.ical.components import _event
from meetbot.domain.ical.feed import with_components
from meetbot.domain.ical.items import DEFAULT_PRODID
from meetbot.domain.ical.values import (
    Context,
    add_instant,
    add_local,
    aware_utc,
    check_zone,
    clean_uid,
)
from meetbot.domain.ical.vtimezone import _vtimezone_bytes

MESSAGE_METHODS = frozenset({"PUBLISH", "CANCEL"})


@dataclass(frozen=True)
class OneOccurrence:
    """One occurrence on its own, for an e-mail attachment.

    uid / sequence: those the feed gives the occurrence, so a client that has the
    feed updates the same event instead of adding a second one.
    recurrence_id: the original local start in ``timezone`` when the occurrence is
        part of a series (RECURRENCE-ID as in the feed), None for a stand-alone one.
    """

    uid: str
    recurrence_id: datetime | None
    timezone: str
    start_utc: datetime
    end_utc: datetime
    title: str
    dtstamp: datetime
    sequence: int = 0
    description: str | None = None
    location: str | None = None
    url: str | None = None


def build_occurrence(item: OneOccurrence, *, method: str = "PUBLISH") -> bytes:
    """A VCALENDAR with one VEVENT: the occurrence (PUBLISH) or its cancellation
    (CANCEL, STATUS:CANCELLED), with the feed's UID, RECURRENCE-ID and SEQUENCE."""
    if method not in MESSAGE_METHODS:
        raise ValueError(f"method must be one of {sorted(MESSAGE_METHODS)}")
    check_zone(item.timezone)
    begin = aware_utc(item.start_utc, "start_utc")
    end = aware_utc(item.end_utc, "end_utc")
    if end <= begin:
        raise ValueError(f"event {item.uid!r}: end_utc must be after start_utc")
    ctx = Context(min(begin.year, aware_utc(item.dtstamp, "dtstamp").year), end.year + 1)
    event = _event(
        uid=clean_uid(item.uid),
        dtstamp=item.dtstamp,
        sequence=item.sequence,
        title=item.title,
        description=item.description,
        location=item.location,
        url=item.url,
        categories=(),
        status="CANCELLED" if method == "CANCEL" else "CONFIRMED",
    )
    if item.recurrence_id is not None:
        add_local(event, "recurrence-id", item.recurrence_id, item.timezone, ctx)
    add_instant(event, "dtstart", begin, item.timezone, ctx)
    add_instant(event, "dtend", end, item.timezone, ctx)
    return _calendar_bytes(method, ctx, event.to_ical())


def _calendar_bytes(method: str, ctx: Context, event: bytes) -> bytes:
    cal = Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", DEFAULT_PRODID)
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    # The cached VTIMEZONE bytes are spliced in, not re-parsed.
    zones = b"".join(_vtimezone_bytes(z, ctx.first_year, ctx.last_year) for z in sorted(ctx.tzids))
    return with_components(cal, [zones, event])
