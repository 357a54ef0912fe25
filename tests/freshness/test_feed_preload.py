"""A new worker loads the most recently stored feeds before it serves
(``feed_store.preload_feeds``, run by the warm-up): its first render of one after a
change takes the unchanged series from memory, as a running worker's does, and reads
neither the previous bytes nor their layout (issue 19, the cold-worker row)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update

from meetbot.extensions import db
from meetbot.freshness import feed_store, preload_feeds
from meetbot.models import FeedCache, FeedFragment
from meetbot.services.feed_render import clear_render_cache


def _stored_feeds(client, create_group, create_series, count: int) -> list[str]:
    """``count`` group feeds rendered and stored, each newer and larger (one more
    series) than the one before; their keys, newest first."""
    keys = []
    for n in range(count):
        group = create_group(f"wg{n}")
        for m in range(n + 1):
            create_series(group, title=f"Call {m}", start=datetime(2026, 1, 5 + m, 15))
        assert client.get(f"/groups/{group.slug}/calendar.ics").status_code == 200
        key = f"group:{group.id}"
        db.session.execute(
            update(FeedCache)
            .where(FeedCache.key == key)
            .values(last_modified_dt=datetime(2026, 2, 1 + n, 12, tzinfo=UTC))
        )
        keys.append(key)
    db.session.commit()
    clear_render_cache()  # a new process: nothing in memory
    return keys[::-1]


def _stored_size(key: str) -> int:
    return db.session.scalar(
        select(func.length(FeedCache.body) + func.length(FeedCache.layout)).where(
            FeedCache.key == key
        )
    )


def _in_memory(key: str) -> bool:
    etag = db.session.scalar(select(FeedCache.etag).where(FeedCache.key == key))
    body = feed_store.body_cache().get(key)
    layout = feed_store.layout_cache().get(key)
    return body is not None and layout is not None and body[0] == layout[0] == etag


def test_the_newest_feeds_that_fit_the_budget_are_loaded(
    app, client, create_group, create_series
) -> None:
    newest, middle, oldest = _stored_feeds(client, create_group, create_series, 3)
    budget = _stored_size(newest) + _stored_size(oldest)  # not enough for the middle one too

    assert preload_feeds(budget) == [newest, oldest]

    assert [_in_memory(key) for key in (newest, middle, oldest)] == [True, False, True]
    assert feed_store.previous_feed(newest).body == db.session.scalar(
        select(FeedCache.body).where(FeedCache.key == newest)
    )


def test_a_budget_of_zero_loads_nothing_and_reads_nothing(
    app, client, create_group, create_series, count_queries
) -> None:
    (key,) = _stored_feeds(client, create_group, create_series, 1)

    with count_queries() as counter:
        assert preload_feeds(0) == []

    assert counter.count == 0
    assert not _in_memory(key)


def test_a_layout_that_does_not_describe_its_bytes_is_not_loaded(
    app, client, create_group, create_series
) -> None:
    good, bad = _stored_feeds(client, create_group, create_series, 2)
    db.session.execute(update(FeedCache).where(FeedCache.key == bad).values(layout=b"not a layout"))
    db.session.commit()

    assert preload_feeds(1 << 20) == [good]

    assert feed_store.body_cache().get(bad) is None
    assert feed_store.layout_cache().get(bad) is None


def test_after_the_preload_a_render_after_a_change_reads_no_previous_bytes(
    app, client, create_group, create_series, count_queries
) -> None:
    group = create_group("wg", timezone="Europe/Berlin")
    series = [create_series(group, title=f"Call {n}", start=datetime(2026, 1, 5 + n, 15))
              for n in range(3)]  # fmt: skip
    url = f"/groups/{group.slug}/calendar.ics"
    assert client.get(url).status_code == 200
    series[1].title = "Call 1 renamed"
    db.session.commit()
    clear_render_cache()
    assert preload_feeds(1 << 20) == [f"group:{group.id}"]

    with count_queries() as counter:
        answer = client.get(url)

    assert answer.status_code == 200
    assert b"SUMMARY:Call 1 renamed\r\n" in answer.data
    reads = [s for s in counter.statements if "feed_cache.layout" in " ".join(s.split())]
    assert reads == []
    # The same bytes as a render from nothing (no previous bytes, no fragments).
    clear_render_cache()
    db.session.execute(update(FeedCache).values(layout=None, revision=""))
    db.session.execute(delete(FeedFragment))
    db.session.commit()
    assert client.get(url).data == answer.data
