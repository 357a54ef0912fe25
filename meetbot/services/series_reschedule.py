"""Give a series new weekly times from a date on (an availability poll's close).

Past occurrences stay as they were: every current slot ends the day before
``first_day`` (a slot that would only start later is removed, as ``end_series`` does),
moved or cancelled occurrence rows after that day are cancelled, and the new slots
start on ``first_day`` with fresh keys (suffixed with the next revision, never reused).
No commit: the caller's transaction holds the whole change.
"""

from __future__ import annotations

from datetime import date, timedelta

from meetbot.models import MeetingSeries, Person, SeriesSlot
from meetbot.services import audit
from meetbot.services.series import apply_slot, cancel_changed_after, end_slot, new_key
from meetbot.services.series_input import SlotInput, check_slots


def reschedule(
    actor: Person | None, series: MeetingSeries, slots: list[SlotInput], first_day: date
) -> list[SeriesSlot]:
    """End the series' slots before ``first_day`` and add ``slots``; the new rows."""
    checked = check_slots(slots, series.timezone)
    last_day = first_day - timedelta(days=1)
    changed = [c for slot in list(series.slots) if (c := end_slot(series, slot, last_day))]
    changed += cancel_changed_after(series, last_day)
    suffix = f"-{(series.revision or 0) + 1}"
    taken = {s.key for s in series.slots}
    added = []
    for c in checked:
        position = max((s.position for s in series.slots), default=-1) + 1
        key = new_key(c.label, position, taken, suffix)
        taken.add(key)
        row = SeriesSlot(key=key)
        apply_slot(row, c, position)
        series.slots.append(row)
        added.append(row)
        changed.append(f"slot {key} added")
    audit.record(
        actor,
        series.group,
        "series",
        series.id,
        "rescheduled",
        first_day=first_day,
        changes=changed,
    )
    return added
