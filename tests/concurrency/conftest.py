"""A database with a group of 50 members and a meeting under way, for real servers.

The meeting started five minutes before the fixture ran (real "now": the servers run
in other processes with the real clock), so self check-in is open for the whole test.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from meetbot import create_app
from meetbot.extensions import db
from meetbot.models import Group, Meeting, Membership, MinuteItem, Person, Role
from meetbot.services import logins
from tests.concurrency.server import SECRET_KEY, session_cookie
from tests.conftest import _REQUIRE_PG

MEMBERS = 50
_names = itertools.count(1)


@dataclass
class LiveWorld:
    app: Flask  # same database and secret key as the servers (for cookies and checks)
    database_url: str
    meeting_id: int
    item_id: int  # a minutes item of the meeting
    member_ids: list[int]
    member_cookies: list[str]  # 50 logged-in members, in the order of member_ids
    chair_cookies: list[str]  # two chairs

    def count(self, model, *where) -> int:
        from sqlalchemy import func, select

        with self.app.app_context():
            return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _seed(app: Flask) -> LiveWorld:
    with app.app_context():
        db.create_all()
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        group = Group(slug="wg", name="Working Group", timezone="UTC")
        members = [Person(display_name=f"Member {i:02d}") for i in range(MEMBERS)]
        chairs = [Person(display_name=f"Chair {i}") for i in range(2)]
        db.session.add(group)
        db.session.add_all(members + chairs)
        for person in members:
            db.session.add(Membership(group=group, person=person, role=Role.MEMBER.value))
        for person in chairs:
            db.session.add(Membership(group=group, person=person, role=Role.CHAIR.value))
        start = now - timedelta(minutes=5)
        meeting = Meeting(
            group=group,
            title="Weekly call",
            timezone="UTC",
            start_dt=start,
            end_dt=start + timedelta(hours=1),
        )
        item = MinuteItem(meeting=meeting, kind="info", text="original", position=1)
        db.session.add_all([meeting, item])
        db.session.commit()
        world = LiveWorld(
            app=app,
            database_url=app.config["SQLALCHEMY_DATABASE_URI"],
            meeting_id=meeting.id,
            item_id=item.id,
            member_ids=[p.id for p in members],
            member_cookies=[session_cookie(app, logins.start(p)) for p in members],
            chair_cookies=[session_cookie(app, logins.start(p)) for p in chairs],
        )
        db.session.remove()
        db.engine.dispose()
    return world


def _app(url: str) -> Flask:
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY})


@pytest.fixture
def sqlite_world(tmp_path) -> LiveWorld:
    return _seed(_app(f"sqlite:///{tmp_path / 'live.sqlite'}"))


@pytest.fixture
def postgres_database(request: pytest.FixtureRequest) -> Callable[[], str]:
    """``new()`` -> the URL of a new empty database on the throwaway server."""
    server = request.getfixturevalue("pg_server")
    if server is None:
        if _REQUIRE_PG:
            pytest.fail("MEETBOT_REQUIRE_POSTGRES=1 but the PostgreSQL server is unavailable")
        pytest.skip("PostgreSQL server binaries not found (install postgresql to run these)")
    return lambda: server.create_database(f"meetbot_live_{next(_names)}")


@pytest.fixture
def postgres_world(postgres_database) -> Iterator[LiveWorld]:
    world = _seed(_app(postgres_database()))
    yield world
    with world.app.app_context():
        db.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def live_world(request: pytest.FixtureRequest) -> LiveWorld:
    return request.getfixturevalue(f"{request.param}_world")
