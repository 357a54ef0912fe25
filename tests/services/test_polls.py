"""Availability polls: options, answers (members and guests, nobody overwrites another's),
results with coverage, closing creates the series."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from meetbot.domain.slot_finder import Slot
from meetbot.extensions import db
from meetbot.models import PollAnswer, Role
from meetbot.services import poll_close, polls
from meetbot.services.errors import Conflict, ValidationError


@pytest.fixture
def world(create_user, create_group):
    olga = create_user("Olga", email="olga@example.org", timezone="Europe/Berlin")
    syd = create_user("Sam", email="sam@example.org", timezone="Australia/Sydney")
    group = create_group("wg", members={olga: Role.ORGANIZER, syd: Role.MEMBER})
    poll = polls.create_poll(
        olga,
        group,
        title="Weekly call",
        timezone="UTC",
        duration_minutes=60,
        options=polls.parse_options("Tue 15:00\nmon 07:00 / Tue 15:00"),
        start=date(2027, 1, 4),
    )
    return {"olga": olga, "sam": syd, "group": group, "poll": poll}


def test_parse_options_names_the_bad_line() -> None:
    assert polls.parse_options("Tue 15:00 / wednesday 07:30") == [(Slot(1, 900), Slot(2, 450))]
    with pytest.raises(ValidationError) as exc:
        polls.parse_options("Tue 15:00\nsometime")
    assert exc.value.fields["options"].startswith("Line 2:")
    with pytest.raises(ValidationError):
        polls.parse_options("Tue 25:00")


def test_guests_cannot_overwrite_each_other(world) -> None:
    poll = world["poll"]
    first, secret = polls.answer(poll, choices=["yes", "no"], name="Guest One")
    assert secret
    # Someone else without the secret (or with a wrong one) makes a new answer
    other, other_secret = polls.answer(poll, choices=["no", "no"], name="Guest One", secret="x")
    assert other.id != first.id and other_secret and other_secret != secret
    # The secret changes only its own answer
    again, none = polls.answer(poll, choices=["maybe", "yes"], name="Guest One", secret=secret)
    assert again.id == first.id and none is None
    db.session.refresh(first)
    assert first.choices == "my"
    assert db.session.scalar(select(func.count()).select_from(PollAnswer)) == 2


def test_member_has_one_answer_and_bad_answers_change_nothing(world) -> None:
    poll = world["poll"]
    polls.answer(poll, choices=["yes", "yes"], person=world["sam"])
    polls.answer(poll, choices=["no", "yes"], person=world["sam"])
    with pytest.raises(ValidationError):
        polls.answer(poll, choices=["yes"], person=world["sam"])
    with pytest.raises(ValidationError):
        polls.answer(poll, choices=["yes", "perhaps"], name="X")
    rows = db.session.scalars(select(PollAnswer)).all()
    assert [(r.name, r.choices, r.timezone) for r in rows] == [("Sam", "ny", "Australia/Sydney")]


def test_results_combine_answers_and_coverage_and_close_creates_the_series(world) -> None:
    poll = world["poll"]
    polls.answer(poll, choices=["no", "yes"], person=world["sam"])
    polls.answer(poll, choices=["yes", "yes"], person=world["olga"])
    single, pair = polls.results(poll)
    assert (single.yes, single.no, pair.yes) == (1, 1, 2)
    # Tue 15:00 UTC suits Berlin only; Mon 07:00 UTC suits Sydney's evening (18:00 / 17:00)
    assert single.included == 1 and pair.included == 2
    assert pair.score > single.score
    poll_close.close(world["olga"], poll, pair.option.id)
    assert poll.status == "closed"
    series = poll.series
    assert [(s.label, s.interval, s.start_local.isoformat()) for s in series.slots] == [
        ("A", 2, "2027-01-04T07:00:00"),
        ("B", 2, "2027-01-12T15:00:00"),
    ]
    with pytest.raises(Conflict):
        polls.answer(poll, choices=["yes", "yes"], name="Late")


def test_a_group_has_a_bounded_number_of_polls(world, monkeypatch) -> None:
    monkeypatch.setattr(polls, "MAX_POLLS_PER_GROUP", 1)
    with pytest.raises(ValidationError) as exc:
        polls.create_poll(
            world["olga"],
            world["group"],
            title="One more",
            timezone="UTC",
            duration_minutes=60,
            options=polls.parse_options("Tue 15:00"),
            start=date(2027, 1, 4),
        )
    assert "at most 1 polls" in exc.value.fields["title"]
    assert len(polls.group_polls(world["group"])) == 1
