"""The feed render's in-process caches are each bounded by the bytes they hold,
counted as tracemalloc sees them, with a config key; the calendar is assembled without
intermediate copies of its body (issue 19, point 4 and the render-memory row)."""

from __future__ import annotations

import gc
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest

from meetbot import create_app
from meetbot.domain import ical
from meetbot.domain.ical import SingleEvent
from meetbot.freshness import feed_memory, feed_store

BUDGET = 200_000
KEYS = {
    "MEETBOT_FEED_SPAN_BYTES": feed_memory.SPANS,
    "MEETBOT_FEED_COMPONENT_BYTES": feed_memory.COMPONENTS,
    "MEETBOT_FEED_BODY_BYTES": feed_store.body_cache(),
    "MEETBOT_FEED_LAYOUT_BYTES": feed_store.layout_cache(),
}


@pytest.fixture
def small_budgets():
    """An app whose feed caches have BUDGET bytes each; the defaults come back after."""
    create_app(
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"} | dict.fromkeys(KEYS, BUDGET)
    )
    for cache in KEYS.values():
        cache.clear()
    yield
    for cache in KEYS.values():
        cache.clear()
    feed_memory.configure({})


def _fragment(n: int, parts: int = 20) -> ical.Fragment:
    """A fragment like a series' (its bytes from ``n``, so none are shared)."""
    body = b"".join(
        f"BEGIN:VEVENT\r\nUID:{n}-{p}\r\n{'X' * 300}\r\nEND:VEVENT\r\n".encode()
        for p in range(parts)
    )
    index = [
        [f"series-{n}-slot-{p}@meetbot.test", f"2026010{p % 9}T100000", "VEVENT", 0]
        for p in range(parts)
    ]
    length = len(body) // parts
    for entry in index:
        entry[3] = length
    index[-1][3] += len(body) - length * parts
    meta = {"index": index, "tzids": ["Europe/Berlin"], "recurring_utc": False, "utc_times": []}
    return ical.Fragment.from_record(meta, body)


def _layout() -> bytes:
    """An encoded layout like a feed's: 20 series of 3 components and 10 one-offs."""
    years = (2021, 2031)
    fragments = [_fragment(n, parts=3) for n in range(20)]
    owners = [(n + 1, f"{n:040x}", (2025, 2026)) for n in range(20)]
    own = ical.build_fragment([_single(n) for n in range(10)], years)
    rendered = ical.assemble_feed(
        "Feed", "Europe/Berlin", [*fragments, own], [*owners, (ical.OWN, "", None)], years
    )
    return rendered.layout.encode()


def _single(n: int) -> SingleEvent:
    start = datetime(2026, 1, 1, 10, tzinfo=UTC) + timedelta(days=n)
    return SingleEvent(
        uid=f"meeting-{n}@meetbot.test",
        start_utc=start,
        end_utc=start + timedelta(hours=1),
        timezone="Europe/Berlin",
        title=f"One-off meeting number {n}",
        dtstamp=datetime(2025, 6, 1, tzinfo=UTC),
        description="Meeting page: https://meetbot.test/meetings/1\n\n" + "agenda " * 40,
    )


_LAYOUT = _layout()


def _real_bytes(fill) -> int:
    """What ``fill()`` leaves allocated (tracemalloc), with the cache holding it."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        fill()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


FILLS = {
    "MEETBOT_FEED_SPAN_BYTES": lambda n: feed_memory.SPANS.put((n, f"{n:040x}"), ((2021, 2031),)),
    "MEETBOT_FEED_COMPONENT_BYTES": lambda n: ical.build_fragment(
        [_single(n)], (2021, 2031), feed_memory.COMPONENTS
    ),
    "MEETBOT_FEED_BODY_BYTES": lambda n: feed_store.body_cache().put(
        f"feed-{n}", (f"{n:040x}", bytes(5_000) + str(n).encode())
    ),
    # Each decoded anew, as a worker reads it from the table (no strings shared).
    "MEETBOT_FEED_LAYOUT_BYTES": lambda n: feed_store.layout_cache().put(
        f"feed-{n}", (f"{n:040x}", ical.Layout.decode(_LAYOUT))
    ),
}


# Entries that fit in BUDGET bytes.
COUNTS = {
    "MEETBOT_FEED_SPAN_BYTES": 300,
    "MEETBOT_FEED_COMPONENT_BYTES": 40,
    "MEETBOT_FEED_BODY_BYTES": 30,
    "MEETBOT_FEED_LAYOUT_BYTES": 8,
}


@pytest.mark.parametrize("key", list(FILLS))
def test_each_cache_stays_within_its_budget_in_bytes(small_budgets, key) -> None:
    cache = KEYS[key]
    assert cache.max_size == BUDGET
    for n in range(5_000):
        FILLS[key](n)
        if len(cache) < n // 2:
            break
    assert len(cache) > 1
    assert cache.size <= BUDGET


@pytest.mark.parametrize("key", list(FILLS))
def test_each_cache_counts_what_its_entries_really_hold(small_budgets, key) -> None:
    """The counted bytes are within a third of what tracemalloc sees the entries hold
    (a count of entries, or of body bytes only, was off by 2-10x)."""
    cache = KEYS[key]
    # The process-wide lines (status, stamp) a first build makes are not the cache's.
    ical.build_fragment([_single(10_000)], (2021, 2031))
    count = COUNTS[key]

    def fill() -> None:
        for n in range(count):
            FILLS[key](n)

    real = _real_bytes(fill)
    assert len(cache) == count
    assert 0.75 * real <= cache.size <= 1.33 * real, (cache.size, real)


def test_the_calendar_is_assembled_without_copies_of_its_body() -> None:
    """Assembling fragments of B bytes allocates about B (the feed), not the 3 B of a
    join, then a concatenation, then another."""
    fragments = [_fragment(n, parts=50) for n in range(60)]
    body = sum(f.size for f in fragments)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        feed = ical.assemble_calendar(
            "Big", "UTC", fragments, (2021, 2031), zone_bytes=lambda *_: b""
        )
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert len(feed) > body
    assert peak < 1.5 * body, (peak, body)


def test_a_fragment_is_stored_and_read_back_without_copying_its_bytes() -> None:
    fragment = _fragment(1)
    meta, body = fragment.to_record()
    assert body is fragment.body
    again = ical.Fragment.from_record(meta, body)
    assert again.body is body
    assert [bytes(p) for _k, p in again.parts] == [bytes(p) for _k, p in fragment.parts]
