"""Shared fixtures: the app on SQLite and on a real PostgreSQL server, clients, the
``auth`` helper, factory fixtures (callables) and ``count_queries``.

Every test that uses ``app`` runs twice, as ``[sqlite]`` and ``[postgres]``. The
PostgreSQL cluster is started once per run, or once per worker under pytest-xdist
(tests/pgserver.py). Without its binaries the ``[postgres]`` tests are skipped with a
clear reason, unless MEETBOT_REQUIRE_POSTGRES=1, under which that is a failure.

The run guard (every collected test ran; no required suite skipped; unique test ids)
is the plugin tests/run_guard.py, loaded here.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

from meetbot import create_app
from meetbot.extensions import db
from meetbot.models import (
    ActionItem,
    Group,
    Meeting,
    MeetingSeries,
    Membership,
    Person,
    PersonHandle,
    Role,
    SeriesSlot,
    WorkStream,
)
from tests.app_pool import AppPool, empty_sqlite
from tests.pgserver import PostgresServer, find_bindir

pytest_plugins = ["tests.run_guard"]

TEST_PASSWORD = "correct horse battery"

_REQUIRE_PG = os.environ.get("MEETBOT_REQUIRE_POSTGRES") == "1"


def pytest_report_header(config: pytest.Config) -> list[str]:
    bindir = find_bindir()
    if bindir:
        return [f"meetbot: PostgreSQL tests use the server binaries in {bindir}"]
    return ["meetbot: PostgreSQL server binaries NOT found: [postgres] tests will be SKIPPED"]


# Files that take longest (browsers, live servers, the schemathesis run, the IRC
# server, the round-trip and XSS corpora) go first: pytest-xdist's file scheduler
# hands out files in collection order, so a long file collected last kept one worker
# busy alone at the end of the run. Within a file the order is unchanged.
SLOW_FIRST = (
    "tests/browser/",
    "tests/concurrency/",
    "tests/api/test_schemathesis.py",
    "tests/chat/",
    "tests/security/test_backup.py",
    "tests/security/test_xss",
    "tests/security/test_authz_matrix.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def slow_rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return next((i for i, p in enumerate(SLOW_FIRST) if path.startswith(p)), len(SLOW_FIRST))

    items.sort(key=slow_rank)  # stable: a file's tests keep their order


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer | None]:
    """The throwaway PostgreSQL server for this test run (None when unavailable)."""
    bindir = find_bindir()
    if bindir is None:
        if _REQUIRE_PG:
            pytest.fail("MEETBOT_REQUIRE_POSTGRES=1 but no PostgreSQL server binaries found")
        yield None
        return
    server = PostgresServer(bindir).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_url(pg_server: PostgresServer | None) -> str | None:
    """A database on the test server whose schema is created once per run."""
    if pg_server is None:
        return None
    url = pg_server.create_database("meetbot_test")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "x"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return url


# Empties the tables a test left rows in and restarts every sequence, in one round
# trip. TRUNCATE of all ~40 tables cost 35-100 ms per PostgreSQL test (each table gets a
# new file); most tests write to a handful, and an EXISTS on an empty table is cheap.
_EMPTY_DATABASE = """
DO $$
DECLARE
  t text;
  found boolean;
  filled text[] := '{}';
BEGIN
  FOREACH t IN ARRAY :tables LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', t) INTO found;
    IF found THEN
      filled := filled || t;
    END IF;
  END LOOP;
  IF cardinality(filled) > 0 THEN
    EXECUTE 'TRUNCATE ' || (SELECT string_agg(quote_ident(x), ', ') FROM unnest(filled) x)
      || ' CASCADE';
  END IF;
  PERFORM setval(c.oid, 1, false)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'S' AND n.nspname = current_schema();
END
$$"""


def _truncate_all() -> None:
    names = ", ".join(f"'{t.name}'" for t in db.metadata.sorted_tables)
    db.session.execute(text(_EMPTY_DATABASE.replace(":tables", f"ARRAY[{names}]")))
    db.session.commit()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def app_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppPool]:
    """The worker's reusable apps (tests/app_pool.py) and its one SQLite file's folder."""
    pool = AppPool(tmp_path_factory.mktemp("db"))
    yield pool
    pool.close()


@pytest.fixture
def database_url(db_backend: str, app_pool: AppPool, request: pytest.FixtureRequest) -> str:
    """An empty database with the schema. SQLite: the worker's one file (a copy of the
    schema template), emptied here before each test that asks for it."""
    if db_backend == "sqlite":
        path = app_pool.sqlite_file()
        if path.exists():
            empty_sqlite(str(path), [t.name for t in db.metadata.sorted_tables])
        else:
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_url")
    if url is None:
        if _REQUIRE_PG:
            pytest.fail("MEETBOT_REQUIRE_POSTGRES=1 but the PostgreSQL server is unavailable")
        pytest.skip("PostgreSQL server binaries not found (install postgresql to run these)")
    return url


@pytest.fixture
def app_config(database_url: str) -> dict[str, Any]:
    """The configuration the ``app`` fixture uses; override it in a module to change it."""
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MEETBOT_BASE_URL": "https://meetbot.test",
        "MEETBOT_UID_DOMAIN": "meetbot.test",
    }


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file with the schema, made once per worker: the worker's test database
    (``database_url``) starts as a copy of it (``create_all`` of ~55 tables is
    ~60-100 ms)."""
    path = tmp_path_factory.mktemp("schema") / "template.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": True})
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    return str(path)


@pytest.fixture
def app(app_config: dict[str, Any], db_backend: str, app_pool: AppPool):
    """The pooled app for ``app_config`` (tests/app_pool.py: built once per worker and
    configuration, reset before each test) in an open app context, on an empty
    database (``database_url`` empties SQLite's file)."""
    pooled = app_pool.get(app_config)
    app = pooled.app
    with app.app_context():
        if db_backend == "sqlite":
            if not pooled.sqlite_path:
                db.create_all()  # a configuration's own database (in memory: never pooled)
        else:
            _truncate_all()
        yield app
        db.session.remove()
        if db_backend == "sqlite":  # PostgreSQL's stay in the pool, reset (tests/app_pool.py)
            db.engine.dispose()
    app_pool.release(app_config, pooled)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Log the test client in and out through the real login form."""

    def __init__(self, client) -> None:
        self._client = client

    def login(self, email: str, password: str = TEST_PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


_seq = itertools.count(1)


@pytest.fixture
def create_person(app) -> Callable[..., Person]:
    """``create_person(name=..., email=..., password=..., handles=[...], admin=False)``."""

    def factory(
        name: str | None = None,
        *,
        email: str | None = "auto",
        password: str | None = None,
        handles: list[str] = (),
        admin: bool = False,
        organization: str | None = None,
        timezone: str | None = None,
    ) -> Person:
        n = next(_seq)
        name = name or f"Person {n}"
        if email == "auto":
            email = f"person{n}@example.org"
        person = Person(
            display_name=name,
            email=email.lower() if email else None,
            is_admin=admin,
            organization=organization,
            timezone=timezone,
        )
        if password is not None:
            from werkzeug.security import generate_password_hash

            person.password_hash = generate_password_hash(password, method="pbkdf2:sha256:1000")
        for handle in handles:
            person.handles.append(PersonHandle(handle=handle.lower()))
        db.session.add(person)
        db.session.commit()
        return person

    return factory


@pytest.fixture
def create_user(create_person) -> Callable[..., Person]:
    """A person who can log in with TEST_PASSWORD."""

    def factory(name: str | None = None, **kwargs: Any) -> Person:
        kwargs.setdefault("password", TEST_PASSWORD)
        return create_person(name, **kwargs)

    return factory


@pytest.fixture
def create_group(app) -> Callable[..., Group]:
    """``create_group(slug=..., members={person: Role.CHAIR, ...})``."""

    def factory(
        slug: str | None = None,
        *,
        name: str | None = None,
        timezone: str = "UTC",
        members: dict[Person, Role] | None = None,
        **kwargs: Any,
    ) -> Group:
        n = next(_seq)
        group = Group(
            slug=slug or f"group-{n}", name=name or f"Group {n}", timezone=timezone, **kwargs
        )
        db.session.add(group)
        for person, role in (members or {}).items():
            db.session.add(Membership(group=group, person=person, role=Role(role).value))
        db.session.commit()
        return group

    return factory


@pytest.fixture
def create_work_stream(app) -> Callable[..., WorkStream]:
    def factory(group: Group, slug: str | None = None, **kwargs: Any) -> WorkStream:
        n = next(_seq)
        stream = WorkStream(
            group=group,
            slug=slug or f"stream-{n}",
            name=kwargs.pop("name", f"Stream {n}"),
            **kwargs,
        )
        db.session.add(stream)
        db.session.commit()
        return stream

    return factory


@pytest.fixture
def create_series(app) -> Callable[..., MeetingSeries]:
    """``create_series(group, start=datetime(...), timezone=..., frequency="weekly", ...)``;
    one slot unless ``slots=[dict(...), ...]`` is given."""

    def factory(
        group: Group,
        *,
        title: str | None = None,
        timezone: str = "UTC",
        start: datetime = datetime(2026, 1, 6, 15, 0),
        duration_minutes: int = 60,
        frequency: str = "weekly",
        interval: int = 1,
        slots: list[dict[str, Any]] | None = None,
        chairs: list[Person] = (),
        **kwargs: Any,
    ) -> MeetingSeries:
        n = next(_seq)
        series = MeetingSeries(
            group=group,
            title=title or f"Series {n}",
            timezone=timezone,
            chairs=list(chairs),
            **kwargs,
        )
        slot_specs = slots or [
            {
                "timezone": timezone,
                "start_local": start,
                "duration_minutes": duration_minutes,
                "frequency": frequency,
                "interval": interval,
            }
        ]
        for pos, spec in enumerate(slot_specs):
            spec = {"key": f"slot-{pos}", "position": pos, "timezone": timezone, **spec}
            spec.setdefault("duration_minutes", duration_minutes)
            spec.setdefault("frequency", frequency)
            series.slots.append(SeriesSlot(**spec))
        db.session.add(series)
        db.session.commit()
        return series

    return factory


@pytest.fixture
def create_meeting(app) -> Callable[..., Meeting]:
    """A meeting row: an occurrence of ``series`` at its first slot's ``original_start_local``,
    or a one-off meeting of ``group`` at ``start`` (aware UTC)."""

    def factory(
        group: Group | None = None,
        *,
        series: MeetingSeries | None = None,
        original_start_local: datetime | None = None,
        start: datetime | None = None,
        duration: timedelta = timedelta(hours=1),
        **kwargs: Any,
    ) -> Meeting:
        if series is not None:
            from meetbot.domain.recurrence import to_utc

            slot = series.slots[0]
            local = original_start_local or slot.start_local
            start = start or to_utc(local, slot.timezone)
            meeting = Meeting(
                group=series.group,
                series=series,
                slot=slot,
                original_start_local=local,
                timezone=slot.timezone,
                start_dt=start,
                end_dt=start + duration,
                **kwargs,
            )
        else:
            start = start or datetime(2026, 1, 6, 15, 0, tzinfo=UTC)
            meeting = Meeting(
                group=group,
                start_dt=start,
                end_dt=start + duration,
                timezone=kwargs.pop("timezone", "UTC"),
                **kwargs,
            )
        db.session.add(meeting)
        db.session.commit()
        return meeting

    return factory


@pytest.fixture
def create_action_item(app) -> Callable[..., ActionItem]:
    def factory(
        group: Group,
        *,
        text: str = "Do the thing",
        owners: list[Person] = (),
        due_date: date | None = None,
        **kwargs: Any,
    ) -> ActionItem:
        item = ActionItem(group=group, text=text, owners=list(owners), due_date=due_date, **kwargs)
        db.session.add(item)
        db.session.commit()
        return item

    return factory


@pytest.fixture
def count_queries(app) -> Callable[[], Any]:
    """``with count_queries() as counter: ...; counter.count`` counts SQL statements."""

    class Counter:
        count = 0
        statements: list[str]

    @contextmanager
    def counting() -> Iterator[Counter]:
        counter = Counter()
        counter.statements = []

        def before(conn, cursor, statement, parameters, context, executemany):
            if statement.strip().upper() not in {"BEGIN", "BEGIN IMMEDIATE", "COMMIT"}:
                counter.count += 1
                counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting
