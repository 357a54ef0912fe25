"""Names and titles that calendars publish as one line (NAME, X-WR-CALNAME, SUMMARY) are
stored on one line, whichever entry path wrote them: a line break becomes a space.
(The forms and the API call these services; restore is in tests/security/test_backup.py.)"""

from __future__ import annotations

from datetime import datetime

import pytest

from meetbot.domain.text import single_line
from meetbot.models import Role
from meetbot.services import (
    accounts,
    groups,
    imports,
    occurrence_changes,
    one_off_meetings,
    series_input,
)
from meetbot.services import members as member_service
from meetbot.services import series as series_service

BROKEN = "Edge\r\nX-INJECTED:yes\n\tnext\u2028line\x00 "
ONE_LINE = "Edge X-INJECTED:yes next line"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (BROKEN, ONE_LINE),
        ("  plain  name ", "plain  name"),
        ("a\r\rb\n\n\nc", "a b c"),
        ("", ""),
        (None, ""),
    ],
)
def test_single_line(raw, clean):
    assert single_line(raw) == clean


def test_group_and_stream_names(app, create_person):
    actor = create_person()
    group = groups.create_group(actor, slug="wg", name=BROKEN)
    assert group.name == ONE_LINE
    groups.update_group(actor, group, name="New\nname")
    assert group.name == "New name"
    stream = groups.create_work_stream(actor, group, slug="s1", name=BROKEN)
    assert stream.name == ONE_LINE
    groups.update_work_stream(actor, stream, name="Gap\r\nanalysis")
    assert stream.name == "Gap analysis"


def test_series_one_off_and_occurrence_titles(app, create_person, create_group):
    actor = create_person()
    group = create_group("wg", members={actor: Role.ORGANIZER})
    slot = series_input.SlotInput(start=datetime(2026, 1, 6, 15), duration_minutes=60)
    series = series_service.create_series(
        actor, group, series_input.SeriesInput(title=BROKEN, timezone="UTC", slots=[slot])
    )
    assert series.title == ONE_LINE
    meeting = occurrence_changes.retitle_occurrence(
        actor, series, series.slots[0].key, datetime(2026, 1, 13, 15), title="Special\nedition"
    )
    assert meeting.title == "Special edition"
    one_off = one_off_meetings.create_one_off(
        actor,
        group,
        title=BROKEN,
        timezone="UTC",
        start_local=datetime(2026, 2, 3, 10),
        duration_minutes=30,
    )
    assert one_off.title == ONE_LINE
    occurrence_changes.retitle_meeting(actor, one_off, title="Kick\r\noff")
    assert one_off.title == "Kick off"


def test_people_names(app, create_person, create_group):
    person = accounts.create_user("ann@example.org", BROKEN, "a long password 123")
    assert person.display_name == ONE_LINE
    accounts.update_profile(
        person, display_name="Ann\nLee", organization="ACME\r\nX", timezone=None
    )
    assert (person.display_name, person.organization) == ("Ann Lee", "ACME X")
    organizer = create_person()
    group = create_group("wg", members={organizer: Role.ORGANIZER})
    added, created = member_service.add_member(
        organizer, group, email="bob@example.org", name="Bob\r\nBrown", organization="B\nCo"
    )
    assert created and (added.display_name, added.organization) == ("Bob Brown", "B Co")


def test_yaml2ical_block_scalar_project(app, tmp_path):
    path = tmp_path / "edge.yaml"
    path.write_text(
        "project: |\n"
        "  Edge Computing\n"
        "  X-INJECTED:yes\n"
        "meeting_id: edge\n"
        "chair: Jane Doe (jdoe)\n"
        "description: Weekly.\n"
        "schedule:\n"
        "  - time: '1500'\n"
        "    day: Tuesday\n"
        "    irc: openstack-meeting\n"
        "    frequency: weekly\n"
        "    start_date: 20260106\n"
    )
    group, _ = imports.ensure_group("wg")
    outcome = imports.import_meeting_file(group, path)
    assert outcome.status in {"created", "updated"}, outcome
    (series,) = group.series
    assert series.title == "Edge Computing X-INJECTED:yes"
