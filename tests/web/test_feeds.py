"""Calendar feeds: every kind parsed by two client parsers (recurring-ical-events and
ical.js) and compared with the app's own occurrence list; validity, escaping, stable
UIDs, caching and conditional GET, the personal feed and its token."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from meetbot import create_app
from meetbot.extensions import db
from meetbot.freshness import render_count
from meetbot.models import (
    ActionStatus,
    FeedCache,
    Group,
    MeetingSeries,
    MeetingStatus,
    Role,
    SeriesStatus,
)
from meetbot.services import accounts, imports
from meetbot.services.meetings import materialize_occurrence
from meetbot.services.occurrences import group_occurrences, series_occurrences
from tests import feedcheck
from tests.sample_data import IRC_MEETINGS_DIR, needs_irc_meetings

DOMAIN = "meetbot.test"
START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2028, 1, 1, tzinfo=UTC)  # two years
ZONES = ["UTC", "America/Los_Angeles", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata"]
DATA = IRC_MEETINGS_DIR
NASTY = 'Sync; part 1, "A\\B"\r\nDTSTART:19700101T000000Z\nX-INJECTED:yes'


def _expected(occurrences, start=START, end=END) -> list[dict]:
    """What a client should show: the app's occurrences that are not cancelled."""
    return [
        {
            "uid": o.uid,
            "start": o.start,
            "end": o.end,
            "summary": o.title,
            "status": "CONFIRMED",
            "recurrence_id": o.recurrence_id,
        }
        for o in occurrences
        if o.status != MeetingStatus.CANCELLED.value and start <= o.start < end
    ]


def _change(meeting, **fields) -> None:
    """What the scheduling services do to one occurrence (fields, SEQUENCE; the
    revisions move by themselves, meetbot.freshness)."""
    for key, value in fields.items():
        setattr(meeting, key, value)
    meeting.sequence = (meeting.sequence or 0) + 1
    db.session.commit()


@pytest.fixture
def world(create_person, create_group, create_series, create_meeting, create_work_stream):
    """A group (Europe/Berlin) with a series in each of five zones, moved, retitled and
    cancelled occurrences, one-off meetings, an ended series and a work stream."""
    alice = create_person("Alice", timezone="Europe/Berlin")
    group = create_group("wg", timezone="Europe/Berlin", members={alice: Role.MEMBER})
    stream = create_work_stream(group, "edge", name="Edge")
    series = {}
    local_times = {
        "UTC": datetime(2026, 1, 6, 15, 0),
        "America/Los_Angeles": datetime(2026, 1, 7, 9, 0),
        "Europe/Berlin": datetime(2026, 1, 8, 14, 0),
        "Australia/Sydney": datetime(2026, 1, 9, 10, 30),
        "Asia/Kolkata": datetime(2026, 1, 12, 18, 30),
    }
    for n, zone in enumerate(ZONES):
        series[zone] = create_series(
            group,
            title=f"{zone} call",
            timezone=zone,
            start=local_times[zone],
            interval=1 if n % 2 == 0 else 2,
            duration_minutes=45 + 15 * n,
            location="https://video.example.org/" + zone.replace("/", "-"),
            agenda_url="https://pad.example.org/" + str(n),
            work_streams=[stream] if n < 2 else [],
        )
    # A monthly second slot (first Tuesday) on the Berlin series.
    berlin = series["Europe/Berlin"]
    from meetbot.models import SeriesSlot

    berlin.slots.append(
        SeriesSlot(
            key="monthly",
            position=1,
            timezone="Europe/Berlin",
            start_local=datetime(2026, 2, 3, 8, 0),
            duration_minutes=30,
            frequency="monthly",
            weekday=1,
            setpos=1,
        )
    )
    db.session.commit()

    for zone, s in series.items():
        slot = s.slots[0]
        step = timedelta(weeks=slot.interval)
        # Cancel the 3rd occurrence, move the 5th by a day and two hours (across
        # DST in the zones that have it: late March / early April / October).
        cancelled = materialize_occurrence(s, slot.key, slot.start_local + 2 * step)
        _change(cancelled, status=MeetingStatus.CANCELLED.value, change_reason="Holiday")
        moved = materialize_occurrence(s, slot.key, slot.start_local + 12 * step)
        new_start = moved.start_dt + timedelta(days=1, hours=2)
        _change(
            moved,
            start_dt=new_start,
            end_dt=new_start + timedelta(minutes=slot.duration_minutes),
            is_moved=True,
            change_reason="Room clash",
        )
        retitled = materialize_occurrence(s, slot.key, slot.start_local + 20 * step)
        _change(retitled, title=f"{zone} planning", location="Room 1")
        held = materialize_occurrence(s, slot.key, slot.start_local + step)
        _change(held, status=MeetingStatus.HELD.value, agenda="1. hello")
    monthly = materialize_occurrence(berlin, "monthly", datetime(2026, 4, 7, 8, 0))
    _change(monthly, status=MeetingStatus.CANCELLED.value, change_reason="Easter")

    one_off = create_meeting(
        group,
        start=datetime(2026, 5, 20, 12, 0, tzinfo=UTC),
        timezone="Asia/Kolkata",
        title="Kick-off",
        work_stream_id=stream.id,
    )
    cancelled_one_off = create_meeting(
        group,
        start=datetime(2026, 6, 20, 12, 0, tzinfo=UTC),
        title="Cancelled one-off",
        status=MeetingStatus.CANCELLED.value,
    )
    ended = create_series(
        group, title="Old call", timezone="Australia/Sydney", start=datetime(2026, 1, 5, 9, 0)
    )
    held_old = materialize_occurrence(ended, "slot-0", datetime(2026, 1, 12, 9, 0))
    held_old.status = MeetingStatus.HELD.value
    ended.status = SeriesStatus.ENDED.value
    db.session.commit()
    return {
        "group": group,
        "stream": stream,
        "series": series,
        "alice": alice,
        "one_off": one_off,
        "cancelled_one_off": cancelled_one_off,
        "ended": ended,
        "held_old": held_old,
        "moved": moved,
    }


def _get(client, url: str, **headers):
    response = client.get(url, headers=headers)
    return response


def _check(ics: bytes, expected: list[dict]) -> None:
    assert expected, "nothing to compare"
    assert feedcheck.check_feed(ics, expected, START, END) == []


def test_group_feed_matches_occurrences_with_both_parsers(client, world):
    response = _get(client, "/groups/wg/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"].startswith("public")
    occs = group_occurrences(world["group"], START, END, DOMAIN)
    expected = _expected(occs)
    # The fixture produced what the test is about: cancelled, moved and one-off ones.
    assert any(o.is_cancelled for o in occs) and any(o.is_moved for o in occs)
    assert any(o.series_id is None for o in occs)
    assert {o["uid"] for o in expected if o["uid"].startswith("meeting-")}, "no stand-alone"
    _check(response.data, expected)
    # The cancelled one-off meeting is left out; the ended series keeps its history row.
    assert b"Cancelled one-off" not in response.data
    assert response.data.count(b"SUMMARY:Old call") == 1


def test_stream_series_and_meeting_feeds_match(client, world):
    group, stream = world["group"], world["stream"]
    response = _get(client, "/groups/wg/streams/edge/calendar.ics")
    assert response.status_code == 200
    expected = _expected(group_occurrences(group, START, END, DOMAIN, work_stream=stream))
    assert {o["summary"] for o in expected} >= {"UTC call", "Kick-off"}
    assert "Europe/Berlin call" not in {o["summary"] for o in expected}
    _check(response.data, expected)

    for series in world["series"].values():
        response = _get(client, f"/series/{series.id}/calendar.ics")
        assert response.status_code == 200
        _check(response.data, _expected(series_occurrences(series, START, END, DOMAIN)))

    moved = world["moved"]
    response = _get(client, f"/meetings/{moved.id}/calendar.ics")
    assert response.status_code == 200
    _check(
        response.data,
        [
            {
                "uid": f"meeting-{moved.uid_token}@{DOMAIN}",
                "start": moved.start_dt,
                "end": moved.end_dt,
                "summary": moved.effective_title,
                "status": "CONFIRMED",
                "recurrence_id": None,
            }
        ],
    )
    assert b"Changed: Room clash" in response.data.replace(b"\r\n ", b"")
    assert _get(client, "/meetings/999999/calendar.ics").status_code == 404
    assert _get(client, "/series/999999/calendar.ics").status_code == 404
    assert _get(client, "/groups/nope/calendar.ics").status_code == 404
    assert _get(client, "/groups/wg/streams/nope/calendar.ics").status_code == 404


def test_personal_feed_events_todos_and_revocation(
    app, client, world, create_group, create_series, create_action_item
):
    alice = world["alice"]
    other = create_group("other", timezone="America/Los_Angeles")
    chaired = create_series(
        other, title="Chaired elsewhere", timezone="America/Los_Angeles", chairs=[alice]
    )
    create_series(other, title="Not mine", timezone="America/Los_Angeles")
    open_item = create_action_item(
        other, text="Write the gap analysis", owners=[alice], due_date=date(2026, 3, 1)
    )
    done_item = create_action_item(
        world["group"], text="Book the room", owners=[alice], status=ActionStatus.DONE.value
    )
    token = accounts.feed_token(alice, app.config["SECRET_KEY"])
    url = f"/feeds/{token}/calendar.ics"

    response = _get(client, url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("private")
    expected = _expected(
        group_occurrences(world["group"], START, END, DOMAIN)
        + series_occurrences(chaired, START, END, DOMAIN)
    )
    _check(response.data, expected)
    assert b"Not mine" not in response.data

    cal = icalendar.Calendar.from_ical(response.data)
    todos = {str(t["UID"]): t for t in cal.walk("VTODO")}
    assert set(todos) == {f"action-{open_item.uid_token}@{DOMAIN}"}
    todo = todos[f"action-{open_item.uid_token}@{DOMAIN}"]
    assert todo["DUE"].dt == date(2026, 3, 1) and str(todo["STATUS"]) == "NEEDS-ACTION"
    assert f"action-{done_item.uid_token}".encode() not in response.data

    # Closing the item changes the feed without any group revision bump.
    etag = response.headers["ETag"]
    open_item.status = ActionStatus.DONE.value
    open_item.sequence += 1
    db.session.commit()
    response = _get(client, url, **{"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag
    assert not icalendar.Calendar.from_ical(response.data).walk("VTODO")

    # Invalid and revoked tokens are 404, and the new token works.
    assert _get(client, url[:-20] + "x" * 20).status_code == 404
    assert _get(client, "/feeds/not-a-token/calendar.ics").status_code == 404
    accounts.revoke_feed_token(alice)
    assert _get(client, url).status_code == 404
    new_token = accounts.feed_token(alice, app.config["SECRET_KEY"])
    assert new_token != token
    assert _get(client, f"/feeds/{new_token}/calendar.ics").status_code == 200


def _unfold(ics: bytes) -> str:
    return ics.decode().replace("\r\n ", "")


def test_feed_validity_tzids_uids_and_stable_bytes(app, client, world, app_config):
    body = _get(client, "/groups/wg/calendar.ics").data
    text = _unfold(body)
    assert "\r\n" in body.decode() and "\n" not in body.decode().replace("\r\n", "")
    tzids = set(re.findall(r";TZID=([^:;]+)", text))
    vtimezones = set(re.findall(r"BEGIN:VTIMEZONE\r\nTZID:([^\r\n]+)", text))
    assert tzids and tzids <= vtimezones
    assert set(ZONES) - {"UTC"} <= tzids
    # Not the group's zone (Europe/Berlin): the feed holds a recurring UTC series, which
    # Google Calendar would re-read in a DST zone (meetbot.domain.ical "Times in UTC").
    assert re.findall(r"^X-WR-TIMEZONE:(.+?)\r?$", text, re.M) == ["UTC"]
    for prop in ("X-WR-CALNAME:Group", "REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL"):
        assert prop in text

    cal = icalendar.Calendar.from_ical(body)
    masters = [e for e in cal.walk("VEVENT") if "RECURRENCE-ID" not in e]
    uids = [str(e["UID"]) for e in masters]
    assert len(uids) == len(set(uids)), "a UID is used by two master events"
    slots = sum(len(s.slots) for s in world["series"].values())
    assert sum(1 for e in masters if "RRULE" in e) == slots
    for event in cal.walk("VEVENT"):
        assert "DTSTAMP" in event and "SEQUENCE" in event

    # Rendering again from scratch, and in a new app process, gives the same bytes.
    db.session.execute(FeedCache.__table__.delete())
    db.session.commit()
    assert _get(client, "/groups/wg/calendar.ics").data == body
    db.session.execute(FeedCache.__table__.delete())
    db.session.commit()
    other = create_app(app_config)
    with other.app_context():
        assert other.test_client().get("/groups/wg/calendar.ics").data == body


def test_text_escaping_round_trips_and_injects_nothing(client, create_group, create_series):
    group = create_group("esc", timezone="UTC")
    create_series(group, title=NASTY, location="Room; 1, \\ floor", description=NASTY)
    body = _get(client, "/groups/esc/calendar.ics").data
    cal = icalendar.Calendar.from_ical(body)
    (event,) = cal.walk("VEVENT")
    want = NASTY.replace("\r\n", "\n")
    assert str(event["SUMMARY"]) == want
    assert str(event["LOCATION"]) == "Room; 1, \\ floor"
    assert "X-INJECTED" not in event and len(event.decoded("DTSTART").isoformat()) > 0
    assert event.decoded("DTSTART").year == 2026
    parsed = feedcheck.parse_icaljs_summaries(body)
    (component,) = parsed["components"]
    assert component["summary"] == want
    assert "x-injected" not in component["properties"]
    assert component["properties"].count("dtstart") == 1


def _sequence_of(body: bytes, uid: str, recurrence: bool) -> int:
    cal = icalendar.Calendar.from_ical(body)
    for event in cal.walk("VEVENT"):
        if str(event["UID"]) == uid and ("RECURRENCE-ID" in event) == recurrence:
            return int(event["SEQUENCE"])
    raise AssertionError(f"no event {uid}")


def test_conditional_get_and_cache_without_render(
    app, client, world, monkeypatch, count_queries, app_config
):
    renders = render_count()

    def rendered() -> int:
        return render_count() - renders

    url = "/groups/wg/calendar.ics"
    first = _get(client, url)
    assert first.status_code == 200 and rendered() == 1
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and not etag.startswith("W/")

    with count_queries() as counter:
        not_modified = _get(client, url, **{"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert not_modified.headers["ETag"] == etag
    assert rendered() == 1, "a 304 rendered the feed"
    assert counter.count <= 4, counter.statements
    assert _get(client, url, **{"If-Modified-Since": last_modified}).status_code == 304
    assert _get(client, url, **{"If-None-Match": '"other"'}).status_code == 200
    assert rendered() == 1  # a cache hit does not render either

    # Another app server on the same database answers from the shared cache.
    other = create_app(app_config)
    with other.app_context():
        response = other.test_client().get(url, headers={"If-None-Match": etag})
        assert response.status_code == 304
    assert rendered() == 1

    # Change one occurrence: 200, new ETag, higher SEQUENCE on that event.
    series = world["series"]["Europe/Berlin"]
    uid = f"series-{series.uid_token}-slot-0@{DOMAIN}"
    before = _sequence_of(first.data, uid, recurrence=True)
    meeting = materialize_occurrence(
        series, "slot-0", datetime(2026, 1, 8, 14, 0) + timedelta(weeks=12)
    )
    _change(
        meeting,
        title="Moved planning",
        start_dt=meeting.start_dt + timedelta(hours=1),
        end_dt=meeting.end_dt + timedelta(hours=1),
        is_moved=True,
    )
    changed = _get(client, url, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert rendered() == 2
    assert _sequence_of(changed.data, uid, recurrence=True) > before

    # Change the series itself: the master event's SEQUENCE rises too.
    master_before = _sequence_of(changed.data, uid, recurrence=False)
    series.title = "Berlin weekly"
    series.revision += 1
    db.session.commit()
    again = _get(client, url, **{"If-None-Match": changed.headers["ETag"]})
    assert again.status_code == 200
    assert _sequence_of(again.data, uid, recurrence=False) > master_before


def test_revision_bump_with_same_bytes_keeps_etag_and_last_modified(client, world):
    first = _get(client, "/groups/wg/calendar.ics")
    world["group"].revision += 1  # a change the group's feed does not show
    db.session.commit()
    second = _get(client, "/groups/wg/calendar.ics")
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Last-Modified"] == first.headers["Last-Modified"]
    assert db.session.scalar(select(func.count()).select_from(FeedCache)) == 1


@needs_irc_meetings
def test_imported_group_feed_parses_with_both_parsers(client, db_backend):
    if db_backend != "sqlite":
        pytest.skip("the feed bytes do not depend on the backend; the import is tested on both")
    assert imports.import_paths("openstack", [DATA]).failed == []
    group = db.session.scalar(select(Group).where(Group.slug == "openstack"))
    response = _get(client, "/groups/openstack/calendar.ics")
    assert response.status_code == 200
    expected = _expected(group_occurrences(group, START, END, DOMAIN))
    assert len({o["uid"] for o in expected}) == db.session.scalar(
        select(func.count()).select_from(MeetingSeries).join(MeetingSeries.slots)
    )
    _check(response.data, expected)
