"""`flask --app meetbot db ...` (Flask-Migrate over Alembic), loaded only for them.

Alembic costs ~75 ms to import, so no module the web app imports may import this
one; ``meetbot.cli`` loads it when the ``db`` command is looked up, and code that
runs migrations in process (tests, the bench) calls :func:`bind` first.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_migrate import Migrate
from flask_migrate.cli import db as db_command

from meetbot.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations"


def bind(app: Flask) -> None:
    """Bind Flask-Migrate to ``app`` (once): ``flask_migrate.upgrade()`` etc. work."""
    if "migrate" in app.extensions:
        return
    Migrate().init_app(
        app,
        db,
        directory=str(MIGRATIONS),
        render_as_batch=True,  # SQLite can only ALTER tables by copying them
        compare_type=True,
    )


COMMANDS = [db_command]
