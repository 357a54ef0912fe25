"""Schedule fingerprints are read from the database once per change, not once per
request (freshness.schedule_fingerprint with freshness.request_token),
and a page never shows a schedule older than the last commit, whoever made it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import make_url

from meetbot.extensions import db
from meetbot.freshness import derived as derived_cache
from meetbot.freshness import request_token
from meetbot.freshness.tokens import watcher_for
from tests.freshness.helpers import execute_elsewhere, wait_until_seen

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def reads(monkeypatch) -> list:
    """Every fingerprint actually read from the database."""
    calls: list = []
    real = derived_cache.query_schedule_fingerprint
    monkeypatch.setattr(
        derived_cache,
        "query_schedule_fingerprint",
        lambda *args: calls.append(args) or real(*args),
    )
    return calls


@pytest.fixture
def weekly(create_group, create_series, time_machine):
    time_machine.move_to(NOW, tick=False)
    group = create_group("fp", name="Fingerprints")
    series = create_series(group, title="Weekly sync", start=datetime(2026, 3, 3, 15, 0))
    return group, series


def test_a_quiet_database_is_not_asked_again(client, weekly, reads):
    first = client.get("/groups/fp/")
    assert first.status_code == 200 and b"Weekly sync" in first.data
    assert reads, "the group page reads a schedule fingerprint"
    reads.clear()
    again = client.get("/groups/fp/")
    assert again.data == first.data
    assert reads == []


def test_a_commit_here_is_seen_by_the_next_request(client, weekly, reads):
    group, series = weekly
    client.get("/groups/fp/")
    series.title = "Renamed sync"
    series.revision += 1
    db.session.commit()
    reads.clear()
    page = client.get("/groups/fp/")
    assert reads, "a commit makes the fingerprint be read again"
    assert b"Renamed sync" in page.data and b"Weekly sync" not in page.data


def test_a_commit_by_another_process_is_seen(client, weekly, reads, database_url):
    _, series = weekly
    client.get("/groups/fp/")
    token = watcher_for(make_url(database_url)).token()
    execute_elsewhere(
        database_url,
        "UPDATE meeting_series SET title = 'Elsewhere sync', revision = revision + 1 "
        f"WHERE id = {series.id}",
    )
    wait_until_seen(database_url, token)
    # Each request of a real server has its own session; the tests share one, whose
    # open transaction would still see the database as it was before that commit.
    db.session.remove()
    reads.clear()
    page = client.get("/groups/fp/")
    assert reads
    assert b"Elsewhere sync" in page.data


def test_outside_a_request_it_always_asks(app, weekly, reads):
    group, _ = weekly
    assert request_token() is None
    for _ in range(2):
        derived_cache.schedule_fingerprint([group.id], NOW, NOW + timedelta(days=1))
    assert len(reads) == 2


def test_attendance_panels_follow_every_check_in(
    client, create_group, create_person, create_meeting, monkeypatch
):
    """The attendance summary is reused while nothing is committed, and a check-in
    (a commit) shows on the very next request."""
    from meetbot.models import Attendance, Role
    from meetbot.services import analytics

    people = [create_person(f"Person {i}") for i in range(3)]
    group = create_group("att", members={p: Role.MEMBER for p in people})
    meeting = create_meeting(group, start=datetime(2026, 2, 3, 15, 0, tzinfo=UTC), status="held")
    db.session.add(Attendance(meeting=meeting, person=people[0], source="roster"))
    db.session.commit()
    computed: list = []
    real = analytics.counted_count
    monkeypatch.setattr(analytics, "counted_count", lambda scope: computed.append(1) or real(scope))

    def present() -> str:
        html = client.get("/groups/att/attendance").get_data(as_text=True)
        return html.split("data-present>", 1)[1].split("<", 1)[0]

    assert present() == "1" and len(computed) == 1
    assert present() == "1" and len(computed) == 1  # reused: nothing committed
    db.session.add(Attendance(meeting=meeting, person=people[1], source="self"))
    db.session.commit()
    assert present() == "2" and len(computed) == 2
