"""The people's journeys through meetbot, end to end in a real browser.

(a) an organizer creates a weekly series in Europe/Berlin and cancels one meeting;
(b) a participant in Tokyo finds the next call in their own time and copies the feed.
The chair's and member's journeys are in test_journeys_meeting.py.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from tests.browser.conftest import ORGANIZER, expect, log_in

GROUP = "/groups/edge-computing/"


@pytest.mark.browser_context(timezone_id="Europe/Berlin")
def test_organizer_creates_berlin_series_and_cancels_one_meeting(
    page, server_clock, screenshot
) -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday morning before the first call
    server_clock(now)
    page.clock.set_fixed_time(now)
    log_in(page, ORGANIZER)
    page.goto(GROUP)
    page.get_by_role("link", name="New series").click()

    page.get_by_label("Title", exact=True).fill("Edge Berlin sync")
    page.get_by_label("Series time zone").fill("Europe/Berlin")
    page.get_by_label("Link, channel or room").fill("https://meet.example.org/edge-berlin")
    slot = page.locator("[data-slot-row]").first
    slot.get_by_label("First meeting on or after").fill("2026-03-17")
    slot.get_by_label("Start time (local)").fill("16:00")
    expect(slot.get_by_label("Repeats")).to_have_value("weekly")

    # The live preview fills in as the organizer types; no submit needed.
    rows = page.locator("[data-preview] tbody tr")
    expect(rows).to_have_count(10)
    # 16:00 in Berlin is 15:00 UTC before 29 March 2026 (the EU's last Sunday in March)
    # and 14:00 UTC after it: the wall-clock time stays, the UTC time moves.
    expect(rows.nth(1)).to_contain_text("Tue 24 Mar 2026 15:00 UTC")
    expect(rows.nth(2)).to_contain_text("Tue 31 Mar 2026 14:00 UTC")
    page.locator("fieldset.slots").evaluate("el => el.scrollIntoView()")
    screenshot(page, "series-preview")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Edge Berlin sync")
    expect(page.locator(".flash-success")).to_be_visible()
    series_url = page.url
    upcoming = page.locator(".occurrences").first.locator("li.occurrence")
    second = upcoming.nth(1)
    # Shown in the viewer's zone (Berlin here, so no second zone) with the zone named.
    expect(second.locator("time")).to_contain_text(re.compile(r"Tue, Mar 24, 2026, 04:00\s*PM"))
    expect(second.locator("time")).to_contain_text(re.compile(r"GMT\+1|CET"))

    second.get_by_role("link", name="Change").click()
    page.get_by_label("Reason shown to participants").first.fill("Room closed for the holidays")
    page.get_by_role("button", name="Cancel meeting").click()
    expect(page.locator(".flash-success")).to_contain_text("cancelled")
    expect(page.locator("h1 .badge")).to_have_text("cancelled")

    page.goto(series_url)
    cancelled = page.locator(".occurrences").first.locator("li.occurrence.cancelled")
    expect(cancelled).to_have_count(1)
    expect(cancelled).to_contain_text("Mar 24, 2026")
    expect(cancelled).to_contain_text("Room closed for the holidays")
    expect(upcoming.nth(0)).not_to_have_class(re.compile("cancelled"))
    expect(upcoming.nth(2)).not_to_have_class(re.compile("cancelled"))

    # Subscribers get the cancellation too: the series feed names that occurrence.
    feed = page.request.get(series_url.rstrip("/") + "/calendar.ics")
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    ics = feed.text().replace("\r\n ", "")
    assert re.search(r"(EXDATE|RECURRENCE-ID)[^:\n]*:[^\n]*20260324T160000", ics), ics


def _next_demo_call(after: datetime) -> datetime:
    """The demo's calls alternate weekly: Tuesdays 15:00 UTC every other week from
    5 December 2017, Wednesdays 07:00 UTC every other week from 13 December 2017."""
    candidates = []
    for first, hour in ((date(2017, 12, 5), 15), (date(2017, 12, 13), 7)):
        day = first
        while True:
            start = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
            if start > after:
                candidates.append(start)
                break
            day = date.fromordinal(day.toordinal() + 14)
    return min(candidates)


@pytest.mark.browser_context(
    timezone_id="Asia/Tokyo", permissions=["clipboard-read", "clipboard-write"]
)
def test_participant_in_tokyo_sees_local_time_and_copies_the_feed(
    page, server_clock, live_server
) -> None:
    now = datetime(2026, 3, 3, 13, 0, tzinfo=UTC)
    assert _next_demo_call(now) == datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
    server_clock(now)
    page.clock.set_fixed_time(now)
    page.goto(GROUP)

    first = page.locator(".upcoming-panel li.occurrence").first
    when = first.locator("time")
    # 15:00 UTC on Tuesday is 00:00 on Wednesday in Tokyo (UTC+9, no summer time),
    # with the meeting's own zone beside it, and how soon it is.
    expect(when).to_contain_text(re.compile(r"Wed, Mar 4, 2026, 12:00\s*AM GMT\+9"))
    expect(when).to_contain_text(re.compile(r"· 03:00\s*PM UTC"))
    expect(first.locator(".rel-badge")).to_have_text("in 2 hours")

    copy = page.locator(".subscribe").first.locator("button[data-copy]")
    expect(copy).to_have_text("Copy")
    copy.click()
    expect(copy).to_have_text("Copied")
    feed_url = page.evaluate("navigator.clipboard.readText()")
    assert feed_url == live_server.url("/groups/edge-computing/calendar.ics")
    webcal = page.locator(".subscribe").first.get_by_role("link", name="Open in my calendar app")
    expect(webcal).to_have_attribute("href", feed_url.replace("http://", "webcal://"))
    feed = page.request.get(feed_url)
    assert feed.ok and "BEGIN:VEVENT" in feed.text()
