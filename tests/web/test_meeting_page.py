"""The meeting page: facts, agenda with optimistic locking, panels, occurrence pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import AuditEntry, Meeting, MeetingStatus, Role
from meetbot.web import panels


@pytest.fixture
def setup(create_user, create_group, create_series, create_meeting):
    chair = create_user("Carla Chair")
    member = create_user("Mel Member")
    outsider_chair = create_user("Otto Other")
    group = create_group(members={chair: Role.CHAIR, member: Role.MEMBER})
    create_group(members={outsider_chair: Role.CHAIR})
    series = create_series(group, title="Weekly call", start=datetime(2026, 1, 6, 15, 0))
    meeting = create_meeting(series=series, agenda="1. *Welcome*\n2. <script>alert(1)</script>")
    return {
        "chair": chair,
        "member": member,
        "outsider": outsider_chair,
        "group": group,
        "series": series,
        "meeting": meeting,
    }


def _hidden(html: str, name: str) -> str:
    m = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert m, f"no hidden field {name}"
    return m.group(1)


def test_page_shows_facts_and_sanitised_agenda(client, setup):
    meeting = setup["meeting"]
    response = client.get(f"/meetings/{meeting.id}/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Weekly call" in html
    assert "<em>Welcome</em>" in html
    assert "<script>alert(1)" not in html
    assert 'datetime="2026-01-06T15:00:00Z"' in html
    assert "(UTC)" in html
    # Anonymous visitors read but cannot edit or take attendance.
    assert "Edit agenda" not in html
    assert "Take attendance" not in html


def test_cancelled_meeting_shows_reason(client, setup):
    meeting = setup["meeting"]
    meeting.status = MeetingStatus.CANCELLED.value
    meeting.change_reason = "Summit week"
    db.session.commit()
    html = client.get(f"/meetings/{meeting.id}/").get_data(as_text=True)
    assert "This meeting is cancelled" in html
    assert "Summit week" in html


def test_panels_render_in_main_and_side(client, setup, monkeypatch):
    monkeypatch.setitem(
        panels._PANELS, "meeting_main", [(0, "t.main", lambda meeting: f"<p>MAIN-{meeting.id}</p>")]
    )
    monkeypatch.setitem(
        panels._PANELS, "meeting_side", [(0, "t.side", lambda meeting: f"<p>SIDE-{meeting.id}</p>")]
    )
    meeting = setup["meeting"]
    html = client.get(f"/meetings/{meeting.id}/").get_data(as_text=True)
    assert f"MAIN-{meeting.id}" in html and f"SIDE-{meeting.id}" in html
    assert html.index(f"MAIN-{meeting.id}") > html.index("Agenda")


def test_unknown_meeting_is_404(client, setup):
    assert client.get("/meetings/999999/").status_code == 404


def test_chair_edits_agenda(client, auth, setup):
    meeting = setup["meeting"]
    auth.login(setup["chair"].email)
    page = client.get(f"/meetings/{meeting.id}/").get_data(as_text=True)
    assert "Edit agenda" in page
    form = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    response = client.post(
        f"/meetings/{meeting.id}/agenda",
        data={
            "agenda": "1. New agenda",
            "lock_version": _hidden(form, "lock_version"),
            "base_hash": _hidden(form, "base_hash"),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).agenda == "1. New agenda"
    assert db.session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.action == "agenda_updated")
    )


def test_stale_agenda_edit_is_refused_and_nothing_overwritten(client, auth, setup):
    meeting = setup["meeting"]
    auth.login(setup["chair"].email)
    form = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    version, base = _hidden(form, "lock_version"), _hidden(form, "base_hash")
    # Someone else saves first.
    first = client.post(
        f"/meetings/{meeting.id}/agenda",
        data={"agenda": "Their agenda", "lock_version": version, "base_hash": base},
    )
    assert first.status_code == 302
    # Our save, based on the old version, is refused.
    response = client.post(
        f"/meetings/{meeting.id}/agenda",
        data={"agenda": "My agenda", "lock_version": version, "base_hash": base},
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else changed this agenda" in html
    assert "Their agenda" in html  # the current text is shown
    assert "My agenda" in html  # and ours is kept in the box
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).agenda == "Their agenda"
    # Saving again from the conflict page is a deliberate overwrite, and works.
    again = client.post(
        f"/meetings/{meeting.id}/agenda",
        data={
            "agenda": "My agenda",
            "lock_version": _hidden(html, "lock_version"),
            "base_hash": _hidden(html, "base_hash"),
        },
    )
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).agenda == "My agenda"


def test_unrelated_row_change_does_not_block_agenda_save(client, auth, setup, time_machine):
    meeting = setup["meeting"]
    # Move the clock first: a session cookie signed "in the future" is refused.
    time_machine.move_to(datetime(2026, 1, 6, 15, 10, tzinfo=UTC), tick=False)
    auth.login(setup["chair"].email)
    form = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    # Attendance holds the meeting (a row UPDATE that raises lock_version).
    client.post(f"/meetings/{meeting.id}/checkin")
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "held"
    response = client.post(
        f"/meetings/{meeting.id}/agenda",
        data={
            "agenda": "Edited after the hold",
            "lock_version": _hidden(form, "lock_version"),
            "base_hash": _hidden(form, "base_hash"),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).agenda == "Edited after the hold"


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_non_chairs_cannot_edit_agenda(client, auth, setup, who):
    meeting = setup["meeting"]
    auth.login(setup[who].email)
    assert client.get(f"/meetings/{meeting.id}/agenda").status_code == 403
    response = client.post(
        f"/meetings/{meeting.id}/agenda", data={"agenda": "x", "lock_version": "1"}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).agenda.startswith("1. *Welcome*")


def test_anonymous_agenda_edit_goes_to_login(client, setup):
    response = client.get(f"/meetings/{setup['meeting'].id}/agenda")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_series_chair_who_is_not_a_group_chair_may_edit(client, auth, setup, create_user):
    series_chair = create_user("Sue Series")
    series = setup["series"]
    series.chairs.append(series_chair)
    db.session.commit()
    auth.login(series_chair.email)
    assert client.get(f"/meetings/{setup['meeting'].id}/agenda").status_code == 200


def test_occurrence_without_row_read_only_then_materialised(client, auth, setup):
    series = setup["series"]
    url = f"/series/{series.id}/occurrences/slot-0/20260113T1500/"
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'datetime="2026-01-13T15:00:00Z"' in html
    assert "Open this meeting" not in html  # anonymous: read-only
    before = db.session.scalar(select(func.count(Meeting.id)))
    assert client.post(url).status_code == 401
    auth.login(setup["member"].email)
    assert client.post(url).status_code == 403
    assert db.session.scalar(select(func.count(Meeting.id))) == before
    auth.logout()
    auth.login(setup["chair"].email)
    assert "Open this meeting" in client.get(url).get_data(as_text=True)
    response = client.post(url)
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting).order_by(Meeting.id.desc()))
    assert response.headers["Location"].endswith(f"/meetings/{meeting.id}/")
    assert meeting.original_start_local == datetime(2026, 1, 13, 15, 0)
    # Once it exists, the occurrence URL redirects and POSTing again adds nothing.
    assert client.get(url).headers["Location"].endswith(f"/meetings/{meeting.id}/")
    client.post(url)
    assert db.session.scalar(select(func.count(Meeting.id))) == before + 1


@pytest.mark.parametrize("stamp", ["20260114T1500", "20260113T1600", "garbage"])
def test_occurrence_that_the_rule_does_not_generate_is_404(client, setup, stamp):
    series = setup["series"]
    assert client.get(f"/series/{series.id}/occurrences/slot-0/{stamp}/").status_code == 404


def test_upcoming_occurrences_link_to_occurrence_pages(client, setup, time_machine):
    time_machine.move_to(datetime(2026, 1, 5, tzinfo=UTC), tick=False)
    series = setup["series"]
    html = client.get(f"/meetings/{setup['meeting'].id}/").get_data(as_text=True)
    assert f"/series/{series.id}/occurrences/slot-0/20260113T1500/" in html


def test_member_checks_in_on_an_occurrence_nobody_opened(
    client, auth, create_user, create_group, create_series, time_machine
):
    from datetime import UTC, datetime

    from sqlalchemy import select

    from meetbot.extensions import db
    from meetbot.models import Attendance, Meeting, Role

    member = create_user(email="member@example.org")
    group = create_group(members={member: Role.MEMBER})
    series = create_series(group, timezone="Europe/Berlin", start=datetime(2026, 1, 7, 14, 0))
    url = f"/series/{series.id}/occurrences/slot-0/20260304T1400/"
    time_machine.move_to(datetime(2026, 3, 4, 12, 50, tzinfo=UTC), tick=False)  # 13:50 Berlin
    auth.login("member@example.org")
    page = client.get(url).get_data(as_text=True)
    assert "I&#39;m here" in page
    response = client.post(url + "checkin")
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting))
    assert response.headers["Location"].endswith(f"/meetings/{meeting.id}/")
    entry = db.session.scalar(select(Attendance))
    assert (entry.person_id, entry.source, entry.meeting_id) == (member.id, "self", meeting.id)


def test_occurrence_checkin_outside_window_or_non_member(
    client, auth, create_user, create_group, create_series, time_machine
):
    from datetime import UTC, datetime

    from sqlalchemy import func, select

    from meetbot.extensions import db
    from meetbot.models import Attendance, Role

    member = create_user(email="member@example.org")
    create_user(email="outsider@example.org")
    group = create_group(members={member: Role.MEMBER})
    series = create_series(group, start=datetime(2026, 1, 7, 14, 0))
    url = f"/series/{series.id}/occurrences/slot-0/20260304T1400/"
    time_machine.move_to(datetime(2026, 3, 4, 10, 0, tzinfo=UTC), tick=False)
    auth.login("outsider@example.org")
    assert client.post(url + "checkin").status_code == 403
    auth.logout()
    auth.login("member@example.org")
    assert "Check-in opens" in client.get(url).get_data(as_text=True)
    client.post(url + "checkin")
    assert db.session.scalar(select(func.count(Attendance.id))) == 0
