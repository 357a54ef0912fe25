"""Issue 17 point 3: replaying a log's lines through the live bot's store gives exactly
what importing the log gives (minutes, actions, owners, attendance), for every log in
the test data, once the chair has chosen "a new person" for each handle nobody had
(the import's preview makes that choice before it writes; the bot asks after the
meeting). Also: #undo removes the live item, a restart mid-meeting resumes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from meetbot.chat import handles
from meetbot.chat.store import ChatStore, map_channel, meeting_log_text
from meetbot.domain.chat_line import LineClock, split_line
from meetbot.extensions import db
from meetbot.models import ActionItem, Attendance, Meeting, MinuteItem, PersonHandle
from meetbot.services import log_import

TESTS = Path(__file__).resolve().parent.parent
LOGS = sorted((TESTS / "domain" / "data").glob("*.log")) + sorted(
    (TESTS / "services" / "data").glob("*.log")
)
DAY = date(2024, 5, 7)
BASE = "https://meetbot.example"


def _handles(person) -> str:
    return sorted(h.handle for h in person.handles)[0] if person else ""


def outcome(meeting: Meeting) -> dict:
    """What a meeting holds, by nick and handle (ids differ between the two paths)."""
    db.session.expire_all()
    items = db.session.scalars(
        select(MinuteItem).where(MinuteItem.meeting_id == meeting.id).order_by(MinuteItem.position)
    )
    actions = db.session.scalars(
        select(ActionItem).where(ActionItem.opened_in_id == meeting.id).order_by(ActionItem.id)
    )
    present = db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))
    return {
        "items": [(i.kind, i.text, i.author_nick, _handles(i.author)) for i in items],
        "actions": [
            (a.text, sorted(_handles(o) for o in a.owners), a.needs_owner_review) for a in actions
        ],
        "attendance": sorted((_handles(a.person), a.kind, a.source, a.lines_said) for a in present),
    }


def replay(store: ChatStore, channel_id: int, text: str) -> list:
    """Say each line of a log in the channel (times from the log, else a minute apart)."""
    clock = LineClock(DAY)
    fallback = datetime(2024, 5, 7, 9, 0, tzinfo=UTC)
    outcomes = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = split_line(raw, number, clock)
        if line is None:
            continue
        fallback += timedelta(minutes=1)
        said = line.time if isinstance(line.time, datetime) else fallback
        said = said.replace(tzinfo=UTC) if said.tzinfo is None else said
        outcomes.append(
            store.record(channel_id, line.nick, line.text, is_action=line.is_action, said=said)
        )
    return outcomes


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_replaying_a_log_gives_what_importing_it_gives(
    app, create_group, create_person, path
) -> None:
    chair = create_person("Chair")
    imported_group = create_group(slug="imported")
    create_group(slug="live")
    relog_group = create_group(slug="relog")
    channel_id = map_channel("irc://127.0.0.1:6667", "#live", "live")
    text = path.read_text(encoding="utf-8")
    store = ChatStore("meetbot", BASE)
    outcomes = replay(store, channel_id, text)
    if not any(o.ended for o in outcomes):  # a log without #endmeeting runs to its end
        store.close_meeting(channel_id)
    started = [o for o in outcomes if o.started]
    live = db.session.get(Meeting, started[0].meeting_id)
    assert outcome(live)["attendance"] == []  # no person is made up at #endmeeting
    waiting = handles.pending(live)
    assert waiting  # every test log has speakers
    handles.resolve(chair, live, {p.id: "new" for p in waiting})
    assert handles.pending(live) == []
    # The live meeting's own log, imported into another group, gives the same again.
    imported = log_import.import_log_for_group(None, imported_group, DAY, text).meeting
    assert outcome(live) == outcome(imported)
    assert outcome(live)["items"]  # every test log has minutes
    relog = log_import.import_log_for_group(None, relog_group, DAY, meeting_log_text(live.id))
    assert outcome(relog.meeting)["items"] == outcome(live)["items"]


def test_undo_removes_the_live_item_and_a_restart_resumes(app, create_group) -> None:
    create_group(slug="live")
    channel_id = map_channel("irc://127.0.0.1:6667", "#live", "live")
    at = datetime(2024, 5, 7, 14, 0, tzinfo=UTC)
    store = ChatStore("meetbot", BASE)
    first = store.record(channel_id, "alice", "#startmeeting Edge", said=at)
    assert first.started and first.replies[-1] == f"Minutes: {BASE}/meetings/{first.meeting_id}/"
    store.record(channel_id, "bob", "#info wrong", said=at + timedelta(seconds=5))
    meeting = db.session.get(Meeting, first.meeting_id)
    assert outcome(meeting)["items"] == [("info", "wrong", "bob", "")]
    store.record(channel_id, "alice", "#undo", said=at + timedelta(seconds=6))
    assert outcome(meeting)["items"] == []
    # A new process (nothing cached) picks the meeting up from the stored lines.
    restarted = ChatStore("meetbot", BASE)
    refused = restarted.record(channel_id, "bob", "#topic mine", said=at + timedelta(seconds=7))
    assert refused.replies == ["Sorry bob, only chairs can use #topic (chairs: alice)."]
    restarted.record(channel_id, "alice", "#chair bob", said=at + timedelta(seconds=8))
    topic = restarted.record(channel_id, "bob", "#topic Gaps", said=at + timedelta(seconds=9))
    assert topic.topic == "Gaps"
    end = restarted.record(channel_id, "bob", "#endmeeting", said=at + timedelta(seconds=10))
    assert end.ended and end.replies[-1].endswith(f"/meetings/{meeting.id}/chat-log.txt")
    got = outcome(meeting)
    assert got["items"] == [("topic", "Gaps", "bob", "")]
    assert got["attendance"] == []  # nobody had these handles: they wait for the chair
    assert [(p.nick, p.lines) for p in handles.pending(meeting)] == [("alice", 3), ("bob", 4)]
    assert set(db.session.scalars(select(PersonHandle.handle))) == set()
