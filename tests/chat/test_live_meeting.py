"""Issue 17 with real parts: ngircd on loopback, the bot, participants as IRC clients."""

from __future__ import annotations

from sqlalchemy import func, select

from loopback.ircd import wait_until
from meetbot.chat import handles
from meetbot.extensions import db
from meetbot.models import ActionItem, Attendance, ChatChannel, ChatLine, Meeting, MinuteItem

CHANNEL = "#edge-computing"


def _read(statement):
    """Read in a transaction of its own (an open SQLite read would hold the bot's
    writes up while the test waits for them)."""
    try:
        return db.session.execute(statement).all()
    finally:
        db.session.rollback()


def _items(meeting_id: int) -> list[tuple[str, str, str]]:
    return [
        tuple(row)
        for row in _read(
            select(MinuteItem.kind, MinuteItem.text, MinuteItem.author_nick)
            .where(MinuteItem.meeting_id == meeting_id)
            .order_by(MinuteItem.position)
        )
    ]


def _live_meeting_id() -> int | None:
    return _read(select(ChatChannel.live_meeting_id))[0][0]


def _lines(**where) -> int:
    return _read(select(func.count(ChatLine.id)).filter_by(**where))[0][0]


def _present(meeting_id: int) -> dict[str, int | None]:
    return {
        a.person.display_name: a.lines_said
        for a in db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting_id))
    }


def say(person, text: str, *, action: bool = False) -> None:
    """Say a line and wait until the bot has stored it (lines of different clients
    reach the server in no fixed order otherwise)."""
    before = _lines(nick=person.nick, text=text)
    (person.me if action else person.say)(CHANNEL, text)
    wait_until(
        lambda: _lines(nick=person.nick, text=text) > before, 10, f"the bot to store {text!r}"
    )


def test_a_whole_meeting_with_every_command(create_group, create_person, start_bot) -> None:
    create_group(slug="edge-computing")
    chair = create_person("Chair Person")
    # ngircd allows ASCII nicks only: the non-ASCII name is the person's, matched by handle.
    zoe_person = create_person("Zoë Ünal-Åberg", handles=["zoe"])
    running = start_bot({CHANNEL: "edge-computing"})
    alice = start_bot.person("alice", CHANNEL)
    bob = start_bot.person("bob", CHANNEL)
    zoe = start_bot.person("zoe", CHANNEL)

    say(alice, "#startmeeting Edge Computing Group")
    assert "The chair is alice" in bob.wait_to_hear("Meeting started")
    meeting_id = _live_meeting_id()
    say(bob, "#topic mine")  # not a chair
    assert bob.wait_to_hear("Sorry bob") == (
        "Sorry bob, only chairs can use #topic (chairs: alice)."
    )
    say(alice, "#topic Roll call")
    wait_until(lambda: "Roll call" in alice.topics, 10, "the channel topic")
    say(zoe, "#info Zoé est là, l'ébauche est à 60 %")
    say(bob, "#idea a joint session")
    say(bob, "#help reviewers wanted")
    say(bob, "#link https://etherpad.example/p/edge")
    say(bob, "waves", action=True)
    say(alice, "#agreed publish next week")
    say(alice, "#accepted the draft")
    say(alice, "#rejected a second draft")
    say(alice, "#info typo")
    say(alice, "#undo")
    alice.wait_to_hear("Removing item from minutes: #info typo")
    say(alice, "#chair bob")
    alice.wait_to_hear("Current chairs: alice bob")
    say(bob, "#agree bob may decide now")
    say(alice, "#nick carol")
    say(bob, "#action bob and carol review the draft")
    say(alice, "#meetingname Edge WG")
    alice.wait_to_hear("The meeting name has been set to 'Edge WG'")
    say(alice, "#unchair bob")
    alice.wait_to_hear("Current chairs: alice")
    say(alice, "#lurk")
    say(bob, "#endmeeting")  # no longer a chair, and the bot lurks: silent
    say(alice, "#unlurk")
    alice.wait_to_hear("I am listening again")
    say(zoe, "#commands")
    assert "#action" in zoe.wait_to_hear("Available commands")
    assert not [t for _n, t in bob.heard if "only chairs can use #endmeeting" in t]
    say(alice, "#endmeeting")
    links = bob.wait_to_hear("chat-log.txt")
    assert f"https://meetbot.test/meetings/{meeting_id}/chat-log.txt" in links

    assert _items(meeting_id) == [
        ("topic", "Roll call", "alice"),
        ("info", "Zoé est là, l'ébauche est à 60 %", "zoe"),
        ("idea", "a joint session", "bob"),
        ("help", "reviewers wanted", "bob"),
        ("link", "https://etherpad.example/p/edge", "bob"),
        ("agreed", "publish next week", "alice"),
        ("accepted", "the draft", "alice"),
        ("rejected", "a second draft", "alice"),
        ("agreed", "bob may decide now", "bob"),
        ("action", "bob and carol review the draft", "bob"),
    ]
    meeting = db.session.get(Meeting, meeting_id)
    action = db.session.scalar(select(ActionItem).where(ActionItem.opened_in_id == meeting_id))
    assert (action.owners, action.needs_owner_review) == ([], True)  # bob, carol: unknown
    assert _present(meeting_id) == {"Zoë Ünal-Åberg": 2}  # only the handle we knew
    waiting = handles.pending(meeting)
    assert [(p.nick, p.lines) for p in waiting] == [("alice", 14), ("bob", 8), ("carol", 0)]
    # The chair's choice after the meeting: new people for all three.
    handles.resolve(chair, meeting, {p.id: "new" for p in waiting})
    db.session.expire_all()
    assert sorted(h.handle for o in action.owners for h in o.handles) == ["bob", "carol"]
    assert not action.needs_owner_review
    assert _present(meeting_id) == {"alice": 14, "bob": 8, "Zoë Ünal-Åberg": 2, "carol": 0}
    zoe_item = db.session.scalar(select(MinuteItem).where(MinuteItem.author_nick == "zoe"))
    assert zoe_item.author_id == zoe_person.id
    assert db.session.get(Meeting, meeting_id).title == "Edge Computing Group"
    assert _live_meeting_id() is None
    # Every line, the bot's answers included, is in the meeting's log.
    assert _lines(meeting_id=meeting_id) >= 28
    running.close()
