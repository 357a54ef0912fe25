"""The conflict cache counts each occurrence once (issue 19, point 4): a group's
conflicts point at the occurrences its share entries already hold and count, so the
derived cache's size stays near what it really holds and a big group's conflicts do
not push the shares out (which made every group page expand all groups again)."""

from __future__ import annotations

import gc
import tracemalloc
from datetime import UTC, datetime

from flask import current_app

from meetbot.services.conflicts import find_conflicts

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def test_the_cache_size_is_what_the_conflicts_and_shares_hold(
    create_group, create_series, time_machine
):
    time_machine.move_to(NOW, tick=False)
    first, second = create_group(), create_group()
    for n in range(20):
        # One pair a week per hour: 20 conflicts a week, each of its own two occurrences.
        for group in (first, second):
            create_series(group, start=datetime(2026, 1, 6, n, 0), location=f"#room-{n}")
    assert len(find_conflicts(group=first, days=91)) == 20 * 13  # rows loaded, warm
    store = current_app.extensions["meetbot_derived_cache"]
    store.clear()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        found = find_conflicts(group=first, days=91)
        del found
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # Counting the occurrences again in the conflicts entry made it ~1.8x.
    assert 0.7 * held <= store.size <= 1.3 * held
