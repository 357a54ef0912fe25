"""The pooled app (tests/app_pool.py) is reused, and nothing one test leaves in it
reaches the next: each "leaves" test below leaves state behind, the test after it
fails if it sees any. The tests depend on their order in this file (pytest keeps it;
``--dist loadfile`` keeps the file in one worker)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from meetbot import create_app
from meetbot.extensions import db
from meetbot.freshness import cached
from meetbot.models import Group

# The password-reset form allows five requests a minute per address (docs/security.md).
RESET = {"email": "pool@example.org"}
SEEN: dict[str, Any] = {}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "RATELIMIT_ENABLED": True}


def _limited_until_refused(client) -> int:
    """How many password-reset requests pass before the first 429."""
    for passed in range(10):
        if client.post("/password-reset", data=RESET).status_code == 429:
            return passed
    return 10


def test_leaves_config_caches_rows_and_limiter_state(app, client, db_backend, create_group):
    SEEN[db_backend] = app
    app.config["MEETBOT_POOL_LEAK"] = "left behind"
    app.config["MEETBOT_BASE_URL"] = "https://elsewhere.test"
    assert cached("pool-leak", lambda: "first") == "first"
    fast = app.extensions["meetbot_feed_fast_path"]
    fast.hits += 7
    fast.clock = lambda: 0.0
    create_group("leaked")
    create_group("leaked-too")
    assert _limited_until_refused(client) == 5
    # Another app built with the limiter off turns the one global limiter off.
    create_app({**app.config, "RATELIMIT_ENABLED": False})


def test_sees_none_of_it(app, client, db_backend, create_group):
    assert app is SEEN[db_backend]  # the same app, reset
    assert "MEETBOT_POOL_LEAK" not in app.config
    assert app.config["MEETBOT_BASE_URL"] == "https://meetbot.test"
    assert cached("pool-leak", lambda: "recomputed") == "recomputed"
    fast = app.extensions["meetbot_feed_fast_path"]
    assert (fast.hits, fast.clock) == (0, time.monotonic)
    assert db.session.scalar(select(func.count()).select_from(Group)) == 0
    assert create_group("new").id == 1  # ids restart as on a new database
    assert _limited_until_refused(client) == 5  # limits on, and counted from zero


def test_leaves_an_engine_listener(app, db_backend):
    SEEN[db_backend] = app
    event.listen(db.engine, "before_cursor_execute", lambda *args: None)


def test_gets_a_new_app_after_an_unrestorable_change(app, db_backend):
    assert app is not SEEN[db_backend]


def test_leaves_a_changed_schema(app, db_backend):
    SEEN[db_backend] = app
    db.session.execute(text("CREATE TABLE pool_leak (x INTEGER)"))
    db.session.commit()
    if db_backend == "postgres":  # one database for the whole run, as before pooling
        db.session.execute(text("DROP TABLE pool_leak"))
        db.session.commit()


def test_gets_a_database_without_it(app, db_backend):
    found = db.session.execute(
        text("SELECT count(*) FROM information_schema.tables WHERE table_name = 'pool_leak'")
        if db_backend == "postgres"
        else text("SELECT count(*) FROM sqlite_master WHERE name = 'pool_leak'")
    ).scalar()
    assert found == 0
    assert (app is not SEEN[db_backend]) == (db_backend == "sqlite")


def test_leaves_a_session_setting(app, db_backend):
    with db.engine.connect() as conn:
        if db_backend == "postgres":
            conn.execute(text("SET TIME ZONE 'Pacific/Kiritimati'"))
            conn.commit()  # a committed SET stays for the connection's session
            assert conn.execute(text("SHOW TimeZone")).scalar() == "Pacific/Kiritimati"
        else:
            conn.execute(text("PRAGMA cache_size = 123"))
            assert conn.execute(text("PRAGMA cache_size")).scalar() == 123


def test_connections_come_back_with_default_settings(app, db_backend):
    if db_backend == "postgres":
        assert db.session.execute(text("SHOW TimeZone")).scalar() != "Pacific/Kiritimati"
    else:
        assert db.session.execute(text("PRAGMA cache_size")).scalar() != 123
