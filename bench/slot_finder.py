"""The slot finder's time for 2,000 and 20,000 people (docs/slot-finder.md).

People are spread over the bench's ten zones plus Kathmandu, Chatham and Lord Howe,
with a mix of windows and weekdays (a fixed random seed); the figure is the median of
three runs of the whole search (every slot and every alternating pair, 52 weeks),
including the aggregation of the people by zone, window and days.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from datetime import date

from meetbot.domain.slot_finder import Participant, find_slots

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Europe/London",
    "Asia/Shanghai",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Australia/Lord_Howe",
]
WINDOWS = [(480, 1200)] * 6 + [(420, 1140), (540, 1020), (600, 1320), (360, 840)]
DAYS = [frozenset(range(5))] * 4 + [frozenset(range(6))]
START = date(2027, 1, 4)


def people(n: int, seed: int = 18) -> list[Participant]:
    """``n`` people aggregated by (zone, window, days), as the service does."""
    rng = random.Random(seed)
    counts = Counter((rng.choice(ZONES), rng.choice(WINDOWS), rng.choice(DAYS)) for _ in range(n))
    return [Participant(z, c, w, d) for (z, w, d), c in sorted(counts.items(), key=str)]


def measure(
    sizes: tuple[int, ...] = (2_000, 20_000), rounds: int = 3
) -> list[tuple[int, int, float]]:
    """(people, groups after aggregation, median seconds) per size."""
    rows = []
    for n in sizes:
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            group = people(n)
            find_slots(group, start=START, weeks=52)
            times.append(time.perf_counter() - t0)
        rows.append((n, len(group), statistics.median(times)))
    return rows


if __name__ == "__main__":
    for n, groups, seconds in measure():
        print(f"{n:>6} people, {groups} groups: {seconds * 1000:.0f} ms")
