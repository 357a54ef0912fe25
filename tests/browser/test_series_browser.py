"""Scheduling pages in a real browser: live preview, slot rows, accessibility, phones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.browser.conftest import ORGANIZER, axe_violations, expect, format_violations, log_in

GROUP = "/groups/edge-computing/"
NOW = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


def _series_path(live_server) -> str:
    from sqlalchemy import select

    from meetbot.extensions import db
    from meetbot.models import MeetingSeries

    with live_server.app_context():
        return f"/series/{db.session.scalar(select(MeetingSeries.id).limit(1))}/"


@pytest.mark.browser_context(timezone_id="America/Los_Angeles")
def test_live_preview_follows_dst_and_shows_errors(page, server_clock) -> None:
    server_clock(NOW)
    log_in(page, ORGANIZER)
    page.goto(GROUP + "series/new")
    # With JavaScript the spare rows go; one row and an "Add" button remain.
    expect(page.locator("[data-slot-row]")).to_have_count(1)
    page.locator("#title").fill("Berlin call")
    page.locator("#timezone").fill("Europe/Berlin")
    page.locator("#location_kind").select_option("chat")
    page.locator("#location").fill("#edge-berlin")
    page.locator("#slots-0-start_date").fill("2026-03-17")
    page.locator("#slots-0-start_time").fill("16:00")
    rows = page.locator("[data-preview] tbody tr")
    expect(rows).to_have_count(10)
    # 16:00 Berlin: 15:00 UTC in winter, 14:00 UTC from 29 March (summer time).
    expect(rows.nth(0)).to_contain_text("Tue 17 Mar 2026 15:00 UTC")
    expect(rows.nth(2)).to_contain_text("Tue 31 Mar 2026 14:00 UTC")
    expect(rows.nth(2)).to_contain_text("16:00 Europe/Berlin")
    # A bad duration is named beside its field and the preview says why it is empty.
    page.locator("#slots-0-duration_minutes").fill("0")
    expect(page.locator("#slots-0-duration_minutes ~ .error")).to_contain_text("duration")
    expect(rows).to_have_count(0)
    page.locator("#slots-0-duration_minutes").fill("60")
    expect(rows).to_have_count(10)
    # Add a second slot, then remove it again.
    page.get_by_role("button", name="Add a time slot").click()
    expect(page.locator("[data-slot-row]")).to_have_count(2)
    page.locator("[data-slot-row]").nth(1).get_by_role("button", name="Remove this slot").click()
    expect(page.locator("[data-slot-row]")).to_have_count(1)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Berlin call")
    expect(page.get_by_text("Weekly on Tuesday at 16:00 (Europe/Berlin)")).to_be_visible()


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("series", None),
        ("upcoming", GROUP.rstrip("/") + "/upcoming"),
        ("series-new", GROUP + "series/new"),
        ("one-off-new", GROUP + "meetings/new"),
    ],
)
def test_scheduling_pages_pass_axe(page, server_clock, live_server, name, path) -> None:
    server_clock(NOW)
    log_in(page, ORGANIZER)
    response = page.goto(path or _series_path(live_server))
    assert response is not None and response.status == 200
    violations = axe_violations(page)
    assert not violations, format_violations(violations)


@pytest.mark.browser_context(
    timezone_id="Asia/Tokyo", viewport={"width": 390, "height": 844}, is_mobile=True
)
def test_series_page_fits_a_phone(page, server_clock, live_server) -> None:
    server_clock(NOW)
    page.goto(_series_path(live_server))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px screen"
