"""Tests of meetbot.domain.ical, checked with two independent client parsers.

The expected occurrences come from recurrence.expand plus the overrides (see
tests/feedcheck.py:expected_occurrences), never from the iCalendar output, and
both recurring-ical-events and ical.js (Thunderbird's parser, which only knows
the VTIMEZONEs in the file) must find exactly those. A few hand-worked
instants pin the DST behaviour independently of the recurrence module.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest

from meetbot.domain import recurrence
from meetbot.domain.ical import (
    OccurrenceOverride,
    SeriesEvent,
    SingleEvent,
    TodoItem,
    build_calendar,
    feed_etag,
)
from meetbot.domain.recurrence import Frequency, Rule, Slot
from tests.feedcheck import (
    check_feed,
    compare,
    expected_occurrences,
    occurrences_icaljs,
    occurrences_recurring_ical_events,
    parse_icaljs_summaries,
)

HOUR = timedelta(hours=1)
STAMP = datetime(2024, 12, 20, 8, 30, tzinfo=UTC)
WINDOW = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def series_fixture() -> list[SeriesEvent | SingleEvent]:
    """Series in five zones with moves and cancellations, plus one-off meetings."""
    return [
        # UTC, weekly on Monday 15:00, no end; one moved, one retitled, two cancelled.
        SeriesEvent(
            uid="series-1-a@meetbot.test",
            slot=Slot("a", "UTC", datetime(2025, 1, 6, 15, 0), HOUR, Rule(Frequency.WEEKLY)),
            title="Edge WG weekly",
            dtstamp=STAMP,
            sequence=4,
            location="https://meet.example/edge",
            url="https://meetbot.example/series/1",
            categories=("edge", "weekly"),
            overrides=(
                OccurrenceOverride(
                    datetime(2025, 3, 3, 15, 0),
                    start_utc=utc(2025, 3, 4, 16, 0),
                    end_utc=utc(2025, 3, 4, 17, 30),
                    title="Edge WG (moved to Tuesday)",
                    sequence=5,
                ),
                OccurrenceOverride(datetime(2025, 12, 22, 15, 0), cancelled=True),
                OccurrenceOverride(datetime(2025, 12, 29, 15, 0), cancelled=True),
                OccurrenceOverride(datetime(2026, 4, 6, 15, 0), title="Edge WG: PTG recap"),
            ),
        ),
        # America/Los_Angeles, every 2 weeks on Wednesday 09:00 until 2026-08-31.
        SeriesEvent(
            uid="series-2-a@meetbot.test",
            slot=Slot(
                "a",
                "America/Los_Angeles",
                datetime(2025, 1, 8, 9, 0),
                timedelta(minutes=45),
                Rule(Frequency.WEEKLY, interval=2, until=date(2026, 8, 31)),
            ),
            title="Gap analysis stream",
            dtstamp=STAMP,
            sequence=1,
            overrides=(
                # Moved from before to after the US DST change by one day.
                OccurrenceOverride(
                    datetime(2025, 3, 5, 9, 0),
                    start_utc=utc(2025, 3, 10, 16, 0),
                ),
                OccurrenceOverride(datetime(2025, 11, 12, 9, 0), cancelled=True),
                # Moved, then cancelled: excluded by its original start.
                OccurrenceOverride(
                    datetime(2026, 1, 21, 9, 0),
                    cancelled=True,
                    start_utc=utc(2026, 1, 22, 17, 0),
                ),
            ),
        ),
        # Europe/Berlin, monthly on the last Thursday at 14:00, no end.
        SeriesEvent(
            uid="series-3-a@meetbot.test",
            slot=Slot(
                "a",
                "Europe/Berlin",
                datetime(2025, 1, 30, 14, 0),
                2 * HOUR,
                Rule(Frequency.MONTHLY, weekday=3, setpos=-1),
            ),
            title="Cross-community sync",
            description="Agenda: https://etherpad.example/edge\nAll welcome.",
            dtstamp=STAMP,
            sequence=2,
            overrides=(
                OccurrenceOverride(datetime(2025, 12, 25, 14, 0), cancelled=True),
                OccurrenceOverride(
                    datetime(2025, 10, 30, 14, 0),
                    start_utc=utc(2025, 10, 23, 8, 0),
                    location="Room 1, Berlin",
                ),
            ),
        ),
        # Australia/Sydney, weekly on Tuesday 10:00, 40 times.
        SeriesEvent(
            uid="series-4-a@meetbot.test",
            slot=Slot(
                "a",
                "Australia/Sydney",
                datetime(2025, 2, 4, 10, 0),
                HOUR,
                Rule(Frequency.WEEKLY, count=40),
            ),
            title="APAC edge call",
            dtstamp=STAMP,
            overrides=(OccurrenceOverride(datetime(2025, 4, 8, 10, 0), cancelled=True),),
        ),
        # Asia/Kolkata, every 2 months on the second Monday at 18:30, 8 times.
        SeriesEvent(
            uid="series-5-a@meetbot.test",
            slot=Slot(
                "a",
                "Asia/Kolkata",
                datetime(2025, 1, 13, 18, 30),
                HOUR,
                Rule(Frequency.MONTHLY, interval=2, weekday=0, setpos=2, count=8),
            ),
            title="New project considerations",
            dtstamp=STAMP,
            status="TENTATIVE",
        ),
        # A one-off slot of a series, moved.
        SeriesEvent(
            uid="series-6-a@meetbot.test",
            slot=Slot(
                "a",
                "Europe/Berlin",
                datetime(2025, 6, 17, 9, 0),
                3 * HOUR,
                Rule(Frequency.ONCE),
            ),
            title="Edge summit prep",
            dtstamp=STAMP,
            overrides=(
                OccurrenceOverride(datetime(2025, 6, 17, 9, 0), start_utc=utc(2025, 6, 18, 7)),
            ),
        ),
        SingleEvent(
            uid="meeting-100@meetbot.test",
            start_utc=utc(2025, 7, 1, 12, 0),
            end_utc=utc(2025, 7, 1, 13, 30),
            timezone="America/Los_Angeles",
            title="Kick-off",
            dtstamp=STAMP,
        ),
        SingleEvent(
            uid="meeting-101@meetbot.test",
            start_utc=utc(2026, 2, 2, 6, 0),
            end_utc=utc(2026, 2, 2, 7, 0),
            timezone="UTC",
            title="Release retro",
            dtstamp=STAMP,
            sequence=2,
        ),
        SingleEvent(
            uid="meeting-102@meetbot.test",
            start_utc=utc(2026, 3, 3, 10, 0),
            end_utc=utc(2026, 3, 3, 11, 0),
            timezone="Asia/Kolkata",
            title="Cancelled workshop",
            dtstamp=STAMP,
            sequence=3,
            status="CANCELLED",
        ),
    ]


TODOS = [
    TodoItem(
        uid="action-7@meetbot.test",
        summary="Write the gap analysis draft",
        dtstamp=STAMP,
        sequence=2,
        due=date(2025, 2, 14),
        created=utc(2025, 1, 6, 16, 0),
        url="https://meetbot.example/actions/7",
    ),
    TodoItem(
        uid="action-8@meetbot.test",
        summary="Book the room",
        dtstamp=STAMP,
        status="COMPLETED",
        completed=utc(2025, 1, 10, 9, 0),
    ),
]


def build(events=None, todos=TODOS, timezone="Europe/Berlin", **kwargs) -> bytes:
    return build_calendar(
        "Edge Computing Group",
        timezone,
        series_fixture() if events is None else events,
        todos,
        **kwargs,
    )


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def masters(cal: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT") if "RECURRENCE-ID" not in e}


def exdates_of(event: icalendar.Event) -> list[datetime]:
    prop = event["EXDATE"]
    props = prop if isinstance(prop, list) else [prop]
    return [d.dt for p in props for d in p.dts]


# --------------------------------------------------------------------------
# Client parsers agree with recurrence.expand
# --------------------------------------------------------------------------


def test_fixture_overrides_name_real_occurrences() -> None:
    """An override of a date the rule does not generate would test nothing."""
    for item in series_fixture():
        if isinstance(item, SeriesEvent):
            for ov in item.overrides:
                at = recurrence.to_utc(ov.original_start, item.slot.timezone)
                found = recurrence.expand(item.slot, at, at + timedelta(seconds=1))
                assert [o.original_start for o in found] == [ov.original_start], ov


def test_both_parsers_show_exactly_the_expected_occurrences_over_two_years() -> None:
    events = series_fixture()
    data = build(events)
    expected = expected_occurrences(events, *WINDOW)
    # The fixture is big enough to matter: dozens of occurrences in every series.
    assert len(expected) > 200
    assert {o["uid"] for o in expected} == {e.uid for e in events}
    assert check_feed(data, expected, *WINDOW) == []


def test_cancelled_and_moved_occurrences_as_a_participant_sees_them() -> None:
    """Hand-worked instants, independent of recurrence.expand."""
    data = build()
    for found in (
        occurrences_recurring_ical_events(data, *WINDOW),
        occurrences_icaljs(data, *WINDOW),
    ):
        starts = {(o["uid"], o["start"]) for o in found}
        by_start = {(o["uid"], o["start"]): o for o in found}
        # UTC series: 22 and 29 December 2025 cancelled, 15 December kept.
        assert ("series-1-a@meetbot.test", utc(2025, 12, 15, 15)) in starts
        assert ("series-1-a@meetbot.test", utc(2025, 12, 22, 15)) not in starts
        assert ("series-1-a@meetbot.test", utc(2025, 12, 29, 15)) not in starts
        # UTC series stays at 15:00 UTC in summer, though the calendar is in Berlin.
        assert ("series-1-a@meetbot.test", utc(2025, 7, 7, 15)) in starts
        moved = by_start[("series-1-a@meetbot.test", utc(2025, 3, 4, 16))]
        assert moved["end"] == utc(2025, 3, 4, 17, 30)
        assert moved["summary"] == "Edge WG (moved to Tuesday)"
        assert moved["recurrence_id"] == utc(2025, 3, 3, 15)
        assert ("series-1-a@meetbot.test", utc(2025, 3, 3, 15)) not in starts
        # Los Angeles 09:00: PST (UTC-8) in January, PDT (UTC-7) in summer.
        assert ("series-2-a@meetbot.test", utc(2025, 1, 22, 17)) in starts
        assert ("series-2-a@meetbot.test", utc(2025, 7, 9, 16)) in starts
        assert ("series-2-a@meetbot.test", utc(2025, 11, 12, 17)) not in starts
        # Berlin last Thursday 14:00: CET in January, CEST in May.
        assert ("series-3-a@meetbot.test", utc(2025, 1, 30, 13)) in starts
        assert ("series-3-a@meetbot.test", utc(2025, 5, 29, 12)) in starts
        assert ("series-3-a@meetbot.test", utc(2025, 12, 25, 13)) not in starts
        # Sydney 10:00: AEDT (UTC+11) in February, AEST (UTC+10) in June.
        assert ("series-4-a@meetbot.test", utc(2025, 2, 3, 23)) in starts
        assert ("series-4-a@meetbot.test", utc(2025, 6, 10, 0)) in starts
        # Kolkata 18:30 = 13:00 UTC all year; 8 times every 2 months: Jan 2025 to Mar 2026.
        kolkata = sorted(o["start"] for o in found if o["uid"] == "series-5-a@meetbot.test")
        assert kolkata[0] == utc(2025, 1, 13, 13) and kolkata[-1] == utc(2026, 3, 9, 13)
        assert len(kolkata) == 8
        cancelled = by_start[("meeting-102@meetbot.test", utc(2026, 3, 3, 10))]
        assert cancelled["status"] == "CANCELLED"


def test_the_check_detects_a_feed_that_disagrees() -> None:
    """The harness can fail: dropping an EXDATE or breaking a VTIMEZONE is reported."""
    events = series_fixture()
    data = build(events)
    expected = expected_occurrences(events, *WINDOW)
    no_exdate = re.sub(rb"EXDATE;TZID=Europe/Berlin:20251225T140000\r\n", b"", data)
    assert no_exdate != data
    diffs = check_feed(no_exdate, expected, *WINDOW)
    assert any(d.startswith("recurring-ical-events: unexpected series-3-a") for d in diffs)
    assert any(d.startswith("ical.js: unexpected series-3-a") for d in diffs)

    # ical.js uses only the file's VTIMEZONE: a wrong summer offset moves Berlin meetings.
    wrong_tz = data.replace(
        b"TZNAME:CEST\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200",
        b"TZNAME:CEST\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0300",
    )
    assert wrong_tz != data
    diffs = compare(expected, {"ical.js": occurrences_icaljs(wrong_tz, *WINDOW)})
    assert any("series-3-a" in d and "start is" in d for d in diffs)


def test_utc_series_in_a_zoned_calendar_publishes_x_wr_timezone_utc() -> None:
    """Google (and x-wr-timezone) read UTC times of a recurring event in X-WR-TIMEZONE."""
    events = series_fixture()[:1]  # the weekly UTC series
    data = build(events, todos=(), timezone="Europe/Berlin")
    assert b"X-WR-TIMEZONE:UTC\r\n" in data
    assert b"DTSTART:20250106T150000Z\r\n" in data
    expected = expected_occurrences(events, *WINDOW)
    assert check_feed(data, expected, *WINDOW) == []
    # Why: with the caller's zone, a Google-like reading shifts summer meetings.
    naive = data.replace(b"X-WR-TIMEZONE:UTC", b"X-WR-TIMEZONE:Europe/Berlin")
    shifted = compare(expected, {"rie": occurrences_recurring_ical_events(naive, *WINDOW)})
    assert shifted, "x-wr-timezone no longer re-reads UTC times; revisit the UTC rule"


def test_zoned_calendar_keeps_its_x_wr_timezone() -> None:
    events = [e for e in series_fixture() if e.uid != "series-1-a@meetbot.test"]
    data = build(events, timezone="America/Los_Angeles")
    assert b"X-WR-TIMEZONE:America/Los_Angeles\r\n" in data
    assert check_feed(data, expected_occurrences(events, *WINDOW), *WINDOW) == []


@pytest.mark.parametrize(
    ("window", "first_local"),
    [
        # Series started long ago: the VTIMEZONE must cover 2012.
        ((utc(2012, 6, 1), utc(2012, 8, 1)), datetime(2011, 6, 7, 14, 0)),
        # Far future, 15 years after the data: still covered.
        ((utc(2040, 6, 1), utc(2040, 8, 1)), datetime(2025, 1, 7, 14, 0)),
    ],
)
def test_vtimezone_covers_old_and_future_occurrences(window, first_local) -> None:
    events = [
        SeriesEvent(
            uid="berlin@meetbot.test",
            slot=Slot("a", "Europe/Berlin", first_local, HOUR, Rule(Frequency.WEEKLY)),
            title="Berlin weekly",
            dtstamp=STAMP,
        ),
        SeriesEvent(
            uid="sydney@meetbot.test",
            slot=Slot("a", "Australia/Sydney", first_local, HOUR, Rule(Frequency.WEEKLY)),
            title="Sydney weekly",
            dtstamp=STAMP,
        ),
    ]
    data = build(events, todos=())
    expected = expected_occurrences(events, *window)
    # Summer in Berlin is CEST (UTC+2): 14:00 local is 12:00 UTC.
    assert all(o["start"].hour == 12 for o in expected if o["uid"] == "berlin@meetbot.test")
    assert check_feed(data, expected, *window) == []


def test_instant_in_the_repeated_hour_is_not_misread() -> None:
    """01:30 UTC on 2025-10-26 is the second 02:30 in Berlin; a TZID time would mean the first."""
    events = [
        SingleEvent(
            uid="fold@meetbot.test",
            start_utc=utc(2025, 10, 26, 1, 30),
            end_utc=utc(2025, 10, 26, 2, 30),
            timezone="Europe/Berlin",
            title="Night shift handover",
            dtstamp=STAMP,
        )
    ]
    data = build(events, todos=())
    window = (utc(2025, 10, 25), utc(2025, 10, 27))
    expected = expected_occurrences(events, *window)
    assert [o["start"] for o in expected] == [utc(2025, 10, 26, 1, 30)]
    assert check_feed(data, expected, *window) == []


@pytest.mark.parametrize(
    ("zone", "wall"),
    [
        ("Europe/Berlin", (2, 30)),  # nonexistent on the spring Sunday, repeated in autumn
        ("Europe/Berlin", (1, 30)),  # a 2-hour meeting that spans both changes
        ("America/Los_Angeles", (1, 30)),  # repeated on the November Sunday
        ("Australia/Sydney", (2, 0)),  # gap in October, fold in April
    ],
)
def test_occurrences_at_dst_changes_are_shown_at_the_same_instants(zone, wall) -> None:
    """Clients disagree on such local times; pinned exceptions make them agree."""
    events = [
        SeriesEvent(
            uid="night@meetbot.test",
            slot=Slot("a", zone, datetime(2025, 1, 5, *wall), 2 * HOUR, Rule(Frequency.WEEKLY)),
            title="Night call",
            dtstamp=STAMP,
        )
    ]
    data = build(events, todos=())
    expected = expected_occurrences(events, *WINDOW)
    if zone == "Europe/Berlin" and wall == (2, 30):
        # RFC 5545 / recurrence.to_utc: the gap time 02:30 means 03:30 CEST,
        # the repeated 02:30 its first pass (CEST).
        starts = {o["start"] for o in expected}
        assert utc(2025, 3, 30, 1, 30) in starts and utc(2025, 10, 26, 0, 30) in starts
    fields = ("start", "end", "summary", "status")
    diffs = compare(
        expected,
        {
            "recurring-ical-events": occurrences_recurring_ical_events(data, *WINDOW),
            "ical.js": occurrences_icaljs(data, *WINDOW),
        },
        fields=fields,
        match_on="start",
    )
    assert diffs == []
    # recurring-ical-events reads RECURRENCE-IDs like RFC 5545, so it matches fully.
    full = compare(
        expected,
        {"recurring-ical-events": occurrences_recurring_ical_events(data, *WINDOW)},
    )
    assert full == []


# --------------------------------------------------------------------------
# Structure of the feed
# --------------------------------------------------------------------------


def test_every_tzid_has_a_vtimezone_and_x_wr_timezone_too() -> None:
    data = build(timezone="Asia/Kolkata")
    cal = parse(data)
    zones = {tz.tz_name for tz in cal.timezones}
    used = set(re.findall(rb";TZID=([^:;]+)[:;]", data))
    assert used == {b"America/Los_Angeles", b"Europe/Berlin", b"Australia/Sydney", b"Asia/Kolkata"}
    assert {u.decode() for u in used} <= zones
    assert cal.get_missing_tzids() == set()
    assert str(cal["X-WR-TIMEZONE"]) == "UTC"  # the fixture has a recurring UTC series
    assert "UTC" in zones
    # Without a UTC series the caller's zone is used and has its VTIMEZONE.
    only_berlin = [e for e in series_fixture() if e.uid == "series-3-a@meetbot.test"]
    cal = parse(build(only_berlin, todos=(), timezone="Asia/Kolkata"))
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Kolkata"
    assert {tz.tz_name for tz in cal.timezones} == {"Asia/Kolkata", "Europe/Berlin"}


def test_required_calendar_properties() -> None:
    data = build(description="Calls of the Edge WG", refresh=timedelta(hours=6))
    lines = data.split(b"\r\n")
    head = lines[: lines.index(b"BEGIN:VTIMEZONE")]
    for line in (
        b"BEGIN:VCALENDAR",
        b"VERSION:2.0",
        b"CALSCALE:GREGORIAN",
        b"METHOD:PUBLISH",
        b"X-WR-CALNAME:Edge Computing Group",
        b"NAME:Edge Computing Group",
        b"X-WR-CALDESC:Calls of the Edge WG",
        b"REFRESH-INTERVAL;VALUE=DURATION:PT6H",
        b"X-PUBLISHED-TTL:PT6H",
    ):
        assert line in head, line
    assert any(line.startswith(b"PRODID:") for line in head)
    assert any(line.startswith(b"X-WR-TIMEZONE:") for line in head)
    assert data.endswith(b"END:VCALENDAR\r\n")


def test_series_vevent_has_rrule_tzid_exdate_and_overrides() -> None:
    events = series_fixture()
    cal = parse(build(events))
    by_uid = masters(cal)
    berlin = by_uid["series-3-a@meetbot.test"]
    assert berlin["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert berlin["DTSTART"].dt.replace(tzinfo=None) == datetime(2025, 1, 30, 14, 0)
    assert berlin["RRULE"] == icalendar.vRecur.from_ical(recurrence.to_rrule(events[2].slot))
    assert [(d.replace(tzinfo=None), str(d.tzinfo)) for d in exdates_of(berlin)] == [
        (datetime(2025, 12, 25, 14, 0), "Europe/Berlin")
    ]
    # Exactly one exception VEVENT for the moved occurrence; none for the cancelled one.
    exceptions = [
        e
        for e in cal.walk("VEVENT")
        if str(e["UID"]) == "series-3-a@meetbot.test" and "RECURRENCE-ID" in e
    ]
    assert len(exceptions) == 1
    rid = exceptions[0]["RECURRENCE-ID"]
    assert rid.params["TZID"] == "Europe/Berlin"
    assert rid.dt.replace(tzinfo=None) == datetime(2025, 10, 30, 14, 0)
    assert str(exceptions[0]["LOCATION"]) == "Room 1, Berlin"
    assert str(exceptions[0]["SUMMARY"]) == "Cross-community sync"  # inherited explicitly
    # The UTC series uses the 'Z' form everywhere.
    weekly = by_uid["series-1-a@meetbot.test"]
    assert "TZID" not in weekly["DTSTART"].params
    assert weekly["DTSTART"].dt == utc(2025, 1, 6, 15)
    assert exdates_of(weekly) == [utc(2025, 12, 22, 15), utc(2025, 12, 29, 15)]
    assert b"EXDATE:20251222T150000Z\r\nEXDATE:20251229T150000Z\r\n" in build(events)
    # A cancelled one-off slot is left out; a moved one-off slot has no RRULE.
    once = by_uid["series-6-a@meetbot.test"]
    assert "RRULE" not in once and once["DTSTART"].dt == utc(2025, 6, 18, 7)


def test_sequence_dtstamp_and_status_as_given() -> None:
    cal = parse(build())
    vevents = cal.walk("VEVENT")
    seq = {(str(e["UID"]), "RECURRENCE-ID" in e, int(e["SEQUENCE"])) for e in vevents}
    assert ("series-1-a@meetbot.test", False, 4) in seq
    assert ("series-1-a@meetbot.test", True, 5) in seq  # override with its own sequence
    assert ("series-2-a@meetbot.test", True, 1) in seq  # override inherits the series'
    assert ("meeting-102@meetbot.test", False, 3) in seq
    assert all(e["DTSTAMP"].dt == STAMP for e in vevents)
    assert {str(e["STATUS"]) for e in vevents if str(e["UID"]) == "series-5-a@meetbot.test"} == {
        "TENTATIVE"
    }


def test_uids_unique_and_stable_across_renders() -> None:
    first = parse(build())
    changed = series_fixture()
    changed[0] = replace(changed[0], title="Edge WG (renamed)", sequence=9)
    second = parse(build(changed))
    uids = list(masters(first))
    assert len(uids) == len(set(uids))
    assert sorted(uids) == sorted(e.uid for e in series_fixture())
    assert sorted(masters(second)) == sorted(uids)
    with pytest.raises(ValueError, match="duplicate UID"):
        build([*series_fixture(), series_fixture()[0]])
    with pytest.raises(ValueError, match="duplicate UID"):
        build(todos=[*TODOS, TODOS[0]])


def test_output_is_byte_identical_for_identical_input() -> None:
    one = build()
    events = series_fixture()
    random.Random(7).shuffle(events)
    todos = list(reversed(TODOS))
    two = build(events, todos)
    assert one == two
    assert feed_etag(one) == feed_etag(two)
    changed = build(timezone="UTC", refresh=timedelta(hours=2))
    assert feed_etag(changed) != feed_etag(one)
    assert re.fullmatch(r"[0-9a-f]{40}", feed_etag(one))


def test_crlf_line_endings_and_75_octet_folding() -> None:
    long_title = "Réunion hebdomadaire 🌍 " * 10
    events = [
        SeriesEvent(
            uid="long@meetbot.test",
            slot=Slot("a", "Europe/Berlin", datetime(2025, 1, 7, 14), HOUR, Rule(Frequency.WEEKLY)),
            title=long_title,
            description="x" * 500,
            dtstamp=STAMP,
        )
    ]
    data = build(events)
    assert data.count(b"\n") == data.count(b"\r\n")
    assert data.count(b"\r") == data.count(b"\r\n")
    for line in data.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # folding never splits a multi-byte character
    assert str(masters(parse(data))["long@meetbot.test"]["SUMMARY"]) == long_title


INJECTION = 'Edge call\r\nX-INJECTED:1\nDTSTART:19700101T000000Z\r;,\\ "quoted" \x00end'
CLEAN = 'Edge call\nX-INJECTED:1\nDTSTART:19700101T000000Z\n;,\\ "quoted" end'


def test_injected_title_round_trips_as_text_and_adds_no_property() -> None:
    events = [
        SingleEvent(
            uid="inject@meetbot.test",
            start_utc=utc(2025, 5, 5, 10),
            end_utc=utc(2025, 5, 5, 11),
            timezone="Europe/Berlin",
            title=INJECTION,
            location="Room; B, 2\nEND:VEVENT",
            description="line 1\r\nBEGIN:VALARM",
            dtstamp=STAMP,
        )
    ]
    todos = [TodoItem(uid="todo@meetbot.test", summary=INJECTION, dtstamp=STAMP)]
    data = build(events, todos)
    assert b"\r\nX-INJECTED" not in data and b"\r\nBEGIN:VALARM" not in data
    cal = parse(data)
    (event,) = cal.walk("VEVENT")
    assert str(event["SUMMARY"]) == CLEAN
    assert str(event["LOCATION"]) == "Room; B, 2\nEND:VEVENT"
    assert str(event["DESCRIPTION"]) == "line 1\nBEGIN:VALARM"
    assert "X-INJECTED" not in event and event["DTSTART"].dt == utc(2025, 5, 5, 10)
    assert not cal.walk("VALARM")
    assert str(cal.walk("VTODO")[0]["SUMMARY"]) == CLEAN
    # ical.js sees the same text and no extra property or component.
    parsed = parse_icaljs_summaries(data)
    kinds = [c["component"] for c in parsed["components"]]
    assert kinds == ["vevent", "vtodo"]
    vevent, vtodo = parsed["components"]
    assert vevent["summary"] == CLEAN and vtodo["summary"] == CLEAN
    assert vevent["location"] == "Room; B, 2\nEND:VEVENT"
    assert "x-injected" not in vevent["properties"]
    assert vevent["properties"].count("dtstart") == 1
    found = occurrences_icaljs(data, utc(2025, 5, 1), utc(2025, 6, 1))
    assert [(o["summary"], o["start"]) for o in found] == [(CLEAN, utc(2025, 5, 5, 10))]


@pytest.mark.parametrize("prop", ["NAME", "X-WR-CALNAME", "DESCRIPTION", "X-WR-CALDESC"])
def test_calendar_name_and_description_go_out_as_escaped_text(prop: str) -> None:
    """A line break in a group, stream or person's name (the calendar's NAME and
    X-WR-CALNAME) or in its description made the whole feed an error (icalendar does
    not treat those properties as TEXT). They are escaped TEXT and inject nothing."""
    data = build_calendar(INJECTION, "UTC", [], description=INJECTION)
    assert b"\r\nX-INJECTED" not in data and b"\r\nDTSTART:1970" not in data
    # icalendar's parser does not unescape these properties either: read the line.
    lines = data.replace(b"\r\n ", b"").decode().split("\r\n")
    escaped = CLEAN.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    assert [line for line in lines if line.startswith(f"{prop}:")] == [
        f"{prop}:" + escaped.replace("\n", "\\n")
    ]
    assert "X-INJECTED" not in parse(data)
    calendar_props = parse_icaljs_summaries(data)["calendar"]
    assert "x-injected" not in calendar_props and "dtstart" not in calendar_props
    assert calendar_props.count(prop.lower()) == 1


def test_todos_are_vtodos_with_due_dates() -> None:
    data = build()
    todos = {str(t["UID"]): t for t in parse(data).walk("VTODO")}
    assert set(todos) == {"action-7@meetbot.test", "action-8@meetbot.test"}
    draft = todos["action-7@meetbot.test"]
    assert b"DUE;VALUE=DATE:20250214\r\n" in data
    assert draft["DUE"].dt == date(2025, 2, 14)
    assert str(draft["STATUS"]) == "NEEDS-ACTION" and int(draft["SEQUENCE"]) == 2
    assert draft["CREATED"].dt == utc(2025, 1, 6, 16)
    done = todos["action-8@meetbot.test"]
    assert str(done["STATUS"]) == "COMPLETED" and "DUE" not in done
    assert done["COMPLETED"].dt == utc(2025, 1, 10, 9)
    # VTODOs are not events: no parser turns them into occurrences.
    assert not [o for o in occurrences_recurring_ical_events(data, *WINDOW) if "action" in o["uid"]]


def test_empty_calendar_is_valid_for_both_parsers() -> None:
    data = build_calendar("Nothing yet", "Europe/Berlin", [])
    cal = parse(data)
    assert [tz.tz_name for tz in cal.timezones] == ["Europe/Berlin"]
    assert check_feed(data, [], *WINDOW) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dtstamp": datetime(2025, 1, 1)}, "aware"),
        ({"status": "DONE"}, "status"),
        ({"url": "https://x.example/\r\nX-EVIL:1"}, "URL"),
        ({"uid": "a\nb"}, "UID"),
        ({"sequence": -1}, "SEQUENCE"),
        (
            {"overrides": (OccurrenceOverride(datetime(2025, 1, 13, 15)),) * 2},
            "two overrides",
        ),
    ],
)
def test_invalid_input_is_rejected(change, message) -> None:
    base = series_fixture()[0]
    bad = replace(base, **change)
    with pytest.raises(ValueError, match=message):
        build_calendar("x", "UTC", [bad])


def test_unknown_zone_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        build_calendar("x", "Mars/Olympus", [])
