"""The living demo (issue 16, point 6): a year of the Edge group relative to today."""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import ActionItem, Attendance, Group, Meeting, MinuteItem, Person
from meetbot.services import occurrences
from meetbot.services.demo import DEMO_LOGINS, NEWCOMERS, PEOPLE, load_demo
from meetbot.services.occurrence_marks import mark_all

TODAY = date(2026, 12, 6)  # a Sunday
NOW = datetime(2026, 12, 6, tzinfo=UTC)


def _figures() -> dict[str, object]:
    held = db.session.scalars(
        select(Meeting).where(Meeting.status == "held").order_by(Meeting.start_dt)
    ).all()
    present = [
        db.session.scalar(
            select(func.count(Attendance.id)).where(
                Attendance.meeting_id == m.id, Attendance.kind == "present"
            )
        )
        for m in held
    ]
    return {"held": held, "present": present}


@pytest.fixture
def demo(app):
    assert load_demo(today=TODAY).created
    return db.session.scalar(select(Group))


def test_a_year_of_calls_settling_to_a_core(demo):
    figures = _figures()
    held, present = figures["held"], figures["present"]
    assert 45 <= len(held) <= 55
    assert held[0].start_dt.date() >= TODAY - timedelta(days=364)
    assert held[-1].end_dt <= NOW
    assert present[0] == 45
    assert 15 <= statistics.median(present[-20:]) <= 25
    slots = Counter(m.slot.key for m in held)
    assert slots["apac"] >= 20 and slots["americas-europe"] >= 20
    statuses = Counter(db.session.scalars(select(Meeting.status)))
    assert statuses["cancelled"] >= 2
    assert db.session.scalar(select(func.count(Meeting.id)).where(Meeting.is_moved)) >= 1
    # Every held call has minutes.
    with_minutes = set(db.session.scalars(select(MinuteItem.meeting_id)))
    assert {m.id for m in held} <= with_minutes
    # Rule marks (issue 19): the held calls where their rule put them are marked, and
    # marking every row again from scratch changes nothing.
    assert sum(1 for m in held if m.rule_mark is not None) >= 40
    assert mark_all(db.session.connection()) == 0


def test_newcomers_each_month_and_zones_worldwide(demo):
    first_seen = {}
    for person_id, start in db.session.execute(
        select(Attendance.person_id, Meeting.start_dt)
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .where(Attendance.kind == "present")
        .order_by(Meeting.start_dt)
    ):
        first_seen.setdefault(person_id, start)
    months = {f"{s:%Y-%m}" for s in first_seen.values()}
    assert len(months) >= 11
    people = db.session.scalars(select(Person).where(Person.email != "admin@example.org")).all()
    assert len(people) == len(PEOPLE) + len(NEWCOMERS)
    assert sum(1 for p in people if p.timezone) == len(people) - 2  # organizer, chair
    assert next(p for p in people if p.display_name == "Kenji Sato").timezone == "Asia/Tokyo"
    assert len({p.organization for p in people}) == 22
    regions = {p.timezone.split("/")[0] for p in people if p.timezone}
    assert regions >= {"America", "Europe", "Asia", "Africa", "Australia"}


def test_action_items_in_every_state(demo):
    actions = db.session.scalars(select(ActionItem)).all()
    states = Counter(a.status for a in actions)
    overdue = [a for a in actions if a.status == "open" and a.due_date < TODAY]
    not_due = [a for a in actions if a.status == "open" and a.due_date >= TODAY]
    assert states["done"] >= 10 and states["dropped"] >= 1
    assert overdue and not_due
    assert all(a.closed_in is not None for a in actions if a.status != "open")
    assert all(a.owners for a in actions)


def test_this_week_has_an_upcoming_call(demo):
    coming = occurrences.upcoming(demo, NOW, "meetbot.test", limit=3)
    assert coming and coming[0].start - NOW <= timedelta(days=7)
    assert coming[0].status != "cancelled"


def test_idempotent_and_deterministic(demo):
    def snapshot():
        return sorted(
            db.session.execute(
                select(Person.display_name, Meeting.start_dt)
                .join(Attendance, Attendance.person_id == Person.id)
                .join(Meeting, Meeting.id == Attendance.meeting_id)
            ).all()
        )

    before = snapshot()
    counts = [db.session.scalar(select(func.count(m.id))) for m in (Meeting, ActionItem, Person)]
    again = load_demo(today=TODAY + timedelta(days=30))
    assert not again.created
    assert snapshot() == before
    assert counts == [
        db.session.scalar(select(func.count(m.id))) for m in (Meeting, ActionItem, Person)
    ]
    # The same day always gives the same year (seeded): a fixed fingerprint.
    digest = hashlib.sha256(repr([(n, f"{s:%Y-%m-%d %H:%M}") for n, s in before]).encode())
    assert (len(before), digest.hexdigest()[:12]) == FINGERPRINT
    assert {email for _, email in DEMO_LOGINS} <= set(db.session.scalars(select(Person.email)))


FINGERPRINT = (1081, "40176fc0d0e8")
