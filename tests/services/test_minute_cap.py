"""Issue 12, "every list": a meeting holds at most MEETBOT_MAX_MINUTE_ITEMS_PER_MEETING
minute items, on every path that writes them (services.list_caps): the minutes form,
quick entry and API (``minutes.add_item``), an action made in a meeting, the log import
(its plan, dry run included, and its write), the live chat bot and restore. A refusal
changes nothing. The cap is lowered here so the tests stay small."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from meetbot.chat.store import ChatStore, map_channel, meeting_log_text
from meetbot.extensions import db
from meetbot.models import ActionItem, ChatLine, Meeting, MinuteItem, Role
from meetbot.services import actions, backup, log_import, log_plan, minutes, minutes_quick
from meetbot.services.errors import ValidationError

START = datetime(2017, 11, 7, 15, 0, tzinfo=UTC)
EDGE_LOG = (Path(__file__).parent / "data" / "edge_2017_11_07.log").read_text()
FULL = "A meeting's minutes can have at most 2 items; nothing was added."


def _items(meeting_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(MinuteItem).where(MinuteItem.meeting_id == meeting_id)
    )


@pytest.fixture
def world(app, create_person, create_group, create_meeting):
    chair = create_person("Cora Chair")
    group = create_group(members={chair: Role.CHAIR})
    meeting = create_meeting(group, start=START, title="Edge")
    return chair, group, meeting


def _add(chair, meeting, text: str) -> MinuteItem:
    return minutes.add_item(chair, meeting, kind="info", text=text, version=meeting.lock_version)


def test_the_default_cap(app) -> None:
    assert app.config["MEETBOT_MAX_MINUTE_ITEMS_PER_MEETING"] == 2000


def test_every_minutes_writer_stops_at_the_cap(app, world) -> None:
    app.config["MEETBOT_MAX_MINUTE_ITEMS_PER_MEETING"] = 2
    chair, group, meeting = world
    _add(chair, meeting, "one")
    _add(chair, meeting, "two")
    version = meeting.lock_version
    with pytest.raises(ValidationError) as exc:
        _add(chair, meeting, "three")
    assert exc.value.fields == {"text": FULL}
    with pytest.raises(ValidationError) as exc:
        minutes_quick.add_quick_entry(
            chair, meeting, kind=None, text="#action Cora to write it", version=version
        )
    assert exc.value.fields == {"text": FULL}
    with pytest.raises(ValidationError) as exc:
        actions.create_action(chair, group, text="book a room", meeting=meeting)
    assert exc.value.fields == {"text": FULL}
    db.session.refresh(meeting)
    assert _items(meeting.id) == 2 and meeting.lock_version == version
    assert db.session.scalar(select(func.count()).select_from(ActionItem)) == 0
    # An action outside the minutes adds no item: allowed at the cap.
    actions.create_action(chair, group, text="book", meeting=meeting, record_in_minutes=False)


def test_a_log_with_more_items_than_the_cap_is_refused_with_its_line(app, world) -> None:
    chair, _group, meeting = world
    app.config["MEETBOT_MAX_MINUTE_ITEMS_PER_MEETING"] = 5
    # The log's items are on lines 4, 8, 9, 10, 11, 12, ...: the sixth is line 12.
    with pytest.raises(ValidationError) as exc:
        log_plan.plan_import(EDGE_LOG, default_date=START.date())  # the dry run's read
    assert exc.value.fields == {
        "log": "more than 5 minute items in one meeting",
        "line": "12",
    }
    with pytest.raises(ValidationError) as exc:
        log_import.import_log(chair, meeting, EDGE_LOG)
    assert exc.value.fields["line"] == "12"
    assert _items(meeting.id) == 0 and meeting.imported_log_sha256 is None


def test_a_log_that_would_overfill_the_minutes_writes_nothing(app, world) -> None:
    chair, _group, meeting = world
    app.config["MEETBOT_MAX_MINUTE_ITEMS_PER_MEETING"] = 13  # the log alone has 12
    _add(chair, meeting, "one")
    _add(chair, meeting, "two")
    version = meeting.lock_version
    with pytest.raises(ValidationError) as exc:
        log_import.import_log(chair, meeting, EDGE_LOG)
    # Room for 11: the log's twelfth item (line 20) is one too many.
    assert exc.value.fields == {
        "log": "line 20: the meeting's minutes hold 13 items, the most a meeting may have",
        "line": "20",
    }
    db.session.refresh(meeting)
    assert _items(meeting.id) == 2 and meeting.lock_version == version
    assert db.session.scalar(select(func.count()).select_from(ActionItem)) == 0


def test_cli_names_the_file_and_line(app, runner, tmp_path, world) -> None:
    _chair, _group, meeting = world
    app.config["MEETBOT_MAX_MINUTE_ITEMS_PER_MEETING"] = 5
    log = tmp_path / "edge.log"
    log.write_text(EDGE_LOG)
    result = runner.invoke(args=["import-log", "--meeting", str(meeting.id), str(log)])
    assert result.exit_code == 1
    assert f"Error: {log}:12: " in result.stderr
    assert "more than 5 minute items in one meeting" in result.stderr
    assert _items(meeting.id) == 0


def test_the_chat_bot_keeps_the_line_but_adds_no_item_past_the_cap(app, create_group) -> None:
    app.config["MEETBOT_MAX_MINUTE_ITEMS_PER_MEETING"] = 2
    create_group(slug="live")
    channel_id = map_channel("irc://127.0.0.1:6667", "#live", "live")
    store = ChatStore("meetbot", "https://meetbot.example")
    at = datetime(2024, 5, 7, 14, 0, tzinfo=UTC)
    said = [
        ("alice", "#startmeeting Edge"),
        ("alice", "#topic one"),
        ("bob", "#info two"),
        ("bob", "#info three"),
        ("alice", "#action bob to write four"),
        ("alice", "#endmeeting"),
    ]
    outcomes = [
        store.record(channel_id, nick, text, said=at + timedelta(seconds=n))
        for n, (nick, text) in enumerate(said)
    ]
    full = [r for o in outcomes for r in o.replies if r.startswith("The minutes are full")]
    assert full == [
        "The minutes are full (2 items, the most a meeting may have): new items are kept "
        "in the log only."
    ]
    assert "The minutes are full" in outcomes[3].replies[0]  # said at the first one past
    meeting = db.session.get(Meeting, outcomes[0].meeting_id)
    assert outcomes[-1].ended
    assert [i.text for i in minutes.list_items(meeting)] == ["one", "two"]
    # Every line is in the meeting's log, and the end's import took the action anyway.
    assert db.session.scalar(
        select(func.count()).select_from(ChatLine).where(ChatLine.meeting_id == meeting.id)
    ) == len(said)
    assert "#info three" in meeting_log_text(meeting.id)
    assert [a.text for a in db.session.scalars(select(ActionItem))] == ["bob to write four"]


def test_restore_refuses_a_backup_over_the_cap(app, world) -> None:
    chair, _group, meeting = world
    _add(chair, meeting, "one")
    _add(chair, meeting, "two")
    document = backup.dump_database()
    app.config["MEETBOT_MAX_MINUTE_ITEMS_PER_MEETING"] = 1
    with pytest.raises(backup.BackupError) as exc:
        backup.restore_document(document, force=True)
    assert str(exc.value) == (
        f"table minute_items: meeting {meeting.id} has 2 minute items, more than the limit of 1"
    )
