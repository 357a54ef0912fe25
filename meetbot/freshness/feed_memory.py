"""The feed render's in-process caches, each bounded by the bytes it holds.

The shared tables (``feed_cache``, ``feed_fragments``, ``feed_zones``) are what every
worker relies on; these caches only spare a worker the queries and parsing of what it
rendered or read recently. Each has a budget in bytes (a config key, read by
:func:`configure` when the app is created) and counts its entries as they are held:

- ``FRAGMENTS``: (series id, digest, years) -> ``ical.Fragment`` (one series'
  components joined in one bytes object): its bytes object, plus per component its
  sort key and offset (:data:`PART_BYTES` and the key's text), plus the entry's key
  (``MEETBOT_FEED_FRAGMENT_BYTES``; a formula rather than ``approx_size``, which
  costs ~0.1 ms a fragment: 100 ms on a cold worker's 1,000 series);
- ``SPANS``: (series id, digest) -> (the years of the series' events,): a fixed
  :data:`SPAN_ENTRY_BYTES` each, measured with tracemalloc
  (``MEETBOT_FEED_SPAN_BYTES``);
- ``COMPONENTS``: (event, years) -> its serialized components, for the events built
  on every render that no fragment holds (one-off meetings, to-dos): ``approx_size``
  of key and value, the event included, which the key keeps alive
  (``MEETBOT_FEED_COMPONENT_BYTES``);
- the feed bytes of ``feed_store`` (key -> (ETag, bytes)): the bytes plus
  :data:`BODY_ENTRY_BYTES` (``MEETBOT_FEED_BODY_BYTES``);
- the feed layouts of ``feed_store`` (key -> (ETag, ``ical.Layout``)): the layout's
  ``size`` estimate (``MEETBOT_FEED_LAYOUT_BYTES``).

A render's own transients (rows, events, per-component bytes) are referenced from
none of them, so they die with the render.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Mapping
from typing import Any

from meetbot.freshness import feed_store
from meetbot.freshness.cache import BoundedCache
from meetbot.freshness.sizing import approx_size

# Default budgets (bytes). The largest feed (1,000 series) holds ~2 MiB of fragments.
FRAGMENT_BYTES = 16 * 1024 * 1024
SPAN_BYTES = 2 * 1024 * 1024
COMPONENT_BYTES = 4 * 1024 * 1024
BODY_BYTES = feed_store.BODY_CACHE_BYTES
LAYOUT_BYTES = feed_store.LAYOUT_CACHE_BYTES
# What a SPANS entry holds (its key and digest, the value tuples, the mapping's own
# slot), measured with tracemalloc (tests/freshness/test_feed_memory.py checks it).
SPAN_ENTRY_BYTES = 260
# A FRAGMENTS entry's key, the mapping's slot and the fragment object itself; and what
# one component adds besides its bytes and its key's text (the key tuple, three string
# headers, the offset, the slots in two tuples). Checked against tracemalloc by
# tests/freshness/test_feed_memory.py.
FRAGMENT_KEY_BYTES = 600
PART_BYTES = 260

CONFIG_KEYS = {
    "MEETBOT_FEED_FRAGMENT_BYTES": FRAGMENT_BYTES,
    "MEETBOT_FEED_SPAN_BYTES": SPAN_BYTES,
    "MEETBOT_FEED_COMPONENT_BYTES": COMPONENT_BYTES,
    "MEETBOT_FEED_BODY_BYTES": BODY_BYTES,
    "MEETBOT_FEED_LAYOUT_BYTES": LAYOUT_BYTES,
}


def _fragment_size(_key: Hashable, fragment: Any) -> int:
    first = fragment.keys[0] if fragment.keys else ("", "", "")
    per_part = PART_BYTES + sum(len(text) for text in first)
    return (
        sys.getsizeof(fragment.body)
        + FRAGMENT_KEY_BYTES
        + len(fragment.keys) * per_part
        + 80 * (len(fragment.tzids) + len(fragment.utc_times))
    )


def _component_size(key: Hashable, value: Any) -> int:
    return approx_size((key, value))


FRAGMENTS = BoundedCache(FRAGMENT_BYTES, entry_size=_fragment_size)
SPANS = BoundedCache(SPAN_BYTES, size_of=lambda _value: SPAN_ENTRY_BYTES)
COMPONENTS = BoundedCache(COMPONENT_BYTES, entry_size=_component_size)


def caches() -> dict[str, BoundedCache]:
    """Each cache by its config key."""
    return {
        "MEETBOT_FEED_FRAGMENT_BYTES": FRAGMENTS,
        "MEETBOT_FEED_SPAN_BYTES": SPANS,
        "MEETBOT_FEED_COMPONENT_BYTES": COMPONENTS,
        "MEETBOT_FEED_BODY_BYTES": feed_store.body_cache(),
        "MEETBOT_FEED_LAYOUT_BYTES": feed_store.layout_cache(),
    }


def configure(config: Mapping[str, Any]) -> None:
    """Apply the configured budgets (the process's caches: the last app created sets
    them; a smaller budget drops what no longer fits)."""
    for key, cache in caches().items():
        cache.resize(int(config.get(key) or CONFIG_KEYS[key]))
