"""The chair's and the member's journeys on the meeting pages, in a real browser.

(c) a chair pastes 45 names, confirms the preview, records 3 action items with owners,
    and closes one of them in the next meeting;
    the roster is ticked with the keyboard alone;
(d) a member checks in ("I'm here") once the check-in window is open.

The server's clock is set with time-machine (the server runs in this process) and the
browser's with Playwright's clock, so "now" is the same on both sides.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from meetbot.services.demo import PEOPLE
from tests.browser.conftest import (
    CHAIR,
    MEMBER,
    axe_violations,
    expect,
    format_violations,
    log_in,
)

GROUP = "/groups/edge-computing/"
# Two demo calls in a row (see test_journeys._next_demo_call): the Americas/Europe slot
# on Tuesday 3 March 2026 at 15:00 UTC, then the APAC slot on Wednesday 11 March, 07:00 UTC.
CALL = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
NEXT_CALL = datetime(2026, 3, 11, 7, 0, tzinfo=UTC)
CHECKIN_CALL = datetime(2026, 3, 17, 15, 0, tzinfo=UTC)  # Americas/Europe slot again
ROSTER_CALL = datetime(2026, 3, 31, 15, 0, tzinfo=UTC)


def _meeting_row(live_server, slot_key: str, start: datetime) -> int:
    """The id of the meeting row of a demo occurrence, as when a chair has opened its
    page (to write the agenda) before the call."""
    from meetbot.extensions import db
    from meetbot.models import MeetingSeries
    from meetbot.services.db import unit_of_work
    from meetbot.services.meetings import materialize_occurrence

    with live_server.app_context():
        series = db.session.query(MeetingSeries).first()
        with unit_of_work():
            meeting = materialize_occurrence(series, slot_key, start.replace(tzinfo=None))
        meeting_id = meeting.id
        db.session.remove()
    return meeting_id


def _set_clock(page, server_clock, when: datetime) -> None:
    server_clock(when)
    page.clock.set_fixed_time(when)


def _email(name: str) -> str:
    return name.lower().replace("'", "").replace(" ", ".") + "@example.org"


def _pasted_names() -> tuple[str, int, int]:
    """45 lines the way people paste them from a call: names, chat nicks and
    "Name <email>", 42 of them demo members and 3 guests. Returns (text, known, new)."""
    members = PEOPLE[:42]
    lines = [name for name, _, _ in members[:20]]
    lines += [nick for _, _, nick in members[20:35]]
    lines += [f"{name} <{_email(name)}>" for name, _, _ in members[35:42]]
    guests = ["Mira Kovacs <mira@edge.example.net>", "Tariq Aziz", "Ana Souza (asouza)"]
    return "\n".join(lines + guests), len(members), len(guests)


def _open_meeting_page(page, when: datetime) -> None:
    """From the group page: the upcoming meeting at ``when``, opened as a chair."""
    page.goto(GROUP)
    stamp = page.locator(f'.upcoming-panel time[datetime="{when:%Y-%m-%dT%H:%M:%SZ}"]')
    stamp.click()
    page.get_by_role("button", name=re.compile("Open this meeting's page")).click()
    expect(page.get_by_role("heading", level=2, name="Attendance")).to_be_visible()


def test_chair_pastes_45_names_records_actions_and_closes_one_next_time(
    new_page, server_clock, screenshot
) -> None:
    page = new_page(timezone_id="Europe/London")
    _set_clock(page, server_clock, CALL.replace(minute=5))
    log_in(page, CHAIR)  # after the clock moved: a session signed "later" would be refused
    _open_meeting_page(page, CALL)
    meeting_url = page.url
    # The call is running: the range "15:00 – 16:00" is marked as happening now.
    expect(page.locator(".facts .rel-badge")).to_have_text("now")

    page.get_by_role("link", name="Take attendance").click()
    text, known, new = _pasted_names()
    assert text.count("\n") + 1 == 45
    paste = page.get_by_label("Paste a list of people")
    paste.fill(text)
    page.locator("form", has=paste).get_by_role("button", name="Preview").click()

    expect(page.get_by_role("heading", name="Check the list before saving")).to_be_visible()
    expect(page.locator("tr[data-status]")).to_have_count(45)
    expect(page.locator("[data-matched]")).to_have_attribute("data-matched", str(known))
    expect(page.locator("[data-new]")).to_have_attribute("data-new", str(new))
    expect(page.locator("[data-ambiguous]")).to_have_attribute("data-ambiguous", "0")
    violations = axe_violations(page)  # the preview table is a main chair page too
    assert not violations, format_violations(violations)
    # Lines that match nobody are created only when the chair says so (issue 16).
    page.get_by_label(re.compile(r"Create the 3 lines that come close to nobody")).check()
    page.get_by_role("button", name="Save attendance").click()

    expect(page).to_have_url(re.compile(re.escape(meeting_url) + r"(\?.*)?$"))
    expect(page.locator(".flash-success")).to_be_visible()
    present = page.locator("ul.people[data-count]").first
    expect(present).to_have_attribute("data-count", "45")
    expect(present).to_contain_text("Tariq Aziz")
    expect(present).to_contain_text("Kenji Sato")

    # Three action items with owners picked from the roster.
    items = [
        ("Write up the far-edge latency numbers", ["Kenji Sato"]),
        ("Ask StarlingX about a joint session", ["Beth Morgan", "Tariq Aziz"]),
        ("Draft the gap analysis template", ["Priya Raman"]),
    ]
    for text_, owners in items:
        page.locator("summary", has_text="Add an action item").click()
        form = page.locator("form[action$='/actions/new']")
        form.get_by_label("What needs doing").fill(text_)
        picker = form.get_by_role("combobox", name="Owners")  # type, Enter adds (owner-picker.js)
        for owner in owners:
            picker.fill(owner)
            picker.press("Enter")
        expect(form.locator(".owner-chip")).to_have_count(len(owners))
        form.get_by_label("Due date").fill("2026-03-10")
        form.get_by_role("button", name="Add action item").click()
        expect(page.locator("#actions")).to_contain_text(text_)
    if page.url != meeting_url:
        page.goto(meeting_url)
    actions = page.locator("#actions li")
    for text_, owners in items:
        row = actions.filter(has_text=text_)
        for owner in owners:
            expect(row).to_contain_text(owner)
    screenshot(page, "meeting-chair")

    # A week later, in the next call, the chair closes one of them.
    _set_clock(page, server_clock, NEXT_CALL.replace(minute=2))
    _open_meeting_page(page, NEXT_CALL)
    review = page.locator("#review")
    row = review.locator("li", has_text="Ask StarlingX about a joint session")
    row.get_by_role("button", name="Done").click()
    row = page.locator("#review li", has_text="Ask StarlingX about a joint session")
    expect(row).to_contain_text("done in this meeting")
    for other in ("Write up the far-edge latency numbers", "Draft the gap analysis template"):
        other_row = page.locator("#review li", has_text=other)
        expect(other_row.get_by_role("button", name="Done")).to_be_visible()


def test_chair_ticks_the_roster_with_the_keyboard_only(new_page, login_state, live_server) -> None:
    meeting_id = _meeting_row(live_server, "americas-europe", ROSTER_CALL)
    page = new_page(storage_state=login_state(CHAIR))
    page.goto(f"/meetings/{meeting_id}/attendance")
    search = page.get_by_role("searchbox", name="Find a member")

    def tab_to(locator, limit: int = 120) -> None:
        for _ in range(limit):
            if locator.evaluate("el => el === document.activeElement"):
                return
            page.keyboard.press("Tab")
        raise AssertionError("never reached with Tab")

    kenji = page.get_by_role("checkbox", name=re.compile("Kenji Sato"))
    priya = page.get_by_role("checkbox", name=re.compile("Priya Raman"))
    expect(kenji).not_to_be_checked()
    tab_to(search)
    page.keyboard.type("kenji")
    expect(page.locator("[data-roster-row]:visible")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    expect(kenji).to_be_focused()
    page.keyboard.press("Space")
    expect(kenji).to_be_checked()
    page.keyboard.press("Escape")
    expect(search).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("praman")  # a chat handle finds the person too
    page.keyboard.press("Enter")  # Enter toggles the only match
    expect(priya).to_be_checked()
    tab_to(page.get_by_role("button", name="Save roster"), limit=200)
    page.keyboard.press("Enter")

    expect(page.locator(".flash-success")).to_be_visible()
    page.goto(f"/meetings/{meeting_id}/")
    present = page.locator("ul.people[data-count]").first
    expect(present).to_have_attribute("data-count", "2")
    expect(present).to_contain_text("Kenji Sato")
    expect(present).to_contain_text("Priya Raman")


def test_member_checks_in_when_the_window_opens(new_page, server_clock, live_server) -> None:
    meeting_id = _meeting_row(live_server, "americas-europe", CHECKIN_CALL)
    page = new_page(timezone_id="Asia/Tokyo")
    # An hour early: no button yet, and it says when check-in opens, in Tokyo time.
    _set_clock(page, server_clock, CHECKIN_CALL.replace(hour=14))
    log_in(page, MEMBER)
    page.goto(GROUP)
    page.locator(f'.upcoming-panel time[datetime="{CHECKIN_CALL:%Y-%m-%dT%H:%M:%SZ}"]').click()
    expect(page).to_have_url(re.compile(rf"/meetings/{meeting_id}/$"))
    expect(page.get_by_role("button", name="I'm here")).to_have_count(0)
    opens = page.locator(".self-actions time")
    # Check-in opens 15 minutes early: 14:45 UTC is 23:45 in Tokyo.
    expect(opens).to_contain_text(re.compile(r"11:45\s*PM GMT\+9"))
    expect(page.locator(".facts .rel-badge")).to_have_text("in 1 hour")

    # Five minutes into the call: the button is there and works.
    _set_clock(page, server_clock, CHECKIN_CALL.replace(minute=5))
    page.reload()
    expect(page.locator(".facts .rel-badge")).to_have_text("now")
    page.get_by_role("button", name="I'm here").click()
    expect(page.locator(".flash-success")).to_have_text("You are checked in.")
    expect(page.get_by_text("You are recorded as present.")).to_be_visible()
    present = page.locator("ul.people[data-count]").first
    expect(present).to_contain_text("Kenji Sato")
    expect(present).to_have_attribute("data-count", "1")


# A chair records minutes (issue 16 point 2): ten lines typed in the quick-entry box,
# owners by handle, name or e-mail and due dates by due:, without a page load; the
# second chair's page shows them as they come, and theirs appear on the first page.
MINUTES_CALL = datetime(2026, 4, 14, 15, 0, tzinfo=UTC)  # a Tuesday, group zone UTC
MINUTES_LINES = [
    "#topic Far-edge latency",
    "#action praman write up the latency numbers due:friday",
    "#info Numbers from the Lyon testbed are in",
    "#action Wei Zhang to ask StarlingX about a joint session due:2026-04-30",
    "#agreed Publish the draft in May",
    "#action kenji.sato@example.org drafts the gap analysis template due:tomorrow",
    "#idea A shared dashboard for the testbeds",
    "#action wzhang and praman compare the two setups due:2w",
    "#link https://wiki.example.org/edge/latency",
    "#action Adrien reviews the template due:monday",
]
# (text, owners, due) of the action items the lines above open.
MINUTES_ACTIONS = {
    "praman write up the latency numbers": (["Priya Raman"], "2026-04-17"),
    "Wei Zhang to ask StarlingX about a joint session": (["Wei Zhang"], "2026-04-30"),
    "kenji.sato@example.org drafts the gap analysis template": (["Kenji Sato"], "2026-04-15"),
    "wzhang and praman compare the two setups": (["Priya Raman", "Wei Zhang"], "2026-04-28"),
    # A first name alone is a "did you mean", never an owner (the chair is told).
    "Adrien reviews the template": ([], "2026-04-20"),
}


def _minutes_in_db(live_server, meeting_id: int) -> tuple[list[str], dict]:
    from sqlalchemy import select

    from meetbot.extensions import db
    from meetbot.models import ActionItem, MinuteItem

    with live_server.app_context():
        texts = list(
            db.session.scalars(
                select(MinuteItem.text)
                .where(MinuteItem.meeting_id == meeting_id)
                .order_by(MinuteItem.position)
            )
        )
        actions = {
            a.text: (sorted(p.display_name for p in a.owners), a.due_date.isoformat())
            for a in db.session.scalars(
                select(ActionItem).where(ActionItem.opened_in_id == meeting_id)
            )
        }
        db.session.remove()
    return texts, actions


def test_chair_records_ten_items_without_a_page_load_and_a_second_chair_sees_them(
    new_page, login_state, live_server
) -> None:
    from tests.browser.conftest import ORGANIZER

    meeting_id = _meeting_row(live_server, "americas-europe", MINUTES_CALL)
    other = new_page(storage_state=login_state(ORGANIZER))  # the second chair
    other.goto(f"/meetings/{meeting_id}/")
    page = new_page(storage_state=login_state(CHAIR))
    page.goto(f"/meetings/{meeting_id}/")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.evaluate("window.__sameDocument = true")

    box = page.get_by_label("Text")
    box.click()
    for number, line in enumerate(MINUTES_LINES, start=1):
        box.fill(line)
        box.press("Control+Enter")
        expect(page.locator("#minutes-items li[data-item-id]")).to_have_count(number)
        expect(box).to_have_value("")
        expect(box).to_be_focused()
        expect(page.locator("#minutes-items li").last).to_be_in_viewport()
    # The unsure owner is said beside the box, naming who it could be.
    expect(page.locator("#quick-entry-status")).to_contain_text("“Adrien” could be Adrien Lebre")

    assert navigations == [] and page.evaluate("window.__sameDocument") is True
    texts, actions = _minutes_in_db(live_server, meeting_id)
    assert len(texts) == 10 and texts[1] == "praman write up the latency numbers"
    assert actions == {
        text: (sorted(owners), due) for text, (owners, due) in MINUTES_ACTIONS.items()
    }

    # The second chair's page shows them without a reload, and what they add appears
    # on the first page; the first chair's next line still saves (no stale version).
    expect(other.locator("#minutes-items li[data-item-id]")).to_have_count(10)
    other_box = other.get_by_label("Text")
    other_box.fill("#info Ilona joins from the train")
    other_box.press("Control+Enter")
    expect(other.locator("#minutes-items li[data-item-id]")).to_have_count(11)
    expect(page.locator("#minutes-items")).to_contain_text("Ilona joins from the train")
    box.fill("#agreed Next call on the APAC slot")
    box.press("Control+Enter")
    expect(page.locator("#minutes-items li[data-item-id]")).to_have_count(12)

    # A bad due date is said beside the box; nothing is saved, the text is kept.
    box.fill("#action praman book a room due:fryday")
    box.press("Control+Enter")
    expect(page.locator("#quick-entry .error[role=alert]")).to_contain_text(
        "due:fryday is not a date"
    )
    expect(box).to_have_value("#action praman book a room due:fryday")
    expect(box).to_be_focused()
    assert len(_minutes_in_db(live_server, meeting_id)[0]) == 12
    assert page.js_errors == [f"422 for {live_server.url(f'/meetings/{meeting_id}/minutes/items')}"]
    page.js_errors.clear()  # that 422 was the point

    # Edit and move in place, with the keyboard: the tools show on focus.
    item = page.locator("#minutes-items li", has_text="Publish the draft in May")
    item.get_by_role("link", name="Edit").focus()
    page.keyboard.press("Enter")
    editor = item.locator("form.inline-editor textarea")
    expect(editor).to_be_focused()
    editor.fill("Publish the draft on 12 May")
    editor.press("Control+Enter")
    expect(page.locator("#minutes-items")).to_contain_text("Publish the draft on 12 May")
    moved = page.locator("#minutes-items li", has_text="Publish the draft on 12 May")
    moved.get_by_role("button", name=re.compile("up$")).click()
    expect(page.locator("#minutes-items li").nth(3)).to_contain_text("Publish the draft on 12 May")
    assert navigations == []

    # The conflict rule holds while both write: the second chair adds an item while the
    # first is editing one; the first chair's save is refused beside the box (their
    # text kept), and saving again, now from the current version, goes through.
    item = page.locator("#minutes-items li", has_text="Numbers from the Lyon testbed")
    item.get_by_role("link", name="Edit").click()
    editor = item.locator("form.inline-editor textarea")
    editor.fill("Numbers from the Lyon and Nantes testbeds are in")
    # (The second chair adds once their page shows the first chair's last change: an
    # add made from an older version is refused too, beside their box.)
    expect(other.locator("#minutes-version")).to_have_text(
        page.locator("#minutes-version").inner_text()
    )
    other_box.fill("#info Nantes numbers next week")
    other_box.press("Control+Enter")
    expect(other.locator("#minutes-items li[data-item-id]")).to_have_count(13)
    editor.press("Control+Enter")
    expect(item.locator(".error[role=alert]")).to_contain_text("Someone else changed")
    expect(editor).to_be_focused()
    editor.press("Control+Enter")
    expect(page.locator("#minutes-items")).to_contain_text("Lyon and Nantes testbeds")
    expect(page.locator("#minutes-items")).to_contain_text("Nantes numbers next week")
    assert [e.split("/minutes/")[0] for e in page.js_errors] == [
        f"409 for {live_server.url(f'/meetings/{meeting_id}')}"
    ] and page.js_errors[0].endswith("/edit")
    page.js_errors.clear()  # that 409 was the point
    assert navigations == []

    # axe: the meeting page with the chair's editor (tools on focus, the owner picker
    # open), in light and dark mode and at phone width.
    page.locator("summary", has_text="Add an action item").click()
    expect(page.get_by_role("combobox", name="Owners")).to_be_visible()
    page.locator("#minutes-items li a", has_text="Edit").first.focus()
    for mode in ("light", "dark", "phone"):
        if mode == "dark":
            page.emulate_media(color_scheme="dark")
        if mode == "phone":
            page.set_viewport_size({"width": 390, "height": 844})
        violations = axe_violations(page)
        assert not violations, f"{mode}:\n{format_violations(violations)}"


# (e) A member from login, no chair involved: My meetings, Join, regrets, an action done.
# A Monday in April; the next calls are the APAC slot on Wednesday 8 April at 07:00 UTC
# and the Americas/Europe slot on Tuesday 14 April at 15:00 UTC, neither opened by anyone.
HOME_NOW = datetime(2026, 4, 6, 12, 0, tzinfo=UTC)
APAC_CALL = datetime(2026, 4, 8, 7, 0, tzinfo=UTC)
AMERICAS_CALL = datetime(2026, 4, 14, 15, 0, tzinfo=UTC)
CALL_LINK = "https://meet.example.org/edge-computing"


def _home_row(page, when: datetime):
    return page.locator(".home-meetings li").filter(
        has=page.locator(f'time[datetime="{when:%Y-%m-%dT%H:%M:%SZ}"]')
    )


def test_member_from_login_joins_sends_regrets_and_closes_an_action(
    new_page, server_clock, screenshot
) -> None:
    page = new_page(timezone_id="Asia/Tokyo")
    _set_clock(page, server_clock, HOME_NOW)
    log_in(page, MEMBER)  # 2 fields + 1 click; login lands on My meetings
    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My meetings")
    nav = page.get_by_role("navigation", name="Main")
    for name, href in (("My meetings", "/me/"), ("My action items", "/me/actions")):
        expect(nav.get_by_role("link", name=name)).to_have_attribute("href", href)
    expect(nav.get_by_role("link", name="API")).to_have_attribute("href", "/api/v1/docs")

    # The next meeting first, in Tokyo time, with a Join button to the call (1 click).
    first = page.locator(".home-meetings li").first
    expect(first.locator("time")).to_have_attribute("datetime", "2026-04-08T07:00:00Z")
    expect(first.locator("time")).to_contain_text(re.compile(r"4:00\s*PM GMT\+9"))
    join = first.get_by_role("link", name=re.compile("^Join"))
    expect(join).to_have_attribute("href", CALL_LINK)
    screenshot(page, "home")

    # Regrets for the one after, which no chair has opened (1 click).
    later = _home_row(page, AMERICAS_CALL)
    later.get_by_role("button", name=re.compile("^Send regrets")).click()
    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.locator(".flash-success")).to_have_text("Your regrets are recorded.")
    expect(_home_row(page, AMERICAS_CALL)).to_contain_text("You sent regrets.")
    expect(
        _home_row(page, APAC_CALL).get_by_role("button", name=re.compile("^Send regrets"))
    ).to_be_visible()
    expect(page.get_by_text(re.compile(r"\d+ overdue"))).to_be_visible()

    # The overdue action item, done in one click; the home again.
    page.get_by_role("button", name=re.compile("^Done: Send the meeting time poll")).click()
    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.locator(".flash-success")).to_contain_text("Marked done.")
    expect(page.locator(".my-actions").get_by_text("Send the meeting time poll")).to_have_count(0)
    violations = axe_violations(page)
    assert not violations, format_violations(violations)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_phone_im_here_is_above_the_fold_while_the_call_runs(
    new_page, server_clock, scheme, screenshot
) -> None:
    page = new_page(
        timezone_id="Asia/Tokyo",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        color_scheme=scheme,
    )
    _set_clock(page, server_clock, APAC_CALL.replace(minute=5))
    log_in(page, MEMBER)
    row = _home_row(page, APAC_CALL)
    expect(row.locator(".badge.in-progress")).to_have_text("in progress")
    violations = axe_violations(page)  # My meetings at phone width
    assert not violations, format_violations(violations)
    row.locator("a.occurrence-link").click()
    expect(page.locator("h1 .badge.in-progress")).to_have_text("in progress")
    here = page.get_by_role("button", name="I'm here")
    box = here.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844, box  # no scrolling
    if scheme == "light":
        screenshot(page, "meeting-phone")
    join = page.locator(".meeting-now").get_by_role("link", name=re.compile("^Join"))
    expect(join).to_have_attribute("href", CALL_LINK)
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px screen"
