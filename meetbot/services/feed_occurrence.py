"""One occurrence as the feeds publish it, on its own: the ``.ics`` of a mail about it."""

from __future__ import annotations

from meetbot.domain import ical
from meetbot.extensions import db
from meetbot.models import Meeting, MeetingSeries, MeetingStatus
from meetbot.services.feed_render import (
    _ctx,
    _describe,
    _generated,
    _override,
    _page_url,
    _single,
)
from meetbot.services.occurrences import OccurrenceView


def occurrence_event(view: OccurrenceView) -> ical.OneOccurrence:
    """One occurrence as the feeds publish it (same UID, RECURRENCE-ID, SEQUENCE and
    text), on its own: the ``.ics`` attachment of a mail about it."""
    ctx = _ctx()
    row = db.session.get(Meeting, view.meeting_id) if view.meeting_id is not None else None
    if view.recurrence_id is None or view.series_id is None:
        ev = _single(row, ctx)
        return ical.OneOccurrence(
            uid=ev.uid, recurrence_id=None, timezone=ev.timezone, start_utc=ev.start_utc,
            end_utc=ev.end_utc, title=ev.title, dtstamp=ev.dtstamp, sequence=ev.sequence,
            description=ev.description, location=ev.location, url=ev.url,
        )  # fmt: skip
    series = db.session.get(MeetingSeries, view.series_id)
    slot = next(s for s in series.slots if s.key == view.slot_key)
    page = _page_url(ctx, f"/series/{series.id}")
    fields = {
        "title": series.title,
        "description": _describe(series.description, ctx, page=page, agenda=series.agenda_url),
        "location": series.location or None,
        "url": page,
        "dtstamp": series.updated_dt,
        "sequence": series.revision or 0,
    }
    if row is not None and row.status == MeetingStatus.CANCELLED:
        fields["sequence"] += row.sequence or 0
        fields["dtstamp"] = max(row.updated_dt, series.updated_dt)
    elif row is not None:
        occ = _generated(slot, [row]).get(row.original_start_local)
        override = _override(series, row, occ, ctx) if occ is not None else None
        if override is not None:
            fields.update(
                title=override.title or fields["title"],
                description=override.description or fields["description"],
                url=override.url or fields["url"],
                sequence=override.sequence,
                dtstamp=override.dtstamp,
            )
            if override.location is not None:
                fields["location"] = override.location
    return ical.OneOccurrence(
        uid=view.uid,
        recurrence_id=view.original_start_local,
        timezone=slot.timezone,
        start_utc=view.start,
        end_utc=view.end,
        **fields,
    )
