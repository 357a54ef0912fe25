"""Scheduling pages in a real browser: live preview, slot rows, accessibility, phones."""

from __future__ import annotations

import re
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


@pytest.mark.browser_context(timezone_id="America/New_York")
def test_organizer_creates_a_biweekly_series_fixing_four_fields_in_one_round(
    page, server_clock, screenshot
) -> None:
    """The journey of docs/journeys.md "An organizer creates a series" (its clicks and
    keystrokes are counted there): day buttons, the zone picker, four bad fields."""
    server_clock(NOW)
    log_in(page, ORGANIZER)
    page.goto(GROUP)
    page.get_by_role("link", name="New series").click()  # click 1, page load 1
    # Four mistakes: no title, a misspelt zone, a link without https://, 0 minutes.
    zone = page.get_by_label("Series time zone")
    zone.fill("Europe/Kiew")
    page.get_by_label("Link, channel or room").fill("meet.example.org/edge")
    slot = page.locator("[data-slot-row]").first
    slot.get_by_label("First meeting on or after").fill("2026-03-16")
    slot.get_by_label("Start time (local)").fill("16:00")
    slot.get_by_label("Length in minutes").fill("0")
    slot.get_by_label("Repeat every N weeks (or months)").fill("2")
    # Day buttons: a click on Wednesday, then the arrow key moves to Thursday.
    slot.locator("label.day-button", has_text="Wed").click()  # click 2
    page.keyboard.press("ArrowRight")  # key 1
    expect(slot.get_by_role("radio", name="Thursday")).to_be_checked()
    # Choosing Thursday moved the first date to the Thursday on or after the 16th.
    expect(slot.get_by_label("First meeting on or after")).to_have_value("2026-03-19")
    page.get_by_role("button", name="Save").click()  # click 3, page load 2

    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("4 fields need fixing")
    for field_id in ("title", "timezone", "location", "slots-0-duration_minutes"):
        expect(page.locator(f"#{field_id}-err")).to_be_visible()
    expect(page.locator("#timezone-err")).to_contain_text("did you mean Europe/Kyiv?")
    violations = axe_violations(page)  # errors, summary and day buttons pass axe
    assert not violations, format_violations(violations)
    screenshot(page, "series-form-errors")

    # One round of fixes. The zone picker finds Kyiv by its old spelling.
    page.get_by_label("Title", exact=True).fill("Edge Kyiv sync")
    expect(page.locator("#title-err")).to_have_count(0)  # a changed field loses its error
    zone.fill("Kiev")
    options = page.get_by_role("listbox", name="Matching time zones").get_by_role("option")
    expect(options.first).to_contain_text("Kyiv — Ukraine")
    expect(zone).to_have_attribute("aria-expanded", "true")
    violations = axe_violations(page)  # the open combobox and its listbox too
    assert not violations, format_violations(violations)
    page.keyboard.press("ArrowDown")  # key 2
    page.keyboard.press("Enter")  # key 3: picks, does not submit
    expect(zone).to_have_value("Europe/Kyiv")
    expect(zone).to_have_attribute("aria-expanded", "false")
    page.get_by_label("Link, channel or room").fill("https://meet.example.org/edge")
    slot = page.locator("[data-slot-row]").first
    slot.get_by_label("Length in minutes").fill("60")
    rows = page.locator("[data-preview] tbody tr")
    expect(rows).to_have_count(10)
    # Biweekly on Thursdays, 16:00 in Kyiv; "your time" is the browser's (New York).
    expect(page.locator("[data-preview] thead")).to_contain_text("Your time (America/New York)")
    expect(rows.nth(0)).to_contain_text("Thu 19 Mar 2026 16:00 Europe/Kyiv")
    expect(rows.nth(1)).to_contain_text("Thu 02 Apr 2026 16:00 Europe/Kyiv")
    expect(rows.nth(0)).to_contain_text(re.compile(r"10:00\s*AM EDT"))
    page.get_by_role("button", name="Save").click()  # click 4, page load 3

    expect(page.get_by_role("heading", level=1)).to_have_text("Edge Kyiv sync")
    expect(page.get_by_text("Every 2 weeks on Thursday at 16:00 (Europe/Kyiv)")).to_be_visible()


@pytest.mark.parametrize(
    "context",
    [
        {"color_scheme": "dark"},
        {"viewport": {"width": 390, "height": 844}, "is_mobile": True},
    ],
    ids=["dark", "phone"],
)
def test_series_form_stream_page_and_printable_minutes_in_dark_and_on_a_phone(
    new_page, login_state, context
) -> None:
    page = new_page(storage_state=login_state(ORGANIZER), **context)
    for path in (
        GROUP + "series/new",
        GROUP + "streams/gap-analysis/",
        "/meetings/1/minutes.html",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        violations = axe_violations(page)
        assert not violations, f"{path}: {format_violations(violations)}"
        if path.endswith("gap-analysis/") and "color_scheme" in context:
            _progress_bars_show(page)
        if path.endswith("series/new"):  # the header's zone picker: UTC first
            first = page.locator("[data-tz-picker] option").nth(1)
            assert first.get_attribute("value") == "UTC"
        if "is_mobile" in context:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} is {width}px wide on a 390px screen"
    # The printable minutes have the site's type, not the browser's default serif.
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "system-ui" in font, font


def _progress_bars_show(page) -> None:
    """The work stream's Progress chart: opened and closed in two colours, neither
    black nor the page's background (they were both black, invisible in dark mode)."""
    chart = page.locator(".stream-actions svg.chart")
    expect(chart).to_be_visible()

    def fill(cls: str) -> str:
        return chart.locator(f"rect.{cls}").first.evaluate("el => getComputedStyle(el).fill")

    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    opened, closed = fill("opened"), fill("closed")
    assert len({opened, closed, background, "rgb(0, 0, 0)"}) == 4, (opened, closed, background)
