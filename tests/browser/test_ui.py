"""What every page shares, checked in the browser: times in the viewer's zone with badges,
form errors beside the field, flash messages, keyboard focus, print CSS, upload progress."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.browser.conftest import CHAIR, expect, log_in

DATA = Path(__file__).resolve().parents[1] / "domain" / "data"
# The demo's first call (the demo is loaded as of conftest.DEMO_TODAY, 1 March 2026,
# so its year starts on Tuesday 4 March 2025), 15:00-16:00 UTC (meeting 1).
FIRST_CALL = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


@pytest.mark.browser_context(timezone_id="Asia/Tokyo")
def test_meeting_time_in_viewer_zone_with_own_zone_and_badge(page) -> None:
    # Two hours before the first call, as the browser sees it.
    page.clock.set_fixed_time(datetime(2025, 3, 4, 13, 0, tzinfo=UTC))
    page.goto("/meetings/1/minutes/")
    when = page.locator("h1 ~ * time[data-local-time], .page-head time[data-local-time]").first
    # 15:00 UTC is 00:00 the next day in Tokyo (UTC+9, no DST); the meeting's zone beside it.
    expect(when).to_contain_text("Mar 5, 2025")
    expect(when).to_contain_text(re.compile(r"12:00\s*AM GMT\+9"))
    expect(when).to_contain_text(re.compile(r"· 03:00\s*PM UTC"))
    expect(when).to_have_attribute("title", re.compile(r"Tue 04 Mar 2025, 15:00 \(UTC\)"))
    badge = when.locator("xpath=following-sibling::*[1]")
    expect(badge).to_have_text("in 2 hours")
    expect(page.locator("footer [data-viewer-zone]")).to_have_text("Asia/Tokyo")


def test_relative_badge_wording(page) -> None:
    page.goto("/login")
    start = FIRST_CALL
    cases = {
        # minutes before the start: expected badge
        120: "in 2 hours",
        30: "in 30 minutes",
        3 * 24 * 60: "in 3 days",
        10 * 24 * 60: "",  # further than a week: the date says enough
        0.5: "now",
        -90: "",  # past, and no end known: no badge
    }
    for minutes_before, expected in cases.items():
        now = _ms(start) - int(minutes_before * 60_000)
        got = page.evaluate(f"meetbot.relativeLabel({_ms(start)}, NaN, {now})")
        assert got == expected, (minutes_before, got)
    end = _ms(start) + 3_600_000
    assert page.evaluate(f"meetbot.relativeLabel({_ms(start)}, {end}, {_ms(start) + 600_000})") == (
        "now"
    )
    assert page.evaluate(f"meetbot.relativeLabel({_ms(start)}, {end}, {end + 1})") == ""


def test_zone_picker_changes_every_time_and_is_remembered(page) -> None:
    page.goto("/meetings/1/minutes/")
    page.get_by_label("Show times in zone").select_option("America/Los_Angeles")
    first = page.locator("time[data-local-time]").first
    # 15:00 UTC on 4 Mar 2025 is 07:00 in Los Angeles (PST, UTC-8, before DST).
    expect(first).to_contain_text(re.compile(r"07:00\s*AM PST"))
    page.reload()
    expect(page.locator("time[data-local-time]").first).to_contain_text("PST")
    expect(page.locator("footer [data-viewer-zone]")).to_have_text("America/Los Angeles")


def test_wrong_login_keeps_input_and_says_why(page) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(CHAIR)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong e-mail or password.")
    expect(page.get_by_label("E-mail")).to_have_value(CHAIR)


def test_field_error_beside_the_field_and_input_kept(page) -> None:
    log_in(page, CHAIR)
    expect(page.locator(".flash-success")).to_contain_text("Welcome, Beth Morgan.")
    page.goto("/groups/new")
    page.get_by_label("Short name (in URLs)").fill("Not A Slug!")
    page.get_by_label("Name", exact=True).fill("Radio Access Working Group")
    page.get_by_role("button", name="Save").click()
    slug = page.get_by_label("Short name (in URLs)")
    expect(slug).to_have_attribute("aria-invalid", "true")
    expect(slug).to_have_value("Not A Slug!")
    error_id = slug.get_attribute("aria-describedby")
    error = page.locator(f"#{error_id}")
    expect(error).to_be_visible()
    expect(error).to_have_class(re.compile(r"\berror\b"))
    # The error sits right below its own field, not at the top of the form.
    assert error.bounding_box()["y"] - slug.bounding_box()["y"] < 80
    expect(page.get_by_label("Name", exact=True)).to_have_value("Radio Access Working Group")


def test_keyboard_focus_is_visible(page) -> None:
    page.goto("/groups/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_print_hides_navigation_and_buttons(new_page, login_state) -> None:
    page = new_page(storage_state=login_state(CHAIR))
    page.goto("/meetings/1/minutes/")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Add item")).to_be_hidden()
    expect(page.get_by_role("heading", name="Minutes").first).to_be_visible()


def test_log_upload_shows_progress_then_the_preview(new_page, login_state) -> None:
    page = new_page(storage_state=login_state(CHAIR))
    page.goto("/meetings/1/minutes/import")
    # A long log (the sample call, repeated as chatter before the meeting starts).
    sample = (DATA / "edge_wg_plain.log").read_text()
    chatter = "".join(f"13:{i % 60:02d}:00 <zed> warming up line {i}\n" for i in range(6000))
    body = (chatter + sample).encode()
    assert len(body) > 200_000
    page.get_by_label("…or upload the log file").set_input_files(
        files=[{"name": "edge.log", "mimeType": "text/plain", "buffer": body}]
    )
    # Throttle the upload (Chromium's network emulation) so the bar moves visibly.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 400_000},
    )
    page.get_by_role("button", name="Preview").click()
    bar = page.locator("form[data-progress] progress")
    expect(bar).to_be_visible()
    expect(page.get_by_role("button", name="Preview")).to_be_disabled()
    status = page.locator(".upload-status")
    expect(status).to_contain_text(re.compile(r"Sending… [1-9]\d?% of 2\d\d KB"))
    # The server's answer replaces the page, as a normal submit would.
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    expect(page.get_by_text("Edge Computing Group", exact=False).first).to_be_visible()
    assert page.url.endswith("/meetings/1/minutes/import")
