"""A new worker's warm-up (gunicorn's post_worker_init, meetbot/services/warm_up.py):
its first feed render after a change compiles none of the statements it reads with, and
its first requests neither import the iCal writer nor compile a template."""

from __future__ import annotations

import logging
import runpy
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.engine.default import CACHE_MISS

from meetbot import create_app
from meetbot.extensions import db
from meetbot.freshness import feed_store
from meetbot.models import FeedCache, FeedClaim, FeedFragment, FeedZone
from meetbot.services.feed_render import clear_render_cache
from meetbot.services.warm_up import warm_up


def _compiled(app) -> list[str]:
    """The statements ``app``'s engine compiles from now on (cache misses)."""
    misses: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany) -> None:
        if context.cache_hit == CACHE_MISS:
            misses.append(" ".join(statement.split())[:60])

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)
    return misses


def _first_render_after_a_change(app_config, group, series, *, warm: bool) -> list[str]:
    url = f"/groups/{group.slug}/calendar.ics"
    series.title = f"{series.title} *"
    db.session.commit()
    clear_render_cache()  # a new process: nothing in memory
    fresh = create_app(app_config)
    if warm:
        warm_up(fresh)
    misses = _compiled(fresh)
    answer = fresh.test_client().get(url)
    assert answer.status_code == 200 and f"SUMMARY:{series.title}".encode() in answer.data
    with fresh.app_context():
        db.engine.dispose()
    return misses


def test_after_the_warm_up_a_first_render_compiles_nothing(
    app, app_config, create_group, create_series
) -> None:
    group = create_group("wg", timezone="Europe/Berlin")
    series = [create_series(group, title=f"Call {n}", start=datetime(2026, 1, 5 + n, 15))
              for n in range(3)]  # fmt: skip
    assert app.test_client().get(f"/groups/{group.slug}/calendar.ics").status_code == 200

    cold = _first_render_after_a_change(app_config, group, series[0], warm=False)
    warmed = _first_render_after_a_change(app_config, group, series[1], warm=True)

    assert {s.split()[0] for s in cold} == {"SELECT", "INSERT", "UPDATE", "DELETE"}
    assert warmed == []


def _feed_tables() -> dict:
    return {
        model.__tablename__: sorted(
            tuple(getattr(row, c.key) for c in model.__table__.columns)
            for row in db.session.query(model)
        )
        for model in (FeedCache, FeedClaim, FeedFragment, FeedZone)
    }


def test_the_warm_up_rehearses_the_writes_and_keeps_none(
    app, app_config, create_group, create_series
) -> None:
    """The render's writes run (compiled, planned) in transactions rolled back: no
    commit, and the feed tables hold what they held."""
    group = create_group("wg")
    create_series(group, title="Call")
    db.session.commit()
    assert app.test_client().get(f"/groups/{group.slug}/calendar.ics").status_code == 200
    before = _feed_tables()
    assert before["feed_cache"] and before["feed_fragments"]
    db.session.rollback()  # SQLite: the test's session holds the write lock since BEGIN
    statements: list[str] = []
    commits: list[object] = []
    fresh = create_app(app_config)
    with fresh.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        event.listen(db.engine, "commit", commits.append)
    warm_up(fresh)
    with fresh.app_context():
        db.engine.dispose()
    verbs = {" ".join(s.split()).split()[0].upper() for s in statements}
    assert {"SELECT", "INSERT", "UPDATE", "DELETE"} <= verbs
    assert commits == []
    db.session.rollback()
    assert _feed_tables() == before


def test_the_warm_up_loads_the_stored_feeds_within_its_budget(
    app, app_config, create_group, create_series
) -> None:
    group = create_group("wg")
    create_series(group, title="Call")
    assert app.test_client().get(f"/groups/{group.slug}/calendar.ics").status_code == 200
    stored = db.session.execute(select(FeedCache.key, FeedCache.etag, FeedCache.body)).one()
    db.session.rollback()

    loaded = {}
    for budget in (0, 1 << 20):
        clear_render_cache()  # a new process: nothing in memory
        fresh = create_app(app_config | {"MEETBOT_WARM_UP_FEED_BYTES": budget})
        warm_up(fresh)
        with fresh.app_context():
            db.engine.dispose()
        loaded[budget] = feed_store.body_cache().get(stored.key)

    assert loaded == {0: None, 1 << 20: (stored.etag, stored.body)}


def test_an_unreachable_database_is_logged_and_the_worker_starts(tmp_path, caplog) -> None:
    missing = tmp_path / "no-such-dir" / "meetbot.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}", "SECRET_KEY": "x"})
    with caplog.at_level(logging.WARNING, logger="meetbot.services.warm_up"):
        warm_up(app)
    mine = [r for r in caplog.records if r.name == "meetbot.services.warm_up"]
    assert [r.getMessage().split(":")[0] for r in mine] == ["warm-up skipped"]


def test_gunicorn_warms_each_worker_before_it_accepts_requests(monkeypatch) -> None:
    settings = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    warmed = []
    monkeypatch.setitem(settings["post_worker_init"].__globals__, "warm_up", warmed.append)

    class Worker:
        def __init__(self, wsgi) -> None:
            self.wsgi = wsgi

    meetbot_app = Flask("meetbot")
    settings["post_worker_init"](Worker(meetbot_app))
    assert warmed == [meetbot_app]


def test_gunicorn_starts_another_app_without_the_warm_up() -> None:
    """The bench's bare Flask floor is served with this gunicorn.conf.py too: its
    workers failed to boot (KeyError: the warm-up looked for meetbot's change watcher)."""
    settings = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))

    class Worker:
        wsgi = Flask("bench.floor_app")

    settings["post_worker_init"](Worker())  # boots: no exception


def test_the_warm_up_compiles_every_template(app_config) -> None:
    fresh = create_app(app_config)
    env = fresh.jinja_env
    names = env.list_templates(extensions=("html", "txt"))
    assert len(names) > 50 and not env.cache
    warm_up(fresh)
    assert {template.name for template in env.cache.values()} == set(names)
    with fresh.app_context():
        db.engine.dispose()


_IMPORTS = """
import sys
from meetbot import create_app
from meetbot.services.warm_up import warm_up
app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
before = {name for name in ("icalendar", "markdown_it") if name in sys.modules}
warm_up(app)
after = {name for name in ("icalendar", "markdown_it") if name in sys.modules}
print(sorted(before), sorted(after))
"""


def test_the_warm_up_loads_the_ical_writer_and_the_markdown_parser() -> None:
    """In a process of its own: create_app() leaves both to their first use (issue 19,
    point 5), the warm-up loads them before the worker's first request."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORTS], capture_output=True, text=True, check=True
    )
    assert done.stdout.split("\n")[0] == "[] ['icalendar', 'markdown_it']"
