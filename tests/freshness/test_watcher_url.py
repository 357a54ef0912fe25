"""Issue 12, finding 10: the change watcher watches the file the app uses.

Flask-SQLAlchemy resolves a relative SQLite URL against the instance folder; a watcher
that resolved it against the working directory watched another file (the README's
default URL, ``sqlite:///instance/meetbot.sqlite``, started from the repository root,
finds the default database there). That file never changed, so the fast path kept
serving what another server had cancelled or revoked.
"""

from __future__ import annotations

import sqlite3

from meetbot import create_app
from meetbot.extensions import db
from meetbot.models import Group
from tests.freshness.helpers import execute_elsewhere

README_URL = "sqlite:///instance/meetbot.sqlite"


def test_a_relative_sqlite_url_is_watched_where_the_app_reads_it(tmp_path, monkeypatch):
    instance = tmp_path / "instance_folder"
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "instance").mkdir(parents=True)
    (instance / "instance").mkdir(parents=True)  # the URL's folder, inside the instance one
    # Another database at the URL's path relative to the working directory (e.g. the
    # default one, when the server is started from the repository root).
    with sqlite3.connect(elsewhere / "instance" / "meetbot.sqlite") as decoy:
        decoy.execute("CREATE TABLE other (x INTEGER)")
    monkeypatch.chdir(elsewhere)
    served = create_app(
        {"SQLALCHEMY_DATABASE_URI": README_URL, "TESTING": True, "SECRET_KEY": "x"},
        instance_path=instance,
    )
    real = instance / "instance" / "meetbot.sqlite"
    with served.app_context():
        db.create_all()
        db.session.add(Group(slug="edge", name="Edge Computing"))
        db.session.commit()
    assert real.exists()
    client = served.test_client()
    path = "/groups/edge/calendar.ics"
    for _ in range(3):  # render, then answered from memory
        assert b"Edge Computing" in client.get(path).data
    fast = served.extensions["meetbot_feed_fast_path"]
    assert fast.hits > 0
    # Another app server renames the group (and bumps the revision, as services do).
    execute_elsewhere(
        f"sqlite:///{real}", "UPDATE groups SET name = 'Edge Renamed', revision = revision + 1"
    )
    after = client.get(path)
    assert after.status_code == 200
    assert b"Edge Renamed" in after.data
    with served.app_context():
        db.engine.dispose()
