"""Issue 12, "every list", on the pages: the groups index is paged, a work stream's
page lists a bounded number of series with a "show all" link to the paged list, and
a meeting's page lists its attendance a page at a time. Page sizes are lowered here."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from meetbot.extensions import db
from meetbot.models import Attendance, Role
from meetbot.web import groups as group_pages
from meetbot.web import meetings as meeting_pages
from meetbot.web import series as series_pages
from tests.app_pool import LAZY_EXTENSIONS

START = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


def _forget_derived(app) -> None:
    """Drop the app's derived caches, so that the next GET computes its panels: both
    measured GETs then count the same work (a cached panel would hide the page size,
    and on PostgreSQL a change notice arriving late empties them at random)."""
    for key in LAZY_EXTENSIONS:
        app.extensions.pop(key, None)


def _names(html: str, pattern: str) -> list[str]:
    return re.findall(pattern, html)


def test_groups_index_in_pages(client, create_group, monkeypatch) -> None:
    monkeypatch.setattr(group_pages, "GROUPS_PAGE_SIZE", 2)
    for name in ("Gamma", "Alpha", "Beta"):
        create_group(name=name)
    card = r'<h2><a href="/groups/[^"]+">([^<]+)</a></h2>'
    first = client.get("/groups/").get_data(as_text=True)
    assert _names(first, card) == ["Alpha", "Beta"]
    assert '<a rel="next" href="/groups/?page=2">Next</a>' in first
    assert "3 groups · page 1 of 2" in first
    second = client.get("/groups/?page=2").get_data(as_text=True)
    assert _names(second, card) == ["Gamma"]


def test_stream_page_shows_some_series_and_links_all(
    client, create_group, create_work_stream, create_series, monkeypatch
) -> None:
    monkeypatch.setattr(series_pages, "STREAM_SERIES_SHOWN", 2)
    group = create_group("wg")
    stream = create_work_stream(group, "edge")
    tagged = [create_series(group, title=title) for title in ("C call", "A call", "B call")]
    for series in tagged:
        series.work_streams.append(stream)
    create_series(group, title="Untagged")
    db.session.commit()
    html = client.get("/groups/wg/streams/edge/").get_data(as_text=True)
    section = html.split('<section class="panel stream-series">', 1)[1].split("</ul>", 1)[0]
    assert _names(section, r'<a href="/series/\d+/?">([^<]+)</a>') == ["A call", "B call"]
    assert '<a href="/groups/wg/series/?stream=edge">Show all 3 series</a>' in html
    listed = client.get("/groups/wg/series/?stream=edge").get_data(as_text=True)
    titles = _names(listed, r'<a href="/series/\d+/?">([^<]+)</a>')
    assert titles == ["A call", "B call", "C call"]


def test_meeting_page_lists_attendance_a_page_at_a_time(
    client, create_person, create_group, create_meeting, monkeypatch, count_queries
) -> None:
    monkeypatch.setattr(meeting_pages, "ATTENDANCE_PAGE_SIZE", 2)
    people = [create_person(name) for name in ("Ann", "Bob", "Cid")]
    group = create_group("wg", members=dict.fromkeys(people, Role.MEMBER))
    meeting = create_meeting(group, start=START)
    for person in people:
        db.session.add(
            Attendance(meeting_id=meeting.id, person_id=person.id, kind="present", source="roster")
        )
    db.session.commit()
    path = f"/meetings/{meeting.id}/"
    client.get(path)  # warm up (the app's first statements, the session)
    _forget_derived(client.application)
    with count_queries() as counted:
        html = client.get(path).get_data(as_text=True)
    assert 'Present <span class="count">(3)</span>' in html
    listed = r"<li>(Ann|Bob|Cid)\b"
    assert _names(html, listed) == ["Ann", "Bob"]
    assert f'<a rel="next" href="{path}?attendance_page=2">Next</a>' in html
    assert _names(client.get(path + "?attendance_page=2").get_data(as_text=True), listed) == ["Cid"]
    monkeypatch.setattr(meeting_pages, "ATTENDANCE_PAGE_SIZE", 100)
    _forget_derived(client.application)
    with count_queries() as more:
        client.get(path)
    assert more.count == counted.count  # more shown, no more statements
