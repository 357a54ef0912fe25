"""Which meeting a ``#startmeeting`` belongs to: the log import's and the chat bot's
one rule (``domain.meeting_attach``), creating the occurrence or a one-off meeting
on demand, inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from meetbot.domain.meeting_attach import occurrence_for_start, search_window
from meetbot.domain.text import single_line
from meetbot.extensions import db
from meetbot.models import Group, Meeting, MeetingSeries, Person
from meetbot.services import audit
from meetbot.services.meetings import materialize_occurrence
from meetbot.services.occurrences import group_occurrences

__all__ = ["meeting_for_start_in_session"]


def _occurrence_for(
    group: Group, started: datetime, series_id: int | None = None
) -> tuple[int | None, str | None, datetime | None, int | None]:
    """(series_id, slot_key, original_start_local, meeting_id) of the group's occurrence
    a meeting started at ``started`` belongs to (``domain.meeting_attach``, the one
    rule); Nones when it belongs to none. ``series_id`` narrows it to one series (a
    chat channel mapped to a series)."""
    lo, hi = search_window(started)
    occurrences = group_occurrences(group, lo, hi, "import.invalid")
    if series_id is not None:
        occurrences = [o for o in occurrences if o.series_id == series_id]
    best = occurrence_for_start(occurrences, started)
    if best is None:
        return None, None, None, None
    return best.series_id, best.slot_key, best.original_start_local, best.meeting_id


def meeting_for_start_in_session(
    actor: Person | None,
    group: Group,
    started: datetime,
    *,
    name: str | None,
    end: datetime | None = None,
    series_id: int | None = None,
    source: str = "log",
) -> tuple[Meeting, bool]:
    """(meeting, created): the group's meeting a ``#startmeeting`` at ``started``
    belongs to, the log import's and the chat bot's one rule. That is the occurrence
    whose scheduled time holds the start (``domain.meeting_attach``), created on
    demand; otherwise a new one-off meeting from ``started`` to ``end`` (an hour when
    ``end`` is not after ``started``). Runs inside the caller's transaction."""
    found_series, slot_key, original, meeting_id = _occurrence_for(group, started, series_id)
    if meeting_id is not None:
        return db.session.get(Meeting, meeting_id), False
    if found_series is not None:
        series = db.session.get(MeetingSeries, found_series)
        return materialize_occurrence(series, slot_key, original), True
    meeting = Meeting(
        group=group,
        start_dt=started,
        end_dt=end if end and end > started else started + timedelta(hours=1),
        timezone=group.timezone,
        title=single_line(name or "Meeting")[:200] or "Meeting",
    )
    db.session.add(meeting)
    db.session.flush()
    audit.record(actor, group, "meeting", meeting.id, "created", source=source)
    return meeting, True
