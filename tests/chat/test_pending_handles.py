"""Issue 17 point 5 with issue 16's people matching: handles nobody has wait for the
chair's choice after a chat meeting (no new person at #endmeeting); the meeting page
shows them to its chairs with "did you mean" suggestions; the choice credits the
person with the nick's attendance, minutes items and actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from meetbot.chat import handles
from meetbot.chat.store import ChatStore, map_channel
from meetbot.extensions import db
from meetbot.models import (
    ActionItem,
    Attendance,
    ChatPendingHandle,
    Meeting,
    MinuteItem,
    Person,
    Role,
)

AT = datetime(2024, 5, 7, 14, 0, tzinfo=UTC)


def _held_meeting(store: ChatStore, channel_id: int) -> int:
    lines = [
        ("chloe", "#startmeeting Edge"),
        ("adrien", "#info the draft is ready"),
        ("chloe", "#action adrien publishes the draft"),
        ("otter-ai", "recording started"),
        ("wzhang", "hello"),
        ("chloe", "#endmeeting"),
    ]
    outcomes = [
        store.record(channel_id, nick, text, said=AT + timedelta(seconds=i))
        for i, (nick, text) in enumerate(lines)
    ]
    assert outcomes[-1].ended
    return outcomes[0].meeting_id


def test_the_chair_links_a_pending_handle_to_the_person_suggested(
    client, auth, create_user, create_person, create_group
) -> None:
    chloe = create_user("Chloe Chair", email="chloe@example.org", handles=["chloe"])
    member = create_user("Mo Member", email="mo@example.org")
    adrien = create_person("Adrien Lebre", email="adrien@example.org")
    create_group(slug="edge", members={chloe: Role.CHAIR, member: Role.MEMBER})
    people_before = db.session.scalar(select(func.count(Person.id)))
    channel_id = map_channel("irc://127.0.0.1:6667", "#edge", "edge")
    meeting_id = _held_meeting(ChatStore("meetbot", "https://meetbot.test"), channel_id)

    assert db.session.scalar(select(func.count(Person.id))) == people_before  # none made up
    action = db.session.scalar(select(ActionItem).where(ActionItem.opened_in_id == meeting_id))
    assert (action.owners, action.needs_owner_review) == ([], True)

    auth.login("mo@example.org")
    assert "chat-handles" not in client.get(f"/meetings/{meeting_id}/").get_data(as_text=True)
    auth.logout()
    auth.login("chloe@example.org")
    page = client.get(f"/meetings/{meeting_id}/").get_data(as_text=True)
    assert 'data-nick="adrien"' in page and 'data-nick="wzhang"' in page
    assert 'data-nick="otter-ai"' not in page  # a note-taking bot is not a person
    assert 'data-nick="chloe"' not in page  # her handle was known
    assert "did you mean</span>\n              Adrien Lebre?" in page
    rows = _pending_ids()
    response = client.post(
        f"/meetings/{meeting_id}/chat-handles",
        data={f"choice-{rows['adrien']}": f"person:{adrien.id}", f"choice-{rows['wzhang']}": ""},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert "adrien" in {h.handle for h in adrien.handles}
    assert adrien in action.owners and not action.needs_owner_review
    entry = db.session.scalar(
        select(Attendance).where(
            Attendance.meeting_id == meeting_id, Attendance.person_id == adrien.id
        )
    )
    assert entry.lines_said == 1
    item = db.session.scalar(select(MinuteItem).where(MinuteItem.author_nick == "adrien"))
    assert item.author_id == adrien.id
    assert list(_pending_ids()) == ["wzhang"]  # no choice made: it still waits


def _pending_ids() -> dict[str, int]:
    db.session.expire_all()
    return {
        nick: pid
        for pid, nick in db.session.execute(
            select(ChatPendingHandle.id, ChatPendingHandle.nick).order_by(ChatPendingHandle.nick)
        )
    }


def test_choosing_nothing_says_so_and_changes_nothing(
    client, auth, create_user, create_group
) -> None:
    chloe = create_user("Chloe Chair", email="chloe@example.org", handles=["chloe"])
    create_group(slug="edge", members={chloe: Role.CHAIR})
    channel_id = map_channel("irc://127.0.0.1:6667", "#edge", "edge")
    meeting_id = _held_meeting(ChatStore("meetbot", "https://meetbot.test"), channel_id)
    auth.login("chloe@example.org")
    response = client.post(f"/meetings/{meeting_id}/chat-handles", data={}, follow_redirects=True)
    assert "Choose who at least one of the handles is." in response.get_data(as_text=True)
    assert list(_pending_ids()) == ["adrien", "wzhang"]


def test_two_nicks_of_one_person_add_their_lines_up(create_person, create_group) -> None:
    chair = create_person("Chloe Chair", handles=["chloe"])
    adrien = create_person("Adrien Lebre")
    create_group(slug="edge")
    channel_id = map_channel("irc://127.0.0.1:6667", "#edge", "edge")
    store = ChatStore("meetbot", "https://meetbot.test")
    lines = [("chloe", "#startmeeting Edge"), ("adrien", "one"), ("adrien", "two")]
    lines += [("lebre", "three"), ("chloe", "#endmeeting")]
    for i, (nick, text) in enumerate(lines):
        outcome = store.record(channel_id, nick, text, said=AT + timedelta(seconds=i))
    meeting = db.session.get(Meeting, outcome.meeting_id)
    ids = _pending_ids()
    handles.resolve(chair, meeting, {ids["adrien"]: f"person:{adrien.id}"})
    handles.resolve(chair, meeting, {ids["lebre"]: f"person:{adrien.id}"})  # did you mean
    entry = db.session.scalar(
        select(Attendance).where(
            Attendance.meeting_id == meeting.id, Attendance.person_id == adrien.id
        )
    )
    assert entry.lines_said == 3
    assert _pending_ids() == {}
    assert {h.handle for h in adrien.handles} == {"adrien", "lebre"}
