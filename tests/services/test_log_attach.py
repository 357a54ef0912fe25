"""Issue 12, finding 12: a log goes to the occurrence its #startmeeting lies in (15
minutes' tolerance either side), else to a meeting of its own; a different log into a
meeting with imported minutes is refused unless the chair replaces or appends."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import ActionItem, Meeting, MinuteItem
from meetbot.services import log_import, log_plan, log_write
from meetbot.services.errors import ValidationError

EDGE_LOG = (Path(__file__).parent / "data" / "edge_2017_11_07.log").read_text()
DAY = date(2017, 11, 7)


def _log(start: str, topic: str) -> str:
    """A short log (clock times only) that starts at ``start`` (HH:MM)."""
    return (
        f"{start}:00 <alice> #startmeeting Edge follow-up\n"
        f"{start}:10 <alice> #topic {topic}\n"
        f"{start}:20 <bob> #action bob to write up {topic}\n"
        f"{start}:30 <alice> #endmeeting\n"
    )


def _texts(meeting: Meeting) -> list[str]:
    return list(
        db.session.scalars(
            select(MinuteItem.text)
            .where(MinuteItem.meeting_id == meeting.id)
            .order_by(MinuteItem.position)
        )
    )


def _state() -> tuple:
    db.session.expire_all()
    return tuple(
        db.session.scalar(select(func.count(m.id))) for m in (Meeting, MinuteItem, ActionItem)
    ), sorted(db.session.execute(select(Meeting.id, Meeting.imported_log_sha256)).all())


@pytest.fixture
def weekly(create_group, create_series):
    group = create_group(slug="edge")
    # Tuesdays 15:00-16:00 UTC; the edge log starts at 15:00:03 on Tue 7 Nov 2017.
    create_series(group, start=datetime(2017, 10, 3, 15, 0), timezone="UTC")
    first = log_import.import_log_for_group(None, group, DAY, EDGE_LOG)
    return group, first.meeting


def test_a_later_meeting_of_the_same_day_gets_its_own_meeting(weekly) -> None:
    group, first = weekly
    before = _texts(first)
    result = log_import.import_log_for_group(None, group, DAY, _log("17:30", "Follow-up"))
    assert result.meeting_created and result.meeting.id != first.id
    assert result.meeting.series_id is None
    assert result.meeting.start_dt == datetime(2017, 11, 7, 17, 30, tzinfo=UTC)
    assert result.meeting.end_dt == datetime(2017, 11, 7, 17, 30, 30, tzinfo=UTC)
    assert _texts(first) == before  # nothing appended to the first meeting
    assert _texts(result.meeting) == ["Follow-up", "bob to write up Follow-up"]
    again = log_import.import_log_for_group(None, group, DAY, _log("17:30", "Follow-up"))
    assert again.already_imported and again.meeting.id == result.meeting.id


@pytest.mark.parametrize("start", ["14:45", "16:15"])
def test_a_different_log_inside_the_tolerance_is_refused(weekly, start) -> None:
    group, first = weekly
    before = _state()
    with pytest.raises(ValidationError) as exc:
        log_import.import_log_for_group(None, group, DAY, _log(start, "Other"))
    assert "already has minutes imported from a different log" in exc.value.message
    assert exc.value.fields == {
        "existing": "the meeting has minutes from a different log: choose replace or append"
    }
    assert _state() == before


@pytest.mark.parametrize("start", ["14:44", "16:16"])
def test_a_log_just_outside_the_tolerance_gets_its_own_meeting(weekly, start) -> None:
    group, first = weekly
    result = log_import.import_log_for_group(None, group, DAY, _log(start, "Other"))
    assert result.meeting_created and result.meeting.id != first.id


def test_replace_swaps_the_log_items_and_keeps_hand_written_ones(weekly) -> None:
    from meetbot.services import minutes

    group, first = weekly
    minutes.add_item(None, first, kind="info", text="typed by a chair", version=first.lock_version)
    actions_before = db.session.scalar(select(func.count(ActionItem.id)))
    result = log_import.import_log_for_group(
        None, group, DAY, _log("15:05", "Corrected"), existing=log_write.REPLACE
    )
    assert result.meeting.id == first.id and result.items_removed == 12
    assert _texts(first) == ["typed by a chair", "Corrected", "bob to write up Corrected"]
    # Action items are tracked work: the old log's stay, the new one is added.
    assert db.session.scalar(select(func.count(ActionItem.id))) == actions_before + 1
    assert first.imported_log_sha256 == log_plan.log_sha256(_log("15:05", "Corrected"))


def test_append_adds_the_log_items(weekly) -> None:
    group, first = weekly
    before = _texts(first)
    result = log_import.import_log(None, first, _log("15:05", "Extra"), existing=log_write.APPEND)
    assert result.items_removed == 0
    assert _texts(first) == [*before, "Extra", "bob to write up Extra"]


def test_the_same_log_again_changes_nothing_whatever_the_choice(weekly) -> None:
    group, first = weekly
    before = _state()
    for existing in log_write.EXISTING_CHOICES:
        again = log_import.import_log_for_group(None, group, DAY, EDGE_LOG, existing=existing)
        assert again.already_imported and again.meeting.id == first.id
    assert _state() == before


def test_cli_refuses_then_replaces(runner, weekly, tmp_path) -> None:
    group, first = weekly
    path = tmp_path / "corrected.log"
    path.write_text(_log("15:05", "Corrected"))
    before = _state()
    args = ["import-log", "--group", "edge", "--date", "2017-11-07", str(path)]
    refused = runner.invoke(args=args)
    assert refused.exit_code == 1
    assert (
        f"Error: {path}: the meeting already has minutes imported from a different log; "
        "nothing was imported. Give --replace (that log's minutes items are replaced) or "
        "--append." in refused.stderr
    )
    assert _state() == before
    both = runner.invoke(args=[*args, "--replace", "--append"])
    assert both.exit_code == 2 and _state() == before
    replaced = runner.invoke(args=[*args, "--replace"])
    assert replaced.exit_code == 0, replaced.stderr
    assert int(replaced.stdout.strip()) == first.id
    assert "Replaced 12 minutes items of the previous log." in replaced.stderr
    db.session.expire_all()
    assert _texts(first) == ["Corrected", "bob to write up Corrected"]
