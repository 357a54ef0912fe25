"""The main pages in a real browser: they render, pass axe-core, and are photographed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.browser.conftest import (
    CHAIR,
    MEMBER,
    ORGANIZER,
    axe_violations,
    expect,
    format_violations,
)

GROUP = "/groups/edge-computing/"

# (name, path, log in as) — every page a visitor or organizer reaches from the menu.
PAGES = [
    ("groups", "/groups/", None),
    ("group", GROUP, None),
    ("stream", GROUP + "streams/gap-analysis/", None),
    ("login", "/login", None),
    ("not-found", "/groups/no-such-group/", None),
    ("group-edit", GROUP + "edit", ORGANIZER),
    ("group-new", "/groups/new", ORGANIZER),
    ("minutes", "/meetings/1/minutes/", None),
    ("minutes-chair", "/meetings/1/minutes/", CHAIR),
    ("minutes-printable", "/meetings/1/minutes.html", None),
    ("minutes-import", "/meetings/1/minutes/import", CHAIR),
    ("actions", GROUP + "actions", None),
    ("action", "/actions/1/", CHAIR),
    ("my-actions", "/me/actions", MEMBER),
]


@pytest.mark.parametrize(("name", "path", "who"), PAGES, ids=[p[0] for p in PAGES])
def test_page_has_no_serious_accessibility_violations(
    new_page, login_state, name, path, who
) -> None:
    page = new_page(storage_state=login_state(who)) if who else new_page()
    response = page.goto(path)
    assert response is not None
    assert response.status == (404 if name == "not-found" else 200)
    violations = axe_violations(page)
    assert not violations, format_violations(violations)


# One fixed moment (a Monday afternoon in Europe) for the pictures, on the server and in
# the browser, so "next meeting" and the relative badges are the same on every run.
SHOT_TIME = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


def _freeze(page, server_clock) -> None:
    server_clock(SHOT_TIME)
    page.clock.set_fixed_time(SHOT_TIME)


@pytest.mark.browser_context(timezone_id="Europe/Berlin")
def test_screenshots_desktop(page, server_clock, screenshot) -> None:
    _freeze(page, server_clock)
    page.goto("/groups/")
    expect(page.get_by_role("heading", name="Working groups")).to_be_visible()
    screenshot(page, "groups")
    page.get_by_role("link", name="OpenStack Edge Computing Group").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("OpenStack Edge Computing Group")
    screenshot(page, "group")


@pytest.mark.browser_context(
    timezone_id="Asia/Tokyo", viewport={"width": 390, "height": 844}, is_mobile=True
)
def test_group_page_fits_a_phone(page, server_clock, screenshot) -> None:
    _freeze(page, server_clock)
    page.goto(GROUP)
    # Nothing wider than the screen: no sideways scrolling on a phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px screen"
    screenshot(page, "group-phone")


@pytest.mark.browser_context(color_scheme="dark", timezone_id="America/New_York")
def test_dark_mode_follows_the_system(page, server_clock, screenshot) -> None:
    _freeze(page, server_clock)
    page.goto(GROUP)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    # The dark palette's background, not white: the system setting is followed.
    r, g, b = (int(x) for x in background[background.index("(") + 1 : -1].split(",")[:3])
    assert max(r, g, b) < 60, background
    violations = axe_violations(page)  # contrast is checked again on the dark palette
    assert not violations, format_violations(violations)
    screenshot(page, "group-dark")
