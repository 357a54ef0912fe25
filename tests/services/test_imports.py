"""Import of yaml2ical (irc-meetings) files: all 85 sample files, re-import, skip dates,
malformed files, chairs, removed schedules and the command line."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from meetbot.domain.irc_meetings import expand_schedule, parse_meeting_file
from meetbot.extensions import db
from meetbot.models import (
    AuditEntry,
    Group,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Person,
    PersonHandle,
    SeriesSlot,
)
from meetbot.services import imported_series, imports
from meetbot.services.occurrences import group_occurrences, slot_uid
from tests.sample_data import IRC_MEETINGS_DIR, needs_irc_meetings

DATA = IRC_MEETINGS_DIR
DOMAIN = "meetbot.test"
WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))

needs_data = needs_irc_meetings


def _counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Group, MeetingSeries, SeriesSlot, Meeting, Person, PersonHandle, AuditEntry)
    }


def _slot_uids(group: Group) -> dict[tuple[str, str], str]:
    rows = db.session.execute(
        select(MeetingSeries, SeriesSlot)
        .join(SeriesSlot, SeriesSlot.series_id == MeetingSeries.id)
        .where(MeetingSeries.group_id == group.id)
    )
    return {(s.external_id, slot.key): slot_uid(s, slot, DOMAIN) for s, slot in rows}


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


SIMPLE = """\
project: Example Team Meeting
meeting_id: example
agenda_url: https://wiki.example.org/Meetings/Example
chair: Jane Doe (jdoe), Bob (bob_r)
description: >
  Weekly meeting of the example team.
schedule:
  - time: '1500'
    day: Tuesday
    irc: openstack-meeting
    frequency: weekly
    start_date: 20260106
    skip_dates:
      - skip_date: 20260120
        reason: Team offsite
      - skip_date: 20260203
        reason: Holiday
  - time: '0800'
    day: Thursday
    irc: openstack-meeting
    frequency: biweekly-odd
    start_date: 20260101
"""


@needs_data
def test_all_sample_files_import_and_match_yaml2ical(app):
    files = sorted(DATA.glob("*.yaml"))
    assert len(files) == 85
    definitions = {p.stem: parse_meeting_file(p.read_text(), p.name) for p in files}
    schedules = [s for d in definitions.values() for s in d.schedules]
    assert len(schedules) == 103
    dated = [s for s in schedules if s.slot is not None]

    report = imports.import_paths("openstack", [DATA])
    assert report.failed == []
    assert report.group_created
    assert {f.status for f in report.files} == {"created"}
    group = db.session.scalar(select(Group).where(Group.slug == "openstack"))

    counts = _counts()
    assert counts["meeting_series"] == 85
    # Every dated schedule is a slot; adhoc schedules have none (their series stays).
    assert counts["series_slots"] == len(dated) == 103 - sum(s.adhoc for s in schedules)
    adhoc_only = [d for d in definitions.values() if all(s.slot is None for s in d.schedules)]
    for definition in adhoc_only:
        series = db.session.scalar(
            select(MeetingSeries).where(
                MeetingSeries.external_id == f"irc-meetings:{Path(definition.filename).stem}"
            )
        )
        assert series is not None and series.slots == []

    uids = _slot_uids(group)
    assert len(uids) == len(dated)
    assert len(set(uids.values())) == len(uids), "a UID is shared by two schedules"

    # The app's own occurrence list equals yaml2ical's instants (RRULE minus EXDATE).
    expected = set()
    for stem, definition in definitions.items():
        for schedule in definition.schedules:
            for occ in expand_schedule(schedule, *WINDOW):
                key = (f"irc-meetings:{stem}", schedule.slot.key)
                expected.add((uids[key], occ.start_utc, occ.end_utc))
    got = {
        (o.uid, o.start, o.end)
        for o in group_occurrences(group, *WINDOW, DOMAIN)
        if o.status != MeetingStatus.CANCELLED.value
    }
    assert len(expected) > 3000
    assert got == expected

    # Importing again changes nothing: same rows, same UIDs, same feed revision.
    revision = group.revision
    again = imports.import_paths("openstack", [DATA])
    assert again.failed == [] and not again.group_created
    assert {f.status for f in again.files} == {"unchanged"}
    db.session.expire_all()
    assert _counts() == counts
    assert _slot_uids(group) == uids
    assert group.revision == revision


def test_skip_dates_cancel_and_reimport_restores(app, tmp_path):
    path = _write(tmp_path, "example-meeting.yaml", SIMPLE)
    report = imports.import_paths("wg", [path])
    assert [f.status for f in report.files] == ["created"]
    group = db.session.scalar(select(Group).where(Group.slug == "wg"))
    series = db.session.scalar(select(MeetingSeries))
    assert series.external_id == "irc-meetings:example-meeting"
    assert series.location == "#openstack-meeting" and series.location_kind == "chat"
    assert series.agenda_url == "https://wiki.example.org/Meetings/Example"
    assert [s.key for s in series.slots] == ["schedule-0", "schedule-1"]

    window = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
    occs = [o for o in group_occurrences(group, *window, DOMAIN) if o.slot_key == "schedule-0"]
    cancelled = {o.start: o.change_reason for o in occs if o.is_cancelled}
    assert cancelled == {
        datetime(2026, 1, 20, 15, tzinfo=UTC): "Team offsite",
        datetime(2026, 2, 3, 15, tzinfo=UTC): "Holiday",
    }
    definition = parse_meeting_file(SIMPLE, path.name)
    assert {o.start for o in occs if not o.is_cancelled} == {
        occ.start_utc for occ in expand_schedule(definition.schedules[0], *window)
    }

    # Remove one skip date: that occurrence is scheduled again, with a higher SEQUENCE.
    row = db.session.scalar(
        select(Meeting).where(Meeting.start_dt == datetime(2026, 2, 3, 15, tzinfo=UTC))
    )
    old_sequence, revision = row.sequence, group.revision
    _write(
        tmp_path,
        path.name,
        SIMPLE.replace("      - skip_date: 20260203\n        reason: Holiday\n", ""),
    )
    assert [f.status for f in imports.import_paths("wg", [path]).files] == ["updated"]
    db.session.expire_all()
    assert row.status == MeetingStatus.SCHEDULED.value and row.change_reason == ""
    assert row.sequence > old_sequence
    assert group.revision > revision


def test_web_cancellation_survives_reimport(app, tmp_path):
    path = _write(tmp_path, "example-meeting.yaml", SIMPLE)
    imports.import_paths("wg", [path])
    series = db.session.scalar(select(MeetingSeries))
    from meetbot.services.meetings import materialize_occurrence

    meeting = materialize_occurrence(series, "schedule-0", datetime(2026, 1, 13, 15, 0))
    meeting.status = MeetingStatus.CANCELLED.value
    meeting.change_reason = "Chair ill"
    db.session.commit()
    assert [f.status for f in imports.import_paths("wg", [path]).files] == ["unchanged"]
    db.session.expire_all()
    assert meeting.status == MeetingStatus.CANCELLED.value


def test_changed_schedule_keeps_uids_and_raises_revision(app, tmp_path):
    path = _write(tmp_path, "example-meeting.yaml", SIMPLE)
    imports.import_paths("wg", [path])
    group = db.session.scalar(select(Group).where(Group.slug == "wg"))
    series = db.session.scalar(select(MeetingSeries))
    uids = _slot_uids(group)
    series_id, revision = series.id, series.revision

    # A new time for schedule 0 and schedule 1 removed.
    changed = SIMPLE.replace("'1500'", "'1600'").split("  - time: '0800'")[0]
    _write(tmp_path, path.name, changed)
    assert [f.status for f in imports.import_paths("wg", [path]).files] == ["updated"]
    db.session.expire_all()
    series = db.session.get(MeetingSeries, series_id)
    assert [s.key for s in series.slots] == ["schedule-0"]
    assert series.slots[0].start_local.hour == 16
    assert series.revision == revision + 1
    assert _slot_uids(group) == {k: v for k, v in uids.items() if k[1] == "schedule-0"}
    # The skip dates follow the new time: cancelled at 16:00, nothing left at 15:00.
    cancelled = db.session.scalars(
        select(Meeting.start_dt).where(Meeting.status == MeetingStatus.CANCELLED.value)
    ).all()
    assert sorted(cancelled) == [
        datetime(2026, 1, 20, 16, tzinfo=UTC),
        datetime(2026, 2, 3, 16, tzinfo=UTC),
    ]


def test_chairs_matched_by_handle_or_created(app, tmp_path, create_person):
    jane = create_person("Jane Q. Doe", handles=["jdoe"])
    path = _write(tmp_path, "example-meeting.yaml", SIMPLE)
    imports.import_paths("wg", [path])
    series = db.session.scalar(select(MeetingSeries))
    chairs = {p.display_name: p for p in series.chairs}
    assert set(chairs) == {"Jane Q. Doe", "Bob"}
    assert chairs["Jane Q. Doe"].id == jane.id
    assert [h.handle for h in chairs["Bob"].handles] == ["bob_r"]
    people = db.session.scalar(select(func.count()).select_from(Person))
    imports.import_paths("wg", [path])
    assert db.session.scalar(select(func.count()).select_from(Person)) == people


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (SIMPLE.replace("day: Tuesday", "day: Tuesdai"), 9, "Tuesdai"),
        (SIMPLE.replace("frequency: weekly", "frequency: fortnightly"), 11, "fortnightly"),
        (SIMPLE.replace("time: '1500'", "time: '2561'"), 8, "2561"),
        (SIMPLE.replace("  - time: '0800'", "  - time: '0800\n"), None, "YAML"),
    ],
)
def test_malformed_file_reports_file_and_line_and_writes_nothing(app, tmp_path, text, line, words):
    good = _write(tmp_path, "good-meeting.yaml", SIMPLE)
    bad = _write(tmp_path, "bad-meeting.yaml", text)
    report = imports.import_paths("wg", [tmp_path])
    assert [(Path(f.path).name, f.status) for f in report.files] == [
        ("bad-meeting.yaml", "failed"),
        ("good-meeting.yaml", "created"),
    ]
    error = report.failed[0].error
    assert str(bad) in error and words in error
    if line is not None:
        assert f"{bad}:{line}:" in error
    assert db.session.scalars(select(MeetingSeries.external_id)).all() == [
        f"irc-meetings:{good.stem}"
    ]


def test_failure_while_writing_rolls_back_that_file(app, tmp_path, monkeypatch):
    path = _write(tmp_path, "example-meeting.yaml", SIMPLE)
    before = _counts()

    def explode(*args, **kwargs):
        raise ValueError("disk on fire")

    monkeypatch.setattr(imported_series, "materialize_occurrence", explode)
    report = imports.import_paths("wg", [path])
    assert report.failed and "disk on fire" in report.failed[0].error
    after = _counts()
    assert after["meeting_series"] == before["meeting_series"] == 0
    assert after["people"] == before["people"]  # the chairs were not kept either
    assert after["series_slots"] == 0


def test_cli_progress_warnings_and_exit_code(app, runner, tmp_path):
    _write(tmp_path, "a-meeting.yaml", SIMPLE)
    _write(tmp_path, "b-meeting.yaml", SIMPLE.replace("start_date: 20260101\n", ""))
    result = runner.invoke(args=["import-irc-meetings", "--group", "cli-wg", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "[##########..........] 1/2" in result.output
    assert "[####################] 2/2" in result.output
    assert "warning:" in result.output and "no start_date" in result.output
    assert "2 created" in result.output

    _write(tmp_path, "c-meeting.yaml", "project: [unclosed\n")
    result = runner.invoke(args=["import-irc-meetings", "--group", "cli-wg", str(tmp_path)])
    assert result.exit_code == 1
    assert "c-meeting.yaml:" in result.output and "2 unchanged" in result.output

    result = runner.invoke(args=["import-irc-meetings", "--group", "cli-wg", "/nonexistent"])
    assert result.exit_code != 0 and "/nonexistent" in result.output


def test_same_file_name_in_two_folders_is_refused(app, tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    _write(tmp_path / "one", "x-meeting.yaml", SIMPLE)
    _write(tmp_path / "two", "x-meeting.yaml", SIMPLE.replace("Example", "Other"))
    report = imports.import_paths("wg", [tmp_path / "one", tmp_path / "two"])
    assert [f.status for f in report.files] == ["created", "failed"]
    assert db.session.scalar(select(MeetingSeries.title)) == "Example Team Meeting"


def test_skip_date_off_schedule_is_a_warning(app, tmp_path):
    text = SIMPLE.replace("skip_date: 20260120", "skip_date: 20260121")  # a Wednesday
    path = _write(tmp_path, "example-meeting.yaml", text)
    report = imports.import_paths("wg", [path])
    assert report.failed == []
    assert any("2026-01-21" in w and "not a meeting day" in w for w in report.files[0].warnings)
    assert date(2026, 1, 21) not in {m.start_dt.date() for m in db.session.scalars(select(Meeting))}
