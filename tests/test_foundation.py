"""App factory, configuration, SQLite settings, the demo and the account commands."""

from __future__ import annotations

from sqlalchemy import func, select, text

from meetbot import create_app
from meetbot.extensions import db
from meetbot.models import (
    ActionItem,
    Attendance,
    Group,
    Meeting,
    MeetingSeries,
    MinuteItem,
    Person,
    WorkStream,
)
from meetbot.services import accounts


def test_secret_key_generated_once_and_kept(tmp_path, monkeypatch) -> None:
    from meetbot.config import load_config

    monkeypatch.delenv("MEETBOT_SECRET_KEY", raising=False)
    first = load_config(tmp_path)["SECRET_KEY"]
    second = load_config(tmp_path)["SECRET_KEY"]
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").read_text().strip() == first
    monkeypatch.setenv("MEETBOT_SECRET_KEY", "from-env")
    assert load_config(tmp_path)["SECRET_KEY"] == "from-env"


def test_environment_overrides(tmp_path, monkeypatch) -> None:
    from meetbot.config import load_config

    monkeypatch.setenv("MEETBOT_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("MEETBOT_BASE_URL", "https://meet.example.org/")
    config = load_config(tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert config["MEETBOT_BASE_URL"] == "https://meet.example.org"
    assert config["MEETBOT_UID_DOMAIN"] == "meet.example.org"
    assert config["SESSION_COOKIE_SECURE"] is True


def test_default_database_is_sqlite_in_instance(monkeypatch) -> None:
    monkeypatch.delenv("MEETBOT_DATABASE_URL", raising=False)
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/meetbot.sqlite")


def test_sqlite_pragmas(app, db_backend) -> None:
    if db_backend != "sqlite":
        return
    conn = db.session.connection()
    assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_sqlite_connection_caches_are_bounded(tmp_path) -> None:
    """Each SQLite connection keeps MEETBOT_SQLITE_STATEMENTS prepared statements and
    MEETBOT_SQLITE_CACHE_KIB KiB of pages (issue 19: the defaults held ~10 MiB)."""
    from sqlalchemy import event

    from meetbot.config import load_config

    assert load_config(tmp_path)["MEETBOT_SQLITE_STATEMENTS"] == 32
    assert load_config(tmp_path)["MEETBOT_SQLITE_CACHE_KIB"] == 512
    app = create_app(
        {
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'caches.sqlite'}",
            "MEETBOT_SQLITE_STATEMENTS": 7,
            "MEETBOT_SQLITE_CACHE_KIB": 300,
        }
    )
    asked: list[dict] = []
    with app.app_context():

        @event.listens_for(db.engine, "do_connect")
        def _seen(_dialect, _record, _args, params) -> None:
            asked.append(dict(params))

        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA cache_size")).scalar() == -300
        db.engine.dispose()
    assert [params["cached_statements"] for params in asked] == [7]


def test_foreign_keys_enforced(app) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    db.session.add(WorkStream(group_id=999, slug="x", name="X"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_demo_loads_once(runner) -> None:
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "ilona.varga@example.org" in result.output
    group = db.session.scalar(select(Group).where(Group.slug == "edge-computing"))
    assert {s.slug for s in group.work_streams} == {
        "gap-analysis",
        "cross-community",
        "new-projects",
    }
    series = db.session.scalars(select(MeetingSeries)).one()
    assert len(series.slots) == 2 and {s.timezone for s in series.slots} == {"UTC"}
    # A year of calls (tests/services/test_demo.py checks it); the first one had 45.
    meeting = db.session.scalars(select(Meeting).order_by(Meeting.start_dt)).first()
    assert meeting.status == "held"
    attendees = db.session.scalars(
        select(Person)
        .join(Attendance, Attendance.person_id == Person.id)
        .where(Attendance.meeting_id == meeting.id, Attendance.kind == "present")
    ).all()
    assert len(attendees) == 45
    assert 20 <= len({p.organization for p in attendees}) <= 22
    items = db.session.scalars(select(ActionItem)).all()
    assert items and all(i.owners and i.due_date for i in items)
    assert db.session.scalar(select(func.count()).where(MinuteItem.kind == "agreed")) >= 2

    counts = [
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Person, Group, Meeting, Attendance, ActionItem, MinuteItem)
    ]
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "already" in again.output
    assert counts == [
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Person, Group, Meeting, Attendance, ActionItem, MinuteItem)
    ]


def test_demo_if_empty_leaves_other_data_alone(runner, create_group) -> None:
    create_group(slug="other")
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert db.session.scalar(select(func.count(Group.id))) == 1


def test_demo_login_works(runner, client) -> None:
    runner.invoke(args=["demo"])
    response = client.post(
        "/login", data={"email": "ilona.varga@example.org", "password": "meetbot-demo"}
    )
    assert response.status_code == 302


def test_create_user_and_token_commands(runner) -> None:
    result = runner.invoke(
        args=[
            "create-user",
            "Ada@Example.org",
            "--name",
            "Ada",
            "--password",
            "s3cret-pass",
            "--admin",
        ]
    )
    assert result.exit_code == 0, result.output
    person = accounts.find_person_by_email("ada@example.org")
    assert person is not None and person.is_admin
    assert accounts.authenticate("ada@example.org", "s3cret-pass") == person
    token = runner.invoke(args=["create-token", "ada@example.org"]).output.strip()
    assert token.startswith("mbt_")
    assert accounts.person_for_api_token(token) == person
    # only the hash is stored
    assert token not in str(db.session.execute(text("SELECT token_hash FROM api_tokens")).all())


def test_create_user_errors(runner) -> None:
    bad = runner.invoke(
        args=["create-user", "not-an-email", "--name", "X", "--password", "longenough"]
    )
    assert bad.exit_code != 0 and "e-mail" in bad.output
    short = runner.invoke(
        args=["create-user", "a@example.org", "--name", "X", "--password", "short"]
    )
    assert short.exit_code != 0 and "at least" in short.output
    assert db.session.scalar(select(func.count(Person.id))) == 0
    missing = runner.invoke(args=["create-token", "nobody@example.org"])
    assert missing.exit_code != 0 and "No account" in missing.output


def test_trusted_proxy_headers(database_url, db_backend) -> None:
    from flask import request

    plain = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x"})
    proxied = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x", "MEETBOT_TRUSTED_PROXIES": 1}
    )
    seen = {}
    for name, app in (("plain", plain), ("proxied", proxied)):

        @app.get("/_whoami")
        def whoami(name=name):
            seen[name] = (request.remote_addr, request.scheme)
            return "ok"

        app.test_client().get(
            "/_whoami",
            headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
        )
    assert seen["plain"] == ("127.0.0.1", "http")
    assert seen["proxied"] == ("203.0.113.9", "https")
