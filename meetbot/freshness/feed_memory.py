"""The feed render's in-process caches, each bounded by the bytes it holds.

The shared tables (``feed_cache``, ``feed_fragments``, ``feed_zones``) are what every
worker relies on; these caches only spare a worker the queries and parsing of what it
rendered or read recently. Each has a budget in bytes (a config key, read by
:func:`configure` when the app is created) and counts its entries as they are held:

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

The per-series fragments are not kept here (there was a cache of them, 16 MiB by
default): a feed's next render takes its unchanged series from its previous bytes
(``feed_store``: bytes and layout) and needs the fragment of a changed series only,
which it builds; a feed's first render (or one whose VTIMEZONE years moved, which no
kept fragment would match either) reads the fragments from the table in one
statement. Kept in memory they only spared a feed sharing the series that one read,
and held ~2 MiB of a bench worker, ~4 MiB of its RSS with the arenas they pinned
(issue 19).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from meetbot.freshness import feed_store
from meetbot.freshness.cache import BoundedCache
from meetbot.freshness.sizing import approx_size

# Default budgets (bytes).
SPAN_BYTES = 2 * 1024 * 1024
COMPONENT_BYTES = 4 * 1024 * 1024
BODY_BYTES = feed_store.BODY_CACHE_BYTES
LAYOUT_BYTES = feed_store.LAYOUT_CACHE_BYTES
# What a SPANS entry holds (its key and digest, the value tuples, the mapping's own
# slot), measured with tracemalloc (tests/freshness/test_feed_memory.py checks it).
SPAN_ENTRY_BYTES = 260

CONFIG_KEYS = {
    "MEETBOT_FEED_SPAN_BYTES": SPAN_BYTES,
    "MEETBOT_FEED_COMPONENT_BYTES": COMPONENT_BYTES,
    "MEETBOT_FEED_BODY_BYTES": BODY_BYTES,
    "MEETBOT_FEED_LAYOUT_BYTES": LAYOUT_BYTES,
}


def _component_size(key: Hashable, value: Any) -> int:
    return approx_size((key, value))


SPANS = BoundedCache(SPAN_BYTES, size_of=lambda _value: SPAN_ENTRY_BYTES)
COMPONENTS = BoundedCache(COMPONENT_BYTES, entry_size=_component_size)


def caches() -> dict[str, BoundedCache]:
    """Each cache by its config key."""
    return {
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
