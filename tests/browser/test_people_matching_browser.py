"""People matching a chair can trust, in a real browser (issue 16, point 1).

(a) a pasted list with "Adrien", "Wei" and "Elena P." (first names, "First L.") ends
    with the 44 people who came, after the chair picks each "did you mean"; nobody
    new is created;
(b) a Zoom export with a phone, a note-taking bot and one person's two overlapping
    joins ends with the right people and minutes;
(c) on the roster, "Li Na" + Enter ticks Li Na (not Anna Lindqvist), Enter never
    unticks, and the match count is shown.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from meetbot.services.demo import PEOPLE
from tests.browser.conftest import CHAIR, axe_violations, expect, format_violations

# Americas/Europe slot occurrences of the demo series (every other Tuesday, 15:00 UTC).
PASTE_CALL = datetime(2026, 4, 14, 15, 0, tzinfo=UTC)
CSV_CALL = datetime(2026, 4, 28, 15, 0, tzinfo=UTC)
ROSTER_CALL = datetime(2026, 5, 12, 15, 0, tzinfo=UTC)
UNSURE = {"Adrien": "Adrien Lebre", "Wei": "Wei Zhang", "Elena P.": "Elena Petrova"}


def _meeting_row(live_server, start: datetime) -> int:
    from meetbot.extensions import db
    from meetbot.models import MeetingSeries
    from meetbot.services.db import unit_of_work
    from meetbot.services.meetings import materialize_occurrence

    with live_server.app_context():
        series = db.session.query(MeetingSeries).first()
        with unit_of_work():
            meeting = materialize_occurrence(series, "americas-europe", start.replace(tzinfo=None))
        meeting_id = meeting.id
        db.session.remove()
    return meeting_id


def _person_count(live_server) -> int:
    from sqlalchemy import func, select

    from meetbot.extensions import db
    from meetbot.models import Person

    with live_server.app_context():
        n = db.session.scalar(select(func.count(Person.id)))
        db.session.remove()
    return n


def test_pasted_first_names_wait_for_the_chairs_choice(new_page, login_state, live_server):
    meeting_id = _meeting_row(live_server, PASTE_CALL)
    people_before = _person_count(live_server)
    page = new_page(storage_state=login_state(CHAIR))
    page.goto(f"/meetings/{meeting_id}/attendance")
    full = [name for name, _, _ in PEOPLE[:44] if name not in UNSURE.values()]
    paste = page.get_by_label("Paste a list of people")
    paste.fill("\n".join([*full, *UNSURE]))
    page.locator("form", has=paste).get_by_role("button", name="Preview").click()

    expect(page.locator("[data-matched]")).to_have_attribute("data-matched", "41")
    expect(page.locator("[data-suggested]")).to_have_attribute("data-suggested", "3")
    for written, person in UNSURE.items():
        row = page.locator("tr[data-status=suggested]", has_text=written)
        expect(row).to_contain_text(f"did you mean {person}?")
    # Saving without choosing keeps everything and marks the three lines.
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_role("alert")).to_contain_text("3 lines still wait for your choice")
    expect(page.locator("select[aria-invalid=true]")).to_have_count(3)
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
    for i, person in enumerate(UNSURE.values()):
        select = page.locator(f"#choice-{41 + i}")
        value = select.locator("option", has_text=person).get_attribute("value")
        select.select_option(value=value)
    page.get_by_role("button", name="Save attendance").click()

    expect(page.locator(".flash-success")).to_contain_text("44 recorded present")
    present = page.locator("ul.people[data-count]").first
    expect(present).to_have_attribute("data-count", "44")
    assert _person_count(live_server) == people_before


ZOOM = (
    "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\n"
    "987 6543 2100,Edge weekly,04/28/2026 03:00:00 PM,04/28/2026 04:00:00 PM,"
    "beth.morgan@example.org,60,6\n"
    "\n"
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
    "Beth Morgan,beth.morgan@example.org,04/28/2026 03:00:00 PM,04/28/2026 04:00:00 PM,60,No\n"
    "Wei Zhang,wei.zhang@example.org,04/28/2026 03:00:00 PM,04/28/2026 04:00:00 PM,60,No\n"
    "Wei Zhang,wei.zhang@example.org,04/28/2026 03:19:00 PM,04/28/2026 04:00:00 PM,41,No\n"
    "iPhone,,04/28/2026 03:02:00 PM,04/28/2026 03:40:00 PM,38,Yes\n"
    "Edge WG Otter.ai,,04/28/2026 03:00:00 PM,04/28/2026 04:00:00 PM,60,Yes\n"
    "Kenji Sato (NTT),,04/28/2026 03:05:00 PM,04/28/2026 04:00:00 PM,55,Yes\n"
)


def test_zoom_export_with_bots_and_duplicates(new_page, login_state, live_server):
    meeting_id = _meeting_row(live_server, CSV_CALL)
    page = new_page(storage_state=login_state(CHAIR))
    page.goto(f"/meetings/{meeting_id}/attendance")
    upload = page.get_by_label("Video-call participant export (CSV)")
    upload.set_input_files(
        files=[{"name": "zoom.csv", "mimeType": "text/csv", "buffer": ZOOM.encode()}]
    )
    page.locator("form", has=upload).get_by_role("button", name="Preview").click()

    expect(page.locator("tr[data-status]")).to_have_count(5)
    expect(page.locator("[data-not-person]")).to_have_attribute("data-not-person", "2")
    expect(page.locator("tr", has_text="iPhone")).to_contain_text("a phone or device")
    expect(page.locator("tr", has_text="Otter.ai")).to_contain_text("note-taking or recording bot")
    expect(page.locator("tr", has_text="Wei Zhang")).to_contain_text("(60 min)")
    page.get_by_role("button", name="Save attendance").click()

    expect(page.locator(".flash-success")).to_contain_text("3 recorded present")
    present = page.locator("ul.people[data-count]").first
    expect(present).to_have_attribute("data-count", "3")
    for name in ("Beth Morgan", "Wei Zhang", "Kenji Sato"):
        expect(present).to_contain_text(name)


def test_roster_enter_ticks_only_an_exact_or_single_match(new_page, login_state, live_server):
    meeting_id = _meeting_row(live_server, ROSTER_CALL)
    page = new_page(storage_state=login_state(CHAIR))
    page.goto(f"/meetings/{meeting_id}/attendance")
    search = page.get_by_role("searchbox", name="Find a member")
    status = page.locator("[data-roster-status]")
    li_na = page.get_by_role("checkbox", name=re.compile("^Li Na"))
    anna = page.get_by_role("checkbox", name=re.compile("^Anna Lindqvist"))

    search.fill("Li Na")
    expect(status).to_have_text("1 match: Enter ticks it")
    search.press("Enter")
    expect(li_na).to_be_checked()
    expect(anna).not_to_be_checked()
    expect(status).to_have_text("Li Na ticked")

    search.fill("Li Na")
    search.press("Enter")  # never unticks
    expect(li_na).to_be_checked()
    expect(status).to_have_text("Li Na is already ticked")

    search.fill("e")  # many matches: Enter ticks nobody, says how many
    checked_before = page.locator("input[name=present]:checked").count()
    search.press("Enter")
    expect(status).to_have_text(re.compile(r"^\d+ matches: keep typing$"))
    assert page.locator("input[name=present]:checked").count() == checked_before
