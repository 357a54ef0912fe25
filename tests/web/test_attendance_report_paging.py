"""The group attendance report at scale: meetings and members a page at a time, with
the same figures as the whole report, and a series picker instead of a link per series."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from meetbot.extensions import db
from meetbot.models import Attendance, Meeting, Role
from meetbot.services import analytics
from meetbot.web import attendance_report as attendance_views

T0 = datetime(2026, 1, 6, 15, 0, tzinfo=UTC)


@pytest.fixture
def history(create_person, create_group, create_series):
    """Five held weekly meetings of one series, people coming and going; a second series."""
    people = [
        create_person(f"Person {c}", organization=f"Org {i % 2}") for i, c in enumerate("ABCDE")
    ]
    group = create_group(members={p: Role.MEMBER for p in people}, attendance_window=3)
    series = create_series(group, title="Main call", start=datetime(2026, 1, 6, 15, 0))
    other = create_series(group, title="Other call", start=datetime(2026, 1, 8, 15, 0))
    slot = series.slots[0]
    meetings = []
    for week in range(5):
        local = datetime(2026, 1, 6, 15, 0) + timedelta(weeks=week)
        start = local.replace(tzinfo=UTC)
        meeting = Meeting(
            group=group,
            series=series,
            slot=slot,
            original_start_local=local,
            timezone="UTC",
            start_dt=start,
            end_dt=start + timedelta(hours=1),
            status="held",
        )
        db.session.add(meeting)
        meetings.append(meeting)
        for person in people[week % 3 : week % 3 + 2 + week % 2]:
            db.session.add(Attendance(meeting=meeting, person=person, source="roster"))
    db.session.commit()
    return {"group": group, "series": series, "other": other, "meetings": meetings}


def test_meeting_pages_hold_the_whole_reports_figures_newest_first(history):
    group = history["group"]
    whole = list(reversed(analytics.report(group).meetings))
    assert len(whole) == 5
    paged = [
        stat for page in (1, 2, 3) for stat in analytics.meetings_page(group, page=page, per_page=2)
    ]
    assert paged == whole
    assert analytics.meetings_page(group, page=4, per_page=2) == []
    assert analytics.summary(group).held == 5


def _meeting_ids(html: str) -> list[int]:
    return [int(m) for m in re.findall(r'<tr data-meeting="(\d+)"', html)]


def test_report_page_pages_through_meetings(client, history, monkeypatch):
    monkeypatch.setattr(attendance_views, "REPORT_PAGE_SIZE", 2)
    slug = history["group"].slug
    newest_first = [m.id for m in reversed(history["meetings"])]
    seen = []
    for page in (1, 2, 3):
        html = client.get(f"/groups/{slug}/attendance?page={page}").get_data(as_text=True)
        seen += _meeting_ids(html)
        assert f"page {page} of 3" in html
        assert ('rel="next"' in html) is (page < 3) and ('rel="prev"' in html) is (page > 1)
    assert seen == newest_first
    # Out of range or nonsense: the nearest page, never an error.
    assert (
        _meeting_ids(client.get(f"/groups/{slug}/attendance?page=99").get_data(as_text=True))
        == newest_first[4:]
    )
    assert (
        _meeting_ids(client.get(f"/groups/{slug}/attendance?page=x").get_data(as_text=True))
        == newest_first[:2]
    )


def test_series_picker_and_pager_keep_the_series(client, history, monkeypatch):
    monkeypatch.setattr(attendance_views, "REPORT_PAGE_SIZE", 2)
    slug, series = history["group"].slug, history["series"]
    html = client.get(f"/groups/{slug}/attendance?series={series.id}").get_data(as_text=True)
    assert f'<option value="{series.id}" selected>Main call</option>' in html
    assert f'<option value="{history["other"].id}">Other call</option>' in html
    assert f"series={series.id}" in re.search(r'<a href="([^"]+)"[^>]*rel="next"', html).group(1)
    other = client.get(f"/groups/{slug}/attendance?series={history['other'].id}")
    assert _meeting_ids(other.get_data(as_text=True)) == []


def test_members_are_paged_by_name_with_the_flagged_count(client, history, monkeypatch):
    monkeypatch.setattr(attendance_views, "MEMBERS_PAGE_SIZE", 2)
    group = history["group"]
    report = analytics.report(group)
    names = [m.name for m in report.members]
    assert names == sorted(names)
    flagged = len(report.flagged)
    shown = []
    for page in (1, 2, 3):
        html = client.get(f"/groups/{group.slug}/attendance?members={page}").get_data(as_text=True)
        shown += re.findall(
            r'<tr(?: class="flagged")? data-person="\d+">\s*<th scope="row">([^<]+)</th>', html
        )
        assert f"{flagged} of 5 members flagged" in html
    assert shown == names
