"""Data of the work stream page, computed in SQL for speed, checked against direct
computations on small data: attendance figures (first-time attendees) in every scope,
the series tagged with a stream, and the action items' progress per month."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from meetbot import freshness
from meetbot.extensions import db
from meetbot.models import ActionItem, Attendance, Role
from meetbot.services import action_progress, actions, analytics, attendance_stats, series_reads

T0 = datetime(2026, 1, 6, 15, 0, tzinfo=UTC)


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


@pytest.fixture
def history(create_person, create_group, create_series, create_meeting, create_work_stream):
    """Random meetings of two groups (series tagged or not, one-offs with or without the
    stream, cancelled / held / scheduled), with presence and regrets, ties in start times."""

    def build(seed: int):
        rng = random.Random(seed)
        people = [create_person(f"P{seed}-{i}") for i in range(6)]
        group = create_group(members={p: Role.MEMBER for p in people})
        other = create_group(members={p: Role.MEMBER for p in people})
        focus, side = create_work_stream(group), create_work_stream(group)
        tagged = create_series(group, title="tagged")
        both = create_series(group, title="both")
        untagged = create_series(group, title="untagged")
        elsewhere = create_series(other, title="elsewhere")
        tagged.work_streams.append(focus)
        both.work_streams.extend([focus, side])
        db.session.commit()
        meetings = []
        for k in range(30):
            where = rng.choice(["tagged", "both", "untagged", "elsewhere", "one-off", "one-off"])
            status = rng.choice(["held", "held", "held", "scheduled", "cancelled"])
            start = T0 + timedelta(days=rng.randrange(12))  # ties on purpose
            stream = rng.choice([focus, side, None])
            if where == "one-off":
                meeting = create_meeting(
                    rng.choice([group, group, other]), start=start, status=status
                )
                # Even another group's meeting naming this stream stays out of its scope.
                meeting.work_stream_id = stream.id if stream else None
            else:
                series = {"tagged": tagged, "both": both, "untagged": untagged}.get(
                    where, elsewhere
                )
                local = datetime(2026, 1, 6, 15, 0) + timedelta(days=7 * k)
                meeting = create_meeting(
                    series=series, original_start_local=local, start=start, status=status
                )
                # A series meeting's own work_stream_id never puts it in a stream.
                meeting.work_stream_id = stream.id if stream else None
            meetings.append(meeting)
            for person in rng.sample(people, rng.randrange(4)):
                kind = "regrets" if rng.random() < 0.2 else "present"
                db.session.add(
                    Attendance(meeting=meeting, person=person, kind=kind, source="roster")
                )
        db.session.commit()
        return group, focus, side, (tagged, both, untagged), meetings

    return build


def _expected(meetings, in_scope):
    """(meeting id, present, first-time) of every counted meeting in scope, oldest first,
    straight from the definitions (see meetbot.services.analytics)."""
    scope = [m for m in meetings if in_scope(m)]

    def present(m):
        return {a.person_id for a in m_attendance(m) if a.kind == "present"}

    def m_attendance(m):
        return db.session.query(Attendance).filter_by(meeting_id=m.id).all()

    counted = [m for m in scope if m.status != "cancelled" and (m.status == "held" or present(m))]
    counted.sort(key=lambda m: (m.start_dt, m.id))
    rows = []
    for m in counted:
        earlier = [e for e in scope if e.status != "cancelled" and e.start_dt < m.start_dt]
        seen = set().union(*(present(e) for e in earlier)) if earlier else set()
        rows.append((m.id, len(present(m)), len(present(m) - seen)))
    return rows


def _figures(stats):
    return [(s.meeting_id, s.present, s.first_time) for s in stats]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_first_time_attendees_in_every_scope_match_a_direct_count(history, seed):
    group, focus, side, series_list, meetings = history(seed)
    tags = {s.id: {w.id for w in s.work_streams} for s in series_list}

    def in_stream(stream):
        def check(m):
            if m.group_id != group.id:
                return False
            if m.series_id is not None:
                return stream.id in tags.get(m.series_id, set())
            return m.work_stream_id == stream.id

        return check

    def in_series(series):
        return lambda m: m.series_id == series.id

    scopes = [
        ({}, lambda m: m.group_id == group.id),
        ({"stream": focus}, in_stream(focus)),
        ({"stream": side}, in_stream(side)),
        *(({"series": s}, in_series(s)) for s in series_list),
    ]
    for kwargs, in_scope in scopes:
        expected = _expected(meetings, in_scope)
        full = analytics.report(group, with_members=False, **kwargs)
        short = analytics.summary(group, with_members=False, latest=4, **kwargs)
        assert _figures(full.meetings) == expected, kwargs
        assert _figures(short.meetings) == expected[-4:], kwargs
        assert short.held == len(expected), kwargs
        # Any subset by id: figures judged over the whole scope's history.
        some = [row[0] for row in expected[::2]]
        bounded = attendance_stats.meeting_stats(group, meeting_ids=some, **kwargs)
        assert _figures(bounded) == [row for row in expected if row[0] in some], kwargs


def test_stream_series_are_the_tagged_series_of_the_group(
    create_group, create_series, create_work_stream
):
    group, other = create_group(), create_group()
    stream, side = create_work_stream(group), create_work_stream(group)
    b = create_series(group, title="B call")
    a = create_series(group, title="A call")
    untagged = create_series(group, title="C call")
    b.work_streams.append(stream)
    a.work_streams.extend([side, stream])
    untagged.work_streams.append(side)
    db.session.commit()
    assert series_reads.list_stream_series(group, stream) == [a, b]
    assert series_reads.list_stream_series(group, side) == [a, untagged]
    assert series_reads.list_stream_series(other, stream) == []


def test_stream_progress_counts_per_utc_month_as_the_items_say(
    create_user, create_group, create_work_stream, time_machine
):
    chair = create_user("Chair", email="chair@example.org")
    group = create_group(members={chair: Role.CHAIR})
    stream = create_work_stream(group)
    other = create_work_stream(group)
    # Month edges in UTC: 23:30 on 31 October is October whatever the session zone.
    moments = [
        datetime(2017, 10, 31, 23, 30, tzinfo=UTC),
        datetime(2017, 11, 1, 0, 30, tzinfo=UTC),
        datetime(2018, 2, 28, 23, 59, tzinfo=UTC),
        datetime(2018, 3, 15, 12, 0, tzinfo=UTC),
    ]
    made = []
    for n, moment in enumerate(moments):
        time_machine.move_to(moment, tick=False)
        made.append(actions.create_action(chair, group, text=f"i{n}", work_stream_id=stream.id))
    actions.create_action(chair, group, text="elsewhere", work_stream_id=other.id)
    time_machine.move_to(datetime(2018, 3, 31, 23, 45, tzinfo=UTC), tick=False)
    actions.close_action(chair, made[0], "done")
    actions.close_action(chair, made[1], "dropped")
    time_machine.move_to(datetime(2018, 4, 1, 0, 15, tzinfo=UTC), tick=False)
    actions.close_action(chair, made[2], "done")
    if _is_postgres():  # a session zone far from UTC must not move items across months
        db.session.execute(text("SET TIME ZONE 'Pacific/Kiritimati'"))
    summary = action_progress.stream_summary(stream)
    items = db.session.query(ActionItem).filter_by(work_stream_id=stream.id).all()
    assert summary.progress == action_progress.progress_by_month(items)
    assert [(p.month, p.opened, p.closed) for p in summary.progress] == [
        ("2017-10", 1, 0),
        ("2017-11", 1, 0),
        ("2017-12", 0, 0),
        ("2018-01", 0, 0),
        ("2018-02", 1, 0),
        ("2018-03", 1, 2),
        ("2018-04", 0, 1),
    ]
    assert (summary.open_count, summary.closed_count) == (1, 3)
    assert Counter(i.status for i in items) == {"open": 1, "done": 2, "dropped": 1}


def test_stream_page_lists_tagged_series_and_reads_the_schedule_once(
    client, create_group, create_series, create_work_stream, monkeypatch, time_machine
):

    time_machine.move_to(datetime(2026, 1, 10, tzinfo=UTC))
    group = create_group()
    stream = create_work_stream(group, slug="edge")
    # Every 5 weeks from Tuesday 6 January: 10 February, 17 March, 21 April...
    tagged = create_series(
        group, title="Tagged call", start=datetime(2026, 1, 6, 15, 0), interval=5
    )
    create_series(group, title="Untagged call", start=datetime(2026, 1, 7, 9, 0))
    tagged.work_streams.append(stream)
    db.session.commit()
    reads = []
    real = freshness.schedule_fingerprint
    monkeypatch.setattr(
        freshness, "schedule_fingerprint", lambda *a, **k: reads.append(a) or real(*a, **k)
    )
    html = client.get(f"/groups/{group.slug}/streams/edge/").get_data(as_text=True)
    assert len(reads) == 1  # one cached lookup of the upcoming meetings
    series_panel = html.split("Meetings of this work stream")[1].split("</section>")[0]
    assert "Tagged call" in series_panel and "Untagged call" not in series_panel
    # The series panel looks 120 days ahead; the upcoming meetings are listed once on
    # the page (the attendance panel has the past ones, not a second "Coming up").
    days = re.findall(r"/occurrences/slot-0/(\d{8})T1500/", series_panel)
    assert days == ["20260210", "20260317", "20260421"]
    assert re.findall(r"/occurrences/slot-0/(\d{8})T1500/", html) == days
    assert "Coming up" not in html
