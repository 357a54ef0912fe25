"""One-off meetings: a meeting that belongs to no series."""

from __future__ import annotations

from datetime import datetime

from meetbot.domain.text import single_line
from meetbot.extensions import db
from meetbot.models import Group, Meeting, Person, WorkStream
from meetbot.services import audit, webhooks
from meetbot.services.checks import (
    MAX_LOCATION,
    MAX_TITLE,
    check_duration,
    check_timezone,
    local_to_utc,
)
from meetbot.services.db import unit_of_work
from meetbot.services.errors import field_error


def create_one_off(
    actor: Person | None,
    group: Group,
    *,
    title: str,
    timezone: str,
    start_local: datetime | None,
    duration_minutes: int | None,
    location: str = "",
    work_stream_id: int | None = None,
    agenda: str = "",
) -> Meeting:
    """A meeting that belongs to no series, at a local time in ``timezone``."""
    title = single_line(title)
    if not title:
        raise field_error("title", "A title is required.")
    if len(title) > MAX_TITLE:
        raise field_error("title", f"Use at most {MAX_TITLE} characters.")
    timezone = check_timezone(timezone)
    start = local_to_utc(start_local, timezone, "start")
    length = check_duration(duration_minutes)
    location = (location or "").strip()
    if len(location) > MAX_LOCATION:
        raise field_error("location", f"Use at most {MAX_LOCATION} characters.")
    with unit_of_work():
        stream = None
        if work_stream_id:
            stream = db.session.get(WorkStream, work_stream_id)
            if stream is None or stream.group_id != group.id:
                raise field_error("work_stream", "Not one of this group's work streams.")
        meeting = Meeting(
            group=group,
            timezone=timezone,
            start_dt=start,
            end_dt=start + length,
            title=title,
            location=location,
            work_stream=stream,
            agenda=agenda or "",
        )
        db.session.add(meeting)
        db.session.flush()
        audit.record(actor, group, "meeting", meeting.id, "created", title=title)
        webhooks.emit_meeting(meeting, "created")
    return meeting
