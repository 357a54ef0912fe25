"""The one bounded cache type of the freshness package (every in-process cache uses it).

A thread-safe least-recently-used mapping from cachetools, bounded by item count or,
with ``size_of``, by total size (bytes). A value larger than the whole bound is not
kept. ``on_evict`` is told of every value dropped to make room (e.g. to close it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

from cachetools import LRUCache


class _LRU(LRUCache):
    def __init__(self, maxsize: int, size_of, on_evict) -> None:
        super().__init__(maxsize, getsizeof=size_of)
        self._on_evict = on_evict

    def popitem(self) -> tuple[Any, Any]:
        key, value = super().popitem()
        if self._on_evict is not None:
            self._on_evict(value)
        return key, value


class BoundedCache:
    """``get`` / ``put`` / ``pop`` / ``clear`` under one lock; LRU eviction."""

    def __init__(
        self,
        max_size: int,
        *,
        size_of: Callable[[Any], int] | None = None,
        on_evict: Callable[[Any], None] | None = None,
    ) -> None:
        self.max_size = max_size
        self._items = _LRU(max_size, size_of, on_evict)
        self._lock = threading.Lock()

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value of ``key`` (now the most recently used), or ``default``."""
        with self._lock:
            return self._items.get(key, default)

    def put(self, key: Hashable, value: Any) -> None:
        """Keep ``value`` (dropping the least recently used beyond the bound)."""
        with self._lock:
            try:
                self._items[key] = value
            except ValueError:  # larger than the whole bound: not kept
                self._items.pop(key, None)

    # The mapping protocol, for callers that take a MutableMapping (domain.ical).
    def __getitem__(self, key: Hashable) -> Any:
        with self._lock:
            return self._items[key]

    def __setitem__(self, key: Hashable, value: Any) -> None:
        self.put(key, value)

    def pop(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            return self._items.pop(key, default)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    @property
    def size(self) -> int:
        """Total size (bytes with ``size_of``, else the number of items)."""
        return int(self._items.currsize)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items
