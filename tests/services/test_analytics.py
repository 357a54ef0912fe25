"""Attendance analytics: figures per meeting and member, the demo chart, CSV export and
bounded query counts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from meetbot.extensions import db
from meetbot.models import Attendance, Group, Meeting, Membership, Person, Role
from meetbot.services import analytics, attendance_stats
from meetbot.services.demo import DEMO_SLUG, NEWCOMERS, PEOPLE, load_demo

DEMO_TODAY = date(2026, 12, 6)

T0 = datetime(2026, 1, 6, 15, 0, tzinfo=UTC)


def _attend(meeting: Meeting, people, kind: str = "present") -> None:
    for p in people:
        db.session.add(Attendance(meeting=meeting, person=p, kind=kind, source="roster"))
    db.session.commit()


@pytest.fixture
def trio(create_person, create_group, create_meeting):
    """Three meetings: A,B,C came first; B,C,D second; D alone third; one cancelled."""
    a, b, c, d = (
        create_person(n, organization=o)
        for n, o in [("Ann", "Acme"), ("Bob", "Acme"), ("Cat", "Beta"), ("Dan", None)]
    )
    group = create_group(
        members={a: Role.CHAIR, b: Role.MEMBER, c: Role.MEMBER, d: Role.MEMBER},
        quorum=3,
        attendance_window=2,
        attendance_threshold=50,
    )
    m1 = create_meeting(group, start=T0, status="held")
    m2 = create_meeting(group, start=T0 + timedelta(days=7), status="held")
    m3 = create_meeting(group, start=T0 + timedelta(days=14))  # scheduled, but has presence
    cancelled = create_meeting(group, start=T0 + timedelta(days=10), status="cancelled")
    create_meeting(group, start=T0 + timedelta(days=21))  # future, nothing recorded
    _attend(m1, [a, b, c])
    _attend(m2, [b, c, d])
    _attend(m2, [a], kind="regrets")
    _attend(m3, [d])
    _attend(cancelled, [a])  # ignored: cancelled meetings do not count
    return {"group": group, "people": (a, b, c, d), "meetings": (m1, m2, m3)}


def test_meeting_figures(trio):
    stats = attendance_stats.meeting_stats(trio["group"])
    assert [s.meeting_id for s in stats] == [m.id for m in trio["meetings"]]
    assert [(s.present, s.first_time, s.returning) for s in stats] == [
        (3, 3, 0),
        (3, 1, 2),
        (1, 0, 1),
    ]
    assert [s.regrets for s in stats] == [0, 1, 0]
    assert [s.organizations for s in stats] == [2, 2, 0]  # Dan has no organization
    assert [s.quorum_met for s in stats] == [True, True, False]


def test_member_rates_over_window(trio):
    report = analytics.report(trio["group"])
    assert report.window_meeting_ids == [m.id for m in trio["meetings"][1:]]
    rates = {m.name: m for m in report.members}
    assert (rates["Ann"].attended, rates["Ann"].regrets, rates["Ann"].flagged) == (0, 1, True)
    assert (rates["Bob"].attended, rates["Bob"].rate, rates["Bob"].flagged) == (1, 50.0, False)
    assert (rates["Dan"].attended, rates["Dan"].flagged) == (2, False)
    orgs = {o.name: (o.people, o.meetings) for o in report.organizations}
    assert orgs == {"Acme": (1, 1), "Beta": (1, 1), "(no organization)": (1, 2)}


def test_series_and_stream_scopes(
    create_person, create_group, create_series, create_meeting, create_work_stream
):
    p, q = create_person("Pat"), create_person("Quin")
    group = create_group(members={p: Role.MEMBER, q: Role.MEMBER})
    stream = create_work_stream(group)
    series = create_series(group, start=datetime(2026, 1, 6, 15, 0))
    series.work_streams.append(stream)
    db.session.commit()
    occ = create_meeting(series=series, status="held")
    tagged_one_off = create_meeting(
        group, start=T0 + timedelta(days=1), status="held", work_stream=stream
    )
    untagged = create_meeting(group, start=T0 - timedelta(days=1), status="held")
    _attend(untagged, [p])
    _attend(occ, [p, q])
    _attend(tagged_one_off, [q])
    in_series = attendance_stats.meeting_stats(group, series=series)
    assert [(s.meeting_id, s.present, s.first_time) for s in in_series] == [(occ.id, 2, 2)]
    in_stream = attendance_stats.meeting_stats(group, stream=stream)
    assert [(s.meeting_id, s.first_time) for s in in_stream] == [
        (occ.id, 2),
        (tagged_one_off.id, 0),
    ]
    whole = attendance_stats.meeting_stats(group)
    assert [s.first_time for s in whole] == [1, 1, 0]  # Pat first came to the untagged one


def test_neutralise():
    assert analytics.neutralise("=SUM(A1)") == "'=SUM(A1)"
    assert analytics.neutralise("+1") == "'+1"
    assert analytics.neutralise("-2") == "'-2"
    assert analytics.neutralise("@cmd") == "'@cmd"
    assert analytics.neutralise("Alice = Bob") == "Alice = Bob"
    assert analytics.neutralise(None) == ""
    assert analytics.neutralise(45) == "45"


def test_demo_chart_renders_with_expected_counts(client):
    assert load_demo(today=DEMO_TODAY).created
    group = db.session.query(Group).filter_by(slug=DEMO_SLUG).one()
    orgs = len({org for _, org, _ in PEOPLE})  # the demo's own data: 22 organizations
    stats = attendance_stats.meeting_stats(group)
    assert (stats[0].present, stats[0].first_time, stats[0].organizations) == (45, 45, orgs)
    assert orgs == 22
    assert 45 <= len(stats) <= 55  # a year of weekly calls, a few cancelled
    last = stats[-1]

    html = client.get(f"/groups/{DEMO_SLUG}/").get_data(as_text=True)
    svg = re.search(r"<svg.*?</svg>", html, re.DOTALL).group(0)
    assert len(re.findall(r'<g class="chart-bar" data-present="\d+">', svg)) >= 20
    desc = f"{last.start:%Y-%m-%d}: {last.present} present ({last.first_time} first-time)."
    assert desc in svg  # the <desc> of the latest call
    assert "People present" in svg and "Meeting date" in svg
    assert "quorum 10" in svg
    assert f"from {last.organizations} organizations" in html  # the last meeting

    page = client.get(f"/groups/{DEMO_SLUG}/attendance").get_data(as_text=True)
    assert re.search(r"<td data-present>45</td><td data-first>45</td>", page)
    assert "<td data-orgs>22</td>" in page
    assert page.count('data-person="') == len(PEOPLE) + len(NEWCOMERS)


def test_empty_group_chart(client, create_group):
    group = create_group()
    html = client.get(f"/groups/{group.slug}/attendance").get_data(as_text=True)
    assert "No attendance recorded yet" in html and "<svg" in html


# ----------------------------------------------------------------- query counts


def _group_with_meetings(n: int, create_person, create_group, create_series, create_work_stream):
    people = [create_person(f"Member {i}", organization=f"Org {i % 4}") for i in range(8)]
    group = create_group(members={p: Role.MEMBER for p in people}, quorum=3)
    chair = people[0]
    stream = create_work_stream(group, slug="focus")
    series = create_series(group, start=datetime(2025, 1, 7, 15, 0), chairs=[chair])
    series.work_streams.append(stream)
    db.session.commit()
    slot = series.slots[0]
    meetings = []
    for i in range(n):
        local = datetime(2025, 1, 7, 15, 0) + timedelta(weeks=i)
        start = local.replace(tzinfo=UTC)
        m = Meeting(
            group=group,
            series=series,
            slot=slot,
            original_start_local=local,
            timezone="UTC",
            start_dt=start,
            end_dt=start + timedelta(hours=1),
            status="held",
        )
        db.session.add(m)
        meetings.append(m)
        for j, p in enumerate(people):
            if (i + j) % 3:
                source = "csv" if j % 2 else "roster"
                db.session.add(Attendance(meeting=m, person=p, source=source, recorded_by=chair))
            elif j == 1:
                db.session.add(Attendance(meeting=m, person=p, source="self", kind="regrets"))
    db.session.commit()
    return group, series, stream, meetings[-1], chair


def _count(client, count_queries, url: str) -> int:
    client.get(url)
    db.session.remove()
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


@pytest.mark.parametrize("n_large", [30])
def test_query_counts_do_not_grow_with_meetings(
    app,
    client,
    auth,
    count_queries,
    create_person,
    create_user,
    create_group,
    create_series,
    create_work_stream,
    time_machine,
    n_large,
):
    time_machine.move_to(datetime(2026, 1, 1, tzinfo=UTC))
    admin = create_user("Admin", admin=True)
    auth.login(admin.email)
    counts = {}
    for n in (3, n_large):
        group, series, stream, last, _ = _group_with_meetings(
            n, create_person, create_group, create_series, create_work_stream
        )
        urls = {
            "meeting page": f"/meetings/{last.id}/",
            "take attendance": f"/meetings/{last.id}/attendance",
            "group page": f"/groups/{group.slug}/",
            "attendance page": f"/groups/{group.slug}/attendance",
            "series attendance": f"/groups/{group.slug}/attendance?series={series.id}",
            "stream page": f"/groups/{group.slug}/streams/{stream.slug}/",
            "csv": f"/groups/{group.slug}/attendance.csv",
        }
        counts[n] = {name: _count(client, count_queries, url) for name, url in urls.items()}
        db.session.remove()
        group = db.session.get(Group, group.id)
        with count_queries() as counter:
            report = analytics.report(group)
        assert len(report.meetings) == n
        counts[n]["report"] = counter.count
    grown = {
        k: (counts[3][k], counts[n_large][k])
        for k in counts[3]
        if counts[n_large][k] > counts[3][k]
    }
    assert not grown, grown
    assert counts[n_large]["report"] == 3
    assert max(counts[n_large].values()) <= 25, counts[n_large]


def test_report_person_count_does_not_grow(
    app, count_queries, create_person, create_group, create_meeting
):
    group = create_group()
    m = create_meeting(group, start=T0, status="held")
    people = [create_person(f"P{i}") for i in range(40)]
    for p in people:
        db.session.add(Membership(group=group, person=p, role="member"))
    _attend(m, people)
    group_id = group.id
    db.session.remove()
    group = db.session.get(Group, group_id)
    with count_queries() as counter:
        report = analytics.report(group)
    assert counter.count == 3 and len(report.members) == 40
    assert db.session.query(Person).count() == 40


def test_stream_page_lists_its_meetings_with_attendance(
    client,
    create_person,
    create_group,
    create_series,
    create_meeting,
    create_work_stream,
    time_machine,
):
    time_machine.move_to(datetime(2026, 1, 10, tzinfo=UTC))
    p, q = create_person("Pat"), create_person("Quin")
    group = create_group(members={p: Role.MEMBER, q: Role.MEMBER})
    stream = create_work_stream(group, slug="edge", name="Edge stream")
    series = create_series(group, title="Tagged call", start=datetime(2026, 1, 6, 15, 0))
    series.work_streams.append(stream)
    other = create_series(group, title="Untagged call", start=datetime(2026, 1, 7, 9, 0))
    db.session.commit()
    occ = create_meeting(series=series, status="held")
    one_off = create_meeting(
        group, start=T0 + timedelta(days=2), status="held", work_stream=stream, title="Workshop"
    )
    untagged = create_meeting(series=other, status="held")
    _attend(occ, [p, q])
    _attend(one_off, [q])
    _attend(untagged, [p])
    html = client.get(f"/groups/{group.slug}/streams/edge/").get_data(as_text=True)
    assert f'href="/meetings/{occ.id}/"' in html and f'href="/meetings/{one_off.id}/"' in html
    assert f'href="/meetings/{untagged.id}/"' not in html
    assert re.findall(r"<span data-present>(\d+)</span>", html) == ["1", "2"]  # newest first
    # The next occurrence of the tagged series links to its occurrence page.
    assert f"/series/{series.id}/occurrences/slot-0/20260113T1500/" in html
    assert "Untagged call" not in html.split('id="stream-meetings-h"')[1]


def test_series_page_has_attendance_panel(
    client, create_person, create_group, create_series, create_meeting
):
    p = create_person("Pat")
    group = create_group(members={p: Role.MEMBER})
    series = create_series(group, title="Weekly", start=datetime(2026, 1, 6, 15, 0))
    _attend(create_meeting(series=series, status="held"), [p])
    html = client.get(f"/series/{series.id}/").get_data(as_text=True)
    assert 'id="series-attendance"' in html
    assert '<g class="chart-bar" data-present="1">' in html
