"""Migrations are the only way the schema changes: they must agree with the models."""

from __future__ import annotations

import logging

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from meetbot import create_app
from meetbot.cli.migrations import bind as bind_migrations
from meetbot.extensions import db


@pytest.fixture
def empty_app(db_backend, tmp_path, request):
    """An app on a database with no tables at all."""
    if db_backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    else:
        request.getfixturevalue("database_url")  # skips or fails when there is no server
        url = request.getfixturevalue("pg_server").create_database("meetbot_migrations")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "x"})
    bind_migrations(app)
    with app.app_context():
        yield app
        db.engine.dispose()


def _diff() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_creates_schema_matching_models(empty_app) -> None:
    upgrade()
    tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
    assert _diff() == []


def test_downgrade_to_base_and_upgrade_again(empty_app) -> None:
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) - {"alembic_version"} == set()
    upgrade()
    assert _diff() == []


def test_migrating_in_process_leaves_the_apps_loggers_on(empty_app) -> None:
    """Alembic's env.py configures logging from alembic.ini; by default fileConfig
    disables every logger that exists already, so an upgrade run in-process (a test, a
    script) silenced meetbot's own warnings for the rest of the process."""
    mine = logging.getLogger("meetbot.services.warm_up")
    upgrade()
    assert mine.disabled is False


def _storage() -> dict[str, str]:
    rows = db.session.execute(
        text(
            "SELECT attname, attstorage FROM pg_attribute WHERE attrelid = 'feed_cache'::regclass"
            " AND attname IN ('body', 'layout')"
        )
    )
    return dict(rows.all())


def test_postgresql_keeps_feed_bytes_uncompressed(pg_server) -> None:
    """feed_cache.body and .layout: STORAGE EXTERNAL (no pglz on every render's write),
    by the migrations and by create_all alike."""
    if pg_server is None:
        pytest.skip("no PostgreSQL server binaries")
    for name, make in (("by_migrations", upgrade), ("by_create_all", db.create_all)):
        url = pg_server.create_database(f"meetbot_storage_{name}")
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "x"})
        bind_migrations(app)
        with app.app_context():
            make()
            assert _storage() == {"body": "e", "layout": "e"}, name
            db.session.remove()
            db.engine.dispose()
