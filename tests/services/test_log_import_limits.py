"""Issue 12, finding 1: importing a log does work linear in its size (owners for all
nicks in one pass), and the parser's caps stop a hostile log on every entry path
with the line that crossed them, writing nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from meetbot.domain import meetbot_log
from meetbot.extensions import db
from meetbot.models import ActionItem, Meeting, MinuteItem, Person
from meetbot.services import log_plan
from tests.domain.test_owner_index import _square_log, count_calls


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count(model.id)))
        for model in (Meeting, MinuteItem, ActionItem, Person)
    )


def test_plan_import_work_grows_linearly(create_person) -> None:
    # Known people with handles and aliases take part in the owner matching too.
    for i in range(0, 200, 10):
        create_person(f"Person {i}", handles=[f"nick{i:04d}", f"alias{i:04d}"])
    small, big = _square_log(50), _square_log(200)
    log_plan.plan_import(small)  # warm caches (SQL compilation, regexes)
    ratio = count_calls(lambda: log_plan.plan_import(big)) / count_calls(
        lambda: log_plan.plan_import(small)
    )
    assert ratio < 6, ratio  # 4x the log: linear ~4x, one regex per nick per action ~16x
    plan = log_plan.plan_import(big)
    assert plan.actions[10].owner_names == ["Person 10"]
    assert plan.actions[11].owner_names == ["nick0011"]


def test_cli_names_file_and_line_of_a_cap(
    runner, tmp_path, create_group, create_meeting, monkeypatch
):
    monkeypatch.setattr(meetbot_log, "MAX_ACTIONS", 2)
    meeting = create_meeting(create_group(), start=datetime(2017, 11, 7, 10, 0, tzinfo=UTC))
    log = tmp_path / "many-actions.log"
    log.write_text(_square_log(3))
    before = _counts()
    result = runner.invoke(args=["import-log", "--meeting", str(meeting.id), str(log)])
    assert result.exit_code == 1
    # line 1 #startmeeting, 2-4 three speakers, 5-7 three actions: the third is too many
    assert f"Error: {log}:7: more than 2 #action items in one meeting" in result.stderr
    assert _counts() == before


def test_costly_owner_matching_is_a_validation_error_with_the_line(app, monkeypatch) -> None:
    import pytest

    from meetbot.domain import nick_match
    from meetbot.services.errors import ValidationError

    monkeypatch.setattr(nick_match, "MAX_PROBES", 10_000)
    lines = ["<c> #startmeeting x", "<c> #nick " + "[" * 100]
    lines += ["<c> #action " + "[" * 200 for _ in range(5)]
    with pytest.raises(ValidationError) as exc:
        log_plan.plan_import("\n".join(lines))
    assert exc.value.fields["line"] == "3"
    assert exc.value.fields["log"].startswith("finding the owners of the #action items")
