"""The member and attendance caps (services.list_caps) through the API and the CLI:
the API's error shape naming the field, the CLI's ``Error: FILE: ...``; nothing
changes. Caps lowered to 3 members and 2 entries."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import Attendance, Membership, MinuteItem, Person, Role
from tests.api.conftest import assert_error

START = datetime(2017, 11, 7, 15, 0, tzinfo=UTC)
EDGE_LOG = Path(__file__).parents[1] / "services" / "data" / "edge_2017_11_07.log"
MEMBERS = "A group can have at most 3 members; remove people who have left before adding more."
ENTRIES = "A meeting can have at most 2 attendance entries; nothing was recorded."


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Person, Membership, Attendance, MinuteItem)
    )


@pytest.fixture
def wg(app, create_user, create_group, create_meeting, token_for):
    app.config["MEETBOT_MAX_MEMBERS_PER_GROUP"] = 3
    app.config["MEETBOT_MAX_ATTENDANCE_PER_MEETING"] = 2
    chair = create_user("Cora Chair")
    ann, bob, outsider = create_user("Ann Lee"), create_user("Bob Ray"), create_user("Olli Out")
    group = create_group("wg", members={chair: Role.ORGANIZER, ann: Role.MEMBER, bob: Role.MEMBER})
    meeting = create_meeting(group, start=START)
    return {
        "chair": token_for(chair),
        "chair_person": chair,
        "outsider": token_for(outsider),
        "ann": ann,
        "bob": bob,
        "meeting": meeting,
    }


def test_members_api_refuses_past_the_cap(api, wg) -> None:
    before = _counts()
    error = assert_error(
        api.post("/groups/wg/members", json={"email": "n@example.org", "name": "N"},
                 token=wg["chair"]), 422, "validation_error")  # fmt: skip
    assert error["fields"] == {"email": MEMBERS}
    error = assert_error(api.post("/groups/wg/join", token=wg["outsider"]), 422)
    assert error["fields"] == {"members": MEMBERS}
    assert _counts() == before


def test_attendance_api_refuses_past_the_cap(api, wg) -> None:
    m = wg["meeting"]
    for person in (wg["chair_person"], wg["ann"]):
        path = f"/meetings/{m.id}/attendance/{person.id}"
        assert api.put(path, json={}, token=wg["chair"]).status_code == 200
    before = _counts()
    error = assert_error(
        api.put(f"/meetings/{m.id}/attendance/{wg['bob'].id}", json={"kind": "regrets"},
                token=wg["chair"]), 422, "validation_error")  # fmt: skip
    assert error["fields"] == {"attendance": ENTRIES}
    error = assert_error(
        api.post(f"/meetings/{m.id}/attendance/import", json={"text": "Bob Ray"},
                 token=wg["chair"]), 422)  # fmt: skip
    assert error["fields"] == {"attendance": ENTRIES}
    assert _counts() == before


def test_cli_log_import_names_the_file(app, runner, wg) -> None:
    app.config["MEETBOT_MAX_MEMBERS_PER_GROUP"] = 10  # room for the log's action owners
    before = _counts()
    result = runner.invoke(args=["import-log", "--meeting", str(wg["meeting"].id), str(EDGE_LOG)])
    assert result.exit_code == 1
    assert f"Error: {EDGE_LOG}: {ENTRIES}" in result.stderr
    assert _counts() == before
