"""Browser journeys of the slot finder: from the heatmap (in the browser's zone, in dark
mode) to a created series, and from a poll link to an answer on a phone."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ORGANIZER, expect, log_in

GROUP = "/groups/edge-computing/"


@pytest.mark.browser_context(color_scheme="dark", timezone_id="Asia/Tokyo")
def test_heatmap_to_a_created_alternating_series(page, screenshot) -> None:
    log_in(page, ORGANIZER)
    page.goto(GROUP)
    page.get_by_role("link", name="Find a time that suits the members").click()
    # the organizer saved no zone: the page reloads itself in the browser's zone
    expect(page).to_have_url(re.compile(r"[?&]tz=Asia%2FTokyo"))
    expect(page.get_by_label("Time zone of the slots")).to_have_value("Asia/Tokyo")
    heatmap = page.locator("svg.heatmap")
    expect(heatmap).to_be_visible()
    expect(heatmap.locator("rect")).to_have_count(7 * 48)
    # dark mode: the empty cells take the dark card colour, not the light fallback
    empty_fill = heatmap.locator("rect.heat-0").first.evaluate("el => getComputedStyle(el).fill")
    assert empty_fill != "rgb(243, 245, 249)", empty_fill
    screenshot(page, "slot-finder-heatmap")
    page.get_by_role("link", name="Create a series with this pair").first.click()
    expect(page.get_by_label("Series time zone")).to_have_value("Asia/Tokyo")
    rows = page.locator("[data-slot-row]")
    expect(rows.nth(0).get_by_label("Repeat every N weeks (or months)")).to_have_value("2")
    expect(rows.nth(1).get_by_label("Repeat every N weeks (or months)")).to_have_value("2")
    page.get_by_label("Title", exact=True).fill("Edge alternating call")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edge alternating call")
    expect(page.locator(".flash-success")).to_be_visible()


def test_poll_link_answered_on_a_phone(page, new_page, screenshot) -> None:
    log_in(page, ORGANIZER)
    page.goto("/groups/edge-computing/polls/new")
    page.get_by_label("Title", exact=True).fill("Edge call time")
    page.get_by_label("Time zone of the times").fill("UTC")
    page.get_by_label("Times, one a line").fill("Tue 15:00\nTue 15:00 / Wed 07:00")
    page.get_by_role("button", name="Create poll").click()
    link = page.locator("[data-poll-link]").input_value()

    phone = new_page(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        timezone_id="Asia/Kolkata",
    )
    phone.goto(link)
    phone.get_by_label("Time zone for the times below").fill("Asia/Kolkata")
    phone.get_by_role("button", name="Show").click()
    expect(phone.locator("ol.options > li").first).to_contain_text("Tue 20:30")
    phone.get_by_label("Your name").fill("Guest Gita")
    phone.locator("ol.options > li").nth(0).get_by_label("Yes").check()
    phone.locator("ol.options > li").nth(1).get_by_label("If need be").check()
    screenshot(phone, "poll-answer-phone")
    phone.get_by_role("button", name="Send my answer").click()
    expect(phone.locator(".flash-success")).to_be_visible()
    expect(phone.get_by_role("button", name="Change my answer")).to_be_visible()
    expect(phone.locator("ol.options > li").nth(0).get_by_label("Yes")).to_be_checked()
    # the page fits the phone: no horizontal scrolling
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
