"""The year bound (1900-2200) in the services, for the entry paths the form tests
(tests/web/test_date_bounds.py) do not reach: the API, yaml2ical import, moves,
end dates and action items (restore: tests/security/test_backup.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import MeetingSeries, Role
from meetbot.services import actions, imports, occurrence_changes
from meetbot.services import series as series_service
from meetbot.services.errors import ValidationError

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
YAML = """\
project: Far future
meeting_id: far
chair: Jane Doe (jdoe)
description: Weekly.
schedule:
  - time: '1500'
    day: Tuesday
    irc: openstack-meeting
    frequency: weekly
    start_date: {start}
"""


@pytest.fixture
def org(create_person, time_machine):
    time_machine.move_to(NOW, tick=False)
    return create_person("Olga")


@pytest.fixture
def group(create_group, org):
    return create_group("wg", members={org: Role.ORGANIZER})


@pytest.mark.parametrize(
    ("start", "line"),
    [
        ("99991231", 10),  # the start_date line
        ("18991231", 10),
        ("22001231", 6),  # a Wednesday: the first Tuesday is in 2201 (the schedule's line)
    ],
)
def test_yaml2ical_import_names_file_and_line(app, tmp_path, start, line):
    path = tmp_path / "far.yaml"
    path.write_text(YAML.format(start=start))
    group, _ = imports.ensure_group("wg")
    outcome = imports.import_meeting_file(group, path)
    assert outcome.status == "failed"
    assert outcome.error.startswith(f"{path}:{line}:"), outcome.error
    assert "1900 to 2200" in outcome.error
    assert db.session.scalar(select(func.count(MeetingSeries.id))) == 0


def test_moves_and_end_dates(app, org, group, create_series, create_meeting):
    series = create_series(group, start=datetime(2026, 1, 6, 15))
    with pytest.raises(ValidationError) as exc:
        series_service.end_series(org, series, date(9999, 12, 31))
    assert "last_date" in exc.value.fields
    one_off = create_meeting(group, title="One-off", start=datetime(2026, 2, 3, 10, tzinfo=UTC))
    with pytest.raises(ValidationError) as exc:
        occurrence_changes.move_meeting(org, one_off, datetime(9999, 12, 31, 23, 59))
    assert exc.value.fields == {"start": "Use a date in the years 1900 to 2200."}
    with pytest.raises(ValidationError) as exc:
        occurrence_changes.move_meeting(org, one_off, datetime(1, 1, 1, 0, 0))
    assert "start" in exc.value.fields


def test_action_item_due_dates(app, org, group):
    with pytest.raises(ValidationError) as exc:
        actions.create_action(org, group, text="Far", due_date=date(9999, 12, 31))
    assert exc.value.fields == {"due_date": "Use a date in the years 1900 to 2200."}
    item = actions.create_action(org, group, text="Near", due_date=date(2200, 12, 31))
    with pytest.raises(ValidationError):
        actions.update_action(
            org, item, text="Near", owner_ids=[], due_date=date(1, 1, 1), work_stream_id=None
        )
    assert item.due_date == date(2200, 12, 31)


def test_api_names_the_field(app, client, org, group):
    from meetbot.services import accounts

    token = accounts.create_api_token(org, "t")
    headers = {"Authorization": f"Bearer {token}"}
    slot = {"start_local": "2200-12-01T10:00:00", "duration_minutes": 60, "count": 10}
    response = client.post(
        "/api/v1/groups/wg/series",
        json={"title": "Far", "timezone": "UTC", "slots": [slot]},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {
        "slots.0.count": "The last meeting would be too late. Use a date in the years 1900 to 2200."
    }
