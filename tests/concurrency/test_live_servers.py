"""Concurrency through real servers: 50 members check in at the same instant (one
gunicorn with 4 workers on SQLite and on PostgreSQL; two gunicorns on one PostgreSQL),
and two chairs save the same minutes item at the same instant.

Latency is reported (p99), never asserted: the machine running the suite is shared.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from meetbot.extensions import db
from meetbot.models import Attendance, AuditEntry, MinuteItem
from tests.concurrency.conftest import MEMBERS, LiveWorld
from tests.concurrency.server import AppServer, open_form, p99, read_session, running, send


@dataclass
class Outcome:
    status: int
    location: str
    flashes: list[tuple[str, str]]
    seconds: float


def prepare_checkins(world: LiveWorld, servers: list[AppServer]) -> list[tuple[int, str, str]]:
    """Each member opens the meeting page (in parallel): (port, cookie, CSRF token)."""
    path = f"/meetings/{world.meeting_id}/"

    def open_page(index: int) -> tuple[int, str, str]:
        port = servers[index % len(servers)].port
        cookie, token, _ = open_form(port, path, world.member_cookies[index])
        return port, cookie, token

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(open_page, range(len(world.member_cookies))))


def checked_in(world: LiveWorld, response, cookie: str) -> bool:
    """Did the server acknowledge this check-in (redirect + success message)?"""
    session = read_session(world.app, response.cookie() or cookie)
    flashes = [tuple(f) for f in session.get("_flashes", [])]
    return response.status == 302 and flashes == [("success", "You are checked in.")]


def _check_in_all(world: LiveWorld, servers: list[AppServer]) -> list[Outcome]:
    """Every member opens the meeting page (on "their" server), then all press
    "I'm here" at once; returns what each got back."""
    prepared = prepare_checkins(world, servers)
    barrier = threading.Barrier(len(prepared))

    def press(args: tuple[int, str, str]) -> Outcome:
        port, cookie, token = args
        barrier.wait()
        started = time.perf_counter()
        response = send(
            port,
            "POST",
            f"/meetings/{world.meeting_id}/checkin",
            form={"csrf_token": token},
            cookie=cookie,
        )
        elapsed = time.perf_counter() - started
        session = read_session(world.app, response.cookie() or cookie)
        return Outcome(
            response.status,
            response.header("Location") or "",
            [tuple(f) for f in session.get("_flashes", [])],
            elapsed,
        )

    with ThreadPoolExecutor(max_workers=len(prepared)) as pool:
        return list(pool.map(press, prepared))


def _assert_all_checked_in(world: LiveWorld, outcomes: list[Outcome], label: str, capsys) -> None:
    errors = [
        o for o in outcomes if o.status != 302 or o.flashes != [("success", "You are checked in.")]
    ]
    assert not errors, errors[:5]
    assert all(o.location.endswith(f"/meetings/{world.meeting_id}/") for o in outcomes)
    assert world.count(Attendance, Attendance.meeting_id == world.meeting_id) == MEMBERS
    with world.app.app_context():
        people = db.session.scalars(
            select(Attendance.person_id).where(Attendance.meeting_id == world.meeting_id)
        ).all()
    assert len(set(people)) == MEMBERS
    assert world.count(AuditEntry, AuditEntry.action == "checked_in") == MEMBERS
    latencies = [o.seconds for o in outcomes]
    with capsys.disabled():
        print(
            f"\n[{label}] {MEMBERS} simultaneous check-ins: p99 {p99(latencies) * 1000:.0f} ms, "
            f"median {sorted(latencies)[len(latencies) // 2] * 1000:.0f} ms"
        )


def test_fifty_simultaneous_checkins_one_server(live_world: LiveWorld, capsys) -> None:
    backend = live_world.database_url.split(":", 1)[0]
    with running(live_world.database_url, workers=4) as server:
        outcomes = _check_in_all(live_world, [server])
    _assert_all_checked_in(live_world, outcomes, f"{backend}, 1 gunicorn x 4 workers", capsys)


@pytest.mark.postgres
def test_fifty_simultaneous_checkins_two_servers_one_postgres(postgres_world, capsys) -> None:
    with (
        running(postgres_world.database_url, workers=2) as first,
        running(postgres_world.database_url, workers=2) as second,
    ):
        assert first.port != second.port
        outcomes = _check_in_all(postgres_world, [first, second])
    _assert_all_checked_in(postgres_world, outcomes, "postgresql, 2 gunicorns x 2 workers", capsys)


def test_two_chairs_save_the_same_minutes_item_at_once(live_world: LiveWorld) -> None:
    """Both chairs opened the edit form of the same version; both press Save at the
    same instant. Exactly one save wins; the other is told of the conflict (409, with
    both texts on the page) and its text is not written anywhere."""
    world = live_world
    path = f"/meetings/{world.meeting_id}/minutes/items/{world.item_id}/edit"
    with running(world.database_url, workers=4) as server:
        forms = []
        for index, cookie in enumerate(world.chair_cookies):
            cookie, token, page = open_form(server.port, path, cookie)
            version = _input_value(page, "version")
            forms.append(
                (
                    cookie,
                    {
                        "csrf_token": token,
                        "kind": "info",
                        "text": f"text of chair {index}",
                        "version": version,
                        "work_stream_id": "",
                    },
                )
            )
        assert forms[0][1]["version"] == forms[1][1]["version"]
        barrier = threading.Barrier(2)

        def save(args):
            cookie, form = args
            barrier.wait()
            return send(server.port, "POST", path, form=form, cookie=cookie)

        with ThreadPoolExecutor(max_workers=2) as pool:
            responses = list(pool.map(save, forms))
    statuses = sorted(r.status for r in responses)
    assert statuses == [302, 409], [(r.status, r.body[:300]) for r in responses]
    winner = next(i for i, r in enumerate(responses) if r.status == 302)
    loser = responses[1 - winner]
    assert "NOT saved" in loser.body
    assert f"text of chair {1 - winner}" in loser.body  # what they typed is kept on screen
    with world.app.app_context():
        assert db.session.get(MinuteItem, world.item_id).text == f"text of chair {winner}"


def _input_value(html: str, name: str) -> str:
    import re

    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert match, f"no input {name}"
    return match.group(1)
