"""The default occurrence window (from now, 90 days) is served from the per-process
cache and answers exactly what the same explicit window does, also after a change."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from meetbot.extensions import db
from meetbot.models import Meeting


def test_default_window_equals_the_explicit_one(
    api, create_group, create_series, create_meeting, time_machine
):
    group = create_group("wg")
    series = create_series(group, timezone="Europe/Berlin", start=datetime(2026, 3, 17, 14, 0))
    time_machine.move_to(datetime(2026, 3, 16, 10, 20, 30, tzinfo=UTC))
    explicit = "/groups/wg/occurrences?start=2026-03-16T10:20:30Z&end=2026-06-14T10:20:30Z"
    default = api.get("/groups/wg/occurrences").get_json()
    assert default == api.get(explicit).get_json()
    assert len(default) == 13  # Tuesdays 17 March .. 9 June
    # A row changed without any revision bump (as a check-in marks a meeting held).
    row = create_meeting(series=series, original_start_local=datetime(2026, 3, 17, 14, 0))
    db.session.execute(update(Meeting).where(Meeting.id == row.id).values(status="cancelled"))
    db.session.commit()
    again = api.get("/groups/wg/occurrences").get_json()
    assert again == api.get(explicit).get_json()
    assert again[0]["status"] == "cancelled"
