"""PostgreSQL sends the stored feed bytes in its binary format.

In text format a bytea arrives as hex, twice its size, and psycopg decodes it: ~12 ms
of a 1.6 MB feed on every read of a worker that did not render it (a new worker after a
change reads the previous bytes, any other worker the current ones) against ~5 ms in
binary (issue 19). The reads of ``feed_cache.body`` ask for binary results
(``meetbot.db_setup.BINARY_RESULTS``); this checks the format the server answered in.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from meetbot import create_app
from meetbot.extensions import db
from meetbot.services.feed_render import clear_render_cache

BINARY = 1


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def db_backend(request: pytest.FixtureRequest) -> str:
    return request.param


def _body_formats(app) -> list[int]:
    """The result format of the ``body`` column of every feed_cache read by ``app``."""
    formats: list[int] = []

    def after(conn, cursor, statement, *_args) -> None:
        if "FROM feed_cache" in statement and statement.lstrip().upper().startswith("SELECT"):
            names = [column.name for column in cursor.description]
            if "body" in names:
                formats.append(cursor.pgresult.fformat(names.index("body")))

    with app.app_context():
        event.listen(db.engine, "after_cursor_execute", after)
    return formats


def test_the_stored_feed_bytes_are_read_in_binary(
    app, app_config, create_group, create_series
) -> None:
    group = create_group("wg", timezone="UTC")
    series = create_series(group, title="Weekly")
    url = f"/groups/{group.slug}/calendar.ics"
    first = app.test_client().get(url)
    assert first.status_code == 200

    clear_render_cache()  # another worker: the bytes only in feed_cache
    other = create_app(app_config)
    formats = _body_formats(other)
    served = other.test_client().get(url)
    assert served.data == first.data  # the stored bytes, as they were written

    series.title = "Renamed"
    db.session.commit()
    clear_render_cache()  # a new worker after the change: the previous bytes from the row
    again = other.test_client().get(url)
    assert b"SUMMARY:Renamed" in again.data
    with other.app_context():
        db.engine.dispose()
    assert formats == [BINARY, BINARY, BINARY]
