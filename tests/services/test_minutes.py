"""Minutes service: ordered items, multi-line text, optimistic locking, exports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import ActionItem, AuditEntry, MinuteItem, Role
from meetbot.services import minutes, minutes_export
from meetbot.services.errors import Conflict, ValidationError


@pytest.fixture
def setup(create_user, create_group, create_meeting):
    chair = create_user("Chair Person", email="chair@example.org")
    group = create_group(members={chair: Role.CHAIR})
    meeting = create_meeting(group, start=datetime(2017, 11, 7, 15, 0, tzinfo=UTC))
    return chair, group, meeting


def _texts(meeting):
    return [(i.kind, i.text) for i in minutes.list_items(meeting)]


def test_items_keep_order_and_multiline_text(setup) -> None:
    chair, _, meeting = setup
    v = meeting.lock_version
    minutes.add_item(chair, meeting, kind="topic", text="Roll call", version=v)
    minutes.add_item(
        chair, meeting, kind="info", text="line one\r\nline two\n", version=meeting.lock_version
    )
    minutes.add_item(chair, meeting, kind="agreed", text="Ship it", version=meeting.lock_version)
    assert _texts(meeting) == [
        ("topic", "Roll call"),
        ("info", "line one\nline two"),
        ("agreed", "Ship it"),
    ]
    # every change bumped the optimistic lock
    assert meeting.lock_version == v + 3
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.entity == "minute_item")
        )
        == 3
    )


def test_stale_version_is_refused_and_changes_nothing(setup) -> None:
    chair, _, meeting = setup
    stale = meeting.lock_version
    item = minutes.add_item(chair, meeting, kind="info", text="first", version=stale)
    with pytest.raises(Conflict) as exc:
        minutes.update_item(chair, item, kind="info", text="overwrite", version=stale)
    assert "Someone else changed" in exc.value.message
    db.session.expire_all()
    assert db.session.get(MinuteItem, item.id).text == "first"
    with pytest.raises(Conflict):
        minutes.add_item(chair, meeting, kind="info", text="second", version=stale)
    with pytest.raises(Conflict):
        minutes.delete_item(chair, item, version=stale)
    assert _texts(meeting) == [("info", "first")]


def test_concurrent_save_is_caught_by_the_version_column(setup, app) -> None:
    """Two chairs read version N; the first saves; the second's write must fail even
    though its in-memory check passed (the UPDATE is conditional on the version)."""
    chair, _, meeting = setup
    version = meeting.lock_version
    item = minutes.add_item(chair, meeting, kind="info", text="base", version=version)
    version = meeting.lock_version
    item_id = item.id
    # Detach the loaded objects (state kept, not expired) and let "the other chair"
    # commit a change through another connection behind this session's back.
    db.session.close()
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            f"UPDATE meetings SET lock_version = lock_version + 1 WHERE id = {int(meeting.id)}"
        )
    db.session.add(meeting)
    db.session.add(item)
    # Our objects still hold the old version: the check passes, the flush must fail.
    assert meeting.lock_version == version
    with pytest.raises(Conflict):
        minutes.update_item(chair, item, kind="info", text="mine", version=version)
    db.session.expire_all()
    assert db.session.get(MinuteItem, item_id).text == "base"


def test_move_and_reorder(setup) -> None:
    chair, _, meeting = setup
    a = minutes.add_item(chair, meeting, kind="info", text="a", version=meeting.lock_version)
    b = minutes.add_item(chair, meeting, kind="info", text="b", version=meeting.lock_version)
    c = minutes.add_item(chair, meeting, kind="info", text="c", version=meeting.lock_version)
    minutes.move_item(chair, c, "up", version=meeting.lock_version)
    assert [t for _, t in _texts(meeting)] == ["a", "c", "b"]
    minutes.move_item(chair, a, "up", version=meeting.lock_version)  # already first
    assert [t for _, t in _texts(meeting)] == ["a", "c", "b"]
    minutes.reorder_items(chair, meeting, [b.id, a.id, c.id], version=meeting.lock_version)
    assert [t for _, t in _texts(meeting)] == ["b", "a", "c"]
    with pytest.raises(ValidationError):
        minutes.reorder_items(chair, meeting, [b.id, a.id], version=meeting.lock_version)
    with pytest.raises(ValidationError):
        minutes.reorder_items(chair, meeting, [b.id, a.id, a.id], version=meeting.lock_version)


def test_validation(setup, create_group, create_work_stream) -> None:
    chair, group, meeting = setup
    with pytest.raises(ValidationError) as exc:
        minutes.add_item(chair, meeting, kind="info", text="   ", version=meeting.lock_version)
    assert "text" in exc.value.fields
    with pytest.raises(ValidationError) as exc:
        minutes.add_item(chair, meeting, kind="gossip", text="x", version=meeting.lock_version)
    assert "kind" in exc.value.fields
    other_stream = create_work_stream(create_group())
    with pytest.raises(ValidationError) as exc:
        minutes.add_item(
            chair,
            meeting,
            kind="agreed",
            text="x",
            version=meeting.lock_version,
            work_stream_id=other_stream.id,
        )
    assert "work_stream_id" in exc.value.fields
    stream = create_work_stream(group)
    item = minutes.add_item(
        chair,
        meeting,
        kind="agreed",
        text="x",
        version=meeting.lock_version,
        work_stream_id=stream.id,
    )
    assert item.work_stream_id == stream.id


def test_action_item_in_minutes_opens_a_tracked_item(setup) -> None:
    chair, group, meeting = setup
    minutes.add_item(
        chair, meeting, kind="action", text="write the doc", version=meeting.lock_version
    )
    item = db.session.scalar(select(ActionItem))
    assert item.text == "write the doc"
    assert item.opened_in_id == meeting.id
    assert item.status == "open"
    assert [e.kind for e in item.events] == ["opened"]


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("info", "#agreed ship it", ("agreed", "ship it")),
        ("info", "#AGREE ship it", ("agreed", "ship it")),
        ("topic", "#action bob: do it", ("action", "bob: do it")),
        ("idea", "#hashtag stays text", ("idea", "#hashtag stays text")),
        ("link", "https://x.org", ("link", "https://x.org")),
    ],
)
def test_quick_entry_prefix(kind, text, expected) -> None:
    assert minutes.parse_quick_entry(kind, text) == expected


def test_agenda_topics() -> None:
    agenda = "Intro text\n\n## Roll call\n- Gap analysis\n  * nested\n1. AOB\n"
    assert minutes_export.agenda_topics(agenda) == ["Roll call", "Gap analysis", "nested", "AOB"]
    assert minutes_export.agenda_topics("one\ntwo") == ["one", "two"]
    assert minutes_export.agenda_topics("") == []
