"""The main pages in a real browser: they render, pass axe-core, and are photographed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.browser.conftest import (
    ADMIN,
    CHAIR,
    DEFAULT_CONTEXT,
    MEMBER,
    ORGANIZER,
    TIMEOUT_MS,
    axe_violations,
    expect,
    format_violations,
    watch_errors,
)

GROUP = "/groups/edge-computing/"

# (name, path, log in as) — every page a visitor or organizer reaches from the menu.
PAGES = [
    ("groups", "/groups/", None),
    ("group", GROUP, None),
    ("group-series", GROUP + "series/", ORGANIZER),
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
    ("home", "/me/", MEMBER),
    ("my-actions", "/me/actions", MEMBER),
    ("series", "/series/1/", None),
    ("archive", GROUP + "archive/", None),
    ("meeting", "/meetings/1/", None),
    ("meeting-member", "/meetings/1/", MEMBER),
    ("meeting-chair", "/meetings/1/", CHAIR),
    ("attendance-take", "/meetings/1/attendance", CHAIR),
    ("attendance-report", GROUP + "attendance", None),
    ("agenda-edit", "/meetings/1/agenda", CHAIR),
    ("action-edit", "/actions/1/edit", CHAIR),
    (
        "occurrence-change",
        "/series/1/occurrence?slot=americas-europe&at=2026-03-17T15:00",
        ORGANIZER,
    ),
    ("audit-log", GROUP + "audit", ORGANIZER),
    ("settings", "/settings", MEMBER),
    ("admin-people", "/admin/people", ADMIN),
]


@pytest.fixture(scope="module")
def role_page(browser, live_server, login_state) -> Iterator[Callable[[str | None], Any]]:
    """``role_page(email or None)``: one page per account for the whole module, so the
    read-only page checks below do not pay for a new browser context each."""
    pages: dict[str | None, Any] = {}

    def get(who: str | None):
        if who not in pages:
            options = {**DEFAULT_CONTEXT, "base_url": live_server.base_url}
            if who:
                options["storage_state"] = login_state(who)
            context = browser.new_context(**options)
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            page.js_errors = watch_errors(page)
            pages[who] = page
        return pages[who]

    yield get
    for page in pages.values():
        page.context.close()


@pytest.mark.parametrize(("name", "path", "who"), PAGES, ids=[p[0] for p in PAGES])
def test_page_has_no_serious_accessibility_violations(role_page, name, path, who) -> None:
    page = role_page(who)
    page.js_errors.clear()
    response = page.goto(path)
    assert response is not None
    assert response.status == (404 if name == "not-found" else 200)
    if who:  # still logged in as that person (the page is not a log-in redirect)
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
    assert not page.js_errors, page.js_errors


# The pages issue 16 changed (My meetings, the archive, the meeting while it runs, the
# series form and page, the stream page, the roster, the printable minutes) are checked
# again in dark mode and at phone width: the palette and the narrow layout have their
# own contrast and overlap problems.
PAGES_BY_NAME = {name: (path, who) for name, path, who in PAGES}
TOUCHED = [
    "home",
    "my-actions",
    "series",
    "archive",
    "group",
    "stream",
    "meeting-member",
    "meeting-chair",
    "attendance-take",
    "minutes-printable",
]


@pytest.mark.parametrize("mode", ["dark", "phone"])
@pytest.mark.parametrize("name", TOUCHED)
def test_touched_pages_pass_axe_in_dark_mode_and_on_a_phone(role_page, name, mode) -> None:
    path, who = PAGES_BY_NAME[name]
    page = role_page(who)
    page.js_errors.clear()
    if mode == "dark":
        page.emulate_media(color_scheme="dark")
    else:
        page.set_viewport_size({"width": 390, "height": 844})
    try:
        response = page.goto(path)
        assert response is not None and response.status == 200
        violations = axe_violations(page)
        assert not violations, f"{mode}:\n{format_violations(violations)}"
        if mode == "phone":
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the page is {width}px wide on a 390px screen"
        assert not page.js_errors, page.js_errors
    finally:
        page.emulate_media(color_scheme="light")
        page.set_viewport_size(DEFAULT_CONTEXT["viewport"])


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
    # The picture shows the part people look for on a phone: when the next calls are.
    page.get_by_role("heading", name="Upcoming meetings").evaluate("el => el.scrollIntoView()")
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


def test_minutes_print_on_paper(page, screenshot) -> None:
    page.goto("/meetings/1/minutes/")
    page.emulate_media(media="print")
    # Paper shows the minutes, not the site's navigation, the zone picker or buttons.
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(
        page.get_by_text("45 people from 22 organizations joined the first call.")
    ).to_be_visible()
    screenshot(page, "minutes-print")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
