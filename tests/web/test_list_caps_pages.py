"""The member and attendance caps (services.list_caps) on the pages: the message beside
the field (members add), on the preview (paste confirm) or flashed (join, roster), and
nothing changes. Caps lowered to 3 members and 2 entries."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import Attendance, Membership, Person, Role

START = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
MEMBERS = "A group can have at most 3 members; remove people who have left before adding more."
ENTRIES = "A meeting can have at most 2 attendance entries; nothing was recorded."


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Person, Membership, Attendance)
    )


@pytest.fixture
def world(app, create_user, create_group, create_meeting):
    app.config["MEETBOT_MAX_MEMBERS_PER_GROUP"] = 3
    app.config["MEETBOT_MAX_ATTENDANCE_PER_MEETING"] = 2
    chair = create_user("Cora Chair")
    ann, bob, outsider = create_user("Ann Lee"), create_user("Bob Ray"), create_user("Olli Out")
    group = create_group("wg", members={chair: Role.ORGANIZER, ann: Role.MEMBER, bob: Role.MEMBER})
    meeting = create_meeting(group, start=START)
    return {"chair": chair, "ann": ann, "bob": bob, "outsider": outsider, "meeting": meeting}


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_member_cap_on_the_add_form_and_the_join_button(client, auth, world) -> None:
    before = _counts()
    auth.login(world["chair"].email)
    response = client.post(
        "/groups/wg/members/add", data={"add-email": "n@example.org", "add-name": "Nia"}
    )
    assert response.status_code == 422
    assert f'id="add-email-err">{MEMBERS}' in _text(response)
    auth.logout()
    auth.login(world["outsider"].email)
    response = client.post("/groups/wg/join", follow_redirects=True)
    assert "Group" in _text(response) and f"is full: {MEMBERS}" in _text(response)
    assert _counts() == before


def test_attendance_cap_on_the_roster_and_the_paste(client, auth, world, time_machine) -> None:
    time_machine.move_to(START + timedelta(minutes=10), tick=False)
    m, people = world["meeting"], [world["chair"].id, world["ann"].id]
    auth.login(world["chair"].email)
    client.post(f"/meetings/{m.id}/attendance/roster", data={"present": people, "shown": people})
    before = _counts()
    response = client.post(
        f"/meetings/{m.id}/attendance/roster",
        data={"present": [world["bob"].id], "shown": [world["bob"].id]},
        follow_redirects=True,
    )
    assert ENTRIES in _text(response)
    response = client.post(
        f"/meetings/{m.id}/attendance/paste/confirm", data={"text": "Bob Ray", "choice-0": "match"}
    )
    assert response.status_code == 422
    assert f'id="preview-error">{ENTRIES}</p>' in _text(response)
    assert _counts() == before
