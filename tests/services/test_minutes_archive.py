"""The archive of past meetings with minutes, by year (services.minutes_archive) and
its pages and panels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from meetbot.extensions import db
from meetbot.models import MinuteItem, Role
from meetbot.services import minutes_archive as archive

NOW = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


@pytest.fixture
def wg(create_person, create_group, create_series, create_meeting):
    chair = create_person("Cora Chair")
    group = create_group("wg", members={chair: Role.CHAIR})
    weekly = create_series(group, title="Weekly", start=datetime(2025, 12, 2, 15, 0))
    other = create_series(group, title="Other", start=datetime(2025, 12, 3, 9, 0))
    made = {}
    # Weekly: 2025-12-02, 12-09, 12-30 (23:30 UTC: still 2025), 2026-01-06 with minutes.
    for day in (datetime(2025, 12, 2, 15), datetime(2025, 12, 9, 15), datetime(2026, 1, 6, 15)):
        made[day] = create_meeting(series=weekly, original_start_local=day)
    late = datetime(2025, 12, 30, 15)
    made[late] = create_meeting(
        series=weekly, original_start_local=late, start=datetime(2025, 12, 31, 23, 30, tzinfo=UTC)
    )
    no_minutes = create_meeting(series=weekly, original_start_local=datetime(2026, 1, 13, 15))
    future = create_meeting(series=weekly, original_start_local=datetime(2026, 3, 3, 15))
    others = create_meeting(series=other, original_start_local=datetime(2025, 12, 3, 9))
    for meeting in [*made.values(), future, others]:
        db.session.add(MinuteItem(meeting=meeting, kind="info", text="Said", position=1))
    db.session.add(MinuteItem(meeting=others, kind="info", text="More", position=2))
    db.session.commit()
    return {"group": group, "weekly": weekly, "made": made, "no_minutes": no_minutes}


def test_years_count_past_meetings_with_minutes_in_utc(wg) -> None:
    assert archive.archive_years(wg["group"], NOW) == [(2026, 1), (2025, 4)]
    assert archive.archive_years(wg["group"], NOW, wg["weekly"]) == [(2026, 1), (2025, 3)]


def test_a_year_newest_first_bounded_and_by_series(wg) -> None:
    found = archive.archived_meetings(wg["group"], NOW, year=2025)
    assert [m.start.date().isoformat() for m in found] == [
        "2025-12-31",
        "2025-12-09",
        "2025-12-03",
        "2025-12-02",
    ]
    assert [m.items for m in found] == [1, 1, 2, 1]
    assert [m.title for m in found][:3] == ["Weekly", "Weekly", "Other"]
    page = archive.archived_meetings(wg["group"], NOW, year=2025, limit=2, offset=2)
    assert [m.title for m in page] == ["Other", "Weekly"]
    mine = archive.archived_meetings(wg["group"], NOW, series=wg["weekly"], year=2025)
    assert {m.title for m in mine} == {"Weekly"}


def test_statements_do_not_grow_with_meetings(wg, create_meeting, count_queries) -> None:
    with count_queries() as few:
        archive.archive_years(wg["group"], NOW)
        archive.archived_meetings(wg["group"], NOW, year=2025)
    for week in range(30):
        m = create_meeting(
            wg["group"], start=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(weeks=week)
        )
        db.session.add(MinuteItem(meeting=m, kind="info", text="x", position=1))
    db.session.commit()
    with count_queries() as many:
        years = archive.archive_years(wg["group"], NOW)
        archive.archived_meetings(wg["group"], NOW, year=2025)
    assert years == [(2026, 1), (2025, 34)]
    assert many.count == few.count


def test_group_and_series_pages_link_the_archive(client, wg, time_machine) -> None:
    time_machine.move_to(NOW, tick=False)
    group_html = client.get("/groups/wg/").get_data(as_text=True)
    assert "Past meetings with minutes" in group_html
    assert 'href="/groups/wg/archive/2025"' in group_html
    series_html = client.get(f"/series/{wg['weekly'].id}/").get_data(as_text=True)
    assert f'href="/groups/wg/archive/2025?series={wg["weekly"].id}"' in series_html
    page = client.get("/groups/wg/archive/").get_data(as_text=True)
    assert "Meetings with minutes in 2026" in page  # the newest year by default
    year = client.get("/groups/wg/archive/2025").get_data(as_text=True)
    assert year.count('class="list archive-list"') == 1 and year.count("(1 item)") == 3
    assert f'href="/meetings/{wg["no_minutes"].id}/"' not in year
    assert client.get("/groups/wg/archive/2025?series=abc").status_code == 404
