"""The occurrences list is paged: ``limit`` (default 500, at most 2000) and a cursor in
the ``Link: rel="next"`` URL walk the whole window in order, on the default-window
cache and on explicit windows alike; it is rate-limited per client address (429 in the
API's error shape). Before, one anonymous request returned every occurrence of up to
five years (156,510 items / 42 MB / 9.5 s for 30 series x 20 slots)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from meetbot import create_app
from meetbot.extensions import limiter
from meetbot.services import occurrence_pages
from meetbot.services.occurrences import group_occurrences
from tests.api.conftest import ApiClient, assert_error

NOW = datetime(2026, 3, 16, 10, 20, 30, tzinfo=UTC)
WINDOW = "start=2026-01-01T00:00:00Z&end=2028-01-01T00:00:00Z"


@pytest.fixture
def busy(create_group, create_series, create_meeting, time_machine):
    """Two series (three slots) with a moved and a cancelled occurrence, a one-off
    meeting, and two slots that start at the same instant (ties in the order)."""
    time_machine.move_to(NOW, tick=False)
    group = create_group("wg")
    weekly = create_series(
        group,
        timezone="Europe/Berlin",
        slots=[
            {"start_local": datetime(2026, 1, 6, 15, 0), "duration_minutes": 60},
            {"start_local": datetime(2026, 1, 8, 9, 0), "duration_minutes": 30},
        ],
    )
    create_series(group, timezone="Europe/Berlin", start=datetime(2026, 1, 6, 15, 0))
    create_meeting(
        series=weekly,
        original_start_local=datetime(2026, 3, 17, 15, 0),
        start=datetime(2026, 3, 18, 8, 0, tzinfo=UTC),
        is_moved=True,
    )
    create_meeting(
        series=weekly, original_start_local=datetime(2026, 3, 24, 15, 0), status="cancelled"
    )
    create_meeting(group, start=datetime(2026, 4, 1, 8, 0, tzinfo=UTC), title="One-off")
    return group


def _walk(api: ApiClient, url: str) -> tuple[list[dict], int]:
    """Every item of every page from ``url`` on, following rel=next; and the page count."""
    items, pages = [], 0
    while url:
        response = api.get(url)
        assert response.status_code == 200
        page = response.get_json()
        items += page
        pages += 1
        link = response.headers.get("Link")
        url = None
        if link:
            (target,) = re.findall(r'<http://localhost/api/v1([^>]*)>; rel="next"', link)
            url = target
    return items, pages


def _expected(group, start, end) -> list[tuple]:
    found = group_occurrences(group, start, end, "meetbot.test")
    return [occurrence_pages.sort_key(o) for o in sorted(found, key=occurrence_pages.sort_key)]


def _keys(items: list[dict]) -> list[tuple]:
    return [(i["start"], i["uid"], i["recurrence_id"] or "") for i in items]


@pytest.mark.parametrize("limit", [1, 7, 50])
def test_explicit_window_walks_in_order(api, busy, app, limit):
    app.config["MEETBOT_UID_DOMAIN"] = "meetbot.test"
    items, pages = _walk(api, f"/groups/wg/occurrences?{WINDOW}&limit={limit}")
    expected = _expected(busy, datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
    assert _keys(items) == expected
    assert len(expected) > 300
    assert pages == -(-len(expected) // limit)
    whole = api.get(f"/groups/wg/occurrences?{WINDOW}&limit=2000")
    assert "Link" not in whole.headers and whole.get_json() == items


@pytest.mark.parametrize("limit", [1, 5])
def test_default_window_walks_in_order_from_the_cache(api, busy, app, limit):
    app.config["MEETBOT_UID_DOMAIN"] = "meetbot.test"
    items, _ = _walk(api, f"/groups/wg/occurrences?limit={limit}")
    explicit = api.get(
        "/groups/wg/occurrences?start=2026-03-16T10:20:30Z&end=2026-06-14T10:20:30Z"
    ).get_json()
    assert items == explicit and len(items) == 40


def test_default_limit_and_its_bounds(api, create_group, create_series, time_machine):
    time_machine.move_to(NOW, tick=False)
    group = create_group("big")
    for hour in range(8):  # 8 series of 7 weekly slots: about 700 in 90 days
        create_series(
            group,
            slots=[
                {"start_local": datetime(2026, 3, 16 + day, hour, 0), "duration_minutes": 30}
                for day in range(7)
            ],
        )
    first = api.get("/groups/big/occurrences")
    assert len(first.get_json()) == occurrence_pages.DEFAULT_LIMIT == 500
    assert 'rel="next"' in first.headers["Link"]
    error = assert_error(api.get("/groups/big/occurrences?limit=2001"), 400, "bad_request")
    assert set(error["fields"]) == {"limit"}
    error = assert_error(api.get("/groups/big/occurrences?limit=0"), 400, "bad_request")
    assert set(error["fields"]) == {"limit"}
    whole = api.get("/groups/big/occurrences?limit=2000")
    assert 500 < len(whole.get_json()) < 2000 and "Link" not in whole.headers


@pytest.mark.parametrize("cursor", ["x", "bm90IGpzb24", "WyJhIiwiYiIsImMiXQ", "W10"])
def test_a_bad_cursor_is_400_naming_it(api, busy, cursor):
    error = assert_error(api.get(f"/groups/wg/occurrences?cursor={cursor}"), 400, "bad_request")
    assert set(error["fields"]) == {"cursor"}


def test_the_list_is_rate_limited(app_config, db_backend, busy):
    limited = create_app(
        {**app_config, "RATELIMIT_ENABLED": True, "MEETBOT_API_OCCURRENCES_RATE": "3 per minute"}
    )
    with limited.app_context():
        limiter.reset()
        client = limited.test_client()
        codes = [client.get("/api/v1/groups/wg/occurrences").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = client.get("/api/v1/groups/wg/occurrences")
        assert refused.status_code == 429
        body = refused.get_json()
        assert body["error"]["code"] == "too_many_requests"
        assert "wait" in body["error"]["message"]
        assert refused.headers["Retry-After"]
        limiter.reset()
