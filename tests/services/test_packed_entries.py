"""Packed (key, text) entries (issue 19): the API's cached occurrences held as a few
large objects read back exactly as they were given."""

from __future__ import annotations

import gc
import tracemalloc
from datetime import UTC, datetime, timedelta

from meetbot.services.packed_entries import pack_entries
from meetbot.services.paging import page_of

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _entries(count: int) -> list:
    # Given out of order; one long meeting starts before the others and lasts.
    found = [
        (
            T0 + timedelta(hours=n),
            T0 + timedelta(hours=n, minutes=30),
            (f"{n:04d}", f"u{n}"),
            f"é{n}",
        )
        for n in range(1, count)
    ]
    found.append((T0, T0 + timedelta(days=2), ("0000", "long"), "long"))
    return found[::-1]


def test_a_window_reads_back_the_entries_in_key_order():
    packed = pack_entries(_entries(50))
    window = packed.window(T0 + timedelta(hours=10, minutes=15), T0 + timedelta(hours=13))
    assert list(window) == [
        (("0000", "long"), "long"),
        (("0010", "u10"), "é10"),
        (("0011", "u11"), "é11"),
        (("0012", "u12"), "é12"),
    ]
    # An entry is over when it ends at the window's start.
    assert [
        key
        for key, _ in packed.window(T0 + timedelta(hours=1, minutes=30), T0 + timedelta(hours=2))
    ] == [("0000", "long")]


def test_pages_of_a_window_follow_one_another():
    packed = pack_entries(_entries(50))
    window = packed.window(T0, T0 + timedelta(days=3))
    first, last = page_of(window, None, 20)
    second, last2 = page_of(window, last, 20)
    third, last3 = page_of(window, last2, 20)
    assert first + second + third == ["long"] + [f"é{n}" for n in range(1, 50)]
    assert last3 is None


def test_the_entries_are_a_few_objects_not_one_per_string():
    before = len(gc.get_objects())
    packed = pack_entries(_entries(2000))
    gc.collect()
    assert len(packed) == 2000
    # Arrays, one string and a tuple of compressed blocks: the collector tracks the tuple.
    assert len(gc.get_objects()) - before < 10
    assert all(isinstance(block, bytes) for block in packed.texts)


def _occurrence_json(n: int) -> str:
    """Text like the API's: most of it repeated from one occurrence to the next."""
    return (
        f'{{"end":"2026-01-{1 + n % 28:02d}T09:00:00Z","location":"#edge-meeting",'
        f'"meeting_id":null,"recurrence_id":"2026-01-{1 + n % 28:02d}T08:00:00Z",'
        f'"series_id":{n % 40},"start":"2026-01-{1 + n % 28:02d}T08:00:00Z",'
        f'"status":"scheduled","timezone":"Europe/Berlin","title":"Weekly sync é {n % 40}",'
        f'"uid":"series-{n % 40:032d}-slot-0@meetbot.test"}}'
    )


def test_the_texts_are_kept_compressed_and_read_back_across_blocks():
    count = 3000
    texts = [_occurrence_json(n) for n in range(count)]
    packed = pack_entries(
        (T0 + timedelta(minutes=n), T0 + timedelta(minutes=n + 30), (f"{n:05d}",), text)
        for n, text in enumerate(texts)
    )
    plain = sum(len(text) + 1 for text in texts)
    assert len(packed.texts) > 10  # many blocks, entries cut between two of them
    assert sum(len(block) for block in packed.texts) < plain / 4
    for first, last in ((0, 0), (0, count - 1), (45, 47), (1000, 1100), (count - 1, count - 1)):
        assert packed.texts_of(first, last) == ",".join(texts[first : last + 1])


def test_no_entries():
    assert list(pack_entries([]).window(T0, T0 + timedelta(days=1))) == []


def test_a_page_is_runs_of_the_texts_page_of_gives():
    """``page`` joins consecutive texts into one slice; with commas, the same list."""
    packed = pack_entries(_entries(50))
    window = packed.window(T0 + timedelta(hours=10, minutes=15), T0 + timedelta(days=3))
    for limit in (1, 3, 7, 100):
        after = None
        while True:
            runs, last = window.page(after, limit)
            texts, expected_last = page_of(window, after, limit)
            assert ",".join(runs) == ",".join(texts)
            assert last == expected_last
            if last is None:
                break
            after = last
    # The long meeting and the others are not consecutive entries: two runs.
    assert window.page(None, 3)[0] == ["long", "é10,é11"]


def test_building_holds_one_block_of_texts_at_a_time():
    """The texts written are dropped a block at a time (io.StringIO held every one of
    them until the end: a big group's 8,700 JSON texts at once, issue 19)."""
    count = 10_000
    text_chars = sum(len(_occurrence_json(n)) + 1 for n in range(count))

    def entries():
        for n in range(count):  # made one at a time: the input holds nothing
            yield (
                T0 + timedelta(minutes=n),
                T0 + timedelta(minutes=n + 30),
                (f"{n:05d}",),
                (_occurrence_json(n)),
            )

    gc.collect()
    tracemalloc.start()
    try:
        packed = pack_entries(entries())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(packed) == count
    # What stays (compressed texts ~0.5 MB, four arrays ~0.4 MB), a block being
    # compressed and zlib's state: ~1.1 MB; all the texts at once were ~7.9 MB.
    assert peak < text_chars / 2
