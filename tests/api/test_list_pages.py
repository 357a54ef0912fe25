"""Issue 12, "every list": the API lists that grew with membership are paged by the
occurrences' cursor pager (``limit``, ``Link`` rel=next): a meeting's attendance and
the members part of the attendance statistics; GET /meetings/<id> embeds a bounded
part of its attendance with the counts and the paged list's URL."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from meetbot.extensions import db
from meetbot.models import Attendance, Role
from meetbot.services import series_reads
from tests.api.conftest import assert_error

START = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
NAMES = ["Ann", "Bob", "Cid", "Dee", "Eve"]


@pytest.fixture
def wg(create_person, create_group, create_meeting):
    people = [create_person(name) for name in NAMES]
    group = create_group("wg", members=dict.fromkeys(people, Role.MEMBER))
    meeting = create_meeting(group, start=START)
    kinds = ["present", "present", "present", "regrets", "present"]
    for person, kind in zip(people, kinds, strict=True):
        db.session.add(
            Attendance(meeting_id=meeting.id, person_id=person.id, kind=kind, source="roster")
        )
    db.session.commit()
    return {"meeting": meeting, "people": people}


def _walk(api, path: str) -> list[list[str]]:
    """Follow the next links from ``path``: the names of each page."""
    pages = []
    while path:
        response = api.get(path)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items = body["members"] if isinstance(body, dict) else body
        pages.append([(e.get("person") or {}).get("display_name") for e in items])
        link = response.headers.get("Link")
        path = (
            re.match(r'<https?://[^/]+/api/v1([^>]+)>; rel="next"$', link).group(1) if link else ""
        )
    return pages


def test_attendance_list_in_pages(api, wg) -> None:
    path = f"/meetings/{wg['meeting'].id}/attendance"
    assert _walk(api, path + "?limit=2") == [["Ann", "Bob"], ["Cid", "Eve"], ["Dee"]]
    assert _walk(api, path) == [["Ann", "Bob", "Cid", "Eve", "Dee"]]  # default: 500 a page
    error = assert_error(api.get(path + "?limit=2001"), 400, "bad_request")
    assert set(error["fields"]) == {"limit"}
    error = assert_error(api.get(path + "?cursor=WyJhIiwiYiJd"), 400, "bad_request")
    assert set(error["fields"]) == {"cursor"}  # ["a", "b"]: a key of another list


def test_attendance_stats_members_in_pages(api, wg) -> None:
    pages = _walk(api, "/groups/wg/attendance-stats?limit=2")
    assert pages == [["Ann", "Bob"], ["Cid", "Dee"], ["Eve"]]
    body = api.get("/groups/wg/attendance-stats?limit=2").get_json()
    assert body["member_count"] == 5 and len(body["meetings"]) == 1


def test_meeting_embeds_a_bounded_attendance(api, wg, monkeypatch, count_queries) -> None:
    monkeypatch.setattr(series_reads, "EMBEDDED_ATTENDANCE", 2)
    m = wg["meeting"]
    api.get(f"/meetings/{m.id}")  # warm up (first-request work is not counted)
    with count_queries() as counts:
        body = api.get(f"/meetings/{m.id}").get_json()
    assert [a["person"]["display_name"] for a in body["attendees"]] == ["Ann", "Bob"]
    assert [a["person"]["display_name"] for a in body["regrets"]] == ["Dee"]
    assert (body["attendee_count"], body["regret_count"]) == (4, 1)
    assert body["attendance_url"] == f"http://localhost/api/v1/meetings/{m.id}/attendance"
    # The group's meeting list embeds the same; more entries take no more statements.
    listed = api.get("/groups/wg/meetings").get_json()["items"][0]
    assert listed["attendee_count"] == 4 and len(listed["attendees"]) == 2
    monkeypatch.setattr(series_reads, "EMBEDDED_ATTENDANCE", 100)
    with count_queries() as more:
        assert len(api.get(f"/meetings/{m.id}").get_json()["attendees"]) == 4
    assert more.count == counts.count


def test_a_cursor_after_the_longest_name_fits_its_limit(api, wg, create_person) -> None:
    long = create_person("Ж" * 200)
    m = wg["meeting"]
    db.session.add(Attendance(meeting_id=m.id, person_id=long.id, kind="present", source="csv"))
    db.session.commit()
    # The first page ends on the long name: its cursor must still be accepted.
    pages = _walk(api, f"/meetings/{m.id}/attendance?limit=5")
    assert pages == [["Ann", "Bob", "Cid", "Eve", "Ж" * 200], ["Dee"]]
