"""A group holds at most MAX_SERIES_PER_GROUP (2,000) series and a series at most
MAX_SLOTS (20) time slots, on every entry path: the form and the API (both call
series_service.create_series), yaml2ical import (file:line for slots) and restore."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, insert, select

from meetbot.extensions import db
from meetbot.models import MeetingSeries, Role
from meetbot.services import backup, imports, series_input
from meetbot.services import series as series_service
from meetbot.services.errors import ValidationError
from meetbot.services.series import MAX_SERIES_PER_GROUP
from meetbot.services.series_input import MAX_SLOTS

SCHEDULE = """\
  - time: '{hour:02d}00'
    day: Tuesday
    irc: openstack-meeting
    frequency: weekly
    start_date: 20260106
"""


def _fill(group, count: int) -> None:
    """``count`` series rows in one statement (the limit is about rows, not content)."""
    db.session.execute(
        insert(MeetingSeries),
        [{"group_id": group.id, "title": f"S{i}", "timezone": "UTC"} for i in range(count)],
    )
    db.session.commit()


def _series_count(group) -> int:
    return db.session.scalar(
        select(func.count()).select_from(MeetingSeries).where(MeetingSeries.group_id == group.id)
    )


def test_limits_fit_real_groups():
    assert MAX_SERIES_PER_GROUP >= 2 * 1000  # the bench's 1,000-series group
    assert MAX_SERIES_PER_GROUP > 103 and MAX_SLOTS == 20


def test_the_series_limit_on_create(app, create_person, create_group):
    org = create_person()
    group = create_group("wg", members={org: Role.ORGANIZER})
    _fill(group, MAX_SERIES_PER_GROUP - 1)
    data = series_input.SeriesInput(
        title="Last one",
        timezone="UTC",
        slots=[series_input.SlotInput(start=datetime(2026, 1, 6, 15), duration_minutes=60)],
    )
    series_service.create_series(org, group, data)
    with pytest.raises(ValidationError) as exc:
        series_service.create_series(org, group, data)
    assert set(exc.value.fields) == {"series"} and "2000" in exc.value.message
    assert _series_count(group) == MAX_SERIES_PER_GROUP


def test_the_series_limit_on_import(app, tmp_path):
    group, _ = imports.ensure_group("wg")
    _fill(group, MAX_SERIES_PER_GROUP)
    path = tmp_path / "one.yaml"
    path.write_text(
        "project: One more\nmeeting_id: one\nchair: Jane Doe (jdoe)\ndescription: x\n"
        "schedule:\n" + SCHEDULE.format(hour=15)
    )
    outcome = imports.import_meeting_file(group, path)
    assert outcome.status == "failed" and "at most 2000" in outcome.error
    assert outcome.error.startswith(str(path))
    assert _series_count(group) == MAX_SERIES_PER_GROUP


def test_the_slot_limit_on_import_names_file_and_line(app, tmp_path):
    group, _ = imports.ensure_group("wg")
    path = tmp_path / "many.yaml"
    schedules = "".join(SCHEDULE.format(hour=h) for h in range(MAX_SLOTS + 1))
    path.write_text(
        "project: Many\nmeeting_id: many\nchair: Jane Doe (jdoe)\ndescription: x\n"
        "schedule:\n" + schedules
    )
    outcome = imports.import_meeting_file(group, path)
    assert outcome.status == "failed"
    line = 6 + 5 * MAX_SLOTS  # the 21st schedule's first line
    assert outcome.error.startswith(f"{path}:{line}:"), outcome.error
    assert _series_count(group) == 0


def test_the_series_limit_on_restore(app, create_group):
    group = create_group("wg")
    _fill(group, MAX_SERIES_PER_GROUP)
    document = backup.dump_database()
    backup.restore_document(document, force=True)  # at the limit: fine
    rows = document["tables"]["meeting_series"]["rows"]
    names = [c for c, _ in document["tables"]["meeting_series"]["columns"]]
    extra = list(rows[-1])
    extra[names.index("id")] = 10**6
    extra[names.index("uid_token")] = "x" * 32
    rows.append(extra)
    with pytest.raises(backup.BackupError, match="limit of 2000"):
        backup.restore_document(document, force=True)
