"""Two app servers (two app instances on one database, in threads) serving a feed right
after a change: the feed cache write never fails a GET, and only one of them renders.

Issue 19: on SQLite a GET read the stale cache row in its deferred read transaction,
rendered, and then tried to write the row another server had written meanwhile:
``database is locked`` (500), and both servers rendered the same feed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import event, select

from meetbot import create_app
from meetbot.extensions import db
from meetbot.freshness import render_count
from meetbot.freshness.feed_claims import claim, rehearsal
from meetbot.models import FeedClaim

THREADS = 20


@pytest.fixture
def feed_world(app, create_group, create_series) -> dict:
    group = create_group("wg", timezone="UTC")
    series = create_series(group, title="Weekly")
    return {"group": group, "series": series, "url": f"/series/{series.id}/calendar.ics"}


def _rename(series, title: str) -> None:
    series.title = title  # the flush hook bumps the series' revision
    db.session.commit()


def _pause_after_cache_read(app: Flask, thread: Callable[[], bool]) -> tuple:
    """Hold ``app``'s request (in the thread ``thread()`` recognizes) right after it
    first read the feed cache table, until ``resume`` is set."""
    reached, resume = threading.Event(), threading.Event()
    with app.app_context():
        engine = db.engine

    def after(conn, cursor, statement, *_args) -> None:
        if thread() and not reached.is_set() and "FROM feed_cache" in statement:
            reached.set()
            assert resume.wait(10), "the other server did not finish"

    event.listen(engine, "after_cursor_execute", after)
    return reached, resume


def test_a_get_never_fails_when_another_server_stored_the_feed_meanwhile(
    app, app_config, feed_world
) -> None:
    client = app.test_client()
    url = feed_world["url"]
    assert client.get(url).status_code == 200
    _rename(feed_world["series"], "Renamed")
    other = create_app(app_config)
    renders = render_count()

    results: dict[str, object] = {}

    def first_server() -> None:
        try:
            results["status"] = client.get(url).status_code
        except Exception as exc:  # TESTING propagates the view's exception
            results["status"] = repr(exc)

    worker = threading.Thread(target=first_server)
    reached, resume = _pause_after_cache_read(app, lambda: threading.current_thread() is worker)
    worker.start()
    assert reached.wait(10)
    # The second server renders and stores while the first one holds its read.
    second = other.test_client().get(url)
    resume.set()
    worker.join(20)

    assert second.status_code == 200
    assert results["status"] == 200
    assert render_count() - renders == 1
    assert b"SUMMARY:Renamed" in client.get(url).data
    _dispose(other)


def test_twenty_concurrent_requests_after_a_change_render_once(app, app_config, feed_world) -> None:
    servers = [app, create_app(app_config)]
    url = feed_world["url"]
    before = app.test_client().get(url)
    _rename(feed_world["series"], "Renamed")
    renders = render_count()
    barrier = threading.Barrier(THREADS)
    statuses: list[object] = []
    bodies: list[bytes] = []

    def request(n: int) -> None:
        client = servers[n % 2].test_client()
        barrier.wait(10)
        try:
            response = client.get(url)
            statuses.append(response.status_code)
            bodies.append(response.data)
        except Exception as exc:
            statuses.append(repr(exc))

    threads = [threading.Thread(target=request, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert statuses == [200] * THREADS
    assert render_count() - renders == 1
    # Each answer is the new feed or the previous one (served while the other renders).
    assert {b"SUMMARY:Renamed" in body or body == before.data for body in bodies} == {True}
    assert b"SUMMARY:Renamed" in app.test_client().get(url).data
    _dispose(servers[1])


def _dispose(app: Flask) -> None:
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("in_session", [False, True], ids=["own connection", "session"])
def test_a_rehearsal_rolls_back_every_write_transaction(app, in_session) -> None:
    """``rehearsal()`` (the worker warm-up's): the feed caches' writes run and keep
    nothing, on a connection of their own as in the session's savepoint (SQLite, when
    the session holds the write lock already)."""
    if in_session:
        db.session.execute(select(FeedClaim.key))  # a CLI's or a test's session
    with rehearsal():
        token = claim("series:1", "r1", wait=False)
        assert isinstance(token, str)
    second = claim("series:1", "r1", wait=False)
    assert isinstance(second, str) and second != token  # granted: the first claim is gone
    db.session.commit()
    assert db.session.scalars(select(FeedClaim.key)).all() == ["series:1"]
