"""Bounded queries: the SQL statements of a page or API call must not grow with the data.

One scenario per backend: a group with a focus series and a focus (held) meeting is
grown to SMALL units of everything (members, work streams with leads, series with
slots, chairs and tags, held meetings, attendance, minutes, action items with owners,
one-off, cancelled and moved meetings), every URL is requested and its statements
counted; then the data is grown to 10x and no count may rise. A count
that rises with the data is an N+1 (a lazy load per row) and fails with the
statements that differ.

Routes that other areas add are listed in ROUTES as they land on main.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from meetbot.extensions import db
from meetbot.models import (
    ActionItem,
    Attendance,
    Group,
    Meeting,
    MeetingSeries,
    Membership,
    MinuteItem,
    Person,
    PersonHandle,
    SeriesSlot,
    WorkStream,
)
from meetbot.services import accounts
from tests.conftest import TEST_PASSWORD

SMALL = 3
LARGE = 10 * SMALL
# Above every page today (the meeting page, with all its panels, is the largest at 32);
# a page near it deserves a look even if bounded.
CEILING = 40
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FOCUS_START = datetime(2025, 1, 7, 15, 0)  # weekly, UTC: ~60 past weeks before NOW


@dataclass
class Scenario:
    group: Group
    organizer: Person
    series: MeetingSeries
    meeting: Meeting
    stream: WorkStream
    action: ActionItem
    grown: int = 0
    week: itertools.count = field(default_factory=lambda: itertools.count(1))
    seq: itertools.count = field(default_factory=lambda: itertools.count(1))


def _scenario(create_user) -> Scenario:
    organizer = create_user("Olga Organizer", email="olga@example.org")
    group = Group(slug="perf", name="Perf group", timezone="Europe/Berlin")
    stream = WorkStream(group=group, slug="focus", name="Focus stream", leads=[organizer])
    series = MeetingSeries(
        group=group, title="Focus call", timezone="UTC", chairs=[organizer], work_streams=[stream]
    )
    series.slots.append(
        SeriesSlot(
            key="slot-0",
            timezone="UTC",
            start_local=FOCUS_START,
            duration_minutes=60,
            frequency="weekly",
        )
    )
    meeting = Meeting(
        group=group,
        series=series,
        slot=series.slots[0],
        original_start_local=FOCUS_START,
        timezone="UTC",
        start_dt=FOCUS_START.replace(tzinfo=UTC),
        end_dt=FOCUS_START.replace(tzinfo=UTC) + timedelta(hours=1),
        status="held",
        agenda="1. Roll call",
    )
    action = ActionItem(
        group=group, text="Focus action", opened_in=meeting, owners=[organizer], work_stream=stream
    )
    db.session.add_all(
        [group, Membership(group=group, person=organizer, role="organizer"), meeting, action]
    )
    db.session.commit()
    return Scenario(group, organizer, series, meeting, stream, action)


def _grow(sc: Scenario, n: int) -> None:
    """Add ``n`` units of every kind of row the pages show."""
    for name in ("group", "organizer", "series", "meeting", "stream", "action"):
        obj = getattr(sc, name)
        setattr(sc, name, db.session.get(type(obj), obj.id))
    slot = sc.series.slots[0]
    for _ in range(n):
        i = next(sc.seq)
        person = Person(display_name=f"Member {i}", email=f"member{i}@example.org")
        person.handles.append(PersonHandle(handle=f"member{i}"))
        stream = WorkStream(group=sc.group, slug=f"s{i}", name=f"Stream {i}", leads=[person])
        series = MeetingSeries(
            group=sc.group, title=f"Series {i}", timezone="Europe/Berlin", chairs=[person]
        )
        series.work_streams.append(stream)
        for pos in range(2):
            series.slots.append(
                SeriesSlot(
                    key=f"slot-{pos}",
                    position=pos,
                    timezone="Europe/Berlin",
                    start_local=datetime(2025, 6, 2 + pos, 9 + i % 8, 0),
                    duration_minutes=60,
                    frequency="weekly",
                    interval=1 + pos,
                )
            )
        # A held past occurrence of the focus series, with its own attendance and minutes.
        local = FOCUS_START + timedelta(weeks=next(sc.week))
        held = Meeting(
            group=sc.group,
            series=sc.series,
            slot=slot,
            original_start_local=local,
            timezone="UTC",
            start_dt=local.replace(tzinfo=UTC),
            end_dt=local.replace(tzinfo=UTC) + timedelta(hours=1),
            status="held",
        )
        # Future overrides of the new series: one cancelled, one moved.
        future = [
            Meeting(
                group=sc.group,
                series=series,
                slot=series.slots[0],
                original_start_local=datetime(2026, 3, 2 + 7 * k, 9 + i % 8, 0),
                timezone="Europe/Berlin",
                start_dt=datetime(2026, 3, 2 + 7 * k, 8 + i % 8 + k, 0, tzinfo=UTC),
                end_dt=datetime(2026, 3, 2 + 7 * k, 9 + i % 8 + k, 0, tzinfo=UTC),
                status="cancelled" if k == 0 else "scheduled",
                is_moved=k == 1,
                sequence=1,
            )
            for k in range(2)
        ]
        one_off = Meeting(
            group=sc.group,
            timezone="UTC",
            title=f"Workshop {i}",
            work_stream=stream,
            start_dt=NOW + timedelta(days=i),
            end_dt=NOW + timedelta(days=i, hours=2),
        )
        db.session.add_all(
            [
                person,
                stream,
                series,
                held,
                one_off,
                *future,
                Membership(group=sc.group, person=person, role="member"),
                Attendance(meeting=sc.meeting, person=person, source="roster"),
                Attendance(meeting=held, person=person, source="csv", duration_minutes=30),
                MinuteItem(
                    meeting=sc.meeting,
                    kind="info",
                    text=f"Item {i}",
                    author=person,
                    position=i,
                    work_stream=stream,
                ),
                MinuteItem(meeting=held, kind="agreed", text=f"Agreed {i}", position=0),
                ActionItem(
                    group=sc.group,
                    text=f"Open {i}",
                    opened_in=sc.meeting,
                    owners=[person, sc.organizer],
                    work_stream=stream,
                    due_date=NOW.date() + timedelta(days=i),
                ),
                ActionItem(
                    group=sc.group,
                    text=f"Done {i}",
                    opened_in=held,
                    closed_in=sc.meeting,
                    owners=[person],
                    status="done",
                    closed_dt=NOW,
                ),
            ]
        )
    sc.grown += n
    db.session.commit()


# (name, URL template, method). Placeholders: {slug} {stream} {series} {meeting} {person}.
# Add each page and API call here as it lands on main.
ROUTES: list[tuple[str, str]] = [
    ("groups index", "/groups/"),
    ("group page", "/groups/{slug}/"),
    ("group edit form", "/groups/{slug}/edit"),
    ("work stream page", "/groups/{slug}/streams/{stream}/"),
    ("work stream edit form", "/groups/{slug}/streams/{stream}/edit"),
    # Minutes and action items.
    ("minutes page", "/meetings/{meeting}/minutes/"),
    ("minutes text", "/meetings/{meeting}/minutes.txt"),
    ("minutes markdown", "/meetings/{meeting}/minutes.md"),
    ("minutes html", "/meetings/{meeting}/minutes.html"),
    ("minutes e-mail", "/meetings/{meeting}/email.txt"),
    ("action item page", "/actions/{action}/"),
    ("my action items", "/me/actions"),
    ("my meetings (home)", "/me/"),
    ("minutes archive", "/groups/{slug}/archive/"),
    ("minutes archive of a series", "/groups/{slug}/archive/?series={series}"),
    ("group action items", "/groups/{slug}/actions"),
    ("group action items, all", "/groups/{slug}/actions?status=all"),
    # Feeds (warm: the first request of _measure renders and stores them).
    ("group feed", "/groups/{slug}/calendar.ics"),
    ("stream feed", "/groups/{slug}/streams/{stream}/calendar.ics"),
    ("series feed", "/series/{series}/calendar.ics"),
    ("meeting feed", "/meetings/{meeting}/calendar.ics"),
    ("personal feed", "/feeds/{feed_token}/calendar.ics"),
    # JSON API (with the organizer's bearer token).
    ("api groups", "/api/v1/groups"),
    ("api group", "/api/v1/groups/{slug}"),
    ("api streams", "/api/v1/groups/{slug}/streams"),
    ("api stream", "/api/v1/groups/{slug}/streams/{stream}"),
    ("api occurrences", "/api/v1/groups/{slug}/occurrences?start={win_start}&end={win_end}"),
    ("api occurrences, default window", "/api/v1/groups/{slug}/occurrences"),
    ("api series list", "/api/v1/groups/{slug}/series"),
    ("api series", "/api/v1/series/{series}"),
    ("api meetings", "/api/v1/groups/{slug}/meetings"),
    ("api meeting", "/api/v1/meetings/{meeting}"),
    ("api people", "/api/v1/people"),
    ("api person", "/api/v1/people/{person}"),
    ("api me", "/api/v1/people/me"),
    ("api tokens", "/api/v1/tokens"),
    ("series page", "/series/{series}/"),
    ("series edit form", "/series/{series}/edit"),
    ("group upcoming page", "/groups/{slug}/upcoming?weeks=8"),
    ("group series list", "/groups/{slug}/series/"),
    ("one-off meeting form", "/groups/{slug}/meetings/new"),
    # Meeting page, attendance and analytics.
    ("meeting page", "/meetings/{meeting}/"),
    ("meeting agenda form", "/meetings/{meeting}/agenda"),
    ("attendance page", "/meetings/{meeting}/attendance"),
    ("group attendance analytics", "/groups/{slug}/attendance"),
    ("group attendance csv", "/groups/{slug}/attendance.csv"),
]


def _urls(sc: Scenario) -> dict[str, str]:
    values = {
        "slug": sc.group.slug,
        "stream": sc.stream.slug,
        "series": sc.series.id,
        "meeting": sc.meeting.id,
        "person": sc.organizer.id,
        "action": sc.action.id,
        "feed_token": accounts.feed_token(sc.organizer, "test-secret-key"),
        "win_start": "2025-01-01T00:00:00Z",
        "win_end": "2026-06-01T00:00:00Z",
    }
    return {name: template.format(**values) for name, template in ROUTES}


def _measure(
    client, count_queries, urls: dict[str, str], token: str
) -> dict[str, tuple[int, list[str]]]:
    result = {}
    for name, url in urls.items():
        headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
        client.get(url, headers=headers)  # warm: count the steady state, not cache fills
        # The test's app context is shared by the client's requests: start each request
        # with a fresh session, as a server does, so nothing is served from (or loaded
        # with the options of) another request's identity map.
        db.session.remove()
        with count_queries() as counter:
            response = client.get(url, headers=headers)
        assert response.status_code == 200, f"{name}: GET {url} -> {response.status_code}"
        result[name] = (counter.count, list(counter.statements))
    return result


def _diff(small: list[str], large: list[str]) -> str:
    extra = list(large)
    for statement in small:
        if statement in extra:
            extra.remove(statement)
    shown = "\n      ".join(s.replace("\n", " ")[:160] for s in extra[:5])
    return f"extra statements at {LARGE} units:\n      {shown}"


def test_query_counts_do_not_grow_with_data(
    app, client, auth, create_user, count_queries, time_machine
) -> None:
    time_machine.move_to(NOW)
    sc = _scenario(create_user)
    auth.login("olga@example.org", TEST_PASSWORD)
    token = accounts.create_api_token(sc.organizer, "perf")
    _grow(sc, SMALL)
    urls = _urls(sc)
    small = _measure(client, count_queries, urls, token)
    _grow(sc, LARGE - SMALL)
    large = _measure(client, count_queries, urls, token)

    problems = []
    for name in urls:
        (n_small, st_small), (n_large, st_large) = small[name], large[name]
        # Fewer is fine (a page of newest rows may hold fewer kinds of related rows).
        if n_large > n_small:
            problems.append(
                f"{name} ({urls[name]}): {n_small} statements at {SMALL} units, "
                f"{n_large} at {LARGE}; {_diff(st_small, st_large)}"
            )
        elif n_large > CEILING:
            problems.append(f"{name}: {n_large} statements (ceiling {CEILING})")
    assert not problems, "\n".join(problems)


def test_counting_sees_lazy_loads(app, create_user, count_queries) -> None:
    """The counter itself works: a lazy load per row is seen as one statement per row."""
    sc = _scenario(create_user)
    _grow(sc, 4)
    db.session.expire_all()
    streams = db.session.get(Group, sc.group.id).work_streams
    with count_queries() as counter:
        for stream in streams:
            _ = stream.leads
    assert counter.count == len(streams) == 5
