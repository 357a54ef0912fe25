"""The derived cache is bounded by the estimated bytes of its values, and one entry
per key is replaced when its fingerprint moves (issue 19, point 4)."""

from __future__ import annotations

import tracemalloc
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from meetbot import create_app
from meetbot.freshness import derived, tokens
from meetbot.freshness.sizing import approx_size

BUDGET = 100_000


@pytest.fixture(scope="module")
def small_app():
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": "x",
            "MEETBOT_DERIVED_CACHE_BYTES": BUDGET,
            "MEETBOT_TOKEN_MEMO_BYTES": BUDGET,
        }
    )


@pytest.fixture
def store(small_app):
    with small_app.app_context():
        small_app.extensions.pop("meetbot_derived_cache", None)
        derived.cached("warm-up", lambda: 0)
        yield small_app.extensions["meetbot_derived_cache"]


def test_eviction_by_bytes_keeps_the_most_recent_within_the_budget(store) -> None:
    for n in range(6):
        derived.cached(("text", n), lambda n=n: str(n) * 30_000)
    # 30 kB each: three fit in 100 kB (the warm-up entry went first).
    assert [key for key in store._items] == [("text", 3), ("text", 4), ("text", 5)]
    assert store.size <= BUDGET
    # A value bigger than the whole budget is computed but not kept.
    assert derived.cached("huge", lambda: "h" * (BUDGET + 1)) == "h" * (BUDGET + 1)
    assert "huge" not in store


def test_an_entry_is_replaced_when_its_fingerprint_moves(store) -> None:
    assert derived.cached("k", lambda: "first", fingerprint=1) == "first"
    assert derived.cached("k", lambda: "unused", fingerprint=1) == "first"
    assert derived.cached("k", lambda: "second", fingerprint=2) == "second"
    assert derived.cached("k", lambda: "third", fingerprint=1) == "third"
    assert sum(1 for key in store._items if key == "k") == 1
    assert len(store) == 2  # the warm-up entry and "k": no stale keys


@dataclass(frozen=True)
class _Row:
    title: str
    start: datetime
    location: str


def test_approx_size_is_near_what_the_value_allocates() -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        rows = [
            _Row(f"Meeting number {n} of the group", base + timedelta(hours=n), f"#chan-{n}")
            for n in range(5_000)
        ]
        allocated = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert 0.7 * allocated <= approx_size(rows) <= 1.5 * allocated


class _Still:
    """A watcher of a database nobody writes to: the token never moves."""

    def token(self) -> object:
        return 7


def test_the_token_memo_is_bounded_by_bytes(small_app) -> None:
    with small_app.app_context():
        small_app.extensions.pop("meetbot_fingerprint_memo", None)
        tokens.begin_request_token(_Still())
        try:
            for n in range(6):
                derived.while_unchanged(("summary", n), lambda n=n: str(n) * 30_000)
            memo = small_app.extensions["meetbot_fingerprint_memo"]
            assert list(memo._items) == [("summary", 3), ("summary", 4), ("summary", 5)]
            assert memo.size <= BUDGET
            # Still answered from the memo while the token stands.
            assert derived.while_unchanged(("summary", 5), lambda: "recomputed") == "5" * 30_000
        finally:
            tokens.end_request_token()


class _Value(list):
    """A list that can be weakly referenced."""


def test_the_stale_value_is_dropped_before_its_replacement_is_computed(store) -> None:
    """The process never holds a key's old and new value at once (a big group's window
    twice at the peak of the first view after a change)."""
    old = derived.cached("window", lambda: _Value(range(100)), fingerprint=1)
    gone = weakref.ref(old)
    del old
    seen_inside = []

    def compute() -> _Value:
        seen_inside.append((gone() is None, "window" in store))
        return _Value(range(10))

    assert derived.cached("window", compute, fingerprint=2) == list(range(10))
    assert seen_inside == [(True, False)]
    # The same in cached_many.
    derived.cached_many({"a": 1}, lambda keys: {k: _Value([k]) for k in keys})
    gone = weakref.ref(store.get("a")[1])
    seen_inside.clear()

    def compute_many(keys: list) -> dict:
        seen_inside.append((gone() is None, "a" in store))
        return {k: _Value([k, k]) for k in keys}

    assert derived.cached_many({"a": 2}, compute_many) == {"a": ["a", "a"]}
    assert seen_inside == [(True, False)]
