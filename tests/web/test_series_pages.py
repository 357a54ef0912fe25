"""Series pages: create/edit with preview, occurrence actions, one-offs, panels, permissions."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import Meeting, MeetingSeries, Role
from meetbot.services.subscribe import subscribe_links, webcal_url

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def edge(create_user, create_group):
    """A group with an organizer, a chair and a member (all able to log in)."""
    org = create_user("Olga", email="org@example.org")
    chair = create_user("Chen", email="chair@example.org")
    member = create_user("Mia", email="member@example.org")
    group = create_group(
        slug="edge",
        timezone="Europe/Berlin",
        members={org: Role.ORGANIZER, chair: Role.CHAIR, member: Role.MEMBER},
    )
    return group, org, chair, member


def form(**kw) -> dict:
    base = {
        "title": "Edge weekly",
        "timezone": "Europe/Berlin",
        "location_kind": "chat",
        "location": "#edge",
        "slots-0-start_date": "2026-01-06",
        "slots-0-start_time": "16:00",
        "slots-0-duration_minutes": "60",
        "slots-0-frequency": "weekly",
        "slots-0-interval": "1",
        # An untouched spare row, as the page sends it without JavaScript.
        "slots-1-duration_minutes": "60",
        "slots-1-frequency": "weekly",
        "slots-1-interval": "1",
    }
    base.update(kw)
    return base


def series_count() -> int:
    return db.session.scalar(select(func.count(MeetingSeries.id)))


def test_subscribe_links():
    links = subscribe_links("https://m.test/", "/series/3/calendar.ics", "Edge & co")
    assert links.https == "https://m.test/series/3/calendar.ics"
    assert links.webcal == "webcal://m.test/series/3/calendar.ics"
    google = parse_qs(urlsplit(links.google).query)
    assert links.google.startswith("https://calendar.google.com/calendar/r?")
    assert google == {"cid": [links.webcal]}
    outlook = parse_qs(urlsplit(links.outlook).query)
    assert links.outlook.startswith("https://outlook.live.com/calendar/0/addfromweb?")
    assert outlook == {"url": [links.https], "name": ["Edge & co"]}
    with pytest.raises(ValueError):
        webcal_url("ftp://x/y")


def test_organizer_creates_series(client, auth, edge, frozen):
    group, *_ = edge
    auth.login("org@example.org")
    page = client.get("/groups/edge/series/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('name="slots-') and 'name="slots-2-start_date"' in html  # 3 rows
    response = client.post("/groups/edge/series/new", data=form())
    assert response.status_code == 302, response.get_data(as_text=True)
    series = db.session.scalar(select(MeetingSeries))
    assert [s.key for s in series.slots] == ["a"]  # the blank row is ignored
    view = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Weekly on Tuesday at 16:00 (Europe/Berlin)" in view
    # 16:00 Berlin in January is 15:00 UTC; the page names the zone.
    assert 'datetime="2026-01-06T15:00:00Z"' in view and "Europe/Berlin" in view
    assert "webcal://meetbot.test/series/1/calendar.ics" in view
    assert "https://calendar.google.com/calendar/r?cid=webcal" in view
    assert "outlook.live.com/calendar/0/addfromweb" in view


@pytest.mark.parametrize(
    ("changes", "field_id"),
    [
        ({"slots-0-timezone": "Mars/Base"}, "slots-0-timezone"),
        ({"slots-0-duration_minutes": "0"}, "slots-0-duration_minutes"),
        ({"slots-0-duration_minutes": "1441"}, "slots-0-duration_minutes"),
        ({"slots-0-count": "0"}, "slots-0-count"),
        ({"slots-0-until": "2025-12-01"}, "slots-0-until"),
        ({"timezone": "Not/AZone"}, "timezone"),
    ],
)
def test_bad_input_is_a_form_error(client, auth, edge, changes, field_id):
    auth.login("org@example.org")
    response = client.post("/groups/edge/series/new", data=form(**changes))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field_id}-err"' in html, html
    assert series_count() == 0


def test_preview_endpoint_dst(client, auth, edge, frozen):
    auth.login("org@example.org")
    data = form(**{"slots-0-start_date": "2026-10-20", "slots-0-timezone": "Europe/Berlin"})
    response = client.post("/series/preview", data=data)
    assert response.status_code == 200
    items = response.get_json()["occurrences"]
    assert len(items) == 10
    # Berlin leaves summer time on 25 October 2026: 14:00 UTC, then 15:00 UTC.
    assert [i["start"] for i in items[:3]] == [
        "2026-10-20T14:00:00Z",
        "2026-10-27T15:00:00Z",
        "2026-11-03T15:00:00Z",
    ]
    assert items[0]["local"].endswith("16:00 Europe/Berlin")
    assert items[0]["utc"].endswith("14:00 UTC")
    la = client.post(
        "/series/preview",
        data=form(
            timezone="America/Los_Angeles",
            **{"slots-0-start_date": "2026-02-24", "slots-0-start_time": "09:00"},
        ),
    ).get_json()["occurrences"]
    # Los Angeles: PST (UTC-8) until 8 March 2026, then PDT (UTC-7).
    assert [i["start"] for i in la[:3]] == [
        "2026-02-24T17:00:00Z",
        "2026-03-03T17:00:00Z",
        "2026-03-10T16:00:00Z",
    ]
    assert series_count() == 0


def test_preview_endpoint_errors(client, auth, edge):
    auth.login("org@example.org")
    response = client.post("/series/preview", data=form(**{"slots-0-duration_minutes": "0"}))
    assert response.status_code == 200
    assert response.get_json()["occurrences"] == []
    assert "slots-0-duration_minutes" in response.get_json()["errors"]
    response = client.post("/series/preview", data=form(**{"slots-0-interval": "many"}))
    assert "slots-0-interval" in response.get_json()["errors"]
    client.post("/logout")
    logged_out = client.post("/series/preview", data=form())
    assert logged_out.status_code == 302
    assert "/login" in logged_out.headers["Location"]


def test_preview_button_without_js_saves_nothing(client, auth, edge, frozen):
    auth.login("org@example.org")
    response = client.post("/groups/edge/series/new", data=form(_preview="1"))
    assert response.status_code == 200
    assert "preview-table" in response.get_data(as_text=True)
    assert series_count() == 0


def _make_series(client, auth):
    auth.login("org@example.org")
    client.post("/groups/edge/series/new", data=form())
    return db.session.scalar(select(MeetingSeries))


def test_edit_keeps_slot_key(client, auth, edge, frozen):
    series = _make_series(client, auth)
    page = client.get(f"/series/{series.id}/edit").get_data(as_text=True)
    assert 'value="a"' in page and "preview-table" in page  # server-rendered preview
    data = form(**{"slots-0-key": "a", "slots-0-start_time": "17:00", "title": "Renamed"})
    response = client.post(f"/series/{series.id}/edit", data=data)
    assert response.status_code == 302
    db.session.refresh(series)
    assert series.title == "Renamed" and [s.key for s in series.slots] == ["a"]
    assert series.slots[0].start_local.hour == 17 and series.revision == 1


def test_conflict_warning_on_save(client, auth, edge, frozen):
    _make_series(client, auth)
    response = client.post(
        "/groups/edge/series/new", data=form(title="Clash", location="EDGE"), follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "Warning:" in html and "conflict" in html
    page = client.get("/groups/edge/").get_data(as_text=True)
    assert "Scheduling conflicts" in page


def test_cancel_move_retitle_uncancel_through_pages(client, auth, edge, frozen):
    series = _make_series(client, auth)
    occ = {"slot": "a", "at": "2026-01-13T16:00"}
    page = client.get(f"/series/{series.id}/occurrence", query_string=occ)
    assert page.status_code == 200
    r = client.post(f"/series/{series.id}/occurrence/cancel", data={**occ, "reason": "Holiday"})
    assert r.status_code == 302
    group_page = client.get("/groups/edge/").get_data(as_text=True)
    assert re.search(r"<del>.*2026-01-13T15:00:00Z.*</del>", group_page, re.S)
    assert "Holiday" in group_page
    r = client.post(f"/series/{series.id}/occurrence/uncancel", data=occ)
    assert r.status_code == 302
    meeting = db.session.scalar(select(Meeting))
    assert meeting.status == "scheduled" and meeting.sequence == 2
    r = client.post(
        f"/series/{series.id}/occurrence/move",
        data={**occ, "start_date": "2026-01-14", "start_time": "10:00", "reason": "Summit"},
    )
    assert r.status_code == 302
    db.session.refresh(meeting)
    assert meeting.start_dt == datetime(2026, 1, 14, 9, 0, tzinfo=UTC) and meeting.is_moved
    assert "moved" in client.get("/groups/edge/upcoming").get_data(as_text=True)
    r = client.post(
        f"/series/{series.id}/occurrence/move",
        data={**occ, "start_date": "2026-03-14", "start_time": "10:00"},
    )
    assert r.status_code == 422 and "28 days" in r.get_data(as_text=True)
    r = client.post(f"/series/{series.id}/occurrence/retitle", data={**occ, "title": "Special"})
    assert r.status_code == 302
    db.session.refresh(meeting)
    assert meeting.title == "Special" and meeting.sequence == 4


def test_end_series_page(client, auth, edge, frozen):
    series = _make_series(client, auth)
    r = client.post(f"/series/{series.id}/end", data={"last_date": "2026-01-20"})
    assert r.status_code == 302
    db.session.refresh(series)
    assert series.slots[0].until.isoformat() == "2026-01-20"


def test_one_off_page(client, auth, edge, create_work_stream, frozen):
    group, *_ = edge
    stream = create_work_stream(group, slug="gap")
    auth.login("org@example.org")
    assert client.get("/groups/edge/meetings/new").status_code == 200
    r = client.post(
        "/groups/edge/meetings/new",
        data={
            "title": "Kick-off",
            "timezone": "America/Los_Angeles",
            "start_date": "2026-07-01",
            "start_time": "09:00",
            "duration_minutes": "30",
            "work_stream": str(stream.id),
        },
    )
    assert r.status_code == 302
    meeting = db.session.scalar(select(Meeting))
    assert meeting.start_dt == datetime(2026, 7, 1, 16, 0, tzinfo=UTC)
    assert meeting.work_stream_id == stream.id
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "America/Los_Angeles" in page
    stream_page = client.get("/groups/edge/streams/gap/").get_data(as_text=True)
    assert "/groups/edge/streams/gap/calendar.ics" in stream_page
    bad = client.post(
        "/groups/edge/meetings/new",
        data={
            "title": "X",
            "timezone": "UTC",
            "start_date": "2026-07-01",
            "start_time": "09:00",
            "duration_minutes": "0",
        },
    )
    assert bad.status_code == 422 and 'id="duration_minutes-err"' in bad.get_data(as_text=True)


@pytest.mark.parametrize("who", ["member@example.org", "chair@example.org"])
def test_non_organizers_get_403(client, auth, edge, who, create_series):
    group, *_ = edge
    series = create_series(group)
    auth.login(who)
    assert client.get("/groups/edge/series/new").status_code == 403
    assert client.post("/groups/edge/series/new", data=form()).status_code == 403
    assert client.get(f"/series/{series.id}/edit").status_code == 403
    occ = {"slot": "slot-0", "at": "2026-01-13T15:00"}
    assert client.post(f"/series/{series.id}/occurrence/cancel", data=occ).status_code == 403
    assert (
        client.post(f"/series/{series.id}/end", data={"last_date": "2027-01-01"}).status_code == 403
    )
    assert client.get("/groups/edge/meetings/new").status_code == 403
    assert series_count() == 1 and db.session.scalar(select(func.count(Meeting.id))) == 0
    # No organizer buttons on the pages.
    assert "New series" not in client.get("/groups/edge/").get_data(as_text=True)


def test_chair_of_another_group_gets_403(client, auth, create_user, create_group, edge):
    other_org = create_user(email="elsewhere@example.org")
    create_group(slug="other", members={other_org: Role.ORGANIZER})
    auth.login("elsewhere@example.org")
    assert client.get("/groups/edge/series/new").status_code == 403
    assert client.post("/groups/edge/series/new", data=form()).status_code == 403
    assert client.get("/groups/other/series/new").status_code == 200


def test_anonymous_is_sent_to_login(client, edge, create_series):
    group, *_ = edge
    series = create_series(group)
    r = client.get("/groups/edge/series/new")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    occ = {"slot": "slot-0", "at": "2026-01-13T15:00"}
    assert client.post(f"/series/{series.id}/occurrence/cancel", data=occ).status_code == 401
    assert client.post("/groups/edge/series/new", data=form()).status_code == 401
    # Reading is public.
    assert client.get(f"/series/{series.id}/").status_code == 200
    assert client.get("/groups/edge/upcoming").status_code == 200


def test_group_page_panels(client, auth, edge, create_series, frozen):
    group, *_ = edge
    create_series(
        group, title="Weekly call", timezone="Europe/Berlin", start=datetime(2026, 1, 6, 16, 0)
    )
    auth.login("org@example.org")
    html = client.get("/groups/edge/").get_data(as_text=True)
    assert "Upcoming meetings" in html and 'data-zone="Europe/Berlin"' in html
    assert "New series" in html and "New one-off meeting" in html
    assert "webcal://meetbot.test/groups/edge/calendar.ics" in html
    assert "data-saved-zone" in html
