"""The feed fast path (meetbot/freshness/fastpath.py): repeated feed requests answered from
process memory, byte for byte and header for header what the feed views answer, and
never once the database has changed — whoever changed it."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from meetbot import create_app
from meetbot.extensions import db
from meetbot.freshness import mark_cacheable
from meetbot.freshness.fastpath import FeedFastPath, _entry, _entry_size
from meetbot.freshness.tokens import watcher_for
from meetbot.models import Group, Person, Role
from meetbot.services.accounts import feed_token, revoke_feed_token
from tests.freshness.helpers import execute_elsewhere, wait_until_seen


def _fast_path(app) -> FeedFastPath:
    return app.extensions["meetbot_feed_fast_path"]


def _warm(app, client, path: str) -> Any:
    """Request ``path`` until the fast path answers it (the first request renders and
    stores the bytes, a commit that the next request must look past)."""
    fast = _fast_path(app)
    for _ in range(3):
        before = fast.hits
        response = client.get(path)
        assert response.status_code == 200
        if fast.hits > before:
            return response
    raise AssertionError(f"{path} never answered from memory")


def _headers(response) -> list[tuple[str, str]]:
    return sorted((name.lower(), value) for name, value in response.headers.items())


@pytest.fixture
def feed_paths(app, create_group, create_series, create_person) -> dict[str, str]:
    chair = create_person("Ada Chair", email="ada@example.org")
    group = create_group("edge", name="Edge Computing", members={chair: Role.CHAIR})
    series = create_series(group, title="Weekly call")
    token = feed_token(chair, app.config["SECRET_KEY"])
    return {
        "group": "/groups/edge/calendar.ics",
        "series": f"/series/{series.id}/calendar.ics",
        "personal": f"/feeds/{token}/calendar.ics",
    }


def test_repeated_requests_are_answered_without_any_sql(app, client, feed_paths, count_queries):
    for path in feed_paths.values():
        first = _warm(app, client, path)
        hits = _fast_path(app).hits
        with count_queries() as counter:
            again = client.get(path)
            not_modified = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert counter.count == 0, counter.statements
        assert _fast_path(app).hits == hits + 2
        assert again.status_code == 200 and again.data == first.data
        assert not_modified.status_code == 304 and not_modified.data == b""


CONDITIONS = [
    ("none", lambda etag, modified: {}),
    ("etag", lambda etag, modified: {"If-None-Match": etag}),
    ("weak etag", lambda etag, modified: {"If-None-Match": f"W/{etag}"}),
    ("etag in a list", lambda etag, modified: {"If-None-Match": f'"other", {etag}'}),
    ("star", lambda etag, modified: {"If-None-Match": "*"}),
    ("other etag", lambda etag, modified: {"If-None-Match": '"other"'}),
    ("garbage etag", lambda etag, modified: {"If-None-Match": "not an etag"}),
    ("since last modified", lambda etag, modified: {"If-Modified-Since": modified}),
    ("since before", lambda etag, modified: {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}),
    ("since garbage", lambda etag, modified: {"If-Modified-Since": "yesterday"}),
    (
        "other etag wins over date",
        lambda etag, modified: {"If-None-Match": '"other"', "If-Modified-Since": modified},
    ),
]


def test_answers_are_those_of_the_feed_views(app, app_config, client, feed_paths):
    """Every conditional case, fast path against the same app without it (same DB)."""
    plain = create_app({**app_config, "MEETBOT_FEED_FAST_PATH": False}).test_client()
    for kind, path in feed_paths.items():
        first = _warm(app, client, path)
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        for name, make in CONDITIONS:
            headers = make(etag, modified)
            hits = _fast_path(app).hits
            fast = client.get(path, headers=headers)
            assert _fast_path(app).hits == hits + 1, (kind, name)
            expected = plain.get(path, headers=headers)
            assert fast.status_code == expected.status_code, (kind, name)
            assert _headers(fast) == _headers(expected), (kind, name)
            assert fast.data == expected.data, (kind, name)
        head = client.head(path)
        assert head.status_code == 200 and head.data == b""
        assert head.headers["Content-Length"] == str(len(first.data))


def test_a_change_made_by_this_process_is_served_at_once(app, client, feed_paths):
    before = _warm(app, client, feed_paths["group"])
    group = db.session.scalar(select(Group).where(Group.slug == "edge"))
    group.name = "Edge Renamed"
    db.session.commit()
    after = client.get(feed_paths["group"])
    assert after.status_code == 200
    assert b"Edge Renamed" in after.data and b"Edge Renamed" not in before.data
    # The old ETag no longer matches: a client holding it gets the new bytes.
    assert (
        client.get(
            feed_paths["group"], headers={"If-None-Match": before.headers["ETag"]}
        ).status_code
        == 200
    )


def test_a_change_made_by_another_process_is_served(app, client, feed_paths, database_url):
    before = _warm(app, client, feed_paths["group"])
    token = watcher_for(make_url(database_url)).token()
    execute_elsewhere(
        database_url,
        "UPDATE groups SET name = 'Renamed Elsewhere', revision = revision + 1 WHERE slug = 'edge'",
    )
    wait_until_seen(database_url, token)
    after = client.get(feed_paths["group"])
    assert b"Renamed Elsewhere" in after.data and b"Renamed Elsewhere" not in before.data


def test_a_revoked_personal_feed_is_gone_at_once(app, client, feed_paths):
    _warm(app, client, feed_paths["personal"])
    person = db.session.scalar(select(Person).where(Person.email == "ada@example.org"))
    revoke_feed_token(person)
    db.session.commit()
    assert client.get(feed_paths["personal"]).status_code == 404


def test_kept_answers_expire(app, client, feed_paths):
    fast = _fast_path(app)
    first = _warm(app, client, feed_paths["group"])
    real_clock = fast.clock
    fast.clock = lambda: real_clock() + fast.max_age_s + 1
    hits = fast.hits
    again = client.get(feed_paths["group"])
    assert fast.hits == hits and again.data == first.data  # asked the view again
    assert client.get(feed_paths["group"]).data == first.data
    assert fast.hits == hits + 1  # and kept its answer anew


def test_errors_and_pages_are_never_kept(app, client, feed_paths):
    fast = _fast_path(app)
    for _ in range(3):
        assert client.get("/groups/nope/calendar.ics").status_code == 404
        assert client.get("/groups/edge/").status_code == 200
    assert fast.hits == 0


# --- the middleware alone, over a stand-in WSGI app -----------------------------


def _stub_app(status: str, headers: list[tuple[str, str]], body: bytes, mark: bool = True):
    calls = []

    def wsgi(environ, start_response):
        calls.append(environ["PATH_INFO"])
        if mark:
            mark_cacheable(environ)
        start_response(status, headers)
        return [body]

    return wsgi, calls


def _call(fast: FeedFastPath, path: str, method: str = "GET", **headers: str):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": ""}
    environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    seen: list[Any] = []
    body = b"".join(fast(environ, lambda status, hdrs, exc=None: seen.extend([status, hdrs])))
    return seen[0], dict(seen[1]), body


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    path = tmp_path / "watched.sqlite"
    sqlite3.connect(path).close()
    return f"sqlite:///{path}"


OK_HEADERS = [("Content-Type", "text/calendar"), ("ETag", '"abc"'), ("Content-Length", "3")]


@pytest.mark.parametrize(
    "headers, mark",
    [
        (OK_HEADERS + [("Set-Cookie", "session=1")], True),
        ([("Content-Type", "text/calendar")], True),  # no ETag
        (OK_HEADERS, False),  # the view did not mark it
    ],
)
def test_responses_that_may_differ_per_request_are_not_kept(sqlite_url, headers, mark):
    wsgi, calls = _stub_app("200 OK", headers, b"abc", mark)
    fast = FeedFastPath(wsgi, watcher_for(make_url(sqlite_url)))
    for _ in range(3):
        assert _call(fast, "/x/calendar.ics")[2] == b"abc"
    assert len(calls) == 3 and fast.hits == 0


def test_kept_bytes_are_bounded_in_size(sqlite_url):
    """The budget counts each entry's body, headers and the entry itself: filled past
    it, the least recently used entry goes and the size stays within it."""
    body = b"x" * 10_000
    wsgi, calls = _stub_app("200 OK", OK_HEADERS, body)
    one = _entry_size(_entry(1, 0.0, "200 OK", OK_HEADERS, body))
    assert one > len(body) + sum(len(n) + len(v) for n, v in OK_HEADERS)
    fast = FeedFastPath(wsgi, watcher_for(make_url(sqlite_url)), max_bytes=2 * one + one // 2)
    for path in ("/a.ics", "/b.ics", "/c.ics"):
        _call(fast, path)
    assert fast.size == 2 * one <= fast.max_bytes  # /a.ics made room for /c.ics
    _call(fast, "/c.ics")
    _call(fast, "/a.ics")
    assert calls == ["/a.ics", "/b.ics", "/c.ics", "/a.ics"]


def test_the_budget_is_the_configured_one(tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'budget.sqlite'}",
            "SECRET_KEY": "x",
            "MEETBOT_FAST_PATH_BYTES": 123_456,
        }
    )
    assert _fast_path(app).max_bytes == 123_456


def test_other_methods_and_paths_pass_through(sqlite_url):
    wsgi, calls = _stub_app("200 OK", OK_HEADERS, b"abc")
    fast = FeedFastPath(wsgi, watcher_for(make_url(sqlite_url)))
    for _ in range(2):
        _call(fast, "/a.ics", method="POST")
        _call(fast, "/page/")
    assert len(calls) == 4 and fast.hits == 0
    _call(fast, "/a.ics")
    status, headers, body = _call(fast, "/a.ics", method="HEAD")
    assert (status, body, headers["Content-Length"]) == ("200 OK", b"", "3")
    status, headers, body = _call(fast, "/a.ics", If_None_Match='"abc"')
    assert status.startswith("304") and body == b"" and "Content-Type" not in headers
    assert headers["ETag"] == '"abc"' and fast.hits == 2


def test_a_304_keeps_what_the_200_taught(app, client, feed_paths):
    """A 304 answered by the view (no Last-Modified in it) after a kept 200 must not make
    the kept entry forget the date: If-Modified-Since still gets its 304."""
    fast = _fast_path(app)
    first = _warm(app, client, feed_paths["group"])
    fast.clock = lambda: time.monotonic() + fast.max_age_s + 1  # the 200 expired
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get(feed_paths["group"], headers={"If-None-Match": etag}).status_code == 304
    hits = fast.hits
    assert (
        client.get(feed_paths["group"], headers={"If-Modified-Since": modified}).status_code == 304
    )
    assert client.get(feed_paths["group"]).data == first.data
    assert fast.hits == hits + 2
