"""A database error at ANY write of an import or a multi-row save leaves nothing
half-written.

``fail_at(n)`` makes the n-th INSERT/UPDATE/DELETE statement of the block raise the
error a failing database raises (an ``OperationalError``). Each operation below is run
with n = 1, 2, 3, ... until it gets through without reaching n: every failed run must
leave every table exactly as it was, and the final, successful run must change
something (so the failures really were in the middle of real work).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from meetbot.extensions import db
from meetbot.models import Meeting, Role
from meetbot.services import attendance_import, attendance_roster, imports, log_import, series_input
from meetbot.services import series as series_service
from meetbot.services.errors import ServiceError

DATA = Path(__file__).parent / "data"
WRITES = ("INSERT", "UPDATE", "DELETE")
MAX_RUNS = 200


class InjectedFailure(OperationalError):
    """What the driver raises when the database fails (disk full, connection lost)."""

    def __init__(self, statement: str) -> None:
        super().__init__(statement, None, Exception("injected database failure"))


@contextmanager
def fail_at(n: int) -> Iterator[dict[str, int]]:
    """Raise InjectedFailure at the n-th write statement run inside the block."""
    seen = {"writes": 0}

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(WRITES):
            seen["writes"] += 1
            if seen["writes"] == n:
                raise InjectedFailure(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, read fresh."""
    db.session.rollback()
    db.session.expire_all()
    return {
        table.name: sorted(tuple(map(repr, row)) for row in db.session.execute(table.select()))
        for table in db.metadata.sorted_tables
    }


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def assert_atomic(operation: Callable[[], Any], *, min_failures: int = 2) -> list[str]:
    """Run ``operation`` failing at write 1, 2, ... until it succeeds; see module doc.

    Returns the tables the successful run changed. ``operation`` may raise the
    injected error (or a ServiceError wrapping it) or report the failure itself.
    """
    before = snapshot()
    for n in range(1, MAX_RUNS):
        with fail_at(n) as seen, suppress(OperationalError, ServiceError):
            operation()
        after = snapshot()
        if seen["writes"] < n:  # never reached the failure: this run went through
            assert n - 1 >= min_failures, f"only {n - 1} writes: not a multi-row save"
            changed = changed_tables(before, after)
            assert changed, "the successful run changed nothing"
            return changed
        assert changed_tables(before, after) == [], f"half-written after a failure at write {n}"
    pytest.fail(f"still failing after {MAX_RUNS} runs")


# ------------------------------------------------------------------ the world

START = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


@pytest.fixture
def world(create_user, create_person, create_group, create_meeting):
    chair = create_user("Chair Person", email="chair@example.org")
    members = [
        create_person(f"Member {i:02d}", email=f"m{i:02d}@example.org", handles=[f"nick{i:02d}"])
        for i in range(45)
    ]
    group = create_group("wg", members={chair: Role.CHAIR, **{m: Role.MEMBER for m in members}})
    meeting = create_meeting(group, start=START, duration=timedelta(hours=1))
    return {"chair": chair, "members": members, "group": group, "meeting": meeting}


def _meeting(world) -> Meeting:
    return db.session.get(Meeting, world["meeting"].id)


# ------------------------------------------------------------------ imports


IRC_MEETING = """\
project: Failure Team Meeting
meeting_id: failure
agenda_url: https://wiki.example.org/Meetings/Failure
chair: Jane Doe (jdoe), Bob (bob_r)
description: >
  Weekly meeting of the failure team.
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
    irc: openstack-meeting-2
    frequency: biweekly-odd
    start_date: 20260101
"""


def test_irc_meetings_import_is_all_or_nothing(app, world, tmp_path) -> None:
    path = tmp_path / "failure-meeting.yaml"
    path.write_text(IRC_MEETING)

    def run() -> None:
        report = imports.import_paths("wg", [path])
        if report.failed:
            raise ServiceError(report.failed[0].error)

    changed = assert_atomic(run)
    assert {"meeting_series", "series_slots", "meetings", "people"} <= set(changed)


def test_meetbot_log_import_is_all_or_nothing(app, world) -> None:
    text = (DATA / "edge_2017_11_07.log").read_text()

    def run() -> None:
        meeting = _meeting(world)
        log_import.import_log(world["chair"], meeting, text, version=meeting.lock_version)

    changed = assert_atomic(run, min_failures=5)
    assert {"minute_items", "action_items", "attendance"} <= set(changed)


def test_pasted_attendance_confirm_is_all_or_nothing(app, world) -> None:
    known = "\n".join(f"m{i:02d}@example.org" for i in range(20))
    text = known + "\nNew One <new1@example.org>\nNew Two <new2@example.org>"

    def run() -> None:
        identities = attendance_import.parse_paste(text)
        attendance_import.confirm_import(
            world["chair"],
            _meeting(world),
            identities,
            {},
            create_unmatched=True,
            source="paste",
            now=START,
        )

    changed = assert_atomic(run)
    assert {"attendance", "people", "memberships", "audit_log"} <= set(changed)


def test_csv_attendance_confirm_is_all_or_nothing(app, world) -> None:
    rows = ["Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest"]
    for i in range(40):
        rows.append(
            f"Member {i:02d},m{i:02d}@example.org,03/03/2026 03:00:00 PM,"
            "03/03/2026 03:40:00 PM,40,No"
        )
    rows.append("Csv Guest,guest@example.org,03/03/2026 03:00:00 PM,03/03/2026 03:40:00 PM,40,Yes")
    data = ("\n".join(rows) + "\n").encode()

    def run() -> None:
        participants = attendance_import.parse_csv(data)
        attendance_import.confirm_import(
            world["chair"],
            _meeting(world),
            participants,
            {},
            create_unmatched=True,
            source="csv",
            now=START,
        )

    changed = assert_atomic(run)
    assert {"attendance", "people", "audit_log"} <= set(changed)


# ------------------------------------------------------------------ multi-row saves


def test_roster_save_of_45_people_is_all_or_nothing(app, world) -> None:
    ids = [m.id for m in world["members"]]

    def run() -> None:
        attendance_roster.save_roster(world["chair"], _meeting(world), ids, now=START)

    changed = assert_atomic(run)
    assert "attendance" in changed


def test_roster_save_that_adds_and_removes_is_all_or_nothing(app, world) -> None:
    ids = [m.id for m in world["members"]]
    attendance_roster.save_roster(world["chair"], _meeting(world), ids[:30], now=START)

    def run() -> None:  # 15 removed, 15 added
        attendance_roster.save_roster(world["chair"], _meeting(world), ids[15:], now=START)

    assert "attendance" in assert_atomic(run)


def _slots(day_offsets: list[int]) -> list[series_input.SlotInput]:
    return [
        series_input.SlotInput(
            start=datetime.combine(datetime(2026, 4, 6).date() + timedelta(days=d), time(15, 0)),
            duration_minutes=60,
            label=f"Slot {d}",
        )
        for d in day_offsets
    ]


def test_series_create_with_several_slots_is_all_or_nothing(app, world) -> None:
    data = series_input.SeriesInput(
        title="Three slots",
        timezone="Europe/Berlin",
        slots=_slots([0, 2, 4]),
        chair_ids=[world["chair"].id],
    )
    changed = assert_atomic(
        lambda: series_service.create_series(world["chair"], world["group"], data)
    )
    assert {"meeting_series", "series_slots", "series_chairs"} <= set(changed)


def test_series_update_of_several_slots_is_all_or_nothing(app, world) -> None:
    series = series_service.create_series(
        world["chair"],
        world["group"],
        series_input.SeriesInput(title="Weekly", timezone="UTC", slots=_slots([0, 1])),
    )
    keys = [s.key for s in series.slots]
    # Keep the first slot (moved an hour), drop the second, add two new ones.
    first = _slots([0])[0]
    first.key, first.start = keys[0], first.start + timedelta(hours=1)
    data = series_input.SeriesInput(
        title="Weekly, reshaped",
        timezone="UTC",
        slots=[first, *_slots([3, 5])],
        chair_ids=[m.id for m in world["members"][:3]],
    )

    def run() -> None:
        series_service.update_series(world["chair"], series_service.get_series(series.id), data)

    changed = assert_atomic(run)
    assert {"meeting_series", "series_slots", "series_chairs"} <= set(changed)
