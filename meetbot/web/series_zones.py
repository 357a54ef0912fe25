"""Time zones on the series pages: the zone picker's list and each slot's day as the
reader sees it (when that is another day than the slot's own)."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from meetbot.domain.reader_time import reader_time
from meetbot.domain.zone_names import city_of, zone_choices
from meetbot.models import utcnow
from meetbot.services.occurrences import OccurrenceView
from meetbot.web.series_links import bp


@bp.get("/time-zones.json")
def time_zones():
    """The time-zone picker's list (static/js/zone-picker.js): every current zone, UTC
    first, with what it is found by. The same for everyone, cached for a day."""
    choices = zone_choices(utcnow().year)
    response = jsonify(
        {
            "zones": [
                {
                    "name": c.name,
                    "label": c.label,
                    "city": city_of(c.name),
                    "keywords": c.keywords,
                    "exact": list(c.exact),
                }
                for c in choices
            ]
        }
    )
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


def slot_days(occurrences: list[OccurrenceView]) -> dict[str, dict]:
    """Per slot, its next occurrence (UTC) and, for a person with a saved zone in which
    that changes the day, "Wednesday 00:00 your time (Tuesday 15:00 UTC)". The page's
    script redoes the text for the zone the browser shows times in."""
    reader = getattr(current_user, "timezone", None) if current_user.is_authenticated else None
    out: dict[str, dict] = {}
    for o in occurrences:
        if o.slot_key is None or o.slot_key in out:
            continue
        start = o.recurrence_id or o.start
        found = reader_time(start, o.timezone, reader) if reader else None
        out[o.slot_key] = {
            "start": start.isoformat().replace("+00:00", "Z"),
            "zone": o.timezone,
            "text": found.text() if found else "",
        }
    return out
