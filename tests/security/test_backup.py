"""`backup FILE` / `restore FILE`: lossless JSON of every table, on both databases."""

from __future__ import annotations

import copy
import json
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from meetbot import create_app
from meetbot.domain.bounds import MAX_DATE, MIN_DATE
from meetbot.domain.text import single_line
from meetbot.extensions import db
from meetbot.models import (
    ActionItem,
    ActionItemEvent,
    Attendance,
    AuditEntry,
    FeedCache,
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
from meetbot.services import backup
from meetbot.services.occurrence_marks import mark_all


def _fresh_app(database_url: str):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret-key",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )


@pytest.fixture
def target_app(db_backend, tmp_path, request):
    """A second, empty database of the same kind, to restore into."""
    if db_backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'restored.sqlite'}"
    else:
        request.getfixturevalue("database_url")  # skips when there is no server
        url = request.getfixturevalue("pg_server").create_database("meetbot_restore")
    app = _fresh_app(url)
    with app.app_context():
        db.create_all()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def _cli(app, *args: str):
    """Run a command against ``app`` (the CLI reuses whatever app context is current)."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
        db.session.remove()
    return result


def _without_created(document: dict) -> dict:
    return {k: v for k, v in document.items() if k not in {"created", "database"}}


def _dump_in(app) -> dict:
    with app.app_context():
        document = backup.dump_database()
        db.session.rollback()
    return document


def test_demo_round_trip_through_the_cli(app, runner, target_app, tmp_path) -> None:
    assert runner.invoke(args=["demo"]).exit_code == 0
    path = tmp_path / "backup.json"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    first = json.loads(path.read_text(encoding="utf-8"))
    assert first["format"] == "meetbot-backup" and first["version"] == 1
    # Every table of the schema is in the file, including ones added after this test.
    assert set(first["tables"]) == {t.name for t in db.metadata.sorted_tables}
    assert len(first["tables"]["people"]["rows"]) == db.session.query(Person).count() > 5

    result = _cli(target_app, "restore", str(path))
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output
    assert _without_created(_dump_in(target_app)) == _without_created(first)


def test_value_kinds_are_written_unambiguously(app, create_person, create_group) -> None:
    ada = create_person("Ada", timezone="Europe/Berlin")
    group = create_group(members={ada: "organizer"})
    db.session.add(
        FeedCache(
            key="k",
            revision="1",
            etag='"e"',
            body=b"\x00\xffBEGIN",
            last_modified_dt=datetime(2026, 3, 29, 1, 30, 0, 123456, tzinfo=UTC),
        )
    )
    series = MeetingSeries(group=group, title="Weekly", timezone="Europe/Berlin")
    series.slots.append(
        SeriesSlot(
            key="a",
            timezone="Europe/Berlin",
            start_local=datetime(2026, 3, 29, 2, 30),  # inside the DST gap: a wall time
            duration_minutes=60,
            frequency="weekly",
            until=date(2026, 12, 31),
        )
    )
    db.session.add(series)
    db.session.add(AuditEntry(entity="x", action="y", details={"n": [1, 2.5, None, "ü"]}))
    db.session.commit()
    tables = backup.dump_database()["tables"]

    def column(table: str, name: str) -> list:
        names = [c for c, _ in tables[table]["columns"]]
        return [row[names.index(name)] for row in tables[table]["rows"]]

    assert dict(tables["series_slots"]["columns"])["start_local"] == "datetime_local"
    assert column("series_slots", "start_local") == ["2026-03-29T02:30:00"]
    assert column("series_slots", "until") == ["2026-12-31"]
    assert column("feed_cache", "last_modified_dt") == ["2026-03-29T01:30:00.123456+00:00"]
    assert column("feed_cache", "body") == ["AP9CRUdJTg=="]  # base64 of the bytes above
    assert column("people", "is_admin") == [False]
    assert column("people", "organization") == [None]
    assert column("audit_log", "details") == [{"n": [1, 2.5, None, "ü"]}]


def test_restore_refuses_a_non_empty_database_unless_forced(
    app, runner, target_app, tmp_path
) -> None:
    assert runner.invoke(args=["demo"]).exit_code == 0
    path = tmp_path / "b.json"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    with target_app.app_context():
        db.session.add(Person(display_name="Already here"))
        db.session.commit()
    refused = _cli(target_app, "restore", str(path))
    assert refused.exit_code == 1
    assert str(path) in refused.output and "not empty" in refused.output
    assert "people (1)" in refused.output and "--force" in refused.output
    with target_app.app_context():
        assert [p.display_name for p in db.session.scalars(select(Person))] == ["Already here"]

    forced = _cli(target_app, "restore", "--force", str(path))
    assert forced.exit_code == 0, forced.output
    with target_app.app_context():
        names = set(db.session.scalars(select(Person.display_name)))
        assert "Already here" not in names and "Ilona Varga" in names


def _tables_empty(app) -> bool:
    with app.app_context():
        counts = backup.row_counts()
        db.session.rollback()
    return counts == {}


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        (None, "no such file"),
        (b"\xff\xfe not text", "not UTF-8"),
        (b'{"format": "meetbot-backup", "version": 1, "tables": {', "not valid JSON (line 1"),
        (b"[" * 5000, "not valid JSON (line 1, column 1: nested deeper than 64 levels)"),
        (b'{"hello": "world"}', "not a meetbot backup"),
        (b'{"format": "meetbot-backup", "version": 99, "tables": {}}', "newer"),
        (b'{"format": "meetbot-backup", "version": 1, "tables": {"nope": {}}}', "nope"),
    ],
)
def test_unreadable_or_invalid_files_are_refused_by_name(
    target_app, tmp_path, content, complaint
) -> None:
    path = tmp_path / "broken.json"
    if content is not None:
        path.write_bytes(content)
    result = _cli(target_app, "restore", str(path))
    assert result.exit_code == 1
    assert str(path) in result.output and complaint in result.output, result.output
    assert _tables_empty(target_app)


def _demo_document(runner, tmp_path) -> dict:
    assert runner.invoke(args=["demo"]).exit_code == 0
    path = tmp_path / "demo.json"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    return json.loads(path.read_text(encoding="utf-8"))


_DEMO_DOCUMENTS: dict[str, dict] = {}


@pytest.fixture
def demo_document(app, runner, db_backend, tmp_path_factory) -> dict:
    """The demo's backup document, a copy to edit: made once per backend for the
    bad-value cases below (``flask demo`` and ``backup`` took seconds per case)."""
    if db_backend not in _DEMO_DOCUMENTS:
        _DEMO_DOCUMENTS[db_backend] = _demo_document(runner, tmp_path_factory.mktemp("demo"))
    return copy.deepcopy(_DEMO_DOCUMENTS[db_backend])


def _set_cell(document: dict, table: str, column: str, value) -> None:
    names = [c for c, _ in document["tables"][table]["columns"]]
    document["tables"][table]["rows"][-1][names.index(column)] = value


@pytest.mark.parametrize(
    ("table", "column", "value", "complaint"),
    [
        # Checked before anything is written: the last table in FK order...
        ("audit_log", "created_dt", "2026-01-06T15:00:00", "expected a UTC offset"),
        ("series_slots", "start_local", "2026-01-06T15:00:00+01:00", "expected no UTC offset"),
        ("people", "is_admin", 1, "expected true or false"),
        ("people", "id", "7", "expected an integer"),
        ("feed_cache", "body", "not base64!", "not valid base64"),
        # Dates outside the years every entry path accepts (a feed would overflow).
        ("series_slots", "until", "9999-12-31", "years 1900 to 2200"),
        ("series_slots", "start_local", "0001-01-01T10:00:00", "years 1900 to 2200"),
        ("meetings", "end_dt", "9999-12-31T23:59:00+00:00", "years 1900 to 2200"),
        ("action_items", "due_date", "9999-12-31", "years 1900 to 2200"),
        # ...and refused by the database half-way through the inserts: rolled back.
        ("minute_items", "kind", "nonsense", "the database refused the data"),
    ],
)
def test_a_bad_value_anywhere_writes_nothing(
    demo_document, target_app, tmp_path, table, column, value, complaint
) -> None:
    document = demo_document
    if not document["tables"][table]["rows"]:
        document["tables"][table]["rows"].append([None] * len(document["tables"][table]["columns"]))
    _set_cell(document, table, column, value)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = _cli(target_app, "restore", str(path))
    assert result.exit_code == 1
    assert str(path) in result.output and complaint in result.output, result.output
    assert _tables_empty(target_app)


def test_restore_keeps_names_on_one_line(app, runner, target_app, tmp_path) -> None:
    """A backup written before names were kept on one line restores with them on one
    line (a line break in a calendar name made the feed an error)."""
    document = _demo_document(runner, tmp_path)
    _set_cell(document, "groups", "name", "Edge\r\nX-INJECTED:yes")
    _set_cell(document, "people", "display_name", "Ann\nLee")
    with target_app.app_context():
        backup.restore_document(document)
        assert "Edge X-INJECTED:yes" in set(db.session.scalars(select(Group.name)))
        assert "Ann Lee" in set(db.session.scalars(select(Person.display_name)))


@pytest.mark.parametrize(
    ("table", "column", "value", "complaint"),
    [
        # issue 12, finding 11: one check per column type, before anything is written,
        # naming table, row and column (10**30 was a traceback on SQLite and a bare
        # "value out of range" from PostgreSQL).
        (
            "people",
            "id",
            10**30,
            "column id: an integer of 31 digits is out of range (-2147483648 .. 2147483647)",
        ),
        ("meetings", "lock_version", -(2**31) - 1, "column lock_version: -2147483649 is out"),
        ("meetings", "group_id", "12", "column group_id: expected an integer"),
        ("people", "display_name", "x" * 201, "column display_name: 201 characters, at most 200"),
        ("people", "display_name", "a\x00b", "column display_name: contains a NUL character"),
        ("people", "created_dt", "0001-01-01T00:00:00+14:00", "column created_dt: out of range"),
        ("action_items", "due_date", "10000-01-01", "column due_date: expected a YYYY-MM-DD date"),
        ("people", "display_name", 7, "column display_name: expected a string"),
    ],
)
def test_an_out_of_range_or_ill_typed_value_is_named_and_writes_nothing(
    demo_document, target_app, tmp_path, table, column, value, complaint
) -> None:
    document = demo_document
    rows = document["tables"][table]["rows"]
    _set_cell(document, table, column, value)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = _cli(target_app, "restore", str(path))
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    expected = f"Error: {path}: table {table}, row {len(rows)}, {complaint}"
    assert expected in result.output, result.output
    assert _tables_empty(target_app)


def test_a_deeply_nested_backup_is_refused_by_name(target_app, tmp_path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000, encoding="utf-8")
    result = _cli(target_app, "restore", str(path))
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"Error: {path}: not valid JSON (line 1, column 1: nested deeper than 64 levels)" in (
        result.output
    )
    assert _tables_empty(target_app)


def test_new_rows_after_restore_get_fresh_ids(app, runner, target_app, tmp_path) -> None:
    document = _demo_document(runner, tmp_path)
    # Rule marks are derived (issue 19): a restore computes them, whatever the file says.
    meetings = document["tables"]["meetings"]
    mark = [c for c, _ in meetings["columns"]].index("rule_mark")
    assert sum(1 for row in meetings["rows"] if row[mark]) >= 40
    for row in meetings["rows"]:
        row[mark] = "0" * 16
    with target_app.app_context():
        backup.restore_document(document)
        assert mark_all(db.session.connection()) == 0
        assert db.session.scalar(select(func.count()).where(Meeting.rule_mark == "0" * 16)) == 0
        db.session.rollback()
        highest = max(db.session.scalars(select(Person.id)))
        person = Person(display_name="Newcomer")
        db.session.add(person)
        db.session.commit()  # PostgreSQL: fails with a duplicate key unless setval ran
        assert person.id > highest


def test_alembic_revision_recorded_and_checked(db_backend, tmp_path, request) -> None:
    from flask_migrate import upgrade

    from meetbot.cli.migrations import bind as bind_migrations

    if db_backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    else:
        request.getfixturevalue("database_url")
        url = request.getfixturevalue("pg_server").create_database("meetbot_migrated")
    app = _fresh_app(url)
    bind_migrations(app)
    with app.app_context():
        upgrade()
        document = backup.dump_database()
        db.session.rollback()
        assert document["alembic_revision"]
        document["alembic_revision"] = "0123456789ab"
        with pytest.raises(backup.BackupError, match="revision 0123456789ab"):
            backup.restore_document(document)
        db.engine.dispose()


# --- hypothesis: random data with odd values survives backup -> restore -> backup ---------

_text = st.text(
    # No NUL (PostgreSQL text cannot hold it) and no lone surrogates (not UTF-8).
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=40,
)
_nonempty = _text.filter(lambda s: len(s) > 0)
# Names and titles are one line on every entry path, restore included (single_line).
_line = _nonempty.map(single_line).filter(bool)
_instant = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)
_wall = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1))
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | _text
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def _dataset(draw) -> list:
    """ORM objects for a small random group with every kind of record."""
    people = [
        Person(
            display_name=draw(_line),
            email=draw(st.sampled_from([None, f"p{i}@example.org"])),
            organization=draw(st.none() | _line),
            timezone=draw(st.none() | st.sampled_from(["UTC", "Asia/Kolkata"])),
            is_admin=draw(st.booleans()),
            is_active_account=draw(st.booleans()),
            created_dt=draw(_instant),
        )
        for i in range(draw(st.integers(1, 4)))
    ]
    handles = draw(st.lists(_nonempty.map(str.lower).filter(bool), max_size=3, unique=True))
    for i, handle in enumerate(handles):
        people[i % len(people)].handles.append(PersonHandle(handle=handle, kind="alias"))
    group = Group(
        slug="g",
        name=draw(_line),
        description=draw(_text),
        quorum=draw(st.none() | st.integers(1, 50)),
    )
    stream = WorkStream(group=group, slug="s", name=draw(_line), leads=people[:1])
    objects: list = [*people, group, stream]
    objects += [
        Membership(group=group, person=p, role=draw(st.sampled_from(["member", "chair"])))
        for p in people
    ]
    series = MeetingSeries(
        group=group,
        title=draw(_line),
        timezone="Europe/Berlin",
        agenda_url=draw(st.none() | _text),
        chairs=people[-1:],
        work_streams=[stream],
    )
    start_local = draw(_wall).replace(microsecond=0)
    series.slots.append(
        SeriesSlot(
            key="a",
            timezone="Europe/Berlin",
            start_local=start_local,
            duration_minutes=draw(st.integers(1, 1440)),
            frequency="weekly",
            until=draw(st.none() | st.dates(date(1970, 1, 2), date(2200, 1, 1))),
        )
    )
    start = draw(_instant)
    meeting = Meeting(
        group=group,
        series=series,
        slot=series.slots[0],
        original_start_local=start_local,
        timezone="Europe/Berlin",
        start_dt=start,
        end_dt=start + timedelta(minutes=draw(st.integers(1, 600))),
        status=draw(st.sampled_from(["scheduled", "cancelled", "held"])),
        title=draw(st.none() | _line),
        agenda=draw(_text),
        checkin_open_until_dt=draw(st.none() | _instant),
    )
    objects += [series, meeting]
    objects += [
        Attendance(
            meeting=meeting,
            person=p,
            source="roster",
            kind=draw(st.sampled_from(["present", "regrets"])),
            duration_minutes=draw(st.none() | st.integers(0, 600)),
            recorded_dt=draw(_instant),
        )
        for p in people
    ]
    objects += [
        MinuteItem(
            meeting=meeting,
            kind=draw(st.sampled_from(["topic", "agreed", "action", "link"])),
            text=draw(_text),
            author_nick=draw(st.none() | _text),
            said_dt=draw(st.none() | _instant),
            position=pos,
        )
        for pos in range(draw(st.integers(0, 3)))
    ]
    item = ActionItem(
        group=group,
        work_stream=draw(st.sampled_from([None, stream])),
        opened_in=meeting,
        text=draw(_nonempty),
        due_date=draw(st.none() | st.dates(MIN_DATE, MAX_DATE)),
        owners=people[: draw(st.integers(0, len(people)))],
        needs_owner_review=draw(st.booleans()),
    )
    item.events.append(ActionItemEvent(kind="opened", meeting=meeting, note=draw(_text)))
    objects += [item, AuditEntry(group_id=None, entity="x", action="y", details=draw(_json))]
    objects.append(
        FeedCache(
            key="k",
            revision=draw(_text.map(lambda s: s[:100])),
            etag="e",
            body=draw(st.binary(max_size=64)),
            last_modified_dt=draw(_instant),
        )
    )
    return objects


def _wipe() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@contextmanager
def _in(app):
    """Work in ``app``'s database; the session is always closed after (SQLite: no lock)."""
    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.remove()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(objects=_dataset())
def test_random_data_round_trips_losslessly(app, target_app, objects) -> None:
    try:
        _wipe()
        db.session.add_all(objects)
        db.session.commit()
        people = {
            p.id: (p.display_name, p.organization, p.created_dt)
            for p in objects
            if isinstance(p, Person)
        }
        body = next(o.body for o in objects if isinstance(o, FeedCache))
        details = next(o.details for o in objects if isinstance(o, AuditEntry))
        first = backup.dump_database()
    finally:
        db.session.rollback()
    # Through the text form, as the file would be.
    text_form = backup.to_json(first)
    with _in(target_app):
        backup.restore_document(json.loads(text_form), force=True)
    with _in(target_app):
        second = backup.dump_database()
    assert backup.to_json(_without_created(second)) == backup.to_json(_without_created(first))
    # Independent of the encoding: the restored objects equal the generated ones.
    with _in(target_app) as session:
        restored = {
            p.id: (p.display_name, p.organization, p.created_dt)
            for p in session.scalars(select(Person))
        }
        assert restored == people
        assert all(created.tzinfo is not None for _, _, created in restored.values())
        assert session.scalars(select(SeriesSlot)).one().start_local.tzinfo is None
        assert session.scalars(select(FeedCache)).one().body == body
        assert session.scalars(select(AuditEntry)).one().details == details


# --- SQLite -> PostgreSQL: how a group moves to a bigger deployment ----------------------


@pytest.mark.postgres
def test_sqlite_backup_restores_into_postgresql(tmp_path, request) -> None:
    pg_server = request.getfixturevalue("pg_server")
    if pg_server is None:
        pytest.skip("PostgreSQL server binaries not found")
    source = _fresh_app(f"sqlite:///{tmp_path / 'small.sqlite'}")
    path = tmp_path / "move.json"
    with source.app_context():
        db.create_all()
    assert _cli(source, "demo").exit_code == 0
    assert _cli(source, "backup", str(path)).exit_code == 0

    target = _fresh_app(pg_server.create_database("meetbot_moved"))
    with target.app_context():
        db.create_all()
        db.session.remove()
    result = _cli(target, "restore", str(path))
    assert result.exit_code == 0, result.output

    before, after = _dump_in(source), _dump_in(target)
    assert (before["database"], after["database"]) == ("sqlite", "postgresql")
    for table, data in before["tables"].items():
        assert after["tables"][table] == data, table
    with target.app_context():
        meeting = db.session.scalars(select(Meeting)).first()
        assert meeting.start_dt.tzinfo is not None
        db.engine.dispose()
    with source.app_context():
        db.engine.dispose()
