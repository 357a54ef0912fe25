"""The group feed's 304 and warm hit through Flask: one statement, no ORM session
transaction, no rate limiter work, and still every security header. (What a request
costs when the in-memory layer of meetbot/freshness/fastpath.py cannot answer it, i.e. after
any change to the database: that layer is off here; tests/web/test_feed_memory.py
covers it.)"""

from __future__ import annotations

import pytest

from meetbot.extensions import db, limiter
from meetbot.web.feeds import _unlimited_feed
from meetbot.web.security import security_headers


@pytest.fixture
def app_config(app_config):
    return {**app_config, "MEETBOT_FEED_FAST_PATH": False}


def test_group_feed_304_and_warm_hit_are_one_statement_without_a_session(
    app, client, create_group, create_series, count_queries, monkeypatch
):
    group = create_group("fast")
    create_series(group)
    first = client.get("/groups/fast/calendar.ics")
    assert first.status_code == 200
    etag = first.headers["ETag"]
    began = []
    monkeypatch.setattr(type(db.session()), "begin", lambda self, *a, **k: began.append(1) or None)
    with count_queries() as counter:
        not_modified = client.get("/groups/fast/calendar.ics", headers={"If-None-Match": etag})
        warm = client.get("/groups/fast/calendar.ics")
    assert not_modified.status_code == 304 and warm.status_code == 200
    assert warm.data == first.data and warm.headers["ETag"] == etag
    assert counter.count == 2  # one indexed lookup per request
    assert began == []
    expected = security_headers(app.config["MEETBOT_BASE_URL"])
    for response in (not_modified, warm):
        for name, value in expected.items():
            assert response.headers.get(name) == value, name


def test_feeds_skip_the_limiter_but_pages_do_not(app):
    # The limiter calls its request filters before resolving any limit.
    assert _unlimited_feed in limiter._request_filters
    for path, skipped in [
        ("/groups/lim/calendar.ics", True),
        ("/feeds/abc/calendar.ics", True),
        ("/groups/lim/", False),
        ("/api/v1/groups", False),
    ]:
        with app.test_request_context(path):
            assert _unlimited_feed() is skipped, path
