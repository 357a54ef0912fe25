"""The command table fed one line at a time (the live bot's path)."""

from __future__ import annotations

from meetbot.domain.chat_line import ChatLine
from meetbot.domain.meeting_machine import COMMANDS, MeetingMachine


def feed(machine: MeetingMachine, nick: str, text: str, number: int = 1):
    return machine.feed(ChatLine(number, nick, text, None, False))


def test_a_meeting_step_by_step():
    m = MeetingMachine()
    assert not feed(m, "bob", "hello").counted
    step = feed(m, "alice", "#startmeeting Edge")
    assert step.started and step.counted and "The chair is alice" in step.replies[0]
    step = feed(m, "alice", "#topic Roll call")
    assert step.topic == "Roll call" and step.added.kind == "topic"
    step = feed(m, "bob", "#info a fact")
    assert step.added.text == "a fact" and step.replies == []
    step = feed(m, "alice", "#undo")
    assert step.removed.text == "a fact"
    assert step.replies == ["Removing item from minutes: #info a fact"]
    step = feed(m, "alice", "#chair bob")
    assert step.replies == ["Current chairs: alice bob"]
    step = feed(m, "bob", "#endmeeting")
    assert step.ended and step.replies == ["Meeting ended."]
    assert [i.text for i in m.result().items] == ["Roll call"]


def test_non_chair_is_refused_politely_and_nothing_changes():
    m = MeetingMachine()
    feed(m, "alice", "#startmeeting")
    step = feed(m, "bob", "#agreed we do it")
    assert step.added is None
    assert step.replies == ["Sorry bob, only chairs can use #agreed (chairs: alice)."]
    assert m.result().items == []


def test_lurk_silences_the_bot_but_minutes_go_on():
    m = MeetingMachine()
    feed(m, "alice", "#startmeeting")
    assert feed(m, "alice", "#lurk").replies == []
    step = feed(m, "alice", "#chair bob")
    assert step.replies == [] and m.is_chair("bob")
    assert feed(m, "alice", "#unlurk").replies == ["I am listening again."]


def test_commands_lists_the_table():
    m = MeetingMachine()
    feed(m, "alice", "#startmeeting")
    (reply,) = feed(m, "bob", "#commands").replies
    for name in ("action", "agreed", "chair", "undo", "lurk", "meetingname", "help"):
        assert "#" + name in reply
    assert set(COMMANDS) >= {"agree", "accepted", "rejected", "unchair", "nick", "unlurk"}
