"""The one bounded cache type of the freshness package (every in-process cache uses it).

A thread-safe least-recently-used mapping, bounded by item count or, with
``size_of`` (of the value) or ``entry_size`` (of the key and the value), by total size
(bytes). Each entry is measured once, when it is kept (an estimate such as
``sizing.approx_size`` may differ between two calls). A value larger than the whole
bound is not kept.
``on_evict`` is told of every value dropped to make room (e.g. to close it).

Our own small class rather than cachetools: a hit sits on the hottest path (a feed
answered from memory in ~20 us), where cachetools' pure-Python LRU costs ~2 us a
lookup against ~0.3 us here.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

_MISSING = object()


class BoundedCache:
    """``get`` / ``put`` / ``pop`` / ``clear`` under one lock; LRU eviction."""

    def __init__(
        self,
        max_size: int,
        *,
        size_of: Callable[[Any], int] | None = None,
        entry_size: Callable[[Hashable, Any], int] | None = None,
        on_evict: Callable[[Any], None] | None = None,
    ) -> None:
        self.max_size = max_size
        self._size_of = size_of
        self._entry_size = entry_size
        self._on_evict = on_evict
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self._size = 0
        self._lock = threading.Lock()

    def _measure(self, key: Hashable, value: Any) -> int:
        if self._entry_size is not None:
            return self._entry_size(key, value)
        return 1 if self._size_of is None else self._size_of(value)

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value of ``key`` (now the most recently used), or ``default``.

        Without the lock: each OrderedDict call is atomic under the GIL, and a key
        evicted between the two calls is simply not moved. Writers take the lock,
        which guards the size accounting."""
        value = self._items.get(key, _MISSING)
        if value is _MISSING:
            return default
        with contextlib.suppress(KeyError):
            self._items.move_to_end(key)
        return value

    def put(self, key: Hashable, value: Any) -> None:
        """Keep ``value`` (dropping the least recently used beyond the bound)."""
        size = self._measure(key, value)
        evicted = []
        with self._lock:
            if self._items.pop(key, _MISSING) is not _MISSING:
                self._size -= self._sizes.pop(key)
            if size > self.max_size:
                return
            self._items[key] = value
            self._sizes[key] = size
            self._size += size
            self._shrink(self.max_size, evicted)
        if self._on_evict is not None:
            for dropped in evicted:
                self._on_evict(dropped)

    def _shrink(self, bound: int, evicted: list) -> None:
        """Drop the least recently used until the total is within ``bound`` (lock held)."""
        while self._size > bound:
            dropped_key, dropped = self._items.popitem(last=False)
            self._size -= self._sizes.pop(dropped_key)
            evicted.append(dropped)

    def resize(self, max_size: int) -> None:
        """A new bound (a configured budget), dropping what no longer fits."""
        evicted: list = []
        with self._lock:
            self.max_size = max_size
            self._shrink(max_size, evicted)
        if self._on_evict is not None:
            for dropped in evicted:
                self._on_evict(dropped)

    # The mapping protocol, for callers that take a MutableMapping (domain.ical).
    def __getitem__(self, key: Hashable) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __setitem__(self, key: Hashable, value: Any) -> None:
        self.put(key, value)

    def pop(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            value = self._items.pop(key, _MISSING)
            if value is _MISSING:
                return default
            self._size -= self._sizes.pop(key)
            return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._sizes.clear()
            self._size = 0

    @property
    def size(self) -> int:
        """Total size (bytes with ``size_of``, else the number of items)."""
        return self._size

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items
